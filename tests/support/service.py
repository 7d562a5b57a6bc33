"""Runs the real service (`prguard serve`, gunicorn) on a free 127.0.0.1 port for integration tests."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

PRGUARD = str(Path(sys.executable).with_name("prguard"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, status: int = 200, timeout: float = 60.0, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service exited with {process.returncode} before {url} answered")
        try:
            last = requests.get(url, timeout=2)
            if last.status_code == status:
                return last
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {status} within {timeout} s (last: "
                       f"{last.status_code if last is not None else 'no answer'})")


def stop(process: subprocess.Popen, seconds: float = 40) -> None:
    """SIGTERM, as Kubernetes sends it; SIGKILL to the whole group after ``seconds``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_service(data_dir: Path, secret: str, workers: int = 2, with_worker: bool = False,
                    extra_env: dict[str, str] | None = None, metrics_port: int | None = None):
    """Yield ``(base_url, process)`` of `prguard serve`; stopped with SIGTERM (as Kubernetes does).

    With ``metrics_port`` the service runs as in the cluster: the webhook on ``base_url``, /metrics and the
    probes on ``http://127.0.0.1:METRICS_PORT`` only (``--metrics-bind``).
    """
    port = free_port()
    env = {**os.environ, "PRGUARD_DATA_DIR": str(data_dir), "GITHUB_WEBHOOK_SECRET": secret,
           "PRGUARD_LOG_FORMAT": "json", **(extra_env or {})}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log_path = data_dir / "serve.log"
    with open(log_path, "wb") as log:
        listeners = ["--metrics-bind", f"127.0.0.1:{metrics_port}"] if metrics_port else []
        process = subprocess.Popen(
            [PRGUARD, "serve", "--bind", f"127.0.0.1:{port}", *listeners, "--workers", str(workers),
             "--with-worker" if with_worker else "--no-worker"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base_url = f"http://127.0.0.1:{port}"
        probes_url = f"http://127.0.0.1:{metrics_port}" if metrics_port else base_url
        try:
            wait_for(f"{probes_url}/healthz", process=process)
            yield base_url, process
        finally:
            stop(process)
    process.log = log_path.read_text(errors="replace")  # for assertions on shutdown and logs


@contextlib.contextmanager
def running_worker(data_dir: Path, metrics_port: int, extra_env: dict[str, str] | None = None):
    """Yield the `prguard worker --metrics-bind 127.0.0.1:METRICS_PORT` process; stopped with SIGTERM."""
    env = {**os.environ, "PRGUARD_DATA_DIR": str(data_dir), "PRGUARD_LOG_FORMAT": "json",
           "PRGUARD_WORKER_POLL_SECONDS": "0.2", **(extra_env or {})}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log_path = data_dir / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([PRGUARD, "worker", "--metrics-bind", f"127.0.0.1:{metrics_port}"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(f"http://127.0.0.1:{metrics_port}/healthz", process=process)
            yield process
        finally:
            stop(process)
    process.log = log_path.read_text(errors="replace")
