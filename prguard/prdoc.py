"""Reading a PR document defensively: the raw facts features and explanations are computed from."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from typing import Any

from prguard import paths

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
    "pipes_to_shell": "commands piping a download into a shell",
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
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(min(value, 1e12))


def parse_time(value: Any) -> dt.datetime | None:
    """GitHub's ISO-8601 timestamps ('2019-05-15T15:20:33Z'), as aware UTC datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class ChangedFile:
    path: str
    additions: int
    deletions: int
    status: str
    binary: bool
    pipes_to_shell: bool


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

    @property
    def files_known(self) -> bool:
        return self.files is not None

    @property
    def changed_lines(self) -> int:
        return self.additions + self.deletions

    def paths_in(self, category: str) -> list[str]:
        return [f.path for f in self.files or () if category in paths.categories(f.path)]

    @property
    def directories(self) -> set[str]:
        return {paths.directory(f.path) for f in self.files or ()}

    @property
    def top_levels(self) -> set[str]:
        return {paths.top_level(f.path) for f in self.files or ()}

    @property
    def binary_paths(self) -> list[str]:
        return [f.path for f in self.files or () if f.binary]

    @property
    def orphan_lockfiles(self) -> list[str]:
        return paths.orphan_lockfiles([f.path for f in self.files or ()])

    @property
    def pipe_to_shell_paths(self) -> list[str]:
        return [f.path for f in self.files or () if f.pipes_to_shell]

    @property
    def entropy(self) -> float | None:
        """Entropy of changed lines across files: 0 (one file) .. 1 (evenly spread); None if unknown."""
        if self.files is None:
            return None
        weights = [f.additions + f.deletions + 1 for f in self.files]
        if len(weights) < 2:
            return 0.0
        total = sum(weights)
        return -sum(w / total * math.log(w / total) for w in weights) / math.log(len(weights))

    def share_flags(self) -> dict[str, float]:
        """The SHARE_FLAGS as 0/1 (all 0 when the files are not known)."""
        flags = {
            "touches_ci": self.paths_in(paths.CI),
            "touches_build": self.paths_in(paths.BUILD),
            "touches_manifest": self.paths_in(paths.MANIFEST),
            "lockfile_without_manifest": self.orphan_lockfiles,
            "has_binary": self.binary_paths,
            "touches_policy": self.paths_in(paths.POLICY),
            "pipes_to_shell": self.pipe_to_shell_paths,
        }
        return {name: 1.0 if found else 0.0 for name, found in flags.items()}

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
    for item in raw:
        path = _str(_get(item, "filename"))
        if not path:
            continue
        additions = _count(_get(item, "additions")) or 0
        deletions = _count(_get(item, "deletions")) or 0
        changes = _count(_get(item, "changes"))
        changes = additions + deletions if changes is None else changes
        status = _str(_get(item, "status"))
        patch = _get(item, "patch")
        binary = paths.looks_binary(path, patch, changes, status)
        files.append(ChangedFile(path, additions, deletions, status, binary, paths.pipes_to_shell(patch)))
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


def facts(doc: Any) -> dict[str, Any]:
    """Human-readable raw values of a PR, for check-run summaries and the UI."""
    s = summarize(doc)
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
        "pipe_to_shell_files": s.pipe_to_shell_paths if known else None,
        "empty_description": s.body_empty,
        "created_at": s.created_at.isoformat() if s.created_at else None,
        "draft": s.draft,
        "base_ref": s.base_ref,
        "default_branch": s.default_branch or None,
        "head_ref": s.head_ref,
    }
