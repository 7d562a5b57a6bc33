"""The words of feature sentences: counts, short lists, typical values, the phrases features share."""
from __future__ import annotations

from typing import Iterable

from prguard.features.profile import RepoProfile
from prguard.features.summary import SHARE_FLAGS, Summary

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def count(value: float) -> str:
    return f"{round(value):,}"


def some(items: Iterable[str], limit: int = 3) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def listed(what: str, items: list[str], otherwise: str) -> str:
    return f"{what} ({some(items)})" if items else otherwise


def share(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 else "under 1%"


def many(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def typical(p: RepoProfile, stat: str) -> str:
    return f"typical here: {count(p.typical(stat))}"


def unknown(s: Summary) -> str:
    """The note a path sentence ends with while the PR's files are not fetched."""
    return "" if s.files_known else " (changed files not fetched yet)"


NOT_FETCHED = "changed files not fetched yet, so their spread is unknown"


# ---- phrases two or more features are explained by -----------------------------------------------
def files(s: Summary, p: RepoProfile) -> str:
    return f"{many(s.changed_files, 'file')} changed; {typical(p, 'log_changed_files')}"


def lines(s: Summary, p: RepoProfile) -> str:
    return (f"{many(s.changed_lines, 'line')} changed (+{count(s.additions)} / -{count(s.deletions)}); "
            f"{typical(p, 'log_changed_lines')}")


def commits(s: Summary, p: RepoProfile) -> str:
    return f"{many(s.commits, 'commit')}; {typical(p, 'log_commits')}"


def directories(s: Summary, p: RepoProfile) -> str:
    if not s.files_known:
        return NOT_FETCHED
    spans = f"spans {many(len(s.directories), 'directory')}; {typical(p, 'log_directories')}"
    return spans.replace("directorys", "directories")


def areas(s: Summary, p: RepoProfile) -> str:
    if not s.files_known:
        return NOT_FETCHED
    return (f"touches {many(len(s.top_levels), 'top-level area')} ({some(sorted(s.top_levels))}); "
            f"{typical(p, 'log_top_level_areas')}")


def spread(s: Summary) -> str:
    if not s.files_known:
        return NOT_FETCHED
    return f"changes spread across {many(len(s.files or ()), 'file')} (evenness {s.entropy:.2f} of 1)"


def opened(s: Summary) -> str:
    return (f"opened {s.created_at:%H:%M} UTC on a {WEEKDAYS[s.created_at.weekday()]}" if s.created_at
            else "opening time unknown")


def author(s: Summary) -> str:
    return f"author {s.author or '(unknown)'}"


def association(s: Summary) -> str:
    return s.association or "unknown"


def rarest(s: Summary, p: RepoProfile) -> str:
    flags = s.share_flags()
    found = sorted((p.shares[name], name) for name in SHARE_FLAGS if flags[name])
    if not found:
        return f"touches no sensitive paths{unknown(s)}"
    return f"contains {SHARE_FLAGS[found[0][1]]}, which {share(found[0][0])} of PRs here do"
