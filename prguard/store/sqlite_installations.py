"""Installations on SQLite: one row per installation, its repositories as a JSON list."""
from __future__ import annotations

import json
from typing import Any

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.installations import Installations
from prguard.store.sqlite_schema import SQLitePart, write_transaction

_ms = docs.to_millis


def _installation(row) -> dict[str, Any]:
    return {"id": row["id"], "account": row["account"], "status": row["status"],
            "repositories": json.loads(row["repositories"]),
            "updated_at": docs.from_millis(row["updated_at"])}


class SQLiteInstallations(SQLitePart, Installations):
    """Installations on the ``installations`` table (``store.installations``)."""

    def upsert(self, installation_id: int, account: str, status: str = "active",
               repositories: list[str] | None = None) -> None:
        repos = json.dumps(sorted(set(repositories or [])))
        self._db.execute(
            "INSERT INTO installations (id, account, status, repositories, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET account = excluded.account, status = excluded.status,"
            " updated_at = excluded.updated_at"
            + (", repositories = excluded.repositories" if repositories is not None else ""),
            (int(installation_id), account, status, repos, _ms(utcnow())))

    def update_repositories(self, installation_id: int, added: list[str], removed: list[str]) -> None:
        with write_transaction(self._db) as db:
            row = db.execute("SELECT repositories FROM installations WHERE id = ?", (int(installation_id),)
                             ).fetchone()
            current = set(json.loads(row[0])) if row else set()
            repos = json.dumps(sorted((current | set(added)) - set(removed)))
            db.execute("INSERT INTO installations (id, account, status, repositories, updated_at)"
                       " VALUES (?, NULL, 'active', ?, ?) ON CONFLICT (id) DO UPDATE SET"
                       " repositories = excluded.repositories, updated_at = excluded.updated_at",
                       (int(installation_id), repos, _ms(utcnow())))

    def get(self, installation_id: int) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM installations WHERE id = ?", (int(installation_id),)).fetchone()
        return _installation(row) if row else None

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        rows = self._db.execute(f"SELECT * FROM installations {where} ORDER BY id", args)
        return [_installation(row) for row in rows]
