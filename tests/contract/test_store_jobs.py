"""Store contract: the durable job queue (leases, retries with backoff, dead letters, dedupe, cancel)."""
from __future__ import annotations

import datetime as dt

import pytest

from prguard.store.base import JOB_CANCELLED, JOB_DEAD, JOB_DONE, JOB_PENDING, JOB_RUNNING, utcnow

T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_job_lifecycle_enqueue_claim_complete(store):
    job_id = store.enqueue_job("score", {"repo": "o/r", "number": 1}, run_at=T0)
    assert isinstance(job_id, str)
    assert store.get_job(job_id)["state"] == JOB_PENDING
    assert store.claim_job("w1", 60, now=later(-1)) is None  # not due yet
    job = store.claim_job("w1", 60, now=T0)
    assert (job.id, job.kind, job.payload, job.attempts, job.lease_owner) == (
        job_id, "score", {"repo": "o/r", "number": 1}, 1, "w1")
    assert job.lease_expires_at == later(60)
    assert store.claim_job("w2", 60, now=later(1)) is None  # leased
    assert store.complete_job(job_id, "w2") is False
    assert store.complete_job(job_id, "w1") is True
    assert store.get_job(job_id)["state"] == JOB_DONE
    assert store.complete_job(job_id, "w1") is False
    assert store.claim_job("w2", 60, now=later(3600)) is None


def test_unknown_job(store):
    assert store.get_job("nope") is None and store.get_job("12345") is None
    assert store.complete_job("12345", "w") is False
    assert store.extend_lease("12345", "w", 10) is False
    with pytest.raises(KeyError):
        store.fail_job("12345", "w", "boom", T0, 3)


def test_claims_take_the_oldest_due_job_first(store):
    late = store.enqueue_job("score", {"n": 2}, run_at=later(10))
    early = store.enqueue_job("score", {"n": 1}, run_at=T0)
    other = store.enqueue_job("sync", {"n": 3}, run_at=later(5))
    assert store.claim_job("w", 60, now=later(20)).id == early
    assert store.claim_job("w", 60, now=later(20)).id == other
    assert store.claim_job("w", 60, now=later(20)).id == late
    assert store.claim_job("w", 60, now=later(20)) is None


def test_dedupe_replaces_the_pending_payload_until_claimed(store):
    first = store.enqueue_job("score", {"sha": "a"}, dedupe_key="score:o/r#1", run_at=T0)
    second = store.enqueue_job("score", {"sha": "b"}, dedupe_key="score:o/r#1")
    assert first == second
    assert len(store.list_jobs()) == 1 and store.get_job(first)["payload"] == {"sha": "b"}
    assert store.get_job(first)["run_at"] == T0  # no run_at given: the pending job keeps its time
    assert store.claim_job("w", 60, now=T0).payload == {"sha": "b"}
    third = store.enqueue_job("score", {"sha": "c"}, dedupe_key="score:o/r#1", run_at=T0)
    assert third != first  # the claimed one is not touched: the new head gets its own job
    assert store.get_job(first)["payload"] == {"sha": "b"}
    assert store.enqueue_job("score", {}, dedupe_key="score:o/r#2") not in (first, third)


def test_failure_retries_at_the_given_time_then_dead_letters(store):
    job_id = store.enqueue_job("score", {}, run_at=T0)
    store.claim_job("w", 60, now=T0)
    assert store.fail_job(job_id, "w", "timeout", later(30), max_attempts=2) == JOB_PENDING
    record = store.get_job(job_id)
    assert (record["state"], record["last_error"], record["run_at"], record["lease_owner"]) == (
        JOB_PENDING, "timeout", later(30), None)
    assert store.claim_job("w", 60, now=later(29)) is None  # backoff respected
    job = store.claim_job("w", 60, now=later(30))
    assert job.attempts == 2 and job.last_error == "timeout"
    assert store.fail_job(job_id, "w", "timeout again", later(90), max_attempts=2) == JOB_DEAD
    assert store.get_job(job_id)["state"] == JOB_DEAD
    assert store.get_job(job_id)["last_error"] == "timeout again"
    assert store.claim_job("w", 60, now=later(10_000)) is None
    assert store.list_jobs(JOB_DEAD)[0]["id"] == job_id


