"""Feedback labels on MongoDB: one document per (repository, PR, head SHA, label)."""
from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.feedback import FeedbackLabels
from prguard.store.mongo_part import MongoPart

INDEXES = {"feedback": [([("repo_key", ASCENDING), ("number", ASCENDING), ("head_sha", ASCENDING),
                          ("label", ASCENDING)], {"unique": True})]}


class MongoFeedback(MongoPart, FeedbackLabels):
    """The ``feedback`` collection (``store.feedback``)."""

    def add(self, repo: str, number: int, head_sha: str, label: str, user: str | None = None) -> None:
        key = {"repo_key": repo.lower(), "number": int(number), "head_sha": head_sha, "label": str(label)}
        insert = {"repo": repo, "user": user, "created_at": docs.as_utc(utcnow())}
        try:
            self._db.feedback.update_one(key, {"$setOnInsert": insert}, upsert=True)
        except DuplicateKeyError:
            pass  # a concurrent writer recorded the same label first; one per key is the rule

    def list(self, repo: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.feedback.find({"repo_key": repo.lower()} if repo else {},
                                      sort=[("created_at", 1), ("repo_key", 1), ("number", 1),
                                            ("head_sha", 1), ("label", 1)])
        return [{"repo": r["repo"], "number": r["number"], "head_sha": r["head_sha"], "label": r["label"],
                 "user": r["user"], "created_at": docs.as_utc(r["created_at"])} for r in rows]
