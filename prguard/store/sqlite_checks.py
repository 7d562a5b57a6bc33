"""Scores and check-run records on SQLite: one row of each per (repository, head SHA), as JSON text."""
from __future__ import annotations

import json
from typing import Any

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.checks import Checks
from prguard.store.sqlite_schema import SQLitePart, by_repo, write_transaction

_ms = docs.to_millis


class SQLiteChecks(SQLitePart, Checks):
    """The ``scores`` and ``check_runs`` tables (``store.checks``)."""

    def save_score(self, record: dict[str, Any]) -> None:
        record = docs.stamped(record, "scored_at", utcnow())
        self._db.execute("INSERT INTO scores (repo_key, head_sha, record) VALUES (?, ?, ?) ON CONFLICT"
                         " (repo_key, head_sha) DO UPDATE SET record = excluded.record",
                         (record["repo"].lower(), record["head_sha"],
                          json.dumps(docs.encode_times(record, docs.SCORE_TIME_FIELDS))))

    def get_score(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM scores WHERE repo_key = ? AND head_sha = ?",
                               (repo.lower(), head_sha)).fetchone()
        return docs.decode_times(json.loads(row[0]), docs.SCORE_TIME_FIELDS) if row else None

    def save_run(self, record: dict[str, Any]) -> None:
        record = docs.stamped(record, "updated_at", utcnow())
        key = (record["repo"].lower(), record["head_sha"])
        with write_transaction(self._db) as db:
            row = db.execute("SELECT record FROM check_runs WHERE repo_key = ? AND head_sha = ?",
                             key).fetchone()
            merged = {**(json.loads(row[0]) if row else {}),
                      **docs.encode_times(record, docs.CHECK_RUN_TIME_FIELDS)}
            db.execute("INSERT INTO check_runs (repo_key, head_sha, record, updated_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (repo_key, head_sha) DO UPDATE SET record = excluded.record,"
                       " updated_at = excluded.updated_at",
                       (*key, json.dumps(merged), _ms(record["updated_at"])))

    def get_run(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM check_runs WHERE repo_key = ? AND head_sha = ?",
                               (repo.lower(), head_sha)).fetchone()
        return docs.decode_times(json.loads(row[0]), docs.CHECK_RUN_TIME_FIELDS) if row else None

    def list_runs(self, repo: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, args = by_repo(repo)
        rows = self._db.execute(f"SELECT record FROM check_runs {where} ORDER BY updated_at DESC, repo_key,"
                                " head_sha LIMIT ?", (*args, int(limit)))
        return [docs.decode_times(json.loads(row[0]), docs.CHECK_RUN_TIME_FIELDS) for row in rows]
