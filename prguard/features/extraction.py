"""The one feature definition: (PR document, repository profile) -> ordered vector, names and version."""
from __future__ import annotations

import math
from typing import Any

# explain and sensitive_files live in their own module but are part of this API.
from prguard.features.explanations import (explain, explainer, facts, facts_of, sensitive_files,
                                           sensitive_files_of)
from prguard.features.profile import (GLOBAL_PROFILE, SHARE_STATS, RepoProfile, build_profile,
                                      effective_profile, profile_stats, stats_of)
from prguard.features.summary import (MAINTAINER_ASSOCIATIONS, NEWCOMER_ASSOCIATIONS, OUTSIDER_ASSOCIATIONS,
                                      Summary, summarize)

# Each function of a PR document has a twin taking summarize(doc), for callers that need several of them
# for one PR (scoring: the vector and its reasons): reading the document is most of the work.
__all__ = ["FEATURE_VERSION", "FEATURE_NAMES", "RepoProfile", "GLOBAL_PROFILE", "Summary", "build_profile",
           "summarize", "profile_stats", "stats_of", "extract", "extract_summary", "facts", "facts_of",
           "explain", "explainer", "sensitive_files", "sensitive_files_of"]

# 2: the patch-derived `pipes_to_shell` left the learned model. History (GraphQL) has no patches, so it was
# 0 in every training row and "unusual" for any live PR showing an installer line; PR content is the
# findings layer's job (prguard.findings), and every input here is computed the same for history and live.
FEATURE_VERSION = "2"

FEATURE_NAMES: tuple[str, ...] = (
    # size (log1p of heavy-tailed counts)
    "log_additions", "log_deletions", "log_changed_files", "log_commits", "deletion_ratio",
    # size and diffusion relative to this repository's profile (robust z, clipped)
    "rel_changed_files", "rel_changed_lines", "rel_commits", "rel_directories", "rel_top_level_areas",
    # diffusion
    "files_known", "log_directories", "log_top_level_areas", "change_entropy",
    # author
    "author_maintainer", "author_first_time", "author_outsider", "author_bot", "from_fork",
    # sensitive paths
    "touches_ci", "touches_build", "touches_manifest", "lockfile_without_manifest", "log_binary_files",
    "touches_policy", "sensitive_rarity",
    # text signals
    "title_shell_syntax", "branch_shell_syntax", "empty_description",
    # timing and state
    "hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "draft", "base_not_default",
)

Z_CLIP = (-4.0, 10.0)  # a 3000-file PR is "very unusual"; letting z reach 40 would swamp every other feature
ENTROPY_UNKNOWN = 0.5  # neutral spread for a PR whose files are not known yet
RARITY_FLOOR = 1e-3  # a share of 0.1% or less counts as "never happens here" (rarity 1.0)

_REL_STATS = {"rel_changed_files": "log_changed_files", "rel_changed_lines": "log_changed_lines",
              "rel_commits": "log_commits", "rel_directories": "log_directories",
              "rel_top_level_areas": "log_top_level_areas"}


def _clip(value: float, bounds: tuple[float, float] = Z_CLIP) -> float:
    return min(max(value, bounds[0]), bounds[1])


def rarity(flags: dict[str, float], profile: RepoProfile) -> float:
    """How rare, here, the rarest sensitive kind of change this PR makes is: -log(share)/log(1000)."""
    rarest = min((profile.shares[stat] for stat in SHARE_STATS if flags.get(stat)), default=None)
    if rarest is None:
        return 0.0
    return _clip(math.log(max(rarest, RARITY_FLOOR)) / math.log(RARITY_FLOOR), (0.0, 1.0))


def _values(s: Summary, profile: RepoProfile) -> dict[str, float]:
    stats = {"log_changed_files": math.log1p(s.changed_files),
             "log_changed_lines": math.log1p(s.changed_lines), "log_commits": math.log1p(s.commits)}
    if s.files_known:
        stats["log_directories"] = math.log1p(len(s.directories))
        stats["log_top_level_areas"] = math.log1p(len(s.top_levels))
    else:  # unknown: sit at this repository's median, and let files_known = 0 say why
        stats["log_directories"] = profile.median("log_directories")
        stats["log_top_level_areas"] = profile.median("log_top_level_areas")
    flags = s.share_flags()
    entropy = s.entropy
    association = s.association
    values = {
        "log_additions": math.log1p(s.additions),
        "log_deletions": math.log1p(s.deletions),
        "log_changed_files": stats["log_changed_files"],
        "log_commits": stats["log_commits"],
        "deletion_ratio": s.deletions / s.changed_lines if s.changed_lines else 0.0,
        "files_known": 1.0 if s.files_known else 0.0,
        "log_directories": stats["log_directories"],
        "log_top_level_areas": stats["log_top_level_areas"],
        "change_entropy": ENTROPY_UNKNOWN if entropy is None else entropy,
        "author_maintainer": 1.0 if association in MAINTAINER_ASSOCIATIONS else 0.0,
        "author_first_time": 1.0 if association in NEWCOMER_ASSOCIATIONS else 0.0,
        "author_outsider": 1.0 if association in OUTSIDER_ASSOCIATIONS else 0.0,
        "author_bot": 1.0 if s.is_bot else 0.0,
        "from_fork": 1.0 if s.from_fork else 0.0,
        **{name: flags[name] for name in SHARE_STATS if name != "has_binary"},
        "log_binary_files": math.log1p(len(s.binary_paths)),
        "sensitive_rarity": rarity(flags, profile),
        "title_shell_syntax": 1.0 if s.title_shell else 0.0,
        "branch_shell_syntax": 1.0 if s.branch_shell else 0.0,
        "empty_description": 1.0 if s.body_empty else 0.0,
        "draft": 1.0 if s.draft else 0.0,
        "base_not_default": 1.0 if s.base_not_default else 0.0,
    }
    for name, stat in _REL_STATS.items():
        values[name] = _clip(profile.robust_z(stat, stats[stat]))
    if s.created_at is not None:  # cyclic so 23:00 and 01:00 are neighbours; missing time -> centre (0, 0)
        hour = (s.created_at.hour + s.created_at.minute / 60) / 24
        day = (s.created_at.weekday() + hour) / 7
        values.update(hour_sin=math.sin(2 * math.pi * hour), hour_cos=math.cos(2 * math.pi * hour),
                      weekday_sin=math.sin(2 * math.pi * day), weekday_cos=math.cos(2 * math.pi * day))
    return values


def extract(doc: Any, profile: RepoProfile | None) -> list[float]:
    """The feature vector of ``doc`` in FEATURE_NAMES order: finite floats, for any input."""
    return extract_summary(summarize(doc), profile)


def extract_summary(summary: Summary, profile: RepoProfile | None) -> list[float]:
    """``extract`` of an already summarised PR."""
    values = _values(summary, effective_profile(profile))
    vector = []
    for name in FEATURE_NAMES:
        value = float(values.get(name, 0.0))
        vector.append(value if math.isfinite(value) else 0.0)
    return vector
