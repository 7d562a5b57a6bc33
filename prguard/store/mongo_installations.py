"""Installations on MongoDB: one document per installation, keyed by its id."""
from __future__ import annotations

from typing import Any

from prguard.store import docs
from prguard.store.base import utcnow
from prguard.store.installations import Installations
from prguard.store.mongo_part import MongoPart, retry_duplicate


def _installation(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["_id"], "account": row["account"], "status": row["status"],
            "repositories": sorted(row["repositories"]), "updated_at": docs.as_utc(row["updated_at"])}


class MongoInstallations(MongoPart, Installations):
    """Installations on the ``installations`` collection (``store.installations``)."""

    def upsert(self, installation_id: int, account: str, status: str = "active",
               repositories: list[str] | None = None) -> None:
        # str(): a StrEnum member is stored as its plain value, as SQLite stores it
        fields: dict[str, Any] = {"account": account, "status": str(status),
                                  "updated_at": docs.as_utc(utcnow())}
        update: dict[str, Any] = {"$set": fields}
        if repositories is None:
            update["$setOnInsert"] = {"repositories": []}
        else:
            fields["repositories"] = sorted(set(repositories))
        retry_duplicate(lambda: self._db.installations.update_one({"_id": int(installation_id)}, update,
                                                                  upsert=True))

    def update_repositories(self, installation_id: int, added: list[str], removed: list[str]) -> None:
        installations = self._db.installations
        key = {"_id": int(installation_id)}
        retry_duplicate(lambda: installations.update_one(
            key, {"$addToSet": {"repositories": {"$each": list(added)}},
                  "$set": {"updated_at": docs.as_utc(utcnow())},
                  "$setOnInsert": {"account": None, "status": "active"}}, upsert=True))
        if removed:
            installations.update_one(key, {"$pull": {"repositories": {"$in": list(removed)}}})

    def get(self, installation_id: int) -> dict[str, Any] | None:
        row = self._db.installations.find_one({"_id": int(installation_id)})
        return _installation(row) if row else None

    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.installations.find({"status": status} if status else {}, sort=[("_id", 1)])
        return [_installation(row) for row in rows]
