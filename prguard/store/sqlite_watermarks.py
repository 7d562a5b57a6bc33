"""Sync watermarks on SQLite: one row per repository, the value as JSON text."""
from __future__ import annotations

import json
from typing import Any

from prguard.store.sqlite_schema import SQLitePart
from prguard.store.watermarks import Watermarks


class SQLiteWatermarks(SQLitePart, Watermarks):
    """The ``watermarks`` table (``store.watermarks``)."""

    def get(self, repo: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM watermarks WHERE repo_key = ?", (repo.lower(),)).fetchone()
        return json.loads(row[0]) if row else None

    def set(self, repo: str, value: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO watermarks (repo_key, value) VALUES (?, ?) ON CONFLICT (repo_key)"
                         " DO UPDATE SET value = excluded.value", (repo.lower(), json.dumps(value)))
