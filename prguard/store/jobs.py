"""The job queue port: a durable outbox of work for the worker, with leases, backoff and dead letters."""
from __future__ import annotations

import abc
import datetime as dt
from typing import Any

from prguard.store.base import Job, QueueStats


class JobQueue(abc.ABC):
    """Jobs as both adapters keep them (``store.jobs``): every method is atomic on its own."""

    @abc.abstractmethod
    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str | None = None,
                run_at: dt.datetime | None = None) -> str:
        """Add a pending job and return its id.

        With ``dedupe_key``, if a pending (not yet claimed) job has the same key its payload is
        replaced (and its ``run_at`` too when given) and its id returned instead of adding a second
        one. A claimed job with the key is left alone; the new work gets a new job.
        """

    @abc.abstractmethod
    def claim(self, worker_id: str, lease_seconds: float, now: dt.datetime | None = None,
              max_attempts: int | None = None) -> Job | None:
        """Atomically take the oldest due job: pending with ``run_at <= now``, or running with an
        expired lease (its worker died). Increments ``attempts``. Two claimers never get the same job.

        With ``max_attempts``, a job whose lease expired after ``max_attempts`` claims (a worker that
        keeps dying on it) is moved to ``dead`` with last_error "lease expired" instead.
        """

    @abc.abstractmethod
    def extend_lease(self, job_id: str, worker_id: str, lease_seconds: float) -> bool:
        """Keep a long job: the lease now ends ``lease_seconds`` from now. False if ``worker_id`` no
        longer holds it (another worker claimed it, or it finished)."""

    @abc.abstractmethod
    def complete(self, job_id: str, worker_id: str) -> bool:
        """Mark done if ``worker_id`` still holds the lease; False (and no change) otherwise."""

    @abc.abstractmethod
    def fail(self, job_id: str, worker_id: str, error: str, retry_at: dt.datetime,
             max_attempts: int) -> str:
        """Record a failed attempt: back to pending at ``retry_at`` (the caller computes the backoff),
        or ``dead`` once ``attempts`` reached ``max_attempts``. Returns the new state. When
        ``worker_id`` no longer holds the lease nothing changes and the job's current state is
        returned. Raises KeyError for an unknown job id."""

    @abc.abstractmethod
    def postpone(self, job_id: str, worker_id: str, run_at: dt.datetime) -> bool:
        """Hand a job back untried: pending again at ``run_at``, its claim not counted as an attempt
        (the worker had to wait for something outside the job, such as a write slot). False, and no
        change, if ``worker_id`` no longer holds the lease."""

    @abc.abstractmethod
    def cancel(self, dedupe_prefix: str) -> int:
        """Cancel pending jobs whose dedupe key starts with the prefix; returns how many."""

    @abc.abstractmethod
    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job with its state, for inspection and tests: ``{id, kind, payload, state, dedupe_key,
        run_at, attempts, lease_owner, lease_expires_at, last_error, created_at, updated_at}``."""

    @abc.abstractmethod
    def list(self, state: str | None = None) -> list[dict[str, Any]]:
        """Jobs (shaped as ``get``) in the order they were created."""

    @abc.abstractmethod
    def stats(self, now: dt.datetime | None = None) -> QueueStats:
        """Counts by state (pending includes jobs waiting for a later ``run_at``) and how long the
        oldest due pending job has waited past its ``run_at`` (0 when none is due)."""

    # ---- installations ---------------------------------------------------------------------------
