"""Explanations: the sentence of each feature a maintainer understands, and the files worth a look."""
from __future__ import annotations

from typing import Callable

from prguard.features import paths
from prguard.features.profile import RepoProfile, effective_profile
from prguard.features.registry import FEATURES, Feature
from prguard.features.summary import Summary


def explainer(s: Summary, profile: RepoProfile | None,
              features: tuple[Feature, ...] = FEATURES) -> Callable[[str], str]:
    """A sentence saying what a feature measured on this PR, for as many features as the caller asks."""
    p = effective_profile(profile)
    sentences = {f.name: f.sentence for f in features}

    def sentence(feature_name: str) -> str:
        if feature_name not in sentences:
            raise ValueError(
                f"unknown feature {feature_name!r}; see prguard.features.registry.FEATURES")
        return sentences[feature_name](s, p)
    return sentence


def sensitive_files(s: Summary) -> list[tuple[str, str]]:
    """(path, reason) for every changed file a reviewer should look at, in the PR's file order."""
    orphans = set(s.orphan_lockfiles)
    found = []
    for changed in s.files or ():
        categories = paths.categories(changed.path)
        reasons = [paths.REASONS[c] for c in (paths.CI, paths.BUILD, paths.MANIFEST, paths.POLICY)
                   if c in categories]
        if changed.path in orphans:
            reasons.append(paths.REASONS[paths.LOCKFILE])
        if changed.binary:
            reasons.append(paths.REASONS[paths.BINARY])
        if reasons:
            found.append((changed.path, "; ".join(reasons)))
    return found
