"""Sync watermarks on MongoDB: one document per repository, keyed by its lower-case name."""
from __future__ import annotations

from typing import Any

from prguard.store.mongo_part import MongoPart, retry_duplicate
from prguard.store.watermarks import Watermarks


class MongoWatermarks(MongoPart, Watermarks):
    """The ``watermarks`` collection (``store.watermarks``)."""

    def get(self, repo: str) -> dict[str, Any] | None:
        row = self._db.watermarks.find_one({"_id": repo.lower()})
        return row["value"] if row else None

    def set(self, repo: str, value: dict[str, Any]) -> None:
        retry_duplicate(lambda: self._db.watermarks.replace_one({"_id": repo.lower()}, {"value": value},
                                                                upsert=True))
