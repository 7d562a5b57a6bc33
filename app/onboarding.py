"""What the installation webhooks start and stop: a history backfill per repository added."""
from __future__ import annotations

import logging

from app import jobs
from prguard.history import backfill

log = logging.getLogger(__name__)


def queue_backfills(store, installation_id: int, repos: list[str], delivery_id: str) -> tuple[str, ...]:
    """Record a backfill for each repository and queue its first slice; returns the job ids."""
    job_ids = []
    for repo in repos:
        backfill.queue(store, repo, installation_id)
        job_ids.append(jobs.enqueue(store, jobs.BackfillRepository(repo, installation_id, delivery_id)))
        extra = {"repo": repo, "installation_id": installation_id, "delivery_id": delivery_id}
        log.info("history backfill queued", extra=extra)
    return tuple(job_ids)


def cancel_backfills(store, repos: list[str]) -> int:
    """Cancel the backfills of repositories that left the installation: pending slices are dropped and a
    running one stops after its current page. Returns how many were still unfinished."""
    cancelled = 0
    for repo in repos:
        store.jobs.cancel(jobs.backfill_prefix(repo))
        cancelled += backfill.cancel(store, repo)
    return cancelled
