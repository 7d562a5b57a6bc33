"""The feature registry: every feature of the model as one entry, in vector order; all else derives from it.

An entry says how the feature is computed from a PR's Summary and its repository's profile, the sentence a
maintainer reads when it is a reason, its repository-relative twin, whether it may be offered as a reason
and, for the check run's key-values table, the row it contributes. Adding a feature is adding an entry
here (and bumping FEATURE_VERSION: saved models were trained on the old vector).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

from prguard.features import paths, phrases
from prguard.features.measures import (ENTROPY_UNKNOWN, Measures, flag, hour_angle, on_circle, rarity,
                                       relative, weekday_angle)
from prguard.features.profile import RepoProfile
from prguard.features.summary import (BRANCH_SHELL, MAINTAINER_ASSOCIATIONS, NEWCOMER_ASSOCIATIONS,
                                      OUTSIDER_ASSOCIATIONS, SHARE_FLAGS, TITLE_SHELL, Summary)

# 2: the patch-derived `pipes_to_shell` left the learned model. History (GraphQL) has no patches, so it was
# 0 in every training row and "unusual" for any live PR showing an installer line; PR content is the
# findings layer's job (prguard.findings), and every input here is computed the same for history and live.
FEATURE_VERSION = "2"

KeyValue = tuple[str, str, str]  # (what, this PR, typical in this repository)


@dataclasses.dataclass(frozen=True)
class Feature:
    """One input of the model."""

    name: str
    compute: Callable[[Summary, RepoProfile, Measures], float]
    sentence: Callable[[Summary, RepoProfile], str]
    # A size feature judged against the pooled training median has a twin judged against THIS repository:
    # its sentence says "typical here", so it is only offered as a reason when the twin is atypical too.
    twin: str | None = None
    reason: bool = True  # may be offered as a reason for a score
    # Its row in the key-values table, None where this PR shows none (e.g. a flag that is not set).
    row: Callable[[Summary, RepoProfile], KeyValue | None] | None = None


def _typical(p: RepoProfile, stat: str) -> str:
    return phrases.count(p.typical(stat))


def _file_count(s: Summary, n: int) -> str:
    return phrases.count(n) if s.files_known else "not fetched yet"


def _flag_row(flag_name: str) -> Callable[[Summary, RepoProfile], KeyValue | None]:
    label = SHARE_FLAGS[flag_name]

    def row(s: Summary, p: RepoProfile) -> KeyValue | None:
        if not (s.files_known and s.share_flags()[flag_name]):
            return None
        return label[:1].upper() + label[1:], "yes", f"in {p.shares.get(flag_name, 0.0):.0%} of PRs"
    return row


def _paths(what: str, category: str, otherwise: str) -> Callable[[Summary, RepoProfile], str]:
    return lambda s, p: phrases.listed(what, s.paths_in(category), otherwise + phrases.unknown(s))


def _association(s: Summary, group: tuple[str, ...], member: str, other: str) -> str:
    assoc = phrases.association(s)
    return f"{phrases.author(s)} {member if assoc in group else other} ({assoc})"


def _binary_files(s: Summary, p: RepoProfile) -> str:
    found = s.binary_paths
    return phrases.listed(f"adds or changes {phrases.many(len(found), 'binary file')}", found,
                          f"no binary files{phrases.unknown(s)}")


def _title_shell(s: Summary, p: RepoProfile) -> str:
    match = TITLE_SHELL.search(s.title)
    return f"title contains shell syntax `{match.group(0)}`" if match else "title has no shell syntax"


def _when(s: Summary, p: RepoProfile) -> str:
    return phrases.opened(s)


FEATURES: tuple[Feature, ...] = (
    # ---- size (log1p of heavy-tailed counts) ----
    Feature("log_additions", lambda s, p, m: math.log1p(s.additions),
            lambda s, p: f"{phrases.many(s.additions, 'line')} added", twin="rel_changed_lines"),
    Feature("log_deletions", lambda s, p, m: math.log1p(s.deletions),
            lambda s, p: f"{phrases.many(s.deletions, 'line')} deleted", twin="rel_changed_lines"),
    Feature("log_changed_files", lambda s, p, m: m.sizes["log_changed_files"], phrases.files,
            twin="rel_changed_files"),
    Feature("log_commits", lambda s, p, m: m.sizes["log_commits"], phrases.commits, twin="rel_commits"),
    Feature("deletion_ratio", lambda s, p, m: s.deletions / s.changed_lines if s.changed_lines else 0.0,
            lambda s, p: (f"{s.deletions / s.changed_lines:.0%} of changed lines are deletions "
                          f"(+{phrases.count(s.additions)} / -{phrases.count(s.deletions)})"
                          if s.changed_lines else "no lines changed")),
    # ---- size and diffusion relative to this repository's profile (robust z, clipped) ----
    Feature("rel_changed_files", lambda s, p, m: relative(p, m, "log_changed_files"), phrases.files,
            row=lambda s, p: ("Files changed", phrases.count(s.changed_files),
                              _typical(p, "log_changed_files"))),
    Feature("rel_changed_lines", lambda s, p, m: relative(p, m, "log_changed_lines"), phrases.lines,
            row=lambda s, p: ("Lines changed", f"{s.changed_lines:,} (+{s.additions:,} / -{s.deletions:,})",
                              _typical(p, "log_changed_lines"))),
    Feature("rel_commits", lambda s, p, m: relative(p, m, "log_commits"), phrases.commits,
            row=lambda s, p: ("Commits", phrases.count(s.commits), _typical(p, "log_commits"))),
    Feature("rel_directories", lambda s, p, m: relative(p, m, "log_directories"), phrases.directories,
            row=lambda s, p: ("Directories", _file_count(s, len(s.directories)),
                              _typical(p, "log_directories"))),
    Feature("rel_top_level_areas", lambda s, p, m: relative(p, m, "log_top_level_areas"), phrases.areas,
            row=lambda s, p: ("Top-level areas", _file_count(s, len(s.top_levels)),
                              _typical(p, "log_top_level_areas"))),
    # ---- diffusion ----
    Feature("files_known", lambda s, p, m: flag(s.files_known),
            lambda s, p: ("changed files known" if s.files_known
                          else "changed files not fetched yet; path checks were skipped")),
    Feature("log_directories", lambda s, p, m: m.sizes["log_directories"], phrases.directories,
            twin="rel_directories"),
    Feature("log_top_level_areas", lambda s, p, m: m.sizes["log_top_level_areas"], phrases.areas,
            twin="rel_top_level_areas"),
    Feature("change_entropy", lambda s, p, m: ENTROPY_UNKNOWN if s.entropy is None else s.entropy,
            lambda s, p: phrases.spread(s)),
    # ---- author ----
    Feature("author_maintainer", lambda s, p, m: flag(s.association in MAINTAINER_ASSOCIATIONS),
            lambda s, p: _association(s, MAINTAINER_ASSOCIATIONS, "is a maintainer", "is not a maintainer"),
            row=lambda s, p: ("Author association", s.association or "unknown", "-")),
    Feature("author_first_time", lambda s, p, m: flag(s.association in NEWCOMER_ASSOCIATIONS),
            lambda s, p: (f"{phrases.author(s)} is a first-time contributor"
                          if phrases.association(s) in NEWCOMER_ASSOCIATIONS
                          else f"{phrases.author(s)} has contributed before ({phrases.association(s)})")),
    Feature("author_outsider", lambda s, p, m: flag(s.association in OUTSIDER_ASSOCIATIONS),
            lambda s, p: _association(s, OUTSIDER_ASSOCIATIONS, "has no association with the repository",
                                      "is associated with it")),
    Feature("author_bot", lambda s, p, m: flag(s.is_bot),
            lambda s, p: f"opened by a bot ({s.author})" if s.is_bot else f"opened by a person ({s.author})"),
    Feature("from_fork", lambda s, p, m: flag(s.from_fork),
            lambda s, p: "opened from a fork" if s.from_fork else "opened from a branch of this repository"),
    # ---- sensitive paths ----
    Feature("touches_ci", lambda s, p, m: m.flags["touches_ci"],
            _paths("changes a CI workflow", paths.CI, "no CI workflow changed"), row=_flag_row("touches_ci")),
    Feature("touches_build", lambda s, p, m: m.flags["touches_build"],
            _paths("changes a build script", paths.BUILD, "no build script changed"),
            row=_flag_row("touches_build")),
    Feature("touches_manifest", lambda s, p, m: m.flags["touches_manifest"],
            _paths("changes dependency manifests", paths.MANIFEST, "no dependency manifest changed"),
            row=_flag_row("touches_manifest")),
    Feature("lockfile_without_manifest", lambda s, p, m: m.flags["lockfile_without_manifest"],
            lambda s, p: phrases.listed("changes a lockfile without its manifest", s.orphan_lockfiles,
                                        f"no lockfile changed without its manifest{phrases.unknown(s)}"),
            row=_flag_row("lockfile_without_manifest")),
    Feature("log_binary_files", lambda s, p, m: math.log1p(len(s.binary_paths)), _binary_files,
            row=_flag_row("has_binary")),
    Feature("touches_policy", lambda s, p, m: m.flags["touches_policy"],
            _paths("changes repository policy files", paths.POLICY, "no policy file changed"),
            row=_flag_row("touches_policy")),
    Feature("sensitive_rarity", lambda s, p, m: rarity(m.flags, p), phrases.rarest),
    # ---- text signals ----
    Feature("title_shell_syntax", lambda s, p, m: flag(s.title_shell), _title_shell),
    Feature("branch_shell_syntax", lambda s, p, m: flag(s.branch_shell),
            lambda s, p: (f"head branch name contains shell syntax: `{s.head_ref[:80]}`"
                          if BRANCH_SHELL.search(s.head_ref) else "branch name is ordinary")),
    Feature("empty_description", lambda s, p, m: flag(s.body_empty),
            lambda s, p: "description is empty" if s.body_empty else "has a description"),
    # ---- timing and state (cyclic, so 23:00 and 01:00 are neighbours; one sentence for all four) ----
    Feature("hour_sin", lambda s, p, m: on_circle(math.sin, hour_angle(s)), _when),
    Feature("hour_cos", lambda s, p, m: on_circle(math.cos, hour_angle(s)), _when),
    Feature("weekday_sin", lambda s, p, m: on_circle(math.sin, weekday_angle(s)), _when),
    Feature("weekday_cos", lambda s, p, m: on_circle(math.cos, weekday_angle(s)), _when),
    Feature("draft", lambda s, p, m: flag(s.draft),
            lambda s, p: "opened as a draft" if s.draft else "ready for review (not a draft)"),
    Feature("base_not_default", lambda s, p, m: flag(s.base_not_default),
            lambda s, p: (f"targets branch {s.base_ref}, not the default branch {s.default_branch}"
                          if s.base_not_default else f"targets the default branch ({s.base_ref})")),
)


def names(features: tuple[Feature, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in features)


def twins(features: tuple[Feature, ...]) -> dict[str, str]:
    """Feature -> its repository-relative twin, for the features that have one."""
    return {f.name: f.twin for f in features if f.twin is not None}


def reasons(features: tuple[Feature, ...]) -> frozenset[str]:
    """The features that may be offered as a reason for a score."""
    return frozenset(f.name for f in features if f.reason)


FEATURE_NAMES: tuple[str, ...] = names(FEATURES)
REPO_RELATIVE_TWIN: dict[str, str] = twins(FEATURES)
REASON_FEATURES: frozenset[str] = reasons(FEATURES)
