"""The installation port: the GitHub App's installations, their status and repositories."""
from __future__ import annotations

import abc
from typing import Any


class Installations(abc.ABC):
    """Installations as both adapters keep them (``store.installations``)."""

    @abc.abstractmethod
    def upsert(self, installation_id: int, account: str, status: str = "active",
               repositories: list[str] | None = None) -> None:
        """Create or update an installation; ``status`` is active, suspended or deleted.
        ``repositories`` (full names) replaces the list when given."""

    @abc.abstractmethod
    def update_repositories(self, installation_id: int, added: list[str], removed: list[str]) -> None:
        """Add and remove repositories (full names); an unknown installation is recorded as active."""

    @abc.abstractmethod
    def get(self, installation_id: int) -> dict[str, Any] | None:
        """``{"id", "account", "status", "repositories": [sorted full names], "updated_at"}`` or None.
        ``account`` is None when only an installation_repositories event has been seen."""

    @abc.abstractmethod
    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        """Installations (shaped as ``get``, of one ``status`` when given), by id."""
