"""``prguard worker``: run the job worker until SIGTERM/SIGINT, finishing the job in hand first."""
from __future__ import annotations

import signal
import threading

import click

from app.commands.bind import BindAddress, format_bind
from app.metrics_server import MetricsServer
from app.worker import run_worker
from prguard.configured import configured
from prguard.config import ConfigError
from prguard.logs import configure_logging

# Each option overrides one setting; left out, the setting's environment variable (or its default)
# applies, the same one `prguard serve` gives its embedded worker.
_SECONDS = click.FloatRange(min=0.0)
_POSITIVE_SECONDS = click.FloatRange(min=0.0, min_open=True)


@click.command()
@click.option("--metrics-bind", type=BindAddress(), default=None,
              help="Serve /metrics and /healthz on this address (in a cluster: 0.0.0.0:9090). Default: none.")
@click.option("--poll-seconds", type=_POSITIVE_SECONDS, default=None,
              help="Pause between looks at an empty queue. [setting: PRGUARD_WORKER_POLL_SECONDS, 1 s]")
@click.option("--backoff-seconds", type=_SECONDS, default=None,
              help="First retry delay of a failed job; doubles per attempt. "
                   "[setting: PRGUARD_JOB_BACKOFF_SECONDS, 2 s]")
@click.option("--max-backoff-seconds", type=_SECONDS, default=None,
              help="Upper bound of a retry delay. [setting: PRGUARD_JOB_MAX_BACKOFF_SECONDS, 600 s]")
@click.option("--github-timeout", type=_POSITIVE_SECONDS, default=None,
              help="Seconds to wait for one GitHub API answer. "
                   "[setting: PRGUARD_GITHUB_TIMEOUT_SECONDS, 30 s]")
@configured("worker")
def worker(settings, metrics_bind: tuple[str, int] | None, poll_seconds: float | None,
           backoff_seconds: float | None, max_backoff_seconds: float | None,
           github_timeout: float | None) -> None:
    """Turn queued webhook jobs into check runs (scores PRs with the champion model)."""
    overrides = {"worker_poll_seconds": poll_seconds, "job_backoff_seconds": backoff_seconds,
                 "job_max_backoff_seconds": max_backoff_seconds, "github_timeout_seconds": github_timeout}
    settings = settings.replace(**{name: value for name, value in overrides.items() if value is not None})
    if settings.job_max_backoff_seconds < settings.job_backoff_seconds:
        raise ConfigError(f"the maximum backoff ({settings.job_max_backoff_seconds:g} s) is below the "
                          f"first backoff ({settings.job_backoff_seconds:g} s); raise "
                          "--max-backoff-seconds or lower --backoff-seconds")
    configure_logging(settings.log_level, settings.log_format)
    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        # Finish the job in hand (its lease would otherwise have to expire first), then exit.
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server = None
    if metrics_bind is not None:
        try:
            server = MetricsServer(metrics_bind, alive=lambda: not stop.is_set()).start()
        except OSError as exc:
            raise click.UsageError(f"cannot listen on --metrics-bind {format_bind(metrics_bind)}: "
                                   f"{exc.strerror or exc}") from None
        click.echo(f"prguard worker: metrics on http://{format_bind(metrics_bind)}/metrics", err=True)
    try:
        run_worker(settings, stop)
    finally:
        if server is not None:
            server.close()
