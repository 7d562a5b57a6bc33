"""Turns a GraphQL pull request node into the REST pull request shape PRGuard stores and features read."""
from __future__ import annotations

from typing import Any

# GraphQL PatchStatus -> REST "status" of a pull request file.
CHANGE_TYPES = {
    "ADDED": "added",
    "DELETED": "removed",
    "MODIFIED": "modified",
    "RENAMED": "renamed",
    "COPIED": "copied",
    "CHANGED": "changed",
}


def _user(author: dict | None) -> dict[str, Any]:
    # REST shows a deleted account as "ghost"; GraphQL gives a null author.
    if not author:
        return {"login": "ghost", "type": "User"}
    if author.get("__typename") == "Bot":
        # GraphQL names bots without the suffix REST and webhooks use ("dependabot" vs "dependabot[bot]").
        return {"login": f"{author['login']}[bot]", "type": "Bot"}
    return {"login": author.get("login"), "type": "Organization" if author.get("__typename") == "Organization"
            else "User"}


def file_from_graphql(node: dict) -> dict[str, Any]:
    additions, deletions = int(node.get("additions") or 0), int(node.get("deletions") or 0)
    return {
        "filename": node["path"],
        "status": CHANGE_TYPES.get(str(node.get("changeType")), "modified"),
        "additions": additions,
        "deletions": deletions,
        "changes": additions + deletions,
    }


def files_complete(node: dict) -> bool:
    """Whether the node's ``files`` page holds every changed file (else the REST list is needed)."""
    files = node.get("files") or {}
    if (files.get("pageInfo") or {}).get("hasNextPage"):
        return False
    return len(files.get("nodes") or []) >= int(files.get("totalCount") or 0)


def _repo(repository: dict | None, fallback: str | None) -> dict[str, Any] | None:
    if not repository:
        return {"full_name": fallback} if fallback else None
    out: dict[str, Any] = {"full_name": repository["nameWithOwner"]}
    default_branch = (repository.get("defaultBranchRef") or {}).get("name")
    if default_branch:
        out["default_branch"] = default_branch
    return out


def pull_request_from_graphql(node: dict, repo: str) -> dict[str, Any]:
    """The REST-shaped document for ``node`` of ``repo``; ``files`` only when the page had all of them."""
    state = node.get("state")
    doc: dict[str, Any] = {
        "number": int(node["number"]),
        "html_url": node.get("url"),
        "title": node.get("title") or "",
        "body": node.get("body") or None,  # REST gives null for an empty description
        "state": "open" if state == "OPEN" else "closed",
        "draft": bool(node.get("isDraft")),
        "locked": bool(node.get("locked")),
        "merged": state == "MERGED",
        "user": _user(node.get("author")),
        "author_association": str(node.get("authorAssociation") or "NONE").upper(),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "closed_at": node.get("closedAt"),
        "merged_at": node.get("mergedAt"),
        "additions": int(node.get("additions") or 0),
        "deletions": int(node.get("deletions") or 0),
        "changed_files": int(node.get("changedFiles") or 0),
        "commits": int((node.get("commits") or {}).get("totalCount") or 0),
        "labels": [{"name": label["name"]} for label in (node.get("labels") or {}).get("nodes") or []],
        "base": {"ref": node.get("baseRefName"), "sha": node.get("baseRefOid"),
                 "repo": _repo(node.get("baseRepository"), repo)},
        # A deleted fork leaves the head repository null, as REST does.
        "head": {"ref": node.get("headRefName"), "sha": node.get("headRefOid"),
                 "repo": _repo(node.get("headRepository"), None)},
    }
    if files_complete(node):
        doc["files"] = [file_from_graphql(f) for f in (node.get("files") or {}).get("nodes") or []]
    return doc
