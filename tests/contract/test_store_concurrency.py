"""Store contract under concurrency: threads on every adapter, and processes on the SQLite file."""
from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import threading

from prguard.store.sqlite import SQLiteStore
from tests.contract.prs import pr_doc

THREADS = 6


def run_threads(count: int, target) -> list:
    """Start ``count`` threads released together by a barrier; return their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def drain(store, worker: str, after_first_claim=None) -> list[str]:
    claimed = []
    while (job := store.jobs.claim(worker, 60)) is not None:
        if not claimed and after_first_claim is not None:
            after_first_claim()
        claimed.append(job.id)
        assert store.jobs.complete(job.id, worker)
    return claimed


def test_concurrent_claimers_never_share_a_job(store):
    ids = {store.jobs.enqueue("score", {"i": i}) for i in range(60)}
    per_thread = run_threads(THREADS, lambda i: drain(store, f"w{i}"))
    claimed = [job_id for chunk in per_thread for job_id in chunk]
    assert sorted(claimed) == sorted(ids)  # every job exactly once
    assert {job["state"] for job in store.jobs.list()} == {"done"}


def test_concurrent_writers_of_one_delivery_exactly_one_wins(store):
    for delivery in range(5):
        results = run_threads(THREADS, lambda i: store.deliveries.claim(f"d-{delivery}", "pull_request", "opened"))
        assert sorted(results) == [False] * (THREADS - 1) + [True]


def test_concurrent_reclaims_of_a_stuck_delivery_exactly_one_wins(store):
    start = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    for delivery in range(5):
        assert store.deliveries.claim(f"d-{delivery}", "pull_request", "opened", received_at=start)
        # Redeliveries past the grace period, a few milliseconds apart as on several gunicorn workers.
        results = run_threads(THREADS, lambda i: store.deliveries.claim(
            f"d-{delivery}", "pull_request", "opened", received_at=start + dt.timedelta(seconds=61, milliseconds=i),
            reclaim_after=60))
        assert sorted(results) == [False] * (THREADS - 1) + [True]
        assert store.deliveries.get(f"d-{delivery}")["claims"] == 2


def test_concurrent_pr_updates_keep_the_newest(store):
    files = [{"filename": "a.py", "status": "added", "additions": 1, "deletions": 0, "changes": 1}]
    store.prs.upsert(pr_doc(files=files, updated_at="2024-05-01T00:00:00Z"))

    def write(i):
        for minute in range(10):
            store.prs.upsert(pr_doc(title=f"{i}-{minute}", updated_at=f"2024-05-01T0{i}:{minute:02d}:00Z"))

    run_threads(THREADS, write)
    final = store.prs.get("octo/repo", 1)
    assert final["updated_at"] == f"2024-05-01T0{THREADS - 1}:09:00Z"
    assert final["title"] == f"{THREADS - 1}-9"
    assert final["files"] == files  # same head SHA throughout: the files survive every rewrite


# ---- several processes on one SQLite file (gunicorn workers + the job worker) --------------------
def _in_process(barrier, results, path: str, name: str, jobs: bool) -> None:
    store = SQLiteStore(path)
    try:
        barrier.wait(timeout=60)
        if jobs:
            # Every process holds a claimed job at the same moment before any goes on, so the
            # claims really overlap however the scheduler starts the processes.
            results.put((name, drain(store, name, after_first_claim=lambda: barrier.wait(timeout=60))))
        else:
            results.put((name, [f"d-{i}" for i in range(40) if store.deliveries.claim(f"d-{i}", "push", None)]))
    finally:
        store.close()


def run_processes(count: int, path: str, jobs: bool) -> dict[str, list[str]]:
    """Run ``count`` spawned processes released together by a barrier; their results by name."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(count), context.Queue()
    processes = [context.Process(target=_in_process, args=(barrier, results, path, f"proc{i}", jobs))
                 for i in range(count)]
    for process in processes:
        process.start()
    collected = dict(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return collected


def test_processes_sharing_a_sqlite_file_claim_each_job_once_and_record_each_delivery_once(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    setup = SQLiteStore(path)
    ids = {setup.jobs.enqueue("score", {"i": i}) for i in range(200)}
    claimed = run_processes(4, path, jobs=True)
    flat = [job_id for chunk in claimed.values() for job_id in chunk]
    assert sorted(flat) == sorted(ids)
    assert all(claimed.values()), "every process held a job while the others claimed theirs"
    won = run_processes(4, path, jobs=False)
    assert collections.Counter(d for chunk in won.values() for d in chunk) == {f"d-{i}": 1 for i in range(40)}
    assert setup.jobs.stats().pending == 0
    setup.close()
