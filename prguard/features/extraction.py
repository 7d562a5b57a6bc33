"""The features' public API: (PR document, repository profile) -> the vector, in registry order."""
from __future__ import annotations

import math
from typing import Any

# explain and sensitive_files live in their own module but are part of this API.
from prguard.features.explanations import (explain, explainer, facts, facts_of, sensitive_files,
                                           sensitive_files_of)
from prguard.features.measures import measure
from prguard.features.profile import (GLOBAL_PROFILE, RepoProfile, build_profile, effective_profile,
                                      profile_stats, stats_of)
from prguard.features.registry import FEATURE_NAMES, FEATURE_VERSION, FEATURES, Feature
from prguard.features.summary import Summary, summarize

# Each function of a PR document has a twin taking summarize(doc), for callers that need several of them
# for one PR (scoring: the vector and its reasons): reading the document is most of the work.
__all__ = ["FEATURE_VERSION", "FEATURE_NAMES", "FEATURES", "Feature", "RepoProfile", "GLOBAL_PROFILE",
           "Summary", "build_profile", "summarize", "profile_stats", "stats_of", "extract", "extract_summary",
           "facts", "facts_of", "explain", "explainer", "sensitive_files", "sensitive_files_of"]


def extract(doc: Any, profile: RepoProfile | None) -> list[float]:
    """The feature vector of ``doc`` in FEATURE_NAMES order: finite floats, for any input."""
    return extract_summary(summarize(doc), profile)


def extract_summary(s: Summary, profile: RepoProfile | None,
                    features: tuple[Feature, ...] = FEATURES) -> list[float]:
    """``extract`` of an already summarised PR, computed entry by entry from the registry."""
    p = effective_profile(profile)
    m = measure(s, p)
    vector = []
    for feature in features:
        value = float(feature.compute(s, p, m))
        vector.append(value if math.isfinite(value) else 0.0)
    return vector
