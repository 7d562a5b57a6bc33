"""Benchmark: webhook intake of `prguard serve` against a bare Flask ceiling on the same gunicorn shape.

Run: .venv/bin/python perf/bench_intake.py [--runs 3] [--seconds 15] [--threads 2] [--connections 16]
                                            [--bodies 30000] [--code DIR]
Each run starts, side by side, the ceiling (perf/intake/ceiling_app.py: a Flask app that only reads the
body, under PRGuard's gunicorn config, 2 workers) and `prguard serve` on embedded defaults (SQLite under
a fresh data dir, its worker thread on, a champion registered so the worker scores with a loaded
model), and drives each in turn with wrk (Debian's package; installed here if missing) sending GitHub's
24 KB example pull_request delivery, signed, a unique delivery id per request and a PR number per body
(``--bodies`` distinct PRs, so no job is merged into another). It prints requests/s, p50, p99 and errors
of both and their ratio, counts the accepted deliveries and the stored jobs after the run, and prints
the resident memory of a gunicorn worker and of the process whose worker thread holds the model.
``--code DIR`` serves PRGuard from another checkout (its ``prguard`` and ``app`` packages), e.g. main's,
for a before/after comparison with the same harness. The machine's load average is printed per run:
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf.intake.report import LoadResult, parse_wrk, spread  # noqa: E402
from prguard.github.signature import sign  # noqa: E402
from tests.support.webhooks import SECRET, example, headers  # noqa: E402

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
                raise SystemExit(f"{name} did not start; see {log_dir / (name + '.log')}")
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


def one_run(index: int, args, wrk: str, bodies: Path, body_bytes: int, tracking_uri: str, work: Path) -> dict:
    run_dir = work / f"run{index}"
    data_dir = run_dir / "var"
    data_dir.mkdir(parents=True)
    load = os.getloadavg()
    ceiling_env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ceiling = Server("ceiling", [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
                                 "--workers", "2", CEILING_APP], ceiling_env, ROOT, run_dir)
    prguard = Server("prguard", [str(Path(sys.executable).with_name("prguard")), "serve", "--with-worker"],
                     prguard_env(data_dir, tracking_uri, args.code), run_dir, run_dir)
    try:
        template = body_template()
        warm = args.bodies + 1  # a PR outside the bodies file: the worker loads the model to score it
        post_one(prguard.url, template, warm, f"warm-{index}")
        sqlite_path = data_dir / "prguard.sqlite3"
        model_loaded = wait_for_check_run(sqlite_path, f"{warm:040x}", 180)
        base, base_cpu = drive_measured(wrk, ceiling, bodies, args, f"ceiling{index}")
        run_id = f"r{index}x{os.getpid()}"
        mine, mine_cpu = drive_measured(wrk, prguard, bodies, args, run_id)
        workers = prguard.gunicorn_workers()
        memory = {"gunicorn_worker_mb": max(rss_mb(p) for p in workers),
                  "model_worker_mb": rss_mb(psutil.Process(prguard.process.pid)),
                  "ceiling_worker_mb": max(rss_mb(p) for p in ceiling.gunicorn_workers())}
    finally:
        prguard.stop()
        ceiling.stop()
    counts = count_intake(sqlite_path, run_id)
    ratio = mine.per_second / base.per_second if base.per_second else 0.0
    print(f"run {index}: load average {load[0]:.2f} (1 min), body {body_bytes:,} bytes, "
          f"model loaded before the load: {'yes' if model_loaded else 'NO'}")
    for name, result in (("ceiling (bare Flask)", base), ("prguard serve", mine)):
        print(f"  {name:21} {result.per_second:8,.0f} req/s  p50 {result.p50_ms:7.1f} ms  "
              f"p99 {result.p99_ms:7.1f} ms  max {result.max_ms:7.1f} ms  errors {result.errors}  "
              f"({result.requests:,} requests)")
    print(f"  CPU per request: gunicorn workers {base_cpu['cpu_ms']:.2f} ms (ceiling) vs "
          f"{mine_cpu['cpu_ms']:.2f} ms (prguard); prguard's worker process (model, scoring) "
          f"{mine_cpu['supervisor_cpu_ms']:.2f} ms")
    print(f"  ratio {ratio:.2f}; accepted deliveries {counts['accepted']:,} for {counts['prs']:,} PRs, "
          f"score jobs {counts['jobs']:,}, PRs without a job {counts['without_job']}")
    if mine.requests > args.bodies:
        print(f"  note: {mine.requests:,} requests reused the {args.bodies:,} bodies: repeated PRs share "
              "a job")
    print(f"  RSS: gunicorn worker {memory['gunicorn_worker_mb']:.0f} MB, worker with the model "
          f"{memory['model_worker_mb']:.0f} MB (ceiling's gunicorn worker "
          f"{memory['ceiling_worker_mb']:.0f} MB)")
    return {"ceiling": base, "prguard": mine, "ratio": ratio, "load": load[0], **counts, **memory,
            "ceiling_cpu_ms": base_cpu["cpu_ms"], "cpu_ms": mine_cpu["cpu_ms"],
            "worker_cpu_ms": mine_cpu["supervisor_cpu_ms"]}


def met(ok: bool) -> str:
    return "(met)" if ok else "(NOT met)"


def summary(runs: list[dict]) -> None:
    def column(key, attr=None):
        return [getattr(run[key], attr) if attr else run[key] for run in runs]

    print(f"\nover {len(runs)} runs (min/median/max):")
    for key in ("ceiling", "prguard"):
        print(f"  {key:8} req/s {spread(column(key, 'per_second'))}  "
              f"p50 ms {spread(column(key, 'p50_ms'))}  p99 ms {spread(column(key, 'p99_ms'))}  "
              f"errors {spread(column(key, 'errors'), 0)}")
    print(f"  ratio {spread(column('ratio'), 2)}  load average {spread(column('load'))}")
    print(f"  CPU ms per request in gunicorn workers: ceiling {spread(column('ceiling_cpu_ms'), 2)}, "
          f"prguard {spread(column('cpu_ms'), 2)}; "
          f"prguard's worker process {spread(column('worker_cpu_ms'), 2)}")
    print(f"  RSS MB: gunicorn worker {spread(column('gunicorn_worker_mb'))}, worker with the model "
          f"{spread(column('model_worker_mb'))}")
    lost = sum(run["without_job"] for run in runs)
    print(f"  accepted deliveries = jobs in every run: {all(r['accepted'] == r['jobs'] for r in runs)}; "
          f"PRs accepted without a job: {lost}")
    median_ratio = statistics.median(column("ratio"))
    median_p99 = statistics.median(column("prguard", "p99_ms"))
    largest = max(column("model_worker_mb") + column("gunicorn_worker_mb"))
    print(f"  targets (medians): ratio >= {TARGETS['ratio']} {met(median_ratio >= TARGETS['ratio'])}, "
          f"p99 <= {TARGETS['p99_ms']:g} ms {met(median_p99 <= TARGETS['p99_ms'])}, "
          f"0 errors {met(not any(column('prguard', 'errors')))}, "
          f"RSS <= {TARGETS['rss_mb']:g} MB {met(largest <= TARGETS['rss_mb'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--bodies", type=int, default=30_000, help="distinct PRs in the request file")
    parser.add_argument("--code", type=Path, default=None, help="serve PRGuard from this checkout instead")
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
              f"-c{args.connections} -d{args.seconds}s; code: {args.code or ROOT}")
        runs = [one_run(i + 1, args, wrk, bodies, body_bytes, settings.tracking_uri, work)
                for i in range(args.runs)]
    summary(runs)


if __name__ == "__main__":
    main()
