"""Benchmark: API requests per 100 PRs for a `prguard fetch` backfill against the fake GitHub.

Run: .venv/bin/python -m perf.bench_fetch [--prs 1000] [--page-size 50]
File counts are heavy-tailed like real repositories (median ~2, about 1% of PRs above 100 files),
so the figure includes the REST file pages the biggest PRs need.
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path


from batch.fetch import run_fetch
from prguard.github import GitHubApp, RetryPolicy
from prguard.store.sqlite import SQLiteStore
from tests.fakes.fake_github import FakeGitHub

REPO = "bench/repo"


def file_count(rng: random.Random) -> int:
    if rng.random() < 0.01:
        return rng.randint(101, 400)
    return max(1, int(rng.lognormvariate(0.7, 1.0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with FakeGitHub(validate=True) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.add_installation(1, "bench", [REPO])
        big = 0
        for i in range(args.prs):
            count = file_count(rng)
            big += count > 100
            fake.add_pull(REPO, title=f"PR {i}", files=[{"filename": f"src/f{j}.py"} for j in range(count)])
        store = SQLiteStore(Path(tmp) / "bench.sqlite3")
        app = GitHubApp(fake.app_id, fake.private_key_pem, fake.base_url,
                        policy=RetryPolicy(min_write_interval=0.0))
        started = time.perf_counter()
        report = run_fetch(store, app=app, page_size=args.page_size, progress=False)
        elapsed = time.perf_counter() - started
        app.close()
        store.close()
        assert not fake.violations, fake.violations
        graphql = fake.request_count(r"/graphql")
        rest_files = fake.request_count(r"/pulls/\d+/files")
    print(f"PRs fetched:                 {report.pull_requests_stored} ({big} with more than 100 files)")
    print(f"GraphQL pages:               {graphql} (page size {args.page_size})")
    print(f"REST file pages:             {rest_files}")
    print(f"API requests in total:       {report.api_requests}")
    per_100 = 100 * report.api_requests / max(report.pull_requests_stored, 1)
    print(f"API requests per 100 PRs:    {per_100:.2f}")
    print(f"wall time against the fake:  {elapsed:.1f} s")


if __name__ == "__main__":
    main()
