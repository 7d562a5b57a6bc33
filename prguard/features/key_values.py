"""The PR's key values beside this repository's typical ones: the table a check run shows a maintainer."""
from __future__ import annotations

from typing import Any

from prguard.features.profile import RepoProfile, effective_profile
from prguard.features.registry import FEATURES, Feature, KeyValue
from prguard.features.summary import Summary, summarize


def key_values(doc: Any, profile: RepoProfile | None) -> list[KeyValue]:
    """Rows of (what, this PR, typical in this repository) for a PR document."""
    return key_values_of(summarize(doc), profile)


def key_values_of(s: Summary, profile: RepoProfile | None,
                  features: tuple[Feature, ...] = FEATURES) -> list[KeyValue]:
    """``key_values`` of an already summarised PR, in registry order; the profile is blended
    toward global norms as the features are, so "typical" here is the same typical the score was computed
    against."""
    p = effective_profile(profile)
    rows = (f.row(s, p) for f in features if f.row is not None)
    return [row for row in rows if row is not None]
