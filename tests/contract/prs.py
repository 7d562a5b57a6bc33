"""GitHub-shaped pull request documents for the store contract tests: the shared builder, with this
suite's values (a contributor's PR with the fewest fields the store needs, no created_at)."""
from __future__ import annotations

from tests.support.pull_requests import ABSENT, pull_request


def pr_doc(number: int = 1, repo: str = "Octo/Repo", sha: str = "a" * 40,
           updated_at: str = "2024-05-01T12:00:00Z", **extra) -> dict:
    """A minimal GitHub-shaped pull request object."""
    fields = {"title": f"PR {number}", "user": {"login": "octocat", "id": 1}, "author_association": "CONTRIBUTOR",
              "head": {"sha": sha, "ref": "feature"}, "base": {"ref": "main", "repo": {"full_name": repo}},
              "additions": 3, "deletions": 1, "updated_at": updated_at,
              "body": ABSENT, "draft": ABSENT, "created_at": ABSENT, "commits": ABSENT, **extra}
    return pull_request(files=fields.pop("files", None), number=number, repo=repo, **fields)
