"""Benchmark: webhook intake of `prguard serve` against a bare Flask ceiling on the same gunicorn shape.

Run: .venv/bin/python -m perf.bench_intake [--runs 3] [--seconds 15] [--threads 2] [--connections 16]
                                            [--bodies 30000] [--code DIR]
Each run starts, side by side, the ceiling (perf/intake/ceiling_app.py: a Flask app that only reads the
body, under PRGuard's gunicorn config, 2 workers) and `prguard serve` on embedded defaults (SQLite under
a fresh data dir, its worker thread on, a champion registered so the worker scores with a loaded
model), and drives each in turn with wrk (Debian's package; installed here if missing) sending GitHub's
24 KB example pull_request delivery, signed, a unique delivery id per request and a PR number per body
(``--bodies`` distinct PRs, so no job is merged into another). It prints requests/s, p50, p99 and errors
of both and their ratio, counts the accepted deliveries and the stored jobs after the run, and prints
the resident memory of a gunicorn worker and of the process whose worker thread holds the model.
``--code DIR`` serves PRGuard from another checkout (its ``prguard`` and ``app`` packages), and
``--baseline DIR`` adds a second `prguard serve` from DIR (e.g. main's) to every run, driven right after the
same ceiling: before and after side by side. The machine's load average is printed per run:
figures are only comparable as ratios measured in one run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from perf.intake.report import LoadResult, parse_wrk, spread
from prguard.github.signature import sign
from tests.support.webhooks import SECRET, example, headers

ROOT = Path(__file__).resolve().parents[1]

LUA = ROOT / "perf" / "intake" / "deliveries.lua"
CEILING_APP = "perf.intake.ceiling_app:create_app()"
# Placeholders written into the example once, replaced per body (cheaper than 30,000 json.dumps).
NUMBER, SHA = 987654321, "f" * 40
TARGETS = {"ratio": 0.5, "p99_ms": 50.0, "rss_mb": 350.0}
# Variables of the caller's environment that would take `prguard serve` off its embedded defaults.
NOT_EMBEDDED = ("GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_PATH", "GITHUB_TOKEN",
                "MONGO_URI", "PROMETHEUS_MULTIPROC_DIR", "MLFLOW_TRACKING_URI", "PRGUARD_DATA_DIR")


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package first when it is missing (the benchmark runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not installed: apt-get install wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get install wrk did not put wrk on PATH")
    return found


def body_template() -> str:
    payload = example("pull_request", "opened", index=1)  # GitHub's 24 KB example
    payload["number"] = payload["pull_request"]["number"] = NUMBER
    payload["pull_request"]["head"]["sha"] = SHA
    template = json.dumps(payload)
    assert template.count(str(NUMBER)) == 2 and template.count(SHA) == 1, "placeholders must be unique"
    return template


def delivery_body(template: str, number: int) -> bytes:
    return template.replace(str(NUMBER), str(number)).replace(SHA, f"{number:040x}").encode()


def write_bodies(path: Path, count: int) -> int:
    """``signature<TAB>body`` lines for PRs 1..count (line i is PR i + 1); the body size in bytes."""
    template = body_template()
    with open(path, "wb") as out:
        for number in range(1, count + 1):
            body = delivery_body(template, number)
            out.write(sign(SECRET, body).encode() + b"\t" + body + b"\n")
    return len(delivery_body(template, count))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server subprocess (its own session), its log in a file, stopped by its own pid."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, log_dir: Path):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(log_dir / f"{name}.log", "ab") as log:
            self.process = subprocess.Popen([*argv, "--bind", f"127.0.0.1:{self.port}"], env=env, cwd=cwd,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log_text = (log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"{name} did not start:\n{log_text}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def gunicorn_workers(self) -> list[psutil.Process]:
        """The gunicorn worker processes: the deepest descendants (serve -> gunicorn master -> workers)."""
        descendants = psutil.Process(self.process.pid).children(recursive=True)
        masters = [p for p in descendants if p.children()]
        return [p for p in descendants if p not in masters] if masters else descendants

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn and prguard serve stop their own children on SIGTERM
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def rss_mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


def cpu_seconds(processes: list[psutil.Process]) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def drive_measured(wrk: str, server: Server, bodies: Path, args, run_id: str) -> tuple[LoadResult, dict]:
    """The load, and the CPU its server's processes used per request: a figure that, unlike req/s,
    hardly depends on what else the machine runs."""
    workers, supervisor = server.gunicorn_workers(), psutil.Process(server.process.pid)
    before = cpu_seconds(workers), cpu_seconds([supervisor])
    result = drive(wrk, server.url, bodies, args, run_id)
    used = cpu_seconds(workers) - before[0], cpu_seconds([supervisor]) - before[1]
    per = max(result.requests, 1)
    return result, {"cpu_ms": used[0] / per * 1000, "supervisor_cpu_ms": used[1] / per * 1000}


def drive(wrk: str, url: str, bodies: Path, args, run_id: str) -> LoadResult:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", str(bodies), str(args.threads), run_id]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 120)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def post_one(url: str, template: str, number: int, delivery_id: str) -> int:
    body = delivery_body(template, number)
    request = urllib.request.Request(f"{url}/webhooks/github", data=body, method="POST",
                                     headers=headers("pull_request", body, SECRET, delivery_id))
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def wait_for_check_run(sqlite_path: Path, head_sha: str, timeout: float) -> bool:
    """True once the worker recorded a check run for ``head_sha`` (it had loaded the model to score it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sqlite_path.exists():
            with sqlite3.connect(sqlite_path, timeout=30) as db:
                if db.execute("SELECT 1 FROM check_runs WHERE head_sha = ?", (head_sha,)).fetchone():
                    return True
        time.sleep(0.25)
    return False


def count_intake(sqlite_path: Path, run_id: str) -> dict[str, int]:
    """Accepted deliveries of the wrk run, and the score jobs of the PRs they named."""
    with sqlite3.connect(sqlite_path, timeout=60) as db:
        delivered = [row[0] for row in db.execute(
            "SELECT delivery_id FROM deliveries WHERE state = 'done' AND delivery_id LIKE ?",
            (f"{run_id}-%",))]
        payloads = [json.loads(row[0]) for row in db.execute(
            "SELECT payload FROM jobs WHERE kind = 'score_pull_request'")]
    prs = {int(d.rsplit("-", 1)[1]) + 1 for d in delivered}
    jobs = [p for p in payloads if str(p.get("delivery_id", "")).startswith(f"{run_id}-")]
    with_job = {p["number"] for p in jobs}
    return {"accepted": len(delivered), "prs": len(prs), "jobs": len(jobs),
            "without_job": len(prs - with_job)}


def prguard_env(data_dir: Path, tracking_uri: str, code: Path | None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in NOT_EMBEDDED}
    env.update(PRGUARD_DATA_DIR=str(data_dir), GITHUB_WEBHOOK_SECRET=SECRET, MLFLOW_TRACKING_URI=tracking_uri)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def measure_prguard(name: str, code: Path | None, index: int, args, wrk: str, bodies: Path,
                    tracking_uri: str, run_dir: Path) -> dict:
    """Start `prguard serve` from ``code`` on a fresh data dir, load the model, drive it, count, stop."""
    data_dir = run_dir / f"{name}-data" / "var"  # not run_dir/prguard: gunicorn puts its cwd on sys.path
    data_dir.mkdir(parents=True)
    server = Server(name, [str(Path(sys.executable).with_name("prguard")), "serve", "--with-worker"],
                    prguard_env(data_dir, tracking_uri, code), run_dir, run_dir)
    sqlite_path = data_dir / "prguard.sqlite3"
    run_id = f"r{index}x{os.getpid()}"
    try:
        warm = args.bodies + 1  # a PR outside the bodies file: the worker loads the model to score it
        post_one(server.url, body_template(), warm, f"warm-{index}")
        model_loaded = wait_for_check_run(sqlite_path, f"{warm:040x}", 180)
        result, cpu = drive_measured(wrk, server, bodies, args, run_id)
        memory = {"gunicorn_worker_mb": max(rss_mb(p) for p in server.gunicorn_workers()),
                  "model_worker_mb": rss_mb(psutil.Process(server.process.pid))}
    finally:
        server.stop()
    return {"result": result, "model_loaded": model_loaded, **cpu, **memory,
            **count_intake(sqlite_path, run_id)}


def show(name: str, result: LoadResult) -> None:
    print(f"  {name:21} {result.per_second:8,.0f} req/s  p50 {result.p50_ms:7.1f} ms  "
          f"p99 {result.p99_ms:7.1f} ms  max {result.max_ms:7.1f} ms  errors {result.errors}  "
          f"({result.requests:,} requests)")


def one_run(index: int, args, wrk: str, bodies: Path, body_bytes: int, tracking_uri: str, work: Path) -> dict:
    run_dir = work / f"run{index}"
    run_dir.mkdir(parents=True)
    load = os.getloadavg()
    ceiling_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ceiling = Server("ceiling", [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
                                 "--workers", "2", CEILING_APP], ceiling_env, ROOT, run_dir)
    try:
        base, base_cpu = drive_measured(wrk, ceiling, bodies, args, f"ceiling{index}")
        ceiling_mb = max(rss_mb(p) for p in ceiling.gunicorn_workers())
    finally:
        ceiling.stop()
    servers = {"prguard serve": args.code}
    if args.baseline is not None:
        servers = {"baseline": args.baseline, **servers}
    measured = {name: measure_prguard(name.split()[0], code, index, args, wrk, bodies, tracking_uri, run_dir)
                for name, code in servers.items()}
    print(f"run {index}: load average {load[0]:.2f} (1 min) at its start, body {body_bytes:,} bytes, "
          f"ceiling's gunicorn worker {ceiling_mb:.0f} MB, {base_cpu['cpu_ms']:.2f} ms CPU per request")
    show("ceiling (bare Flask)", base)
    row = {"ceiling": base, "load": load[0], "ceiling_cpu_ms": base_cpu["cpu_ms"]}
    for name, m in measured.items():
        ratio = m["result"].per_second / base.per_second if base.per_second else 0.0
        show(name, m["result"])
        print(f"    ratio {ratio:.2f}; CPU per request {m['cpu_ms']:.2f} ms in gunicorn workers, "
              f"{m['supervisor_cpu_ms']:.2f} ms in the worker process; model loaded before the load: "
              f"{'yes' if m['model_loaded'] else 'NO'}")
        print(f"    accepted deliveries {m['accepted']:,} for {m['prs']:,} PRs, score jobs {m['jobs']:,}, "
              f"PRs without a job {m['without_job']}")
        if m["result"].requests > args.bodies:
            print(f"    note: {m['result'].requests:,} requests reused the {args.bodies:,} bodies: "
                  "repeated PRs share a job")
        print(f"    RSS: gunicorn worker {m['gunicorn_worker_mb']:.0f} MB, worker with the model "
              f"{m['model_worker_mb']:.0f} MB")
        row[name] = dict(m, ratio=ratio)
    return row


def met(ok: bool) -> str:
    return "(met)" if ok else "(NOT met)"


def summary(runs: list[dict]) -> None:
    def column(key, field, attr=None):
        values = [run[key][field] if field else run[key] for run in runs]
        return [getattr(v, attr) for v in values] if attr else values

    print(f"\nover {len(runs)} runs (min/median/max); load average {spread(column('load', None))}:")
    ceiling = [run["ceiling"] for run in runs]
    print(f"  ceiling        req/s {spread([r.per_second for r in ceiling])}  "
          f"p50 ms {spread([r.p50_ms for r in ceiling])}  p99 ms {spread([r.p99_ms for r in ceiling])}  "
          f"errors {spread([r.errors for r in ceiling], 0)}  "
          f"CPU ms/request {spread(column('ceiling_cpu_ms', None), 2)}")
    for name in [key for key in runs[0] if isinstance(runs[0][key], dict)]:
        print(f"  {name:14} req/s {spread(column(name, 'result', 'per_second'))}  "
              f"p50 ms {spread(column(name, 'result', 'p50_ms'))}  "
              f"p99 ms {spread(column(name, 'result', 'p99_ms'))}  "
              f"errors {spread(column(name, 'result', 'errors'), 0)}  "
              f"CPU ms/request {spread(column(name, 'cpu_ms'), 2)} (+ worker process "
              f"{spread(column(name, 'supervisor_cpu_ms'), 2)})")
        print(f"  {'':14} ratio {spread(column(name, 'ratio'), 2)}  RSS MB: gunicorn worker "
              f"{spread(column(name, 'gunicorn_worker_mb'))}, worker with the model "
              f"{spread(column(name, 'model_worker_mb'))}")
        lost = sum(run[name]["without_job"] for run in runs)
        same = all(run[name]["accepted"] == run[name]["jobs"] for run in runs)
        largest = max(column(name, "model_worker_mb") + column(name, "gunicorn_worker_mb"))
        print(f"  {'':14} accepted deliveries = jobs in every run: {same}; PRs accepted without a job: "
              f"{lost}; targets (medians): ratio >= {TARGETS['ratio']} "
              f"{met(statistics.median(column(name, 'ratio')) >= TARGETS['ratio'])}, p99 <= "
              f"{TARGETS['p99_ms']:g} ms {met(statistics.median(column(name, 'result', 'p99_ms')) <= 50)}, "
              f"0 errors {met(not any(column(name, 'result', 'errors')))}, RSS <= {TARGETS['rss_mb']:g} MB "
              f"{met(largest <= TARGETS['rss_mb'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--bodies", type=int, default=30_000, help="distinct PRs in the request file")
    parser.add_argument("--code", type=Path, default=None, help="serve PRGuard from this checkout instead")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="also serve PRGuard from this checkout (e.g. main's) in every run")
    args = parser.parse_args()
    # Stopped from outside: unwind, so the servers (own sessions) are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="prguard-intake-") as tmp:
        work = Path(tmp)
        from tests.e2e.champion import register_champion  # trains a tiny model: torch only when run

        settings, version = register_champion(work / "champion" / "var")
        bodies = work / "bodies.txt"
        body_bytes = write_bodies(bodies, args.bodies)
        print(f"champion version {version}; {args.bodies:,} signed bodies; wrk -t{args.threads} "
              f"-c{args.connections} -d{args.seconds}s; code: {args.code or ROOT}; baseline: {args.baseline}")
        runs = [one_run(i + 1, args, wrk, bodies, body_bytes, settings.tracking_uri, work)
                for i in range(args.runs)]
    summary(runs)


if __name__ == "__main__":
    main()
