"""GraphQL pull request nodes become the REST shape PRGuard stores (and the fake serves both alike)."""
from __future__ import annotations

from prguard.github.pr_mapping import files_complete, pull_request_from_graphql


def node(**overrides) -> dict:
    base = {
        "number": 9, "title": "Bump deps", "body": "", "url": "https://github.com/o/r/pull/9", "state": "MERGED",
        "isDraft": False, "locked": False, "author": {"__typename": "Bot", "login": "dependabot"},
        "authorAssociation": "NONE", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-02T00:00:00Z",
        "closedAt": "2024-01-02T00:00:00Z", "mergedAt": "2024-01-02T00:00:00Z", "additions": 5, "deletions": 2,
        "changedFiles": 2, "commits": {"totalCount": 3}, "labels": {"nodes": [{"name": "deps"}]},
        "baseRefName": "main", "baseRefOid": "b" * 40, "headRefName": "dependabot/npm", "headRefOid": "h" * 40,
        "baseRepository": {"nameWithOwner": "o/r", "defaultBranchRef": {"name": "main"}},
        "headRepository": None,
        "files": {"totalCount": 2, "pageInfo": {"hasNextPage": False},
                  "nodes": [{"path": "package-lock.json", "additions": 4, "deletions": 2, "changeType": "MODIFIED"},
                            {"path": "old.txt", "additions": 1, "deletions": 0, "changeType": "DELETED"}]},
    }
    base.update(overrides)
    return base


def test_maps_to_the_rest_fields_features_read():
    doc = pull_request_from_graphql(node(), "o/r")
    assert doc["user"] == {"login": "dependabot[bot]", "type": "Bot"}  # REST's bot login
    assert doc["state"] == "closed" and doc["merged"] is True and doc["body"] is None
    assert doc["author_association"] == "NONE" and doc["commits"] == 3 and doc["changed_files"] == 2
    assert doc["base"]["repo"] == {"full_name": "o/r", "default_branch": "main"}
    assert doc["head"] == {"ref": "dependabot/npm", "sha": "h" * 40, "repo": None}  # deleted fork
    assert doc["labels"] == [{"name": "deps"}]
    assert doc["files"] == [
        {"filename": "package-lock.json", "status": "modified", "additions": 4, "deletions": 2, "changes": 6},
        {"filename": "old.txt", "status": "removed", "additions": 1, "deletions": 0, "changes": 1},
    ]


def test_deleted_author_is_ghost_and_open_draft_stays_open():
    doc = pull_request_from_graphql(node(author=None, state="OPEN", isDraft=True, authorAssociation="member"), "o/r")
    assert doc["user"]["login"] == "ghost"
    assert doc["state"] == "open" and doc["draft"] is True and doc["merged"] is False
    assert doc["author_association"] == "MEMBER"


def test_truncated_file_lists_are_left_for_the_rest_endpoint():
    many = node(files={"totalCount": 250, "pageInfo": {"hasNextPage": True},
                       "nodes": [{"path": f"f{i}", "additions": 1, "deletions": 0, "changeType": "ADDED"}
                                 for i in range(100)]})
    assert not files_complete(many)
    assert "files" not in pull_request_from_graphql(many, "o/r")
