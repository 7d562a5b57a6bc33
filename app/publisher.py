"""Where check runs go: GitHub's Checks API (GitHubPublisher) or only the store (OfflinePublisher)."""
from __future__ import annotations

import abc
import logging
from typing import Any

from app.check_runs import CheckRunOutput, completion_bodies, external_id, in_progress_body
from prguard.config import CHECK_RUN_NAME
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
        """Make sure the run exists and shows ``in_progress``; returns the stored record."""

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
        self.store.save_check_run(done)
        return done


class GitHubPublisher(Publisher):
    """Posts through an installation client (``create_check_run``, ``update_check_run``,
    ``list_check_runs_for_ref``)."""

    posted = True

    def __init__(self, store: Store, client, name: str = CHECK_RUN_NAME):
        super().__init__(store, name)
        self.client = client

    def _find(self, repo: str, head_sha: str, ext_id: str) -> int | None:
        """A run we created before crashing ahead of saving its id: same name and external_id."""
        for run in self.client.list_check_runs_for_ref(repo, head_sha, self.name):
            if run.get("external_id") == ext_id and run.get("name", self.name) == self.name:
                return int(run["id"])
        return None

    def start(self, repo: str, number: int, head_sha: str) -> dict[str, Any]:
        ext_id = external_id(repo, head_sha)
        stored = self.store.get_check_run(repo, head_sha) or {}
        check_run_id = stored.get("check_run_id") if stored.get("posted") else None
        if check_run_id is None:
            check_run_id = self._find(repo, head_sha, ext_id)
        if check_run_id is None:
            created = self.client.create_check_run(repo, in_progress_body(self.name, head_sha, ext_id))
            check_run_id = int(created["id"])
            log.info("created check run %s", check_run_id, extra={"repo": repo, "pr": number,
                                                                  "head_sha": head_sha})
        else:
            self.client.update_check_run(repo, check_run_id, {"status": "in_progress",
                                                              "external_id": ext_id})
        record = _record(repo, number, head_sha, check_run_id=check_run_id, status="in_progress",
                         posted=True, model_version=stored.get("model_version"))
        self.store.save_check_run(record)
        return record

    def complete(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        repo, check_run_id = record["repo"], int(record["check_run_id"])
        for body in completion_bodies(output, record["external_id"]):
            self.client.update_check_run(repo, check_run_id, body)
        return self._completed(record, output)


class OfflinePublisher(Publisher):
    """No App credentials: the run is only recorded, marked ``posted=False`` for ``prguard checks``."""

    posted = False

    def start(self, repo: str, number: int, head_sha: str) -> dict[str, Any]:
        record = _record(repo, number, head_sha, status="in_progress", posted=False)
        self.store.save_check_run(record)
        return record

    def complete(self, record: dict[str, Any], output: CheckRunOutput) -> dict[str, Any]:
        return self._completed(record, output)
