"""Store contract: the durable job queue (leases, retries with backoff, dead letters, dedupe, cancel)."""
from __future__ import annotations

import datetime as dt

import pytest

from prguard.store.base import JOB_CANCELLED, JOB_DEAD, JOB_DONE, JOB_PENDING, JOB_RUNNING, utcnow

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_job_lifecycle_enqueue_claim_complete(store):
    job_id = store.jobs.enqueue("score", {"repo": "o/r", "number": 1}, run_at=T0)
    assert isinstance(job_id, str)
    assert store.jobs.get(job_id)["state"] == JOB_PENDING
    assert store.jobs.claim("w1", 60, now=later(-1)) is None  # not due yet
    job = store.jobs.claim("w1", 60, now=T0)
    assert (job.id, job.kind, job.payload, job.attempts, job.lease_owner) == (
        job_id, "score", {"repo": "o/r", "number": 1}, 1, "w1")
    assert job.lease_expires_at == later(60)
    assert store.jobs.claim("w2", 60, now=later(1)) is None  # leased
    assert store.jobs.complete(job_id, "w2") is False
    assert store.jobs.complete(job_id, "w1") is True
    assert store.jobs.get(job_id)["state"] == JOB_DONE
    assert store.jobs.complete(job_id, "w1") is False
    assert store.jobs.claim("w2", 60, now=later(3600)) is None


def test_unknown_job(store):
    assert store.jobs.get("nope") is None and store.jobs.get("12345") is None
    assert store.jobs.complete("12345", "w") is False
    assert store.jobs.extend_lease("12345", "w", 10) is False
    with pytest.raises(KeyError):
        store.jobs.fail("12345", "w", "boom", T0, 3)


def test_claims_take_the_oldest_due_job_first(store):
    late = store.jobs.enqueue("score", {"n": 2}, run_at=later(10))
    early = store.jobs.enqueue("score", {"n": 1}, run_at=T0)
    other = store.jobs.enqueue("sync", {"n": 3}, run_at=later(5))
    assert store.jobs.claim("w", 60, now=later(20)).id == early
    assert store.jobs.claim("w", 60, now=later(20)).id == other
    assert store.jobs.claim("w", 60, now=later(20)).id == late
    assert store.jobs.claim("w", 60, now=later(20)) is None


def test_dedupe_replaces_the_pending_payload_until_claimed(store):
    first = store.jobs.enqueue("score", {"sha": "a"}, dedupe_key="score:o/r#1", run_at=T0)
    second = store.jobs.enqueue("score", {"sha": "b"}, dedupe_key="score:o/r#1")
    assert first == second
    assert len(store.jobs.list()) == 1 and store.jobs.get(first)["payload"] == {"sha": "b"}
    assert store.jobs.get(first)["run_at"] == T0  # no run_at given: the pending job keeps its time
    assert store.jobs.claim("w", 60, now=T0).payload == {"sha": "b"}
    third = store.jobs.enqueue("score", {"sha": "c"}, dedupe_key="score:o/r#1", run_at=T0)
    assert third != first  # the claimed one is not touched: the new head gets its own job
    assert store.jobs.get(first)["payload"] == {"sha": "b"}
    assert store.jobs.enqueue("score", {}, dedupe_key="score:o/r#2") not in (first, third)


def test_failure_retries_at_the_given_time_then_dead_letters(store):
    job_id = store.jobs.enqueue("score", {}, run_at=T0)
    store.jobs.claim("w", 60, now=T0)
    assert store.jobs.fail(job_id, "w", "timeout", later(30), max_attempts=2) == JOB_PENDING
    record = store.jobs.get(job_id)
    assert (record["state"], record["last_error"], record["run_at"], record["lease_owner"]) == (
        JOB_PENDING, "timeout", later(30), None)
    assert store.jobs.claim("w", 60, now=later(29)) is None  # backoff respected
    job = store.jobs.claim("w", 60, now=later(30))
    assert job.attempts == 2 and job.last_error == "timeout"
    assert store.jobs.fail(job_id, "w", "timeout again", later(90), max_attempts=2) == JOB_DEAD
    assert store.jobs.get(job_id)["state"] == JOB_DEAD
    assert store.jobs.get(job_id)["last_error"] == "timeout again"
    assert store.jobs.claim("w", 60, now=later(10_000)) is None
    assert store.jobs.list(JOB_DEAD)[0]["id"] == job_id


