"""SQLiteStore: the embedded store, one SQLite file shared by every process on the machine."""
from __future__ import annotations

import json
import os
from typing import Any

from prguard.store import docs
from prguard.store.base import Store, utcnow
from prguard.store.sqlite_acceptance import SQLiteAcceptance
from prguard.store.sqlite_checks import SQLiteChecks
from prguard.store.sqlite_deliveries import SQLiteDeliveries
from prguard.store.sqlite_installations import SQLiteInstallations
from prguard.store.sqlite_jobs import SQLiteJobs
from prguard.store.sqlite_onboarding import SQLiteOnboarding
from prguard.store.sqlite_pacing import SQLitePacing
from prguard.store.sqlite_prs import SQLitePullRequests
from prguard.store.sqlite_schema import SQLiteConnections, by_repo

_ms = docs.to_millis


class SQLiteStore(SQLiteAcceptance, Store):
    """The Store on one SQLite file (WAL). Safe for several processes and threads writing at once."""

    def __init__(self, path: str | os.PathLike):
        self._conns = SQLiteConnections(path)
        self.path = self._conns.path
        self.pacing = SQLitePacing(self._conns)
        self.jobs = SQLiteJobs(self._conns)
        self.onboarding = SQLiteOnboarding(self._conns)
        self.prs = SQLitePullRequests(self._conns)
        self.deliveries = SQLiteDeliveries(self._conns)
        self.installations = SQLiteInstallations(self._conns)
        self.checks = SQLiteChecks(self._conns)

    @property
    def _db(self):
        return self._conns.get()

    def ping(self) -> None:
        self._db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self._conns.close()

    # ---- sync watermarks -------------------------------------------------------------------------
    def get_watermark(self, repo: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT value FROM watermarks WHERE repo_key = ?", (repo.lower(),)).fetchone()
        return json.loads(row[0]) if row else None

    def set_watermark(self, repo: str, value: dict[str, Any]) -> None:
        self._db.execute("INSERT INTO watermarks (repo_key, value) VALUES (?, ?) ON CONFLICT (repo_key)"
                         " DO UPDATE SET value = excluded.value", (repo.lower(), json.dumps(value)))

    # ---- feedback labels -------------------------------------------------------------------------
    def add_feedback(self, repo: str, number: int, head_sha: str, label: str,
                     user: str | None = None) -> None:
        self._db.execute("INSERT INTO feedback (repo_key, number, head_sha, label, repo, user, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         (repo.lower(), int(number), head_sha, label, repo, user, _ms(utcnow())))

    def list_feedback(self, repo: str | None = None) -> list[dict[str, Any]]:
        where, args = by_repo(repo)
        rows = self._db.execute(f"SELECT * FROM feedback {where}"
                                " ORDER BY created_at, repo_key, number, head_sha, label", args)
        return [{"repo": r["repo"], "number": r["number"], "head_sha": r["head_sha"], "label": r["label"],
                 "user": r["user"], "created_at": docs.from_millis(r["created_at"])} for r in rows]
