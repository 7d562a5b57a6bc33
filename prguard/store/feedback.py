"""The feedback port: maintainers' labels on a PR's head commit ("Mark as expected")."""
from __future__ import annotations

import abc
from typing import Any


class FeedbackLabels(abc.ABC):
    """Feedback labels as both adapters keep them (``store.feedback``)."""

    @abc.abstractmethod
    def add(self, repo: str, number: int, head_sha: str, label: str, user: str | None = None) -> None:
        """Record a maintainer's label (``expected``); one per (repo, number, head_sha, label): a
        repeated label keeps the first record."""

    @abc.abstractmethod
    def list(self, repo: str | None = None) -> list[dict[str, Any]]:
        """``{repo, number, head_sha, label, user, created_at}`` records, oldest first."""
