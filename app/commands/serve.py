"""``prguard serve``: the webhook service under gunicorn, plus (embedded default) a worker thread."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import click

from app.commands.bind import BindAddress, bind_port, format_bind
from prguard.configured import configured
from prguard.logs import configure_logging

APP_SPEC = "app.factory:create_app()"
# With --metrics-bind: both listeners in one gunicorn, the app picked by the port a request arrived on.
LISTENERS_SPEC = "app.listeners:create_listeners(metrics_port={port})"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
STOP_SECONDS = 30
# How much lower the embedded worker thread's CPU priority is than the web service's: the two share
# the machine's cores, and an answer to GitHub cannot wait (10 s; bursts of hundreds of deliveries)
# while a score can. An idle machine still gives the worker all the CPU it wants.
EMBEDDED_WORKER_NICENESS = 10


def prepare_metrics_dir(data_dir: Path) -> Path:
    """A fresh directory for prometheus_client's multiprocess mode (stale files would add old counts).

    Set in this process too, before the worker thread creates its first metric, so the worker's
    job and GitHub metrics show up on the service's /metrics.
    """
    path = (data_dir / "prometheus").resolve()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    if "prometheus_client.values" in sys.modules:  # imported already: switch its value class now
        from prometheus_client import values

        values.ValueClass = values.get_value_class()
    return path


def run_embedded_worker(settings, stop: threading.Event) -> None:
    """The job worker as a thread of ``prguard serve``, at a lower CPU priority than gunicorn."""
    from app.worker import run_worker  # after prepare_metrics_dir: its metrics go to the shared dir

    if sys.platform.startswith("linux"):
        # On Linux a thread id names one thread for setpriority: only this thread is lowered.
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread,
                       min(os.getpriority(os.PRIO_PROCESS, thread) + EMBEDDED_WORKER_NICENESS, 19))
    run_worker(settings, stop)


def gunicorn_command(bind: str, workers: int,
                     metrics_bind: tuple[str, int] | None = None) -> list[str]:
    binds = ["--bind", bind]
    spec = APP_SPEC
    if metrics_bind is not None:
        binds += ["--bind", format_bind(metrics_bind)]
        spec = LISTENERS_SPEC.format(port=metrics_bind[1])
    return [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf", *binds,
            "--workers", str(workers), spec]


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, metavar="HOST:PORT",
              help="Address to listen on (0.0.0.0:8000 in a container).")
@click.option("--metrics-bind", type=BindAddress(), default=None,
              help="Serve /metrics, /healthz and /readyz on this address only, and only the webhook on "
                   "--bind (in a cluster: 0.0.0.0:9090, a port the Ingress never routes). Default: "
                   "everything on --bind.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Gunicorn worker processes.")
@click.option("--with-worker/--no-worker", default=None,
              help="Also run the job worker in this process. Default: on with the embedded SQLite "
                   "store, off with MONGO_URI (run `prguard worker` separately).")
@configured("webhook")
def serve(settings, bind: str, metrics_bind: tuple[str, int] | None, workers: int,
          with_worker: bool | None) -> None:
    """Run the GitHub App webhook service (POST /webhooks/github, /healthz, /readyz, /metrics)."""
    if metrics_bind is not None and bind_port(bind) == metrics_bind[1]:
        # The listener is told apart by its port: one port for both would put /metrics on the webhook's.
        raise click.UsageError(f"--metrics-bind needs a port of its own: --bind {bind} and --metrics-bind "
                               f"{format_bind(metrics_bind)} use the same port")
    configure_logging(settings.log_level, settings.log_format)
    if not settings.github_webhook_secret:
        click.echo("warning: GITHUB_WEBHOOK_SECRET is not set; every webhook will be refused with 503",
                   err=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_metrics_dir(settings.data_dir)
    if with_worker is None:
        with_worker = not settings.mongo_uri

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = subprocess.Popen(gunicorn_command(bind, workers, metrics_bind), env=dict(os.environ))
    worker_thread = None
    if with_worker:
        # The same settings as `prguard worker`: PRGUARD_WORKER_POLL_SECONDS, PRGUARD_JOB_*BACKOFF_SECONDS,
        # PRGUARD_GITHUB_TIMEOUT_SECONDS, PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS and _WRITES_PER_HOUR.
        worker_thread = threading.Thread(target=run_embedded_worker, args=(settings, stop),
                                         name="prguard-worker")
        worker_thread.start()
    metrics_at = f", metrics and probes on http://{format_bind(metrics_bind)}" if metrics_bind else ""
    click.echo(f"prguard serve: http://{bind}{metrics_at} (worker {'on' if with_worker else 'off'})",
               err=True)
    while not stop.is_set() and server.poll() is None:
        stop.wait(0.5)
    stop.set()
    code = server.poll()
    if code is None:
        server.terminate()  # gunicorn finishes in-flight requests on SIGTERM
        try:
            code = server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
    if worker_thread is not None:
        worker_thread.join(STOP_SECONDS)
    # A negative code means gunicorn died from a signal we did not send.
    sys.exit(code if code and code > 0 else int(bool(code)))
