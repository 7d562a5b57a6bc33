"""GitHub-shaped pull request documents for the store contract tests."""
from __future__ import annotations


def pr_doc(number: int = 1, repo: str = "Octo/Repo", sha: str = "a" * 40,
           updated_at: str = "2024-05-01T12:00:00Z", **extra) -> dict:
    """A minimal GitHub-shaped pull request object."""
    doc = {
        "number": number, "title": f"PR {number}", "state": "open", "updated_at": updated_at,
        "user": {"login": "octocat", "id": 1}, "author_association": "CONTRIBUTOR",
        "head": {"sha": sha, "ref": "feature"}, "base": {"ref": "main", "repo": {"full_name": repo}},
        "additions": 3, "deletions": 1, "changed_files": 1,
    }
    doc.update(extra)
    return doc
