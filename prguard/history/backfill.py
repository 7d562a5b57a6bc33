"""A repository's history backfill: queued when it joins an installation, fetched in slices, then profiled.

One repository per installation fetches at a time (a named lease in the store, held by the repository
across slices). A slice fetches at most ``pages`` GraphQL pages and then yields, so live PRs queued
meanwhile are scored first; the cursor in the watermark makes the next slice continue where this one
stopped. A backfill leaves ``reserve`` GraphQL points for scoring and pauses until the limit resets
when fewer remain. Removing the repository cancels it, also in the middle of a slice.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any, Callable

from prguard.github.errors import RateLimitWaitTooLong
from prguard.timestamps import parse as parse_time, to_github
from prguard.history.fetch import FetchReport, FetchStopped, RepositoryFetch
from prguard.profiles import BACKFILL_SOURCE, build_from_store
from prguard.store.base import utcnow
from prguard.store.onboarding import BACKFILL_RECORD

log = logging.getLogger(__name__)

QUEUED, WAITING, RUNNING, PAUSED = "queued", "waiting", "running", "paused"
DONE, CANCELLED = "done", "cancelled"
# Pages per slice: 20 pages of 50 PRs is about 20 s against GitHub, short enough not to hold up scoring.
SLICE_PAGES = 20
# GraphQL points (of 5000 an hour per installation) a backfill leaves for scoring live PRs.
RATE_RESERVE = 500
# A slice renews its installation lease after each page; a page takes seconds, so this is ample, and a
# worker that died mid-slice frees the installation for its other repositories after this long.
LEASE_SECONDS = 300.0
# How soon a backfill waiting for another repository of its installation looks again.
WAIT_SECONDS = 5.0


def lease_name(installation_id: int) -> str:
    return f"backfill:installation:{int(installation_id)}"


def lease_owner(repo: str) -> str:
    # The repository, not the worker, holds the lease: its next slice (on any worker) continues it.
    return f"backfill:{repo.lower()}"


@dataclasses.dataclass(frozen=True)
class SliceResult:
    """How a slice ended: ``state`` (DONE, CANCELLED, or to continue: RUNNING, WAITING, PAUSED) and,
    to continue, how many seconds from now the next slice should run."""

    state: str
    next_in: float | None = None
    report: FetchReport | None = None
    profile_version: int | None = None

    @property
    def finished(self) -> bool:
        return self.next_in is None


def queue(store, repo: str, installation_id: int) -> dict[str, Any]:
    """Record a new backfill of ``repo`` (progress counters start again)."""
    return store.onboarding.save_repo_record(BACKFILL_RECORD, repo, {
        "state": QUEUED, "installation_id": int(installation_id), "queued_at": to_github(utcnow()),
        "started_at": None, "finished_at": None, "pull_requests": 0, "pages": 0, "api_requests": 0,
        "total": None, "profile_version": None, "last_error": None})


def cancel(store, repo: str) -> bool:
    """Mark the repository's unfinished backfill cancelled; a running slice stops after its page."""
    record = store.onboarding.get_repo_record(BACKFILL_RECORD, repo)
    if record is None or record.get("state") in (DONE, CANCELLED):
        return False
    store.onboarding.save_repo_record(BACKFILL_RECORD, repo,
                                      {"state": CANCELLED, "finished_at": to_github(utcnow())})
    return True


