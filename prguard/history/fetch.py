"""Fetching one repository's PR history: GraphQL pages, newest update first, incremental and resumable."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Callable

from tqdm import tqdm

from prguard.github import GitHubClient, GitHubError
from prguard.github.pr_mapping import pull_request_from_graphql
from prguard.store import Store
from prguard.timestamps import now, to_github, parse as parse_time

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
# GitHub's GraphQL answers 502/504 when a page is too expensive to build in time; a smaller page helps.
SHRINK_ON = (502, 504)
MIN_PAGE_SIZE = 10


class FetchStopped(Exception):
    """The caller asked the fetch to stop between two pages (a backfill whose repository was removed).
    Everything fetched so far is stored and the cursor saved, as after any interruption."""


@dataclasses.dataclass
class FetchReport:
    repositories: int = 0
    pull_requests_seen: int = 0
    pull_requests_stored: int = 0
    rest_file_lists: int = 0
    api_requests: int = 0
    pages: int = 0
    total: int | None = None  # the repository's PR count as GitHub reported it (last repository fetched)

    def summary(self) -> str:
        return (f"{self.repositories} repositories, {self.pull_requests_seen} pull requests read, "
                f"{self.pull_requests_stored} stored or updated, {self.api_requests} API requests "
                f"({self.rest_file_lists} REST file lists for PRs with more than 100 files)")


def _has_files_for(stored: dict | None, doc: dict) -> bool:
    return bool(stored and stored.get("files") and stored.get("updated_at") == doc["updated_at"]
                and (stored.get("head") or {}).get("sha") == doc["head"]["sha"])


class RepositoryFetch:
    """Fetches one repository, newest update first, stopping at the stored watermark.

    The watermark record (``store.watermarks.get(repo)``) holds ``updated_at`` — every PR updated at or
    before it is stored — plus, while a run is unfinished, the ``cursor`` of the next page and the
    newest ``updated_at`` seen so far. Progress is saved after each page, so an interrupted run
    resumes at its cursor; the watermark moves only when a run reaches its end. PRs updated during a
    run sort ahead of the cursor and are newer than anything the run saw, so the next run gets them.

    ``on_page(fetch)`` is called with this object after each stored page but the last (progress for
    logs and metrics: ``report``, ``budget``) and may raise FetchStopped to end the run there; the
    page's progress is saved before it is called.
    """

    def __init__(self, client: GitHubClient, store: Store, repo: str, report: FetchReport,
                 since: dt.datetime | None = None, page_size: int = DEFAULT_PAGE_SIZE,
                 progress: bool | None = None, on_page: Callable[["RepositoryFetch"], None] | None = None):
        self.client, self.store, self.repo, self.report = client, store, repo, report
        self.since, self.page_size, self.progress = since, page_size, progress
        self.on_page = on_page
        self.budget: dict | None = None  # the GraphQL rate limit as the last page reported it

    def run(self) -> None:
        mark = self.store.watermarks.get(self.repo) or {}
        watermark = parse_time(mark["updated_at"]) if mark.get("updated_at") else None
        newest = parse_time(mark["newest_seen"]) if mark.get("newest_seen") else watermark
        cursor = mark.get("cursor")
        # Both bounds are lower limits; PRs updated exactly at the watermark are read again (cheap,
        # and safe if another PR changed within that same second).
        floor = max((t for t in (watermark, self.since) if t is not None), default=None)
        if cursor:
            log.info("resuming %s after an interrupted run", self.repo, extra={"repo": self.repo})
        # progress None: tqdm decides (a bar on a terminal, none in CI logs).
        bar = tqdm(desc=self.repo, unit="PR", leave=False,
                   disable=None if self.progress is None else not self.progress)
        try:
            while True:
                connection = self._page(cursor)
                if bar.total is None:
                    bar.total = connection.get("totalCount")
                self.report.total = connection.get("totalCount")
                reached_floor = False
                for node in connection.get("nodes") or []:
                    updated = parse_time(node["updatedAt"])
                    if floor is not None and updated < floor:
                        reached_floor = True
                        break
                    self._store(node)
                    newest = updated if newest is None else max(newest, updated)
                    bar.update(1)
                self.report.pages += 1
                info = connection.get("pageInfo") or {}
                cursor = info.get("endCursor")
                if reached_floor or not info.get("hasNextPage"):
                    self.store.watermarks.set(self.repo, {"updated_at": to_github(newest) if newest else None,
                                                          "cursor": None, "completed_at": to_github(now())})
                    return
                self.store.watermarks.set(self.repo, {
                    "updated_at": to_github(watermark) if watermark else None, "cursor": cursor,
                    "newest_seen": to_github(newest) if newest else None})
                if self.on_page is not None:
                    self.on_page(self)
        finally:
            bar.close()

    def _page(self, cursor: str | None) -> dict:
        while True:
            try:
                page, self.budget = self.client.pull_request_page_and_budget(self.repo, self.page_size,
                                                                             cursor)
                return page.get("pullRequests") or {}
            except GitHubError as exc:
                if exc.status not in SHRINK_ON or self.page_size <= MIN_PAGE_SIZE:
                    raise
                self.page_size = max(MIN_PAGE_SIZE, self.page_size // 2)
                log.warning("GitHub timed out building a page of %s; retrying with %d PRs per page",
                            self.repo, self.page_size, extra={"repo": self.repo})

    def _store(self, node: dict) -> None:
        doc = pull_request_from_graphql(node, self.repo)
        self.report.pull_requests_seen += 1
        if "files" not in doc:
            stored = self.store.prs.get(self.repo, doc["number"])
            if _has_files_for(stored, doc):
                doc["files"] = stored["files"]
            else:
                # More files than one GraphQL page holds: the REST list pages 100 at a time up to 3000.
                doc["files"] = self.client.list_pull_request_files(self.repo, doc["number"])
                self.report.rest_file_lists += 1
        if self.store.prs.upsert(doc):
            self.report.pull_requests_stored += 1
