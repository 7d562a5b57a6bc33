"""The tests' one builder of pull request documents: GitHub's REST pull request object, as the store keeps it."""
from __future__ import annotations

from typing import Any

# A field given as ABSENT is left out of the document, as GitHub (or a stored history) leaves it out.
ABSENT: Any = object()


def pull_request(*changed: dict, files: list | None = None, repo: str = "octo/widgets", number: int = 7,
                 head_sha: str = "a" * 40, head_ref: str = "fix-widget", base_sha: str | None = None,
                 author: str = "alice", author_type: str = "User", base_workflows: dict[str, str] | None = None,
                 head_workflows: dict[str, str] | None = None, **fields: Any) -> dict:
    """An ordinary open PR by a member, one commit, changed files given as arguments (or ``files``: a list,
    None for a document without files); ``fields`` replace top-level fields whole. ``base_workflows`` /
    ``head_workflows`` are workflow contents {path: text} as the worker fetches them."""
    doc = {
        "number": number, "state": "open", "title": "Fix the widget", "body": "Closes #1", "draft": False,
        "user": {"login": author, "type": author_type}, "author_association": "MEMBER",
        "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T12:00:00Z",
        "additions": 10, "deletions": 2, "changed_files": 1, "commits": 1,
        "head": {"sha": head_sha, "ref": head_ref, "repo": {"full_name": repo}},
        "base": {"ref": "main", "repo": {"full_name": repo, "default_branch": "main"}},
    }
    if base_sha is not None:
        doc["base"]["sha"] = base_sha
    listed = list(changed) if changed else files
    if listed is not None:
        doc["files"] = listed
    if base_workflows is not None or head_workflows is not None:
        doc["workflow_contents"] = {"base": base_workflows or {}, "head": head_workflows or {}}
    doc.update(fields)
    return {key: value for key, value in doc.items() if value is not ABSENT}