class BackfillSlice:
    """One slice of one repository's backfill. ``on_progress(record)`` sees every saved progress record."""

    def __init__(self, store, client, repo: str, installation_id: int, pages: int = SLICE_PAGES,
                 reserve: int = RATE_RESERVE, on_progress: Callable[[dict], None] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.store, self.client, self.repo, self.installation_id = store, client, repo, int(installation_id)
        self.pages, self.reserve, self.clock = pages, reserve, clock
        self.on_progress = on_progress or (lambda record: None)
        self.report = FetchReport(repositories=1)
        self._pause_until: dt.datetime | None = None

    def run(self) -> SliceResult:
        record = self.store.onboarding.get_repo_record(BACKFILL_RECORD, self.repo) or {}
        if record.get("state") == CANCELLED:
            return SliceResult(CANCELLED)
        lease, owner = lease_name(self.installation_id), lease_owner(self.repo)
        if not self.store.onboarding.acquire_lease(lease, owner, LEASE_SECONDS):
            if record.get("state") != WAITING:
                self._save({"state": WAITING})
            return SliceResult(WAITING, WAIT_SECONDS)
        self._save({"state": RUNNING, "installation_id": self.installation_id,
                    **({} if record.get("started_at") else {"started_at": to_github(self.clock())})})
        self._counted = {"prs": 0, "pages": 0, "requests": self.client.requests_made}
        started_at = self._counted["requests"]
        fetch = RepositoryFetch(self.client, self.store, self.repo, self.report, progress=False,
                                on_page=self._page_done)
        try:
            fetch.run()
        except FetchStopped:
            return self._stopped()
        except RateLimitWaitTooLong as exc:  # GitHub asks for a longer wait than a job may sleep inline
            self._save_progress({"state": PAUSED})
            return SliceResult(PAUSED, exc.wait_seconds, self.report)
        except Exception as exc:
            self._save_progress({"last_error": f"{type(exc).__name__}: {exc}"[:500]})
            raise
        finally:
            self.report.api_requests = self.client.requests_made - started_at
        return self._finish()

    def _page_done(self, fetch: RepositoryFetch) -> None:
        # Between pages: save progress, keep the installation's lease, stop when asked or budget is low.
        self._save_progress({})
        self.store.onboarding.acquire_lease(lease_name(self.installation_id), lease_owner(self.repo),
                                            LEASE_SECONDS)
        if self._cancelled():
            raise FetchStopped(f"the backfill of {self.repo} was cancelled")
        budget = fetch.budget or {}
        remaining, reset_at = budget.get("remaining"), budget.get("resetAt")
        if isinstance(remaining, int) and remaining < self.reserve and reset_at:
            self._pause_until = parse_time(reset_at)
            raise FetchStopped(f"{remaining} GraphQL points left, below the {self.reserve} kept for scoring")
        if self.report.pages >= self.pages:
            raise FetchStopped(f"slice of {self.pages} pages done")

    def _cancelled(self) -> bool:
        record = self.store.onboarding.get_repo_record(BACKFILL_RECORD, self.repo) or {}
        return record.get("state") == CANCELLED

    def _stopped(self) -> SliceResult:
        if self._cancelled():
            self.store.onboarding.release_lease(lease_name(self.installation_id), lease_owner(self.repo))
            log.info("backfill of %s cancelled after %d pull requests", self.repo,
                     self.report.pull_requests_seen, extra={"repo": self.repo})
            return SliceResult(CANCELLED, report=self.report)
        if self._pause_until is not None:
            wait = max(0.0, (self._pause_until - self.clock()).total_seconds()) + 1.0
            self._save({"state": PAUSED, "resumes_at": to_github(self._pause_until)})
            log.warning("backfill of %s paused for %.0f s to keep GraphQL points for scoring", self.repo,
                        wait, extra={"repo": self.repo})
            return SliceResult(PAUSED, wait, self.report)
        return SliceResult(RUNNING, 0.0, self.report)

    def _finish(self) -> SliceResult:
        profile = build_from_store(self.store, self.repo)
        version = self.store.onboarding.save_profile(self.repo, profile.to_dict(), BACKFILL_SOURCE)
        finished = to_github(self.clock())
        self._save_progress({"state": DONE, "finished_at": finished, "profile_version": version,
                             "history_size": profile.pr_count, "last_error": None})
        self.store.onboarding.release_lease(lease_name(self.installation_id), lease_owner(self.repo))
        log.info("backfill of %s done: %d pull requests in the store, profile version %d", self.repo,
                 profile.pr_count, version, extra={"repo": self.repo})
        return SliceResult(DONE, report=self.report, profile_version=version)

    def _save_progress(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Add what this slice fetched since the last save to the record's running totals."""
        record = self.store.onboarding.get_repo_record(BACKFILL_RECORD, self.repo) or {}
        now = {"prs": self.report.pull_requests_seen, "pages": self.report.pages,
               "requests": self.client.requests_made}
        added = {name: now[name] - self._counted[name] for name in now}
        self._counted = now
        return self._save({"pull_requests": int(record.get("pull_requests") or 0) + added["prs"],
                           "pages": int(record.get("pages") or 0) + added["pages"],
                           "api_requests": int(record.get("api_requests") or 0) + added["requests"],
                           "total": self.report.total, **fields})

    def _save(self, fields: dict[str, Any]) -> dict[str, Any]:
        record = self.store.onboarding.save_repo_record(BACKFILL_RECORD, self.repo, fields)
        self.on_progress(record)
        return record
