"""The service as a user runs it: `prguard serve` (real gunicorn) and `prguard worker` subprocesses."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.support.webhooks import SECRET, headers

PRGUARD = str(Path(sys.executable).with_name("prguard"))
# Short leases and backoffs keep retries and crash recovery within seconds.
FAST_ENV = {
    "PRGUARD_JOB_LEASE_SECONDS": "3",
    "PRGUARD_JOB_BACKOFF_SECONDS": "0.3",
    "PRGUARD_JOB_MAX_BACKOFF_SECONDS": "1.5",
    "PRGUARD_JOB_MAX_ATTEMPTS": "30",
    "PRGUARD_WORKER_POLL_SECONDS": "0.1",
    "PRGUARD_GITHUB_TIMEOUT_SECONDS": "2",
    "PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS": "0.1",
    "PRGUARD_MODEL_REFRESH_SECONDS": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Service:
    """A server and workers sharing one SQLite store under ``data_dir``."""

    def __init__(self, data_dir: Path, tracking_uri: str, github=None, extra_env: dict | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **FAST_ENV, "PRGUARD_DATA_DIR": str(data_dir), "GITHUB_WEBHOOK_SECRET": SECRET,
                    "MLFLOW_TRACKING_URI": tracking_uri, **(extra_env or {})}
        for name in ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_PATH", "GITHUB_TOKEN",
                     "MONGO_URI"):
            if name not in (extra_env or {}):
                self.env.pop(name, None)
        if github is not None:
            self.env.update(GITHUB_APP_ID=str(github.app_id), GITHUB_APP_PRIVATE_KEY=github.private_key_pem,
                            GITHUB_API_URL=github.base_url)
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        with open(self.data_dir / f"{name}.log", "ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen([PRGUARD, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=self.data_dir.parent)

    def start_server(self, embedded_worker: bool = False) -> None:
        """``prguard serve``: gunicorn only, or with the embedded worker thread (the no-config default)."""
        flag = "--with-worker" if embedded_worker else "--no-worker"
        self.server = self._spawn(["serve", flag, "--bind", f"127.0.0.1:{self.port}"], "server")
        try:
            wait_until(self._healthy, 120, 0.2, "the server's /healthz")
        except BaseException:
            self.stop()  # a fixture that fails before its yield never reaches its own teardown
            raise

    def _healthy(self) -> bool:
        if self.server.poll() is not None:
            raise AssertionError(f"server exited with {self.server.returncode}:\n{self.logs('server')}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):  # refused, reset, or a read timeout on a loaded machine
            return False

    def start_worker(self) -> subprocess.Popen:
        """``prguard worker``, returned once it has started (imports take tens of seconds on a busy
        machine; a test's own timeouts should not include them)."""
        name = f"worker{len(self.workers)}"
        worker = self._spawn(["worker"], name)
        self.workers.append(worker)

        def started() -> bool:
            if worker.poll() is not None:
                raise AssertionError(f"worker exited with {worker.returncode}:\n{self.logs(name)}")
            log = self.data_dir / f"{name}.log"
            return log.exists() and " started" in log.read_text(errors="replace")
        try:
            wait_until(started, 180, 0.1, f"{name} to start")
        except BaseException:
            self.stop()
            raise
        return worker

    def worker_holding(self, lease_owner: str) -> subprocess.Popen:
        """The worker process whose id (``host:pid:suffix``) holds a job's lease."""
        pid = int(lease_owner.split(":")[1])
        (worker,) = [w for w in self.workers if w.pid == pid]
        return worker

    def kill_worker(self, worker: subprocess.Popen, sig: int = signal.SIGKILL) -> int:
        worker.send_signal(sig)
        return worker.wait(30)

    def post(self, event: str, payload: dict, delivery_id: str | None = None) -> tuple[int, float]:
        """Sign and POST like GitHub; returns (status, seconds to answer)."""
        body = json.dumps(payload).encode()
        request = urllib.request.Request(f"{self.url}/webhooks/github", data=body, method="POST",
                                         headers=headers(event, body, SECRET, delivery_id or str(uuid.uuid4())))
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, time.monotonic() - started

    def logs(self, name: str | None = None) -> str:
        files = sorted(self.data_dir.glob(f"{name}*.log" if name else "*.log"))
        return "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-4000:]}" for f in files)

    def stop(self) -> None:
        for proc in [*self.workers, self.server]:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, self.server]:
            if proc is not None:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
