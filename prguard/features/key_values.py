"""The PR's key values beside this repository's typical ones: the table a check run shows a maintainer."""
from __future__ import annotations

from typing import Any

from prguard.features.profile import RepoProfile, effective_profile
from prguard.features.summary import SHARE_FLAGS, Summary, summarize


def _count(value: float) -> str:
    return f"{round(value):,}"


def key_values(doc: Any, profile: RepoProfile | None) -> list[tuple[str, str, str]]:
    """Rows of (what, this PR, typical in this repository) for a PR document."""
    return key_values_of(summarize(doc), profile)


def key_values_of(s: Summary, profile: RepoProfile | None) -> list[tuple[str, str, str]]:
    """``key_values`` of an already summarised PR; the profile is blended toward global norms as the
    features are, so "typical" here is the same typical the score was computed against."""
    p = effective_profile(profile)
    unknown = "not fetched yet"
    rows = [
        ("Files changed", _count(s.changed_files), _count(p.typical("log_changed_files"))),
        ("Lines changed", f"{s.changed_lines:,} (+{s.additions:,} / -{s.deletions:,})",
         _count(p.typical("log_changed_lines"))),
        ("Commits", _count(s.commits), _count(p.typical("log_commits"))),
        ("Directories", _count(len(s.directories)) if s.files_known else unknown,
         _count(p.typical("log_directories"))),
        ("Top-level areas", _count(len(s.top_levels)) if s.files_known else unknown,
         _count(p.typical("log_top_level_areas"))),
        ("Author association", s.association or "unknown", "-"),
    ]
    if s.files_known:
        flags = s.share_flags()
        rows += [(label[:1].upper() + label[1:], "yes", f"in {p.shares.get(name, 0.0):.0%} of PRs")
                 for name, label in SHARE_FLAGS.items() if flags[name]]
    return rows
