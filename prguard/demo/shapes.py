"""Dressing a synthetic PR in GitHub's REST shape: users, refs, titles, bodies, labels, timestamps."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from typing import Any

from prguard.demo import repos as R
from prguard.timestamps import to_github

API = "https://api.github.com"
TITLES = {
    "feature": ("Add {w} support to {v}", "feat({w}): support {v} options", "Implement {w} {v} endpoint"),
    "fix": ("Fix {w} crash when {v} is empty", "fix({w}): handle {v} timeout", "Fix race in {w} {v}"),
    "docs": ("docs: clarify {w} setup", "Update {w} guide", "Fix typo in {w} docs"),
    "refactor": ("Refactor {w} into {v} package", "refactor: split {w} module", "Move {w} to {v}"),
    "ci": ("ci: cache {w} dependencies", "ci: add {w} job", "ci: pin {w} action versions"),
    "build": ("build: update {w} target", "Speed up {w} build", "build: add {v} to Dockerfile"),
    "release": ("Release v{major}.{minor}.0", "chore(release): {major}.{minor}.{patch}"),
    "test": ("test: cover {w} edge cases", "Add tests for {w} {v}"),
    "cleanup": ("Remove deprecated {w} module", "Drop legacy {w} {v} code"),
    "fixture": ("test: add {w} sample fixtures", "Add {w} regression test data"),
    "deps": ("Bump {dep} from {major}.{minor}.{patch} to {major}.{minor}.{next}",),
}
LABELS = {"feature": "enhancement", "fix": "bug", "docs": "documentation", "deps": "dependencies",
          "ci": "ci", "refactor": "refactor", "release": "release"}
BODIES = ("Closes #{issue}.\n\nThis changes how {w} handles {v}.",
          "## Summary\n{w} {v} was broken.\n\n## Testing\nAdded unit tests.",
          "Follow-up to #{issue}.", "See the discussion in #{issue}.",
          "Bumps {dep}. Release notes and changelog are linked in the commits.")


@dataclasses.dataclass(frozen=True)
class Author:
    login: str
    association: str
    utc_offset: float
    user_id: int
    bot: bool = False
    fork: bool = False


def _user(author: Author) -> dict[str, Any]:
    return {"login": author.login, "id": author.user_id, "node_id": f"U_{author.user_id}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{author.user_id}?v=4",
            "url": f"{API}/users/{author.login}", "html_url": f"https://github.com/{author.login}",
            "type": "Bot" if author.bot else "User", "site_admin": False}


def _repo_object(full_name: str, repo_id: int, owner: Author, default_branch: str, language: str,
                 fork: bool) -> dict[str, Any]:
    return {"id": repo_id, "node_id": f"R_{repo_id}", "name": full_name.split("/")[1], "full_name": full_name,
            "private": False, "owner": _user(owner), "html_url": f"https://github.com/{full_name}",
            "description": None, "fork": fork, "url": f"{API}/repos/{full_name}",
            "default_branch": default_branch, "language": language, "visibility": "public"}


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def fill(template: str, rng: random.Random, ecosystem: str) -> str:
    major, minor = rng.randint(0, 5), rng.randint(0, 30)
    patch = rng.randint(0, 20)
    return template.format(w=rng.choice(R.WORDS), v=rng.choice(R.WORDS), issue=rng.randint(1, 4000),
                           dep=rng.choice(R.DEP_NAMES[ecosystem]), major=major, minor=minor, patch=patch,
                           next=patch + 1)


def branch_name(rng: random.Random, kind: str, author: Author, ecosystem: str) -> str:
    if kind == "deps" and author.bot:
        dep = rng.choice(R.DEP_NAMES[ecosystem]).replace("/", "-")
        bot = "dependabot" if "dependabot" in author.login else "renovate"
        return f"{bot}/{ecosystem}/{dep}-{rng.randint(1, 9)}.{rng.randint(0, 40)}"
    prefix = {"feature": "feat", "fix": "fix", "docs": "docs", "ci": "ci"}.get(kind, kind)
    if rng.random() < 0.25:
        return f"{author.login}/{rng.choice(R.WORDS)}-{rng.choice(R.WORDS)}"
    return f"{prefix}/{rng.choice(R.WORDS)}-{rng.choice(R.WORDS)}" + (
        f"-{rng.randint(10, 4000)}" if rng.random() < 0.4 else "")


def pr_document(repo, rng: random.Random, number: int, author: Author, kind: str, files: list[dict],
                created: dt.datetime, end: dt.datetime, anomaly=None,
                lookalike: str | None = None) -> dict[str, Any]:
    """The REST pull request object (plus ``files``) for one generated PR."""
    eco = repo.kind.ecosystem
    title = anomaly.title if anomaly and anomaly.title else fill(rng.choice(TITLES[kind]), rng, eco)
    head_ref = anomaly.head_ref if anomaly and anomaly.head_ref else branch_name(rng, kind, author, eco)
    if anomaly and anomaly.body is not None:
        body = anomaly.body
    elif author.bot:
        body = fill(BODIES[-1], rng, eco)
    else:
        body = None if rng.random() < 0.18 else fill(rng.choice(BODIES[:-1]), rng, eco)
    base_ref = repo.kind.default_branch
    if kind == "fix" and rng.random() < 0.08:
        base_ref = f"release/{rng.randint(1, 4)}.{rng.randint(0, 12)}"  # backports to a maintenance branch
    commits = 1 + int(rng.expovariate(1.0) * (1 + len(files) ** 0.5) / 2)
    open_pr = created > end - dt.timedelta(days=14) and rng.random() < 0.6
    outsider = author.association not in ("OWNER", "MEMBER", "COLLABORATOR") and not author.bot
    merged = not open_pr and rng.random() < (0.55 if outsider else 0.9)
    closed = None if open_pr else created + dt.timedelta(hours=rng.lognormvariate(2.5, 1.5))
    closed = min(closed, end) if closed else None
    updated = closed or min(end, created + dt.timedelta(hours=rng.lognormvariate(1.0, 1.2)))
    owner = Author(repo.full_name.split("/")[0], "OWNER", 0, repo.repo_id % 1_000_000, False)
    branch, language = repo.kind.default_branch, repo.kind.language
    base_repo = _repo_object(repo.full_name, repo.repo_id, owner, branch, language, False)
    head_repo = base_repo
    if author.fork:
        fork_name = f"{author.login}/{repo.full_name.split('/')[1]}"
        head_repo = _repo_object(fork_name, repo.repo_id + author.user_id, author, branch, language, True)
    head_sha = _sha(repo.full_name, number, "head")
    url = f"{API}/repos/{repo.full_name}/pulls/{number}"
    label = LABELS.get(kind)
    draft = (open_pr and rng.random() < 0.3) or (not author.bot and rng.random() < 0.05)
    doc = {
        "url": url, "id": repo.repo_id * 10 + number, "node_id": f"PR_{_sha(url)[:16]}",
        "html_url": f"https://github.com/{repo.full_name}/pull/{number}",
        "diff_url": f"https://github.com/{repo.full_name}/pull/{number}.diff",
        "number": number, "state": "open" if open_pr else "closed", "locked": False, "title": title,
        "user": _user(author), "body": body, "created_at": to_github(created),
        "updated_at": to_github(updated), "closed_at": to_github(closed) if closed else None,
        "merged_at": to_github(closed) if merged else None,
        "merge_commit_sha": _sha(repo.full_name, number, "merge") if merged else None,
        "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
        "labels": [{"id": int(_sha(repo.full_name, label)[:8], 16), "name": label, "color": "0e8a16",
                    "default": False}] if label else [],
        "milestone": None, "draft": draft,
        "head": {"label": f"{author.login if author.fork else owner.login}:{head_ref}", "ref": head_ref,
                 "sha": head_sha, "user": _user(author if author.fork else owner), "repo": head_repo},
        "base": {"label": f"{owner.login}:{base_ref}", "ref": base_ref,
                 "sha": _sha(repo.full_name, number, "base"), "user": _user(owner), "repo": base_repo},
        "author_association": author.association, "auto_merge": None, "active_lock_reason": None,
        "merged": merged, "mergeable": None, "comments": int(rng.expovariate(0.5)),
        "review_comments": int(rng.expovariate(0.7)), "maintainer_can_modify": author.fork,
        "commits": commits, "additions": sum(f["additions"] for f in files),
        "deletions": sum(f["deletions"] for f in files), "changed_files": len(files), "files": files,
    }
    # The ground truth for evaluation; no feature reads it.
    doc["prguard_label"] = {"anomaly": anomaly is not None,
                            "archetype": anomaly.archetype if anomaly else None, "lookalike": lookalike}
    return doc
