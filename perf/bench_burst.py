"""Benchmark: a burst of PRs across installations, drained at GitHub's write limits, against the fake GitHub.

Run: .venv/bin/python -m perf.bench_burst [--prs 200] [--seconds 10] [--steady 60] [--baseline DIR]

Twenty repositories in four installations (8, 6, 4 and 2 repositories, so the largest installation gets
80 of 200 PRs) receive ``--prs`` signed ``pull_request.opened`` deliveries within ``--seconds``, through
the real receiver (Flask test client) into the store; the real worker (``run_worker``, in this process,
its threads as configured) scores them with a trained champion and posts check runs to the fake GitHub,
whose every answer takes 50-150 ms. Then a steady phase sends one PR a second for ``--steady`` seconds to
four fresh installations. Printed: time from the first delivery to the last completed check run, the
bound the pacing itself sets (the largest installation's PR count x PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS),
p50/p95 from delivery to completed check run, GitHub requests per PR (all, and content-creating), and
violations of GitHub's secondary limits found in the fake's request log (two content-creating requests of
one installation arriving less than the interval apart, more than 80 in a minute or 500 in an hour).

``--baseline DIR`` first runs the same measurement with the code of another checkout (its ``prguard``,
``app`` and ``tests`` packages; this file is reused), so before and after are printed side by side.
"""
from __future__ import annotations

import argparse
from collections import Counter
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perf.in_process import app_settings, running
from tests.e2e.champion import register_champion
from tests.e2e.deliveries import pull_request_event
from tests.fakes.fake_github import FakeGitHub
from tests.support.webhooks import post

REPOS_PER_INSTALLATION = (8, 6, 4, 2)
TUNING = ("PRGUARD_WORKER_", "PRGUARD_GITHUB_", "PRGUARD_CHECK_RUN_")
LATENCY = (0.05, 0.15)  # seconds per GitHub answer, like api.github.com from a cloud region
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
NOT_CONTENT = re.compile(r"/access_tokens$|/graphql$")  # minting tokens and GraphQL reads are not writes
REPO_PATH = re.compile(r"^/repos/([^/]+/[^/]+)/")
WORKFLOW = ("name: CI\non: [pull_request]\npermissions: {contents: read}\njobs:\n  test:\n"
            "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
            "      - run: make test\n")


class SlowGitHub(FakeGitHub):
    """The fake GitHub answering each request a random 50-150 ms after it arrived (the request log keeps
    the arrival time, which is what GitHub's secondary limits count)."""

    def __init__(self, latency: tuple[float, float], **options):
        super().__init__(**options)
        self.latency_range = latency

    def __call__(self, environ, start_response):
        answer = super().__call__(environ, start_response)
        time.sleep(random.uniform(*self.latency_range))
        return answer


def build_world(fake: FakeGitHub, first_installation: int, prefix: str) -> dict[str, int]:
    """Installations and their repositories; returns repository -> installation id."""
    owner = {}
    for index, count in enumerate(REPOS_PER_INSTALLATION):
        installation = first_installation + index
        repos = [f"{prefix}{index}/repo{j}" for j in range(count)]
        fake.add_installation(installation, f"{prefix}{index}", [])
        for repo in repos:
            fake.add_repo(repo, installation)
            owner[repo] = installation
    return owner


def open_pull(fake: FakeGitHub, repo: str, number: int, rng: random.Random) -> dict:
    files = [{"filename": f"src/mod{rng.randrange(30)}.py", "additions": rng.randrange(1, 80),
              "deletions": rng.randrange(0, 20)} for _ in range(rng.randrange(1, 6))]
    if number % 10 == 0:  # some PRs change a workflow: its contents are fetched and audited too
        files.append({"filename": ".github/workflows/ci.yml", "additions": 2, "deletions": 1})
    pr = fake.add_pull(repo, number, title=f"Change {number}", files=files, author_association="MEMBER")
    if number % 10 == 0:
        for sha in (pr["head"]["sha"], pr["base"]["sha"]):
            fake.set_contents(repo, sha, {".github/workflows/ci.yml": WORKFLOW})
    return pr


