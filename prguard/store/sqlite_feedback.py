"""Feedback labels on SQLite: one row per (repository, PR, head SHA, label)."""
from __future__ import annotations

from typing import Any

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.feedback import FeedbackLabels
from prguard.store.sqlite_schema import SQLitePart, by_repo


class SQLiteFeedback(SQLitePart, FeedbackLabels):
    """The ``feedback`` table (``store.feedback``)."""

    def add(self, repo: str, number: int, head_sha: str, label: str, user: str | None = None) -> None:
        self._db.execute("INSERT INTO feedback (repo_key, number, head_sha, label, repo, user, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         (repo.lower(), int(number), head_sha, label, repo, user, docs.to_millis(utcnow())))

    def list(self, repo: str | None = None) -> list[dict[str, Any]]:
        where, args = by_repo(repo)
        rows = self._db.execute(f"SELECT * FROM feedback {where}"
                                " ORDER BY created_at, repo_key, number, head_sha, label", args)
        return [{"repo": r["repo"], "number": r["number"], "head_sha": r["head_sha"], "label": r["label"],
                 "user": r["user"], "created_at": docs.from_millis(r["created_at"])} for r in rows]
