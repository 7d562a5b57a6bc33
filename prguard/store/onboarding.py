"""The store port's onboarding half: versioned repository profiles, per-repository records, named leases."""
from __future__ import annotations

import abc
import datetime as dt
from typing import Any

# Kinds of per-repository record (``save_repo_record``): a backfill's state and progress, and the
# cached `.github/prguard.yml` of a repository.
BACKFILL_RECORD = "backfill"
CONFIG_RECORD = "config"


class OnboardingStore(abc.ABC):
    """What onboarding a repository needs persisted; Store inherits it, each adapter implements it."""

    # ---- repository profiles (a versioned artefact) ----------------------------------------------
    @abc.abstractmethod
    def save_profile(self, repo: str, profile: dict[str, Any], source: str,
                     created_at: dt.datetime | None = None) -> int:
        """Store a new version of the repository's profile (``RepoProfile.to_dict()``) and return its
        version: 1 for the first, then one more than the newest, atomically (two concurrent saves get
        two versions). ``source`` says what built it (``preprocess``, ``backfill``)."""

    @abc.abstractmethod
    def get_profile(self, repo: str, version: int | None = None) -> dict[str, Any] | None:
        """``{repo, version, profile, source, pr_count, created_at}`` of the newest version (or of
        ``version``), or None. ``repo`` matches case-insensitively."""

    @abc.abstractmethod
    def get_profile_version(self, repo: str) -> int | None:
        """The newest version number alone: the cheap question a cache asks before every use."""

    @abc.abstractmethod
    def list_profiles(self) -> list[dict[str, Any]]:
        """The newest version of every repository's profile (shaped as ``get_profile``), by repository."""

    # ---- per-repository records ------------------------------------------------------------------
    @abc.abstractmethod
    def save_repo_record(self, kind: str, repo: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Merge ``fields`` (plain JSON values) into the ``kind`` record of ``repo`` and return it:
        fields given replace the stored ones, others are kept. ``repo`` and ``updated_at`` (an aware
        datetime, now) are set by the store."""

    @abc.abstractmethod
    def get_repo_record(self, kind: str, repo: str) -> dict[str, Any] | None:
        ...

    @abc.abstractmethod
    def list_repo_records(self, kind: str) -> list[dict[str, Any]]:
        """Every record of ``kind``, ordered by repository (case-insensitively)."""

    @abc.abstractmethod
    def delete_repo_record(self, kind: str, repo: str) -> bool:
        """Drop the record; True when there was one."""

    # ---- named leases ----------------------------------------------------------------------------
    @abc.abstractmethod
    def acquire_lease(self, name: str, owner: str, seconds: float, now: dt.datetime | None = None) -> bool:
        """Hold ``name`` for ``seconds``: True when it was free, expired, or already ``owner``'s (the
        lease is then extended). Of several owners racing for a free lease exactly one gets True."""

    @abc.abstractmethod
    def release_lease(self, name: str, owner: str) -> bool:
        """Free ``name`` if ``owner`` holds it; True when it did."""
