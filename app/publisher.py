"""Where check runs go: GitHub's Checks API (GitHubPublisher) or only the store (OfflinePublisher)."""
from __future__ import annotations

import abc
import logging
import time
from typing import Any, Callable

from app.check_runs import CheckRunOutput, completion_bodies, external_id, in_progress_body, iso_now
from app.contracts import CheckRunWriter
from prguard.config import CHECK_RUN_IN_PROGRESS_AFTER_SECONDS, CHECK_RUN_NAME
from prguard.store.base import Store, utcnow

log = logging.getLogger(__name__)


def _record(repo: str, number: int, head_sha: str, **fields: Any) -> dict[str, Any]:
    record = {
        "repo": repo,
        "number": int(number),
        "head_sha": head_sha,
        "external_id": external_id(repo, head_sha),
        "check_run_id": None,
        "status": "queued",
        "conclusion": None,
        "title": None,
        "summary": None,
        "text": None,
        "annotations": [],
        "posted": False,
        "model_version": None,
    }
    record.update(fields)
    record["updated_at"] = utcnow()
    return record


class Publisher(abc.ABC):
    """Opens and completes PRGuard's one check run per (repository, head SHA), keeping the store's
    record of it current, so a re-run or a retried job updates that run instead of adding one."""

    posted: bool

    def __init__(self, store: Store, name: str = CHECK_RUN_NAME):
        self.store = store
        self.name = name

    @abc.abstractmethod
    def start(self, repo: str, number: int, head_sha: str) -> dict[str, Any]:
        """Begin the work on a run; returns the record ``progress`` and ``complete`` take."""

    def progress(self, record: dict[str, Any]) -> dict[str, Any]:
        """Called between the steps of a job: may show the run as ``in_progress``; returns the record."""
        return record

    @abc.abstractmethod
    def complete(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        """Complete (or re-complete) the run of ``record`` with ``output``; returns the new record."""

    def _completed(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        done = _record(
            record["repo"], record["number"], record["head_sha"],
            check_run_id=record.get("check_run_id"), status="completed", conclusion=output.conclusion,
            title=output.title, summary=output.summary, text=output.text, annotations=output.annotations,
            posted=self.posted, model_version=output.model_version or record.get("model_version"),
        )
        self.store.checks.save_run(done)
        return done


class GitHubPublisher(Publisher):
    """Posts through an installation client (``create_check_run``, ``update_check_run``,
    ``list_check_runs_for_ref``).

    A job that finishes within ``in_progress_after`` seconds creates its run already completed (one
    POST, plus a PATCH per further 50 annotations); a slower one shows ``in_progress`` from the first
    step past that time, so the PR's page says scoring is under way."""

    posted = True

    def __init__(self, store: Store, client: CheckRunWriter, name: str = CHECK_RUN_NAME,
                 in_progress_after: float = CHECK_RUN_IN_PROGRESS_AFTER_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(store, name)
        self.client = client
        self.in_progress_after = in_progress_after
        self.clock = clock

    def _find(self, repo: str, head_sha: str, ext_id: str) -> int | None:
        """A run we created before crashing ahead of saving its id: same name and external_id."""
        for run in self.client.list_check_runs_for_ref(repo, head_sha, self.name):
            if run.get("external_id") == ext_id and run.get("name", self.name) == self.name:
                return int(run["id"])
        return None

    def start(self, repo: str, number: int, head_sha: str) -> dict[str, Any]:
        # No request yet: a quick job creates its run already completed, in one content-creating
        # request (GitHub's secondary limits count those per installation).
        stored = self.store.checks.get_run(repo, head_sha)
        known = stored.get("check_run_id") if stored and stored.get("posted") else None
        return _record(repo, number, head_sha, check_run_id=known, status="queued", posted=True,
                       model_version=(stored or {}).get("model_version"), started_at=iso_now(),
                       # A record without an id may stand for a run created just before a crash.
                       maybe_created=bool(stored) and known is None, opened=self.clock())

    def progress(self, record: dict[str, Any]) -> dict[str, Any]:
        if record.get("check_run_id") is not None or self.clock() - record["opened"] < self.in_progress_after:
            return record
        record = self._recovered(record)
        if record.get("check_run_id") is not None:
            return record
        return self._create(record, in_progress_body(self.name, record["head_sha"], record["external_id"]),
                            "in_progress")

    def complete(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        bodies = completion_bodies(output, record["external_id"])
        record = self._recovered(record)
        check_run_id = record.get("check_run_id")
        if check_run_id is None:
            first = dict(bodies.pop(0), name=self.name, head_sha=record["head_sha"])
            if record.get("started_at"):
                first["started_at"] = record["started_at"]
            # The id is stored at once only when PATCHes follow, so that a retry updates this run.
            record = self._create(record, first, "completing", keep_id=bool(bodies))
            check_run_id = record["check_run_id"]
        for body in bodies:
            self.client.update_check_run(record["repo"], int(check_run_id), body)
        return self._completed(dict(record, check_run_id=check_run_id), output)

    def _recovered(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with the id of a run an earlier attempt created but did not get to store."""
        if record.get("check_run_id") is not None or not record.get("maybe_created"):
            return record
        found = self._find(record["repo"], record["head_sha"], record["external_id"])
        return dict(record, check_run_id=found, maybe_created=False)

    def _create(self, record: dict[str, Any], body: dict[str, Any], status: str,
                keep_id: bool = True) -> dict[str, Any]:
        """POST the run, keeping its id at once: a retry then updates it instead of adding another."""
        repo, number, head_sha = record["repo"], record["number"], record["head_sha"]
        # Saved before the POST: a crash after GitHub created the run makes the retry look it up.
        self.store.checks.save_run(_record(repo, number, head_sha, status="creating", posted=True,
                                           model_version=record.get("model_version")))
        check_run_id = int(self.client.create_check_run(repo, body)["id"])
        log.info("created check run %s (%s)", check_run_id, body.get("status"),
                 extra={"repo": repo, "pr": number, "head_sha": head_sha})
        if keep_id:
            self.store.checks.save_run(_record(repo, number, head_sha, check_run_id=check_run_id,
                                               status=status, posted=True,
                                               model_version=record.get("model_version")))
        return dict(record, check_run_id=check_run_id, status=status)


class OfflinePublisher(Publisher):
    """No App credentials: the run is only recorded, marked ``posted=False`` for ``prguard checks``."""

    posted = False

    def start(self, repo: str, number: int, head_sha: str) -> dict[str, Any]:
        return _record(repo, number, head_sha, status="queued", posted=False)

    def complete(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        return self._completed(record, output)
