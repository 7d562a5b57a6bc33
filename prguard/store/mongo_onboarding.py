"""Onboarding on MongoDB: profile versions, per-repository records and named leases."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.mongo_part import MongoPart
from prguard.store.base import utcnow
from prguard.store.onboarding import OnboardingStore

INDEXES = {
    "profiles": [([("repo_key", 1), ("version", -1)], {"unique": True})],
    "repo_records": [([("kind", 1), ("repo_key", 1)], {"unique": True})],
}


def _profile(row: dict[str, Any]) -> dict[str, Any]:
    return {"repo": row["repo"], "version": row["version"], "profile": row["profile"],
            "source": row["source"], "pr_count": int(row["profile"].get("pr_count", 0)),
            "created_at": docs.as_utc(row["created_at"])}


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return docs.decode_times(row["record"], docs.REPO_RECORD_TIME_FIELDS)


class MongoOnboarding(MongoPart, OnboardingStore):
    """Onboarding's records on MongoDB (``store.onboarding``)."""

    # ---- repository profiles ---------------------------------------------------------------------
    def save_profile(self, repo: str, profile: dict[str, Any], source: str,
                     created_at: dt.datetime | None = None) -> int:
        # A per-repository counter, incremented atomically, hands out the version numbers.
        counter = self._db.profile_versions.find_one_and_update(
            {"_id": repo.lower()}, {"$inc": {"version": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        version = int(counter["version"])
        self._db.profiles.insert_one({"repo_key": repo.lower(), "version": version, "repo": repo,
                                      "source": source, "profile": docs.plain_record(profile),
                                      "created_at": docs.as_utc(created_at or utcnow())})
        return version

    def get_profile(self, repo: str, version: int | None = None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"repo_key": repo.lower()}
        if version is not None:
            query["version"] = int(version)
        rows = list(self._db.profiles.find(query, sort=[("version", -1)], limit=1))
        return _profile(rows[0]) if rows else None

    def get_profile_version(self, repo: str) -> int | None:
        rows = list(self._db.profiles.find({"repo_key": repo.lower()}, {"version": 1},
                                           sort=[("version", -1)], limit=1))
        return int(rows[0]["version"]) if rows else None

    def list_profiles(self) -> list[dict[str, Any]]:
        rows = self._db.profiles.aggregate([{"$sort": {"repo_key": 1, "version": -1}},
                                            {"$group": {"_id": "$repo_key", "row": {"$first": "$$ROOT"}}},
                                            {"$sort": {"_id": 1}}])
        return [_profile(row["row"]) for row in rows]

    # ---- per-repository records ------------------------------------------------------------------
    def save_repo_record(self, kind: str, repo: str, fields: dict[str, Any]) -> dict[str, Any]:
        key = {"kind": kind, "repo_key": repo.lower()}
        update = {f"record.{name}": value for name, value in docs.plain_record(fields).items()}
        update.update({"record.repo": repo, "record.updated_at": docs.as_utc(utcnow())})

        def upsert():
            return self._db.repo_records.find_one_and_update(key, {"$set": update}, upsert=True,
                                                             return_document=ReturnDocument.AFTER)
        try:
            row = upsert()
        except DuplicateKeyError:  # a concurrent first save won the insert; ours is now an update
            row = upsert()
        return _record(row)

    def get_repo_record(self, kind: str, repo: str) -> dict[str, Any] | None:
        row = self._db.repo_records.find_one({"kind": kind, "repo_key": repo.lower()})
        return _record(row) if row else None

    def list_repo_records(self, kind: str) -> list[dict[str, Any]]:
        return [_record(row) for row in self._db.repo_records.find({"kind": kind}, sort=[("repo_key", 1)])]

    def delete_repo_record(self, kind: str, repo: str) -> bool:
        return self._db.repo_records.delete_one({"kind": kind, "repo_key": repo.lower()}).deleted_count == 1

    # ---- named leases ----------------------------------------------------------------------------
    def acquire_lease(self, name: str, owner: str, seconds: float, now: dt.datetime | None = None) -> bool:
        now = docs.as_utc(now or utcnow())
        expires = now + dt.timedelta(seconds=float(seconds))
        leases = self._db.leases
        # Atomic on one document: take it over when expired or already ours; else insert a new one,
        # which fails with a duplicate key when someone else holds it.
        if leases.update_one({"_id": name, "$or": [{"expires_at": {"$lte": now}}, {"owner": owner}]},
                             {"$set": {"owner": owner, "expires_at": expires}}).matched_count:
            return True
        try:
            leases.insert_one({"_id": name, "owner": owner, "expires_at": expires})
            return True
        except DuplicateKeyError:
            return False

    def release_lease(self, name: str, owner: str) -> bool:
        return self._db.leases.delete_one({"_id": name, "owner": owner}).deleted_count == 1
