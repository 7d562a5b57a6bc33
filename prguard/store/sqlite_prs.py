"""Pull request documents on SQLite: one row per PR, the document as JSON text."""
from __future__ import annotations

import json
from typing import Any, Iterator

from prguard.store import docs
from prguard.store.base import pr_key
from prguard.store.prs import PullRequests
from prguard.store.sqlite_schema import SQLitePart, by_repo, write_transaction
from prguard.store.sqlite_writes import write_pull_request


class SQLitePullRequests(SQLitePart, PullRequests):
    """PR documents on the ``pull_requests`` table (``store.prs``)."""

    def upsert(self, doc: dict[str, Any]) -> bool:
        ident, text = docs.identify_pull_request(doc), docs.pull_request_json(doc)
        with write_transaction(self._db) as db:
            return write_pull_request(db, doc, ident, text)[0]

    def get(self, repo: str, number: int) -> dict[str, Any] | None:
        row = self._db.execute("SELECT doc FROM pull_requests WHERE pr_key = ?",
                               (pr_key(repo, number),)).fetchone()
        return json.loads(row["doc"]) if row else None

    def set_files(self, repo: str, number: int, head_sha: str, files: list[dict]) -> bool:
        key = pr_key(repo, number)
        with write_transaction(self._db) as db:
            row = db.execute("SELECT doc FROM pull_requests WHERE pr_key = ? AND head_sha = ?",
                             (key, head_sha)).fetchone()
            if row is None:
                return False
            doc = json.loads(row["doc"])
            doc["files"] = docs.plain_json({"files": files})["files"]
            db.execute("UPDATE pull_requests SET doc = ? WHERE pr_key = ?", (json.dumps(doc), key))
        return True

    def iter(self, repo: str | None = None) -> Iterator[dict[str, Any]]:
        where, args = by_repo(repo)
        cursor = self._db.execute(f"SELECT doc FROM pull_requests {where} ORDER BY repo_key, number", args)
        for row in cursor:
            yield json.loads(row["doc"])

    def count(self, repo: str | None = None) -> int:
        where, args = by_repo(repo)
        return self._db.execute(f"SELECT COUNT(*) FROM pull_requests {where}", args).fetchone()[0]

    def partition(self, partitions: int) -> list[dict[str, Any]]:
        """Ranges of rowids; the first and last are open-ended so PRs added later still land in one."""
        db = self._db
        total = db.execute("SELECT COUNT(*) FROM pull_requests").fetchone()[0]
        bounds = [db.execute("SELECT rowid FROM pull_requests ORDER BY rowid LIMIT 1 OFFSET ?",
                             (offset,)).fetchone()[0] for offset in docs.split_points(total, partitions)]
        edges = [None, *bounds, None]
        return [{"rowid_from": lo, "rowid_to": hi} for lo, hi in zip(edges, edges[1:])]

    def iter_range(self, key_range: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        lo, hi = key_range.get("rowid_from"), key_range.get("rowid_to")
        cursor = self._db.execute(
            "SELECT pr_key, doc FROM pull_requests"
            " WHERE (? IS NULL OR rowid >= ?) AND (? IS NULL OR rowid < ?) ORDER BY rowid", (lo, lo, hi, hi))
        for row in cursor:
            try:
                doc = json.loads(row["doc"])
            except (ValueError, RecursionError):
                doc = None
            yield row["pr_key"], doc

    def repositories(self) -> list[str]:
        rows = self._db.execute("SELECT MIN(repo) FROM pull_requests GROUP BY repo_key ORDER BY repo_key")
        return [row[0] for row in rows]
