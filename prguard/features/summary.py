"""Reading a PR document defensively: the raw facts features and explanations are computed from."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from typing import Any, NamedTuple

from prguard import validation
from prguard.features import paths

MAINTAINER_ASSOCIATIONS = ("OWNER", "MEMBER", "COLLABORATOR")
NEWCOMER_ASSOCIATIONS = ("FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER")
OUTSIDER_ASSOCIATIONS = ("NONE", "MANNEQUIN")

# Command substitution and pipes into a shell: these get executed when a workflow interpolates
# ${{ github.event.pull_request.title }} or the branch name into a `run:` step.
TITLE_SHELL = re.compile(r"\$\(|\$\{|`[^`]*\b(curl|wget|bash|sh|eval|base64|nc)\b[^`]*`|\|\s*(ba)?sh\b")
# The 0/1 sensitive-path flags, in a fixed order, and the words used for them in explanations.
SHARE_FLAGS = {
    "touches_ci": "CI workflow changes",
    "touches_build": "build script changes",
    "touches_manifest": "dependency manifest changes",
    "lockfile_without_manifest": "lockfile changes without their manifest",
    "has_binary": "binary files",
    "touches_policy": "policy file changes",
}
# Characters git allows in a branch name that no ordinary branch uses but a shell interprets.
BRANCH_SHELL = re.compile(r"[$`;|&<>(){}'\"\\]")


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any) -> int | None:
    """A non-negative integer count, or None when the value is missing or not a number."""
    if type(value) is int and 0 <= value <= 10**12:  # the common case, answered without the checks below
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(min(value, 1e12))


def parse_time(value: Any) -> dt.datetime | None:
    """GitHub's ISO-8601 timestamps ('2019-05-15T15:20:33Z'), as aware UTC datetimes; None for a missing
    time or one that is not a real GitHub time (out of range, overflowing), so a stored document with a
    forged time still gets its features."""
    try:
        return validation.timestamp(value, "time")
    except ValueError:
        return None


class ChangedFile(NamedTuple):  # a named tuple: PRs have thousands of files, and it builds fastest
    path: str
    additions: int
    deletions: int
    status: str
    binary: bool


@dataclasses.dataclass(frozen=True)
class Summary:
    """Everything the features need from one PR document, with missing values already defaulted."""

    repo: str
    number: int | None
    title: str
    body_empty: bool
    author: str
    association: str
    is_bot: bool
    from_fork: bool
    additions: int
    deletions: int
    changed_files: int
    commits: int
    created_at: dt.datetime | None
    draft: bool
    base_ref: str
    default_branch: str
    head_ref: str
    files: tuple[ChangedFile, ...] | None  # None: not fetched yet ("unknown", not "no files")

    # Derived values are cached: one Summary is read by the features, the profile statistics and
    # every explanation of a PR. Lists are handed out as copies so a caller cannot alter the cache.
    @property
    def files_known(self) -> bool:
        return self.files is not None

    @property
    def changed_lines(self) -> int:
        return self.additions + self.deletions

    @functools.cached_property
    def _by_category(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {paths.CI: [], paths.BUILD: [], paths.MANIFEST: [], paths.POLICY: []}
        for f in self.files or ():
            for category in paths.categories(f.path):
                if category in found:
                    found[category].append(f.path)
        return {category: tuple(listed) for category, listed in found.items()}

    def paths_in(self, category: str) -> list[str]:
        listed = self._by_category.get(category)
        if listed is None:  # a category without a cached list (BINARY by extension only)
            return [f.path for f in self.files or () if category in paths.categories(f.path)]
        return list(listed)

    @functools.cached_property
    def directories(self) -> frozenset[str]:
        return frozenset(paths.directory(f.path) for f in self.files or ())

    @functools.cached_property
    def top_levels(self) -> frozenset[str]:
        return frozenset(paths.top_level(f.path) for f in self.files or ())

    @functools.cached_property
    def _binary_paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files or () if f.binary)

    @property
    def binary_paths(self) -> list[str]:
        return list(self._binary_paths)

    @functools.cached_property
    def _orphan_lockfiles(self) -> tuple[str, ...]:
        return tuple(paths.orphan_lockfiles([f.path for f in self.files or ()]))

    @property
    def orphan_lockfiles(self) -> list[str]:
        return list(self._orphan_lockfiles)

    @functools.cached_property
    def entropy(self) -> float | None:
        """Entropy of changed lines across files: 0 (one file) .. 1 (evenly spread); None if unknown."""
        if self.files is None:
            return None
        weights = [f.additions + f.deletions + 1 for f in self.files]
        if len(weights) < 2:
            return 0.0
        total = sum(weights)
        return -sum(w / total * math.log(w / total) for w in weights) / math.log(len(weights))

    @functools.cached_property
    def _share_flags(self) -> tuple[tuple[str, float], ...]:
        by_category = self._by_category
        flags = {
            "touches_ci": by_category[paths.CI],
            "touches_build": by_category[paths.BUILD],
            "touches_manifest": by_category[paths.MANIFEST],
            "lockfile_without_manifest": self._orphan_lockfiles,
            "has_binary": self._binary_paths,
            "touches_policy": by_category[paths.POLICY],
        }
        return tuple((name, 1.0 if found else 0.0) for name, found in flags.items())

    def share_flags(self) -> dict[str, float]:
        """The SHARE_FLAGS as 0/1 (all 0 when the files are not known)."""
        return dict(self._share_flags)

    @property
    def title_shell(self) -> bool:
        return bool(TITLE_SHELL.search(self.title))

    @property
    def branch_shell(self) -> bool:
        return bool(BRANCH_SHELL.search(self.head_ref))

    @property
    def base_not_default(self) -> bool:
        return bool(self.default_branch and self.base_ref and self.base_ref != self.default_branch)


def _files(raw: Any) -> tuple[ChangedFile, ...] | None:
    if not isinstance(raw, list):
        return None
    files = []
    for item in raw:  # the hottest loop of the feature code: plain dict reads instead of _get
        if not isinstance(item, dict):
            continue
        path = item.get("filename")
        if not isinstance(path, str) or not path:
            continue
        additions = _count(item.get("additions")) or 0
        deletions = _count(item.get("deletions")) or 0
        changes = _count(item.get("changes"))
        changes = additions + deletions if changes is None else changes
        status = _str(item.get("status"))
        # ``patch`` is never read: history (GraphQL) has none, and the model's inputs must be the same for
        # a PR from history and a live one. Content is judged by prguard.findings.
        binary = paths.looks_binary(path, changes, status)
        files.append(ChangedFile(path, additions, deletions, status, binary))
    return tuple(files)


def summarize(doc: Any) -> Summary:
    """Read ``doc`` (GitHub's REST pull request + optional ``files``) without ever raising."""
    files = _files(_get(doc, "files"))
    known = files or ()
    additions = _count(_get(doc, "additions"))
    deletions = _count(_get(doc, "deletions"))
    changed = _count(_get(doc, "changed_files"))
    login = _str(_get(doc, "user", "login"))
    base_repo = _str(_get(doc, "base", "repo", "full_name"))
    head_repo = _get(doc, "head", "repo")
    # A deleted fork shows as head.repo = null; it was a fork all the same.
    from_fork = isinstance(_get(doc, "head"), dict) and (
        head_repo is None or _str(_get(head_repo, "full_name")).lower() != base_repo.lower())
    number = _count(_get(doc, "number"))
    return Summary(
        repo=base_repo,
        number=number,
        title=_str(_get(doc, "title")),
        body_empty=not _str(_get(doc, "body")).strip(),
        author=login,
        association=_str(_get(doc, "author_association")).upper(),
        is_bot=_str(_get(doc, "user", "type")) == "Bot" or login.endswith("[bot]"),
        from_fork=bool(from_fork),
        additions=additions if additions is not None else sum(f.additions for f in known),
        deletions=deletions if deletions is not None else sum(f.deletions for f in known),
        changed_files=changed if changed is not None else len(known),
        commits=_count(_get(doc, "commits")) or 1,  # every PR has at least one commit
        created_at=parse_time(_get(doc, "created_at")),
        draft=_get(doc, "draft") is True,
        base_ref=_str(_get(doc, "base", "ref")),
        default_branch=_str(_get(doc, "base", "repo", "default_branch")),
        head_ref=_str(_get(doc, "head", "ref")),
        files=files,
    )
