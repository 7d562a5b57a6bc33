"""The features' public API: a PR summary and its repository's profile -> the vector, in registry order.

Callers summarise a PR document once (``summarize``) and hand the Summary to every function here: the
vector, its explanations, the sensitive files and the profile statistics.
"""
from __future__ import annotations

import math

# The explanations, profiles and summaries live in their own modules but are part of this API.
from prguard.features.explanations import explainer, sensitive_files
from prguard.features.measures import measure
from prguard.features.profile import (GLOBAL_PROFILE, RepoProfile, build_profile, effective_profile,
                                      profile_stats)
from prguard.features.registry import FEATURE_NAMES, FEATURE_VERSION, FEATURES, Feature
from prguard.features.summary import Summary, summarize

__all__ = ["FEATURE_VERSION", "FEATURE_NAMES", "FEATURES", "Feature", "RepoProfile", "GLOBAL_PROFILE",
           "Summary", "build_profile", "summarize", "profile_stats", "extract", "explainer",
           "sensitive_files"]


def extract(s: Summary, profile: RepoProfile | None, features: tuple[Feature, ...] = FEATURES) -> list[float]:
    """The feature vector of a summarised PR in registry order: finite floats, for any input."""
    p = effective_profile(profile)
    m = measure(s, p)
    vector = []
    for feature in features:
        value = float(feature.compute(s, p, m))
        vector.append(value if math.isfinite(value) else 0.0)
    return vector
