"""Explanations: the sentence of each feature a maintainer understands, the files worth a look, the facts."""
from __future__ import annotations

from typing import Any, Callable

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


def facts(s: Summary) -> dict[str, Any]:
    """Human-readable raw values of a PR, for check-run summaries and the UI."""
    known = s.files_known
    return {
        "repo": s.repo,
        "number": s.number,
        "title": s.title,
        "author": s.author,
        "author_association": s.association or None,
        "is_bot": s.is_bot,
        "from_fork": s.from_fork,
        "additions": s.additions,
        "deletions": s.deletions,
        "changed_files": s.changed_files,
        "commits": s.commits,
        "files_known": known,
        "directories": len(s.directories) if known else None,
        "top_level_areas": sorted(s.top_levels) if known else None,
        "ci_files": s.paths_in(paths.CI) if known else None,
        "build_files": s.paths_in(paths.BUILD) if known else None,
        "manifest_files": s.paths_in(paths.MANIFEST) if known else None,
        "lockfiles_without_manifest": s.orphan_lockfiles if known else None,
        "binary_files": s.binary_paths if known else None,
        "policy_files": s.paths_in(paths.POLICY) if known else None,
        "empty_description": s.body_empty,
        "created_at": s.created_at.isoformat() if s.created_at else None,
        "draft": s.draft,
        "base_ref": s.base_ref,
        "default_branch": s.default_branch or None,
        "head_ref": s.head_ref,
    }
