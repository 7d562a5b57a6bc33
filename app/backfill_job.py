"""The ``backfill_repository`` job: one slice of a repository's history backfill, re-queued until done."""
from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from app import jobs
from app.onboarding_metrics import count_slice
from prguard.history import backfill
from prguard.store.base import utcnow
from prguard.states import INACTIVE_INSTALLATIONS

if TYPE_CHECKING:  # the job context is defined beside the other job handlers, which import this module
    from app.scoring_job import JobContext
    from prguard.store.base import Job

log = logging.getLogger(__name__)

OFFLINE = "offline"
INSTALLATION_GONE = "installation_inactive"


def backfill_repository(ctx: "JobContext", job: "Job") -> str:
    """Run one slice; while the backfill is unfinished, queue the next slice when it is due."""
    p = jobs.decode(job.kind, job.payload)
    repo, installation_id = p.repo, p.installation_id
    extra = {"repo": repo, "installation_id": installation_id, "delivery_id": p.delivery_id,
             "job_id": job.id}
    installation = ctx.store.installations.get(installation_id)
    if installation is not None and installation.get("status") in INACTIVE_INSTALLATIONS:
        backfill.cancel(ctx.store, repo)
        log.info("installation is %s; backfill cancelled", installation["status"], extra=extra)
        return INSTALLATION_GONE
    client = ctx.connect(installation_id).client
    if client is None:
        log.warning("no GitHub credentials (offline mode): %s cannot be backfilled; run `prguard fetch` "
                    "with a token, then `prguard preprocess`", repo, extra=extra)
        return OFFLINE

    def progress(record: dict) -> None:
        log.info("backfill of %s: %s, %d pull requests of %s, %d pages, %d API requests", repo,
                 record.get("state"), record.get("pull_requests") or 0, record.get("total") or "?",
                 record.get("pages") or 0, record.get("api_requests") or 0, extra=extra)

    result = backfill.BackfillSlice(ctx.store, client, repo, installation_id, on_progress=progress).run()
    report = result.report
    if report is not None:
        count_slice(result.state, report.pull_requests_seen, report.pull_requests_stored, report.pages,
                    report.rest_file_lists)
    else:
        count_slice(result.state, 0, 0, 0, 0)
    if not result.finished:
        run_at = utcnow() + dt.timedelta(seconds=result.next_in)
        jobs.enqueue(ctx.store, p, run_at=run_at)
    return result.state