def test_a_postponed_job_waits_untried_and_only_its_holder_may_postpone_it(store):
    job_id = store.enqueue_job("score", {"i": 1}, run_at=T0)
    store.claim_job("w1", 60, now=T0)
    assert store.postpone_job(job_id, "w2", later(30)) is False  # not w2's to hand back
    assert store.postpone_job(job_id, "w1", later(30)) is True
    record = store.get_job(job_id)
    assert (record["state"], record["attempts"], record["lease_owner"]) == (JOB_PENDING, 0, None)
    assert record["run_at"] == later(30)
    assert store.claim_job("w1", 60, now=later(29)) is None  # not before the slot it waits for
    again = store.claim_job("w2", 60, now=later(30))
    assert (again.id, again.attempts) == (job_id, 1)  # waiting for a slot used up no attempt
    assert store.postpone_job(job_id, "w1", later(60)) is False
    assert store.complete_job(job_id, "w2") is True


def test_expired_lease_is_claimed_again_and_the_old_worker_cannot_finish(store):
    job_id = store.enqueue_job("score", {}, run_at=T0)
    store.claim_job("dead-worker", 30, now=T0)
    assert store.claim_job("w2", 30, now=later(29)) is None
    job = store.claim_job("w2", 30, now=later(31))
    assert (job.id, job.attempts, job.lease_owner) == (job_id, 2, "w2")
    assert store.complete_job(job_id, "dead-worker") is False
    assert store.extend_lease(job_id, "dead-worker", 60) is False
    assert store.fail_job(job_id, "dead-worker", "late", later(40), 5) == JOB_RUNNING
    held = store.get_job(job_id)
    assert (held["lease_owner"], held["attempts"], held["last_error"]) == ("w2", 2, None)
    assert store.extend_lease(job_id, "w2", 600) is True
    assert store.get_job(job_id)["lease_expires_at"] > utcnow() + dt.timedelta(seconds=500)
    assert store.complete_job(job_id, "w2") is True


def test_a_job_whose_worker_keeps_dying_is_dead_lettered_at_claim(store):
    job_id = store.enqueue_job("score", {}, run_at=T0)
    store.claim_job("w", 10, now=T0, max_attempts=2)
    store.claim_job("w", 10, now=later(11), max_attempts=2)
    assert store.claim_job("w", 10, now=later(22), max_attempts=2) is None
    record = store.get_job(job_id)
    assert (record["state"], record["attempts"], record["last_error"]) == (JOB_DEAD, 2, "lease expired")


def test_cancel_by_prefix_only_touches_pending_jobs(store):
    a = store.enqueue_job("score", {}, dedupe_key="score:o/r#1", run_at=T0)
    b = store.enqueue_job("score", {}, dedupe_key="score:o/r#12", run_at=T0)
    c = store.enqueue_job("score", {}, dedupe_key="score:o/x#1", run_at=T0)
    d = store.enqueue_job("score", {}, run_at=T0)
    store.enqueue_job("score", {}, dedupe_key="score:o/r%", run_at=later(5))
    running = store.enqueue_job("score", {}, dedupe_key="score:o/r#3", run_at=later(-5))
    assert store.claim_job("w", 60, now=T0).id == running
    assert store.cancel_jobs("score:o/r#1") == 2
    assert {store.get_job(j)["state"] for j in (a, b)} == {JOB_CANCELLED}
    assert store.get_job(running)["state"] == JOB_RUNNING
    claimed = {store.claim_job("w", 60, now=later(10)).id for _ in range(3)}
    assert a not in claimed and b not in claimed and {c, d} <= claimed
    assert store.claim_job("w", 60, now=later(10)) is None
    assert store.cancel_jobs("score:o/r#1") == 0


def test_queue_stats_and_listing(store):
    assert store.queue_stats(now=T0).pending == 0
    assert store.queue_stats(now=T0).oldest_pending_age_seconds == 0.0
    ids = [store.enqueue_job("score", {"i": i}, run_at=later(-i * 10)) for i in range(4)]
    store.enqueue_job("score", {"future": True}, run_at=later(100))
    store.claim_job("w", 60, now=T0)  # takes the oldest (ids[3], due at -30 s)
    dead = store.claim_job("w", 60, now=T0)
    store.fail_job(dead.id, "w", "boom", T0, max_attempts=1)
    stats = store.queue_stats(now=T0)
    assert (stats.pending, stats.running, stats.dead) == (3, 1, 1)
    assert stats.oldest_pending_age_seconds == pytest.approx(10.0)
    assert [j["id"] for j in store.list_jobs()][:4] == ids
    assert [j["id"] for j in store.list_jobs(JOB_RUNNING)] == [ids[3]]
    assert {j["state"] for j in store.list_jobs(JOB_PENDING)} == {JOB_PENDING}
