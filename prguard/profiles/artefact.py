"""Saving repository profiles as store versions, and the cache the worker reads the newest one through.

The rule scoring follows: the model bundle keeps the profiles it was trained with (a snapshot, for
reproducing a run), but a PR is scored against the NEWEST stored profile of its repository. The model's
feature scaling is the bundle's and never moves; a profile only moves the repository-relative features
(``PROFILE_FEATURES``), so a repository whose history arrives after training is judged against its own
history without retraining.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from prguard.features.profile import RepoProfile, build_profile, profile_stats
from prguard.features.summary import summarize

log = logging.getLogger(__name__)

PREPROCESS_SOURCE = "preprocess"
BACKFILL_SOURCE = "backfill"
# The features a repository profile feeds (prguard.features): robust z within the repository, the rarity
# of its sensitive kinds of change, and the stand-ins used when a PR's files are not known yet.
PROFILE_FEATURES = frozenset({"rel_changed_files", "rel_changed_lines", "rel_commits", "rel_directories",
                              "rel_top_level_areas", "sensitive_rarity", "log_directories",
                              "log_top_level_areas"})


def build_from_store(store, repo: str) -> RepoProfile:
    """The repository's profile from every PR of it in the store (the same code preprocessing runs)."""
    return build_profile(repo, (profile_stats(summarize(doc)) for doc in store.prs.iter(repo)))


def save_profiles(store, profiles: dict[str, dict[str, Any]], source: str) -> dict[str, int]:
    """Store a new version of each profile (``{repo: RepoProfile.to_dict()}``); ``{repo: version}``."""
    return {repo: store.onboarding.save_profile(repo, profile, source)
            for repo, profile in sorted(profiles.items())}


class ProfileCache:
    """The newest stored profile per repository, decoded once per version.

    Every lookup asks the store for the newest version number (one indexed read) and decodes the
    profile again only when that number moved, so a profile saved by a backfill in another process is
    used by the very next PR. Safe to share between threads.
    """

    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()
        self._cached: dict[str, tuple[int, RepoProfile]] = {}

    def lookup(self, repo: str) -> tuple[RepoProfile | None, int | None]:
        """``(profile, version)`` of the newest stored version, or ``(None, None)`` when there is none."""
        key = repo.lower()
        version = self.store.onboarding.get_profile_version(repo)
        if version is None:
            return None, None
        with self._lock:
            hit = self._cached.get(key)
        if hit is not None and hit[0] == version:
            return hit[1], version
        record = self.store.onboarding.get_profile(repo, version=version)
        profile = RepoProfile.from_dict(record["profile"])
        with self._lock:
            self._cached[key] = (version, profile)
        log.info("using profile version %d of %s (%d pull requests)", version, repo, profile.pr_count,
                 extra={"repo": repo})
        return profile, version

    def __call__(self, repo: str) -> RepoProfile | None:
        return self.lookup(repo)[0]


def describe(record: dict[str, Any] | None) -> str:
    """``version N (source, M PRs)`` of a stored profile record, for status output."""
    if record is None:
        return "none"
    return f"version {record['version']} ({record['source']}, {record['pr_count']} PRs)"
