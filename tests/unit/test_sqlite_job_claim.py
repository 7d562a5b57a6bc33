"""The embedded job queue's claim stays an index search however long the backlog (it runs under the write lock)."""
from __future__ import annotations

import datetime as dt

from prguard.store.sqlite import SQLiteStore
from prguard.store.sqlite_jobs import _NEXT_DUE

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def test_the_claim_query_searches_the_index_and_never_scans_the_table(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    for i in range(50):
        store.jobs.enqueue("score_pull_request", {"number": i})
    db = store._conns.get()
    plan = [row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {_NEXT_DUE}", ("pending", 1, "running", 1))]
    # Before: "MULTI-INDEX OR" and a sort of every due row (3.2 ms per claim with 10,000 pending).
    assert not [step for step in plan if step.startswith("SCAN jobs") or "MULTI-INDEX OR" in step], plan
    assert sum("USING COVERING INDEX jobs_due" in step or "USING INDEX jobs_due" in step for step in plan) == 2
    store.close()


def test_the_older_of_a_due_job_and_an_expired_lease_is_claimed_first(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    first = store.jobs.enqueue("score_pull_request", {"number": 1}, run_at=T0)
    second = store.jobs.enqueue("score_pull_request", {"number": 2}, run_at=T0 + dt.timedelta(seconds=5))
    assert store.jobs.claim("w1", 10, now=T0 + dt.timedelta(seconds=1)).id == first  # lease ends at 11 s
    # At 20 s: job 1's lease expired (run_at 0 s) and job 2 is due (run_at 5 s): job 1 comes back first.
    assert store.jobs.claim("w2", 10, now=T0 + dt.timedelta(seconds=20)).id == first
    assert store.jobs.claim("w3", 10, now=T0 + dt.timedelta(seconds=20)).id == second
    assert store.jobs.claim("w4", 10, now=T0 + dt.timedelta(seconds=20)) is None
    store.close()
