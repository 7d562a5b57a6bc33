"""Webhook delivery claims on MongoDB: one document per delivery id, claimed by a unique insert."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.base import (DELIVERY_DONE, DELIVERY_PROCESSING, DELIVERY_RECLAIM_SECONDS,
                                check_reclaim_after, utcnow)
from prguard.store.deliveries import Deliveries
from prguard.store.mongo_part import MongoPart


class MongoDeliveries(MongoPart, Deliveries):
    """Delivery ids on the ``deliveries`` collection, keyed by ``_id`` (``store.deliveries``)."""

    def claim(self, delivery_id: str, event: str, action: str | None, received_at: dt.datetime | None = None,
              reclaim_after: float = DELIVERY_RECLAIM_SECONDS) -> bool:
        now = docs.as_utc(received_at or utcnow())
        stale_before = now - dt.timedelta(seconds=check_reclaim_after(reclaim_after))
        deliveries = self._db.deliveries
        try:
            deliveries.insert_one({"_id": delivery_id, "event": event, "action": action, "received_at": now,
                                   "state": DELIVERY_PROCESSING, "claimed_at": now, "completed_at": None,
                                   "claims": 1})
            return True
        except DuplicateKeyError:
            pass
        # A conditional update is atomic on one document: of racing re-claims the first moves
        # claimed_at to now, so the others' filter no longer matches. Documents from before claims
        # existed have no state and never match (they were processed).
        return deliveries.update_one(
            {"_id": delivery_id, "state": DELIVERY_PROCESSING, "claimed_at": {"$lte": stale_before}},
            {"$set": {"event": event, "action": action, "claimed_at": now}, "$inc": {"claims": 1}}
        ).modified_count == 1

    def complete(self, delivery_id: str, completed_at: dt.datetime | None = None) -> bool:
        return self._db.deliveries.update_one(
            {"_id": delivery_id, "state": DELIVERY_PROCESSING},
            {"$set": {"state": DELIVERY_DONE, "completed_at": docs.as_utc(completed_at or utcnow())}}
        ).modified_count == 1

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        row = self._db.deliveries.find_one({"_id": delivery_id})
        if row is None:
            return None
        received = docs.as_utc(row["received_at"])
        completed = row.get("completed_at")
        return {"delivery_id": row["_id"], "event": row["event"], "action": row["action"],
                "state": row.get("state", DELIVERY_DONE), "received_at": received,
                "claimed_at": docs.as_utc(row.get("claimed_at") or received),
                "completed_at": docs.as_utc(completed) if completed is not None else None,
                "claims": row.get("claims", 1)}