def completed_at(fake: FakeGitHub, shas: set[str], done: dict[str, float]) -> None:
    """Record when each run of ``shas`` was first seen completed."""
    now = time.time()
    for run in fake.check_runs:
        if run["head_sha"] in shas and run.get("status") == "completed" and run["head_sha"] not in done:
            done[run["head_sha"]] = now


def send(client, fake: FakeGitHub, owner: dict[str, int], count: int, seconds: float,
         rng: random.Random, timeout: float) -> tuple[dict[str, float], dict[str, float], Counter]:
    """Open ``count`` PRs round-robin over the repositories, evenly within ``seconds``; wait for every
    check run. Returns (head sha -> delivery time, head sha -> completion time, PRs per installation)."""
    repos = sorted(owner)
    per_installation: Counter = Counter()
    sent: dict[str, float] = {}
    done: dict[str, float] = {}
    start = time.time()
    for i in range(count):
        repo = repos[i % len(repos)]
        pr = open_pull(fake, repo, 1 + i // len(repos), rng)
        delay = start + i * seconds / count - time.time()
        if delay > 0:
            time.sleep(delay)
        sent[pr["head"]["sha"]] = time.time()
        per_installation[owner[repo]] += 1
        response = post(client, "pull_request", pull_request_event("opened", pr, owner[repo]))
        if response.status_code != 202:
            raise SystemExit(f"delivery answered {response.status_code}: {response.get_data(as_text=True)}")
        completed_at(fake, set(sent), done)
    deadline = time.time() + timeout
    while len(done) < count:
        if time.time() > deadline:
            raise SystemExit(f"only {len(done)} of {count} check runs completed within {timeout:.0f} s")
        time.sleep(0.02)
        completed_at(fake, set(sent), done)
    return sent, done, per_installation


def write_times(requests: list[dict], owner: dict[str, int]) -> dict[int, list[float]]:
    """Arrival times of content-creating requests, per installation, in order."""
    times: dict[int, list[float]] = {}
    for entry in requests:
        match = REPO_PATH.match(entry["path"])
        if entry["method"] in WRITE_METHODS and not NOT_CONTENT.search(entry["path"]) and match:
            times.setdefault(owner[match.group(1)], []).append(entry["time"])
    return {installation: sorted(stamps) for installation, stamps in times.items()}


def closest_writes(times: dict[int, list[float]]) -> float:
    """The smallest gap between two content-creating requests of one installation."""
    return min((b - a for stamps in times.values() for a, b in zip(stamps, stamps[1:])), default=float("inf"))


def too_close(times: dict[int, list[float]], interval: float) -> int:
    """Content-creating requests of one installation that arrived less than ``interval`` after the one
    before (at the fake's clock, to the millisecond)."""
    return sum(1 for stamps in times.values() for a, b in zip(stamps, stamps[1:]) if b - a < interval - 0.001)


def over_limits(times: dict[int, list[float]]) -> int:
    """Content-creating requests of one installation beyond 80 in a minute or 500 in an hour."""
    violations = 0
    for stamps in times.values():
        for window, cap in ((60.0, 80), (3600.0, 500)):
            first = 0
            for last, stamp in enumerate(stamps):
                while stamp - stamps[first] >= window:
                    first += 1
                violations += last - first + 1 > cap
    return violations


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def phase(fake: FakeGitHub, client, owner: dict[str, int], count: int, seconds: float, rng: random.Random,
          interval: float, timeout: float) -> dict:
    fake.clear_log()
    sent, done, per_installation = send(client, fake, owner, count, seconds, rng, timeout)
    latencies = [done[sha] - sent[sha] for sha in sent]
    requests = list(fake.requests)
    times = write_times(requests, owner)
    writes = sum(1 for r in requests if r["method"] in WRITE_METHODS and not NOT_CONTENT.search(r["path"]))
    largest = max(per_installation.values())
    return {"prs": count, "interval_s": interval, "drain_s": max(done.values()) - min(sent.values()),
            "largest": largest, "bound_s": largest * interval, "p50_s": percentile(latencies, 0.5),
            "p95_s": percentile(latencies, 0.95), "requests_per_pr": len(requests) / count,
            "writes_per_pr": writes / count,
            "over_limits": over_limits(times), "too_close": too_close(times, interval),
            "closest_s": closest_writes(times),
            "invalid_requests": len(fake.violations)}


def measure(args) -> dict:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, SlowGitHub(LATENCY) as fake:
        data_dir = Path(tmp) / "var"
        trained, version = register_champion(data_dir / "mlflow")
        burst_world = build_world(fake, 101, "burst")
        steady_world = build_world(fake, 201, "steady")
        # The caller's worker, GitHub and check-run settings apply (threads, intervals); the poll is quick.
        tuning = {k: v for k, v in os.environ.items() if k.startswith(TUNING)}
        settings = app_settings(fake, data_dir, trained.tracking_uri,
                                {"PRGUARD_WORKER_POLL_SECONDS": "0.05", **tuning})
        interval = settings.github_write_interval_seconds
        with running(settings) as (store, client):
            burst = phase(fake, client, burst_world, args.prs, args.seconds, rng, interval, timeout=1200)
            steady = phase(fake, client, steady_world, args.steady, args.steady, rng, interval, timeout=600)
    return {"burst": burst, "steady": steady, "threads": getattr(settings, "worker_threads", 1)}


def interval_label(result: dict) -> str:
    return f"{result['interval_s']:g} s"


def report(label: str, result: dict) -> None:
    b, s = result["burst"], result["steady"]
    print(f"[{label}] worker threads {result['threads']}")
    print(f"  burst:  {b['prs']} PRs in the delivery window; last check run after {b['drain_s']:.1f} s "
          f"(pacing bound {b['bound_s']:.0f} s for the largest installation's {b['largest']} PRs, "
          f"target <= {b['bound_s'] + 15:.0f} s); delivery -> check run p50 {b['p50_s']:.1f} s, "
          f"p95 {b['p95_s']:.1f} s")
    print(f"          GitHub requests per PR {b['requests_per_pr']:.2f} "
          f"({b['writes_per_pr']:.2f} content-creating); over 80/min or 500/h: {b['over_limits']}; "
          f"writes of one installation < {interval_label(b)} apart: {b['too_close']} (closest "
          f"{b['closest_s']:.3f} s); requests invalid against the API description {b['invalid_requests']}")
    print(f"  steady: {s['prs']} PRs at 1 PR/s; delivery -> check run p50 {s['p50_s']:.2f} s, "
          f"p95 {s['p95_s']:.2f} s (target <= 5 s); requests per PR {s['requests_per_pr']:.2f}; "
          f"over limits {s['over_limits']}, too close {s['too_close']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0, help="the burst's delivery window")
    parser.add_argument("--steady", type=int, default=60, help="PRs of the steady phase, one a second")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--baseline", help="a checkout of earlier code to measure first, side by side")
    parser.add_argument("--json", action="store_true", help="print one JSON line (used for --baseline)")
    args = parser.parse_args()
    if args.baseline:
        command = [sys.executable, str(Path(__file__).resolve()), "--json", "--prs", str(args.prs),
                   "--seconds", str(args.seconds), "--steady", str(args.steady), "--seed", str(args.seed)]
        # The baseline's packages first; perf (a namespace package) also finds this checkout's helpers.
        root = Path(__file__).resolve().parents[1]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(args.baseline).resolve()), str(root)]))
        out = subprocess.run(command, env=env, cwd=args.baseline, check=True, capture_output=True, text=True)
        baseline = json.loads(out.stdout.strip().splitlines()[-1])
    result = measure(args)
    if args.json:
        print(json.dumps(result))
        return
    if args.baseline:
        report(f"baseline {args.baseline}", baseline)
    report("this checkout", result)


if __name__ == "__main__":
    main()
