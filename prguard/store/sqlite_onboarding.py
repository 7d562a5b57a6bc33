"""Onboarding on SQLite: profile versions, per-repository records and named leases."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.onboarding import OnboardingStore
from prguard.store.sqlite_schema import SQLitePart, write_transaction

_ms = docs.to_millis


def _profile(row) -> dict[str, Any]:
    profile = json.loads(row["profile"])
    return {"repo": row["repo"], "version": row["version"], "profile": profile, "source": row["source"],
            "pr_count": int(profile.get("pr_count", 0)), "created_at": docs.from_millis(row["created_at"])}


def _record(row) -> dict[str, Any]:
    return docs.decode_times(json.loads(row["record"]), docs.REPO_RECORD_TIME_FIELDS)


class SQLiteOnboarding(SQLitePart, OnboardingStore):
    """Onboarding's records on SQLite (``store.onboarding``)."""

    # ---- repository profiles ---------------------------------------------------------------------
    def save_profile(self, repo: str, profile: dict[str, Any], source: str,
                     created_at: dt.datetime | None = None) -> int:
        with write_transaction(self._db) as db:
            newest = db.execute("SELECT MAX(version) FROM profiles WHERE repo_key = ?",
                                (repo.lower(),)).fetchone()[0]
            version = (newest or 0) + 1
            db.execute("INSERT INTO profiles (repo_key, version, repo, source, profile, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (repo.lower(), version, repo, source, json.dumps(profile),
                        _ms(created_at or utcnow())))
        return version

    def get_profile(self, repo: str, version: int | None = None) -> dict[str, Any] | None:
        if version is None:
            row = self._db.execute("SELECT * FROM profiles WHERE repo_key = ? ORDER BY version DESC LIMIT 1",
                                   (repo.lower(),)).fetchone()
        else:
            row = self._db.execute("SELECT * FROM profiles WHERE repo_key = ? AND version = ?",
                                   (repo.lower(), int(version))).fetchone()
        return _profile(row) if row else None

    def get_profile_version(self, repo: str) -> int | None:
        return self._db.execute("SELECT MAX(version) FROM profiles WHERE repo_key = ?",
                                (repo.lower(),)).fetchone()[0]

    def list_profiles(self) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT p.* FROM profiles p JOIN (SELECT repo_key, MAX(version) AS v FROM profiles"
            " GROUP BY repo_key) newest ON p.repo_key = newest.repo_key AND p.version = newest.v"
            " ORDER BY p.repo_key")
        return [_profile(row) for row in rows]

    # ---- per-repository records ------------------------------------------------------------------
    def save_repo_record(self, kind: str, repo: str, fields: dict[str, Any]) -> dict[str, Any]:
        with write_transaction(self._db) as db:
            row = db.execute("SELECT record FROM repo_records WHERE kind = ? AND repo_key = ?",
                             (kind, repo.lower())).fetchone()
            stored = json.loads(row["record"]) if row else {}
            merged = {**stored, **docs.plain_record(fields), "repo": repo,
                      "updated_at": docs.as_utc(utcnow()).isoformat()}
            db.execute("INSERT INTO repo_records (kind, repo_key, record) VALUES (?, ?, ?) ON CONFLICT"
                       " (kind, repo_key) DO UPDATE SET record = excluded.record",
                       (kind, repo.lower(), json.dumps(merged)))
        return docs.decode_times(merged, docs.REPO_RECORD_TIME_FIELDS)

    def get_repo_record(self, kind: str, repo: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT record FROM repo_records WHERE kind = ? AND repo_key = ?",
                               (kind, repo.lower())).fetchone()
        return _record(row) if row else None

    def list_repo_records(self, kind: str) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT record FROM repo_records WHERE kind = ? ORDER BY repo_key", (kind,))
        return [_record(row) for row in rows]

    def delete_repo_record(self, kind: str, repo: str) -> bool:
        cursor = self._db.execute("DELETE FROM repo_records WHERE kind = ? AND repo_key = ?",
                                  (kind, repo.lower()))
        return cursor.rowcount == 1

    # ---- named leases ----------------------------------------------------------------------------
    def acquire_lease(self, name: str, owner: str, seconds: float, now: dt.datetime | None = None) -> bool:
        now_ms = _ms(now or utcnow())
        # One statement under the write lock: insert, or take over an expired or own lease.
        cursor = self._db.execute(
            "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
            " SET owner = excluded.owner, expires_at = excluded.expires_at"
            " WHERE leases.expires_at <= ? OR leases.owner = excluded.owner",
            (name, owner, now_ms + int(float(seconds) * 1000), now_ms))
        return cursor.rowcount == 1

    def release_lease(self, name: str, owner: str) -> bool:
        cursor = self._db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))
        return cursor.rowcount == 1
