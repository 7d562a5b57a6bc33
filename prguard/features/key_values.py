"""The PR's key values beside this repository's typical ones: the table a check run shows a maintainer."""
from __future__ import annotations

from prguard.features.profile import RepoProfile, effective_profile
from prguard.features.registry import FEATURES, Feature, KeyValue
from prguard.features.summary import Summary


def key_values(s: Summary, profile: RepoProfile | None,
               features: tuple[Feature, ...] = FEATURES) -> list[KeyValue]:
    """Rows of (what, this PR, typical in this repository), in registry order; the profile is blended
    toward global norms as the features are, so "typical" here is the same typical the score was computed
    against."""
    p = effective_profile(profile)
    rows = (f.row(s, p) for f in features if f.row is not None)
    return [row for row in rows if row is not None]
