"""The pull request port: stored PR documents (GitHub's REST shape), their merge rules and partitions."""
from __future__ import annotations

import abc
from typing import Any, Iterator


class PullRequests(abc.ABC):
    """PR documents as both adapters keep them (``store.prs``): every method is atomic on its own."""

    @abc.abstractmethod
    def upsert(self, doc: dict[str, Any]) -> bool:
        """Insert or replace a PR document (GitHub's REST shape, optional ``files``).

        Keyed by ``base.repo.full_name`` (case-insensitive) + ``number``. A document whose
        ``updated_at`` is older than the stored one is ignored (returns False); an equal one replaces
        it (webhook edits can share a second). When the new document has no ``files`` but the stored
        one has files for the same head SHA, the stored files are kept; a new head SHA drops them.
        Raises InvalidPullRequest (naming the field) when number, base.repo.full_name, head.sha or
        updated_at is missing or malformed. Returns True when the store changed (re-upserting the
        stored document returns False).
        """

    @abc.abstractmethod
    def get(self, repo: str, number: int) -> dict[str, Any] | None:
        """The stored document (plain JSON values), or None."""

    @abc.abstractmethod
    def set_files(self, repo: str, number: int, head_sha: str, files: list[dict]) -> bool:
        """Attach the files list if the stored PR still has ``head_sha``; returns whether it did."""

    @abc.abstractmethod
    def iter(self, repo: str | None = None) -> Iterator[dict[str, Any]]:
        """All stored PR documents (of one repository when given), ordered by repository, number."""

    @abc.abstractmethod
    def count(self, repo: str | None = None) -> int:
        ...

    @abc.abstractmethod
    def partition(self, partitions: int) -> list[dict[str, Any]]:
        """Split the PR collection into at most ``partitions`` key ranges of similar size.

        Returns JSON-serialisable range descriptions for ``iter_range`` (opaque: their keys differ
        per adapter); together they cover every PR exactly once, and PRs added later still fall in
        exactly one range. Used by the Spark data source to read in parallel.
        Raises ValueError unless ``partitions`` >= 1.
        """

    @abc.abstractmethod
    def iter_range(self, key_range: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        """``(PR key, document)`` for every PR in one range. Readers check each document themselves
        (a batch job skips and logs one it cannot use, by its key); a stored text the database cannot
        decode comes as ``(key, None)`` rather than stopping the iteration."""

    @abc.abstractmethod
    def repositories(self) -> list[str]:
        """Repository full names that have at least one stored PR, sorted case-insensitively."""
