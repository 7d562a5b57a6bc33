"""Scores and check-run records on MongoDB: one document of each per (repository, head SHA)."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.checks import Checks
from prguard.store.mongo_part import MongoPart, retry_duplicate

INDEXES = {
    "scores": [([("repo_key", ASCENDING), ("head_sha", ASCENDING)], {"unique": True})],
    "check_runs": [([("repo_key", ASCENDING), ("head_sha", ASCENDING)], {"unique": True}),
                   ([("updated_at", DESCENDING)], {})],
}


class MongoChecks(MongoPart, Checks):
    """The ``scores`` and ``check_runs`` collections (``store.checks``)."""

    def save_score(self, record: dict[str, Any]) -> None:
        record = docs.stamped(record, "scored_at", utcnow())
        key = {"repo_key": record["repo"].lower(), "head_sha": record["head_sha"]}
        retry_duplicate(lambda: self._db.scores.replace_one(key, {**key, "record": record}, upsert=True))

    def get_score(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.scores.find_one({"repo_key": repo.lower(), "head_sha": head_sha})
        return docs.decode_times(row["record"], docs.SCORE_TIME_FIELDS) if row else None

    def save_run(self, record: dict[str, Any]) -> None:
        """Fields given replace the stored ones; fields not given are kept (one atomic update)."""
        record = docs.stamped(record, "updated_at", utcnow())
        key = {"repo_key": record["repo"].lower(), "head_sha": record["head_sha"]}
        update = {f"record.{name}": value for name, value in record.items()}
        retry_duplicate(lambda: self._db.check_runs.update_one(
            key, {"$set": {**update, "updated_at": record["updated_at"]}}, upsert=True))

    def get_run(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.check_runs.find_one({"repo_key": repo.lower(), "head_sha": head_sha})
        return docs.decode_times(row["record"], docs.CHECK_RUN_TIME_FIELDS) if row else None

    def list_runs(self, repo: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._db.check_runs.find({"repo_key": repo.lower()} if repo else {}, limit=int(limit),
                                        sort=[("updated_at", -1), ("repo_key", 1), ("head_sha", 1)])
        return [docs.decode_times(row["record"], docs.CHECK_RUN_TIME_FIELDS) for row in rows]