def test_a_postponed_job_waits_untried_and_only_its_holder_may_postpone_it(store):
    job_id = store.jobs.enqueue("score", {"i": 1}, run_at=T0)
    store.jobs.claim("w1", 60, now=T0)
    assert store.jobs.postpone(job_id, "w2", later(30)) is False  # not w2's to hand back
    assert store.jobs.postpone(job_id, "w1", later(30)) is True
    record = store.jobs.get(job_id)
    assert (record["state"], record["attempts"], record["lease_owner"]) == (JOB_PENDING, 0, None)
    assert record["run_at"] == later(30)
    assert store.jobs.claim("w1", 60, now=later(29)) is None  # not before the slot it waits for
    again = store.jobs.claim("w2", 60, now=later(30))
    assert (again.id, again.attempts) == (job_id, 1)  # waiting for a slot used up no attempt
    assert store.jobs.postpone(job_id, "w1", later(60)) is False
    assert store.jobs.complete(job_id, "w2") is True


def test_expired_lease_is_claimed_again_and_the_old_worker_cannot_finish(store):
    job_id = store.jobs.enqueue("score", {}, run_at=T0)
    store.jobs.claim("dead-worker", 30, now=T0)
    assert store.jobs.claim("w2", 30, now=later(29)) is None
    job = store.jobs.claim("w2", 30, now=later(31))
    assert (job.id, job.attempts, job.lease_owner) == (job_id, 2, "w2")
    assert store.jobs.complete(job_id, "dead-worker") is False
    assert store.jobs.extend_lease(job_id, "dead-worker", 60) is False
    assert store.jobs.fail(job_id, "dead-worker", "late", later(40), 5) == JOB_RUNNING
    held = store.jobs.get(job_id)
    assert (held["lease_owner"], held["attempts"], held["last_error"]) == ("w2", 2, None)
    assert store.jobs.extend_lease(job_id, "w2", 600) is True
    assert store.jobs.get(job_id)["lease_expires_at"] > utcnow() + dt.timedelta(seconds=500)
    assert store.jobs.complete(job_id, "w2") is True


def test_a_job_whose_worker_keeps_dying_is_dead_lettered_at_claim(store):
    job_id = store.jobs.enqueue("score", {}, run_at=T0)
    store.jobs.claim("w", 10, now=T0, max_attempts=2)
    store.jobs.claim("w", 10, now=later(11), max_attempts=2)
    assert store.jobs.claim("w", 10, now=later(22), max_attempts=2) is None
    record = store.jobs.get(job_id)
    assert (record["state"], record["attempts"], record["last_error"]) == (JOB_DEAD, 2, "lease expired")


def test_cancel_by_prefix_only_touches_pending_jobs(store):
    a = store.jobs.enqueue("score", {}, dedupe_key="score:o/r#1", run_at=T0)
    b = store.jobs.enqueue("score", {}, dedupe_key="score:o/r#12", run_at=T0)
    c = store.jobs.enqueue("score", {}, dedupe_key="score:o/x#1", run_at=T0)
    d = store.jobs.enqueue("score", {}, run_at=T0)
    store.jobs.enqueue("score", {}, dedupe_key="score:o/r%", run_at=later(5))
    running = store.jobs.enqueue("score", {}, dedupe_key="score:o/r#3", run_at=later(-5))
    assert store.jobs.claim("w", 60, now=T0).id == running
    assert store.jobs.cancel("score:o/r#1") == 2
    assert {store.jobs.get(j)["state"] for j in (a, b)} == {JOB_CANCELLED}
    assert store.jobs.get(running)["state"] == JOB_RUNNING
    claimed = {store.jobs.claim("w", 60, now=later(10)).id for _ in range(3)}
    assert a not in claimed and b not in claimed and {c, d} <= claimed
    assert store.jobs.claim("w", 60, now=later(10)) is None
    assert store.jobs.cancel("score:o/r#1") == 0


def test_queue_stats_and_listing(store):
    assert store.jobs.stats(now=T0).pending == 0
    assert store.jobs.stats(now=T0).oldest_pending_age_seconds == 0.0
    ids = [store.jobs.enqueue("score", {"i": i}, run_at=later(-i * 10)) for i in range(4)]
    store.jobs.enqueue("score", {"future": True}, run_at=later(100))
    store.jobs.claim("w", 60, now=T0)  # takes the oldest (ids[3], due at -30 s)
    dead = store.jobs.claim("w", 60, now=T0)
    store.jobs.fail(dead.id, "w", "boom", T0, max_attempts=1)
    stats = store.jobs.stats(now=T0)
    assert (stats.pending, stats.running, stats.dead) == (3, 1, 1)
    assert stats.oldest_pending_age_seconds == pytest.approx(10.0)
    assert [j["id"] for j in store.jobs.list()][:4] == ids
    assert [j["id"] for j in store.jobs.list(JOB_RUNNING)] == [ids[3]]
    assert {j["state"] for j in store.jobs.list(JOB_PENDING)} == {JOB_PENDING}
