"""The watermark port: how far ``prguard fetch`` has read each repository's PR history."""
from __future__ import annotations

import abc
from typing import Any


class Watermarks(abc.ABC):
    """Sync watermarks as both adapters keep them (``store.watermarks``), one per repository."""

    @abc.abstractmethod
    def get(self, repo: str) -> dict[str, Any] | None:
        """``{"updated_at": iso8601 str, "cursor": str | None, ...}`` saved by the fetch job."""

    @abc.abstractmethod
    def set(self, repo: str, value: dict[str, Any]) -> None:
        """Replace the repository's watermark with ``value`` (plain JSON values)."""
