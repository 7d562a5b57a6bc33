"""Explanations: one sentence per feature that a maintainer understands, the files worth a look, the facts."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from prguard.features import paths
from prguard.features.profile import RepoProfile, effective_profile
from prguard.features.summary import (BRANCH_SHELL, MAINTAINER_ASSOCIATIONS, NEWCOMER_ASSOCIATIONS,
                                      OUTSIDER_ASSOCIATIONS, SHARE_FLAGS, TITLE_SHELL, Summary, summarize)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _n(value: float) -> str:
    return f"{round(value):,}"


def _some(items: Iterable[str], limit: int = 3) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _listed(what: str, items: list[str], otherwise: str) -> str:
    return f"{what} ({_some(items)})" if items else otherwise


def _share(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 else "under 1%"


def _many(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _typical(p: RepoProfile, stat: str) -> str:
    return f"typical here: {_n(p.typical(stat))}"


def _author(s: Summary) -> dict[str, str]:
    who, assoc = f"author {s.author or '(unknown)'}", s.association or "unknown"
    return {
        "author_maintainer": (f"{who} is a maintainer ({assoc})" if assoc in MAINTAINER_ASSOCIATIONS
                              else f"{who} is not a maintainer ({assoc})"),
        "author_first_time": (f"{who} is a first-time contributor" if assoc in NEWCOMER_ASSOCIATIONS
                              else f"{who} has contributed before ({assoc})"),
        "author_outsider": (f"{who} has no association with the repository ({assoc})"
                            if assoc in OUTSIDER_ASSOCIATIONS else f"{who} is associated with it ({assoc})"),
        "author_bot": f"opened by a bot ({s.author})" if s.is_bot else f"opened by a person ({s.author})",
        "from_fork": "opened from a fork" if s.from_fork else "opened from a branch of this repository",
    }


def _paths(s: Summary, p: RepoProfile) -> dict[str, Callable[[], str]]:
    unknown = "" if s.files_known else " (changed files not fetched yet)"
    flags = s.share_flags()
    rare = sorted((p.shares[name], name) for name in SHARE_FLAGS if flags[name])
    return {
        "touches_ci": lambda: _listed("changes a CI workflow", s.paths_in(paths.CI),
                                      f"no CI workflow changed{unknown}"),
        "touches_build": lambda: _listed("changes a build script", s.paths_in(paths.BUILD),
                                         f"no build script changed{unknown}"),
        "touches_manifest": lambda: _listed("changes dependency manifests", s.paths_in(paths.MANIFEST),
                                            f"no dependency manifest changed{unknown}"),
        "lockfile_without_manifest": lambda: _listed("changes a lockfile without its manifest",
                                                     s.orphan_lockfiles,
                                                     f"no lockfile changed without its manifest{unknown}"),
        "log_binary_files": lambda: _listed(f"adds or changes {_many(len(s.binary_paths), 'binary file')}",
                                            s.binary_paths, f"no binary files{unknown}"),
        "touches_policy": lambda: _listed("changes repository policy files", s.paths_in(paths.POLICY),
                                          f"no policy file changed{unknown}"),
        "sensitive_rarity": lambda: (f"contains {SHARE_FLAGS[rare[0][1]]}, which {_share(rare[0][0])} "
                                     "of PRs here do" if rare else f"touches no sensitive paths{unknown}"),
    }


def _sentences(s: Summary, p: RepoProfile) -> dict[str, Callable[[], str]]:
    files = f"{_many(s.changed_files, 'file')} changed; {_typical(p, 'log_changed_files')}"
    lines = (f"{_many(s.changed_lines, 'line')} changed (+{_n(s.additions)} / -{_n(s.deletions)}); "
             f"{_typical(p, 'log_changed_lines')}")
    commits = f"{_many(s.commits, 'commit')}; {_typical(p, 'log_commits')}"
    if s.files_known:
        dirs = f"spans {_many(len(s.directories), 'directory')}; {_typical(p, 'log_directories')}"
        dirs = dirs.replace("directorys", "directories")
        areas = (f"touches {_many(len(s.top_levels), 'top-level area')} ({_some(sorted(s.top_levels))}); "
                 f"{_typical(p, 'log_top_level_areas')}")
        spread = f"changes spread across {_many(len(s.files or ()), 'file')} (evenness {s.entropy:.2f} of 1)"
    else:
        dirs = areas = spread = "changed files not fetched yet, so their spread is unknown"
    when = (f"opened {s.created_at:%H:%M} UTC on a {_WEEKDAYS[s.created_at.weekday()]}" if s.created_at
            else "opening time unknown")
    title_match = TITLE_SHELL.search(s.title)
    return {
        "log_additions": lambda: f"{_many(s.additions, 'line')} added",
        "log_deletions": lambda: f"{_many(s.deletions, 'line')} deleted",
        "log_changed_files": lambda: files,
        "log_commits": lambda: commits,
        "deletion_ratio": lambda: (f"{s.deletions / s.changed_lines:.0%} of changed lines are deletions "
                                   f"(+{_n(s.additions)} / -{_n(s.deletions)})" if s.changed_lines
                                   else "no lines changed"),
        "rel_changed_files": lambda: files,
        "rel_changed_lines": lambda: lines,
        "rel_commits": lambda: commits,
        "rel_directories": lambda: dirs,
        "rel_top_level_areas": lambda: areas,
        "files_known": lambda: ("changed files known" if s.files_known
                                else "changed files not fetched yet; path checks were skipped"),
        "log_directories": lambda: dirs,
        "log_top_level_areas": lambda: areas,
        "change_entropy": lambda: spread,
        **{name: (lambda text=text: text) for name, text in _author(s).items()},
        **_paths(s, p),
        "title_shell_syntax": lambda: (f"title contains shell syntax `{title_match.group(0)}`"
                                       if title_match else "title has no shell syntax"),
        "branch_shell_syntax": lambda: (f"head branch name contains shell syntax: `{s.head_ref[:80]}`"
                                        if BRANCH_SHELL.search(s.head_ref) else "branch name is ordinary"),
        "empty_description": lambda: "description is empty" if s.body_empty else "has a description",
        **{name: (lambda: when) for name in ("hour_sin", "hour_cos", "weekday_sin", "weekday_cos")},
        "draft": lambda: "opened as a draft" if s.draft else "ready for review (not a draft)",
        "base_not_default": lambda: (f"targets branch {s.base_ref}, not the default branch {s.default_branch}"
                                     if s.base_not_default else f"targets the default branch ({s.base_ref})"),
    }


def explainer(summary: Summary, profile: RepoProfile | None) -> Callable[[str], str]:
    """``explain`` for one summarised PR: build once, then ask for as many features as needed."""
    sentences = _sentences(summary, effective_profile(profile))

    def sentence(feature_name: str) -> str:
        if feature_name not in sentences:
            raise ValueError(
                f"unknown feature {feature_name!r}; see prguard.features.extraction.FEATURE_NAMES")
        return sentences[feature_name]()
    return sentence


def explain(feature_name: str, doc: Any, profile: RepoProfile | None) -> str:
    """A sentence a maintainer understands saying what ``feature_name`` measured on this PR."""
    return explainer(summarize(doc), profile)(feature_name)


def sensitive_files(doc: Any) -> list[tuple[str, str]]:
    """(path, reason) for every changed file a reviewer should look at, in the PR's file order."""
    return sensitive_files_of(summarize(doc))


def sensitive_files_of(s: Summary) -> list[tuple[str, str]]:
    """``sensitive_files`` of an already summarised PR."""
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


def facts(doc: Any) -> dict[str, Any]:
    """Human-readable raw values of a PR, for check-run summaries and the UI."""
    return facts_of(summarize(doc))


def facts_of(s: Summary) -> dict[str, Any]:
    """``facts`` of an already summarised PR."""
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
