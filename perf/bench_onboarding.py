"""Benchmark: from the install delivery to a repository-relative check run, against the fake GitHub.

Run: .venv/bin/python -m perf.bench_onboarding [--prs 2000] [--latency 0.1]
A repository with ``--prs`` PRs of history is added to an installation (an ``installation_repositories``
delivery into the real receiver); the worker (in-process, the real job code) backfills it and stores
its profile; a PR opened as soon as the profile exists is scored against it with a champion that never
saw this repository. Every API call to the fake takes ``--latency`` seconds. Prints the times and the
number of API requests, by kind.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path


from perf.in_process import app_settings, running
from tests.e2e.champion import register_champion
from tests.e2e.deliveries import pull_request_event
from tests.fakes.fake_github import FakeGitHub
from tests.support.webhooks import example, post

REPO, INSTALLATION = "bench/new-repo", 77


def seed_history(fake: FakeGitHub, count: int, rng: random.Random) -> None:
    for number in range(1, count + 1):
        files = [{"filename": f"pkg{rng.randrange(6)}/mod{rng.randrange(40)}_{j}.py",
                  "additions": rng.randrange(1, 60), "deletions": rng.randrange(0, 20)}
                 for j in range(max(1, int(rng.lognormvariate(1.2, 0.8))))]
        fake.add_pull(REPO, number, title=f"Change {number}", state="closed", merged=True, files=files,
                      author_association=rng.choice(("MEMBER", "CONTRIBUTOR")), commits=rng.randrange(1, 5))


def added_delivery() -> dict:
    payload = example("installation_repositories", "added")
    payload["installation"] = dict(payload["installation"], id=INSTALLATION)
    payload["repositories_added"] = [{"id": 1, "node_id": "R_1", "name": REPO.split("/")[1],
                                      "full_name": REPO, "private": False}]
    payload["repositories_removed"] = []
    return payload


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per API call")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(latency=args.latency) as fake:
        data_dir = Path(tmp) / "var"
        trained, version = register_champion(data_dir / "mlflow")
        fake.add_installation(INSTALLATION, "bench", [])
        fake.add_repo(REPO)
        seed_history(fake, args.prs, random.Random(args.seed))
        fake.add_repo(REPO, INSTALLATION)
        settings = app_settings(fake, data_dir, trained.tracking_uri, {
            "PRGUARD_WORKER_POLL_SECONDS": "0.02", "PRGUARD_GITHUB_WRITE_INTERVAL_SECONDS": "0"})
        with running(settings) as (store, client):
            fake.clear_log()
            started = time.perf_counter()
            assert post(client, "installation_repositories", added_delivery()).status_code == 202
            profile = wait_for(lambda: store.onboarding.get_profile(REPO), 3600, "the backfill's profile")
            profiled = time.perf_counter() - started
            pr = fake.add_pull(REPO, args.prs + 1, title="New change",
                               files=[{"filename": "pkg1/mod3_0.py"}])
            opened = pull_request_event("opened", pr, INSTALLATION)
            assert post(client, "pull_request", opened).status_code == 202
            run = wait_for(lambda: [r for r in fake.check_runs if r["head_sha"] == pr["head"]["sha"]
                                    and r["status"] == "completed"], 600, "the check run")[0]
            scored = time.perf_counter() - started
            record = store.checks.get_run(REPO, pr["head"]["sha"])
        assert not fake.violations, fake.violations
        assert f"profile v{profile['version']}" in run["output"]["summary"], run["output"]["summary"]
        assert f"Model version: `{version}`" in run["output"]["summary"]
        counts = {"GraphQL pages": fake.request_count(r"/graphql$"),
                  "REST PR files": fake.request_count(r"/pulls/\d+/files$"),
                  "REST PR reads": fake.request_count(r"/pulls/\d+$"),
                  "token mints": fake.request_count(r"/access_tokens$"),
                  "check runs": fake.request_count(r"/check-runs")}
        total = fake.request_count()
    print(f"history:                           {args.prs} PRs, {args.latency * 1000:.0f} ms per API call")
    print(f"install delivery -> profile:       {profiled:.1f} s ({profile['pr_count']} PRs, version "
          f"{profile['version']})")
    print(f"install delivery -> check run:     {scored:.1f} s (repository-relative, model version {version}, "
          f"conclusion {record['conclusion']})")
    print(f"API requests in total:             {total}  " + json.dumps(counts))


if __name__ == "__main__":
    main()
