"""Webhook delivery claims on SQLite: one row per delivery id."""
from __future__ import annotations

import datetime as dt
from typing import Any

from prguard.store import docs
from prguard.store.base import (DELIVERY_DONE, DELIVERY_PROCESSING, DELIVERY_RECLAIM_SECONDS,
                                check_reclaim_after, utcnow)
from prguard.store.deliveries import Deliveries
from prguard.store.sqlite_schema import SQLitePart
from prguard.store.sqlite_writes import claim_delivery

_ms = docs.to_millis


class SQLiteDeliveries(SQLitePart, Deliveries):
    """Delivery ids on the ``deliveries`` table (``store.deliveries``)."""

    def claim(self, delivery_id: str, event: str, action: str | None, received_at: dt.datetime | None = None,
              reclaim_after: float = DELIVERY_RECLAIM_SECONDS) -> bool:
        return claim_delivery(self._db, delivery_id, event, action, _ms(received_at or utcnow()),
                              check_reclaim_after(reclaim_after))

    def complete(self, delivery_id: str, completed_at: dt.datetime | None = None) -> bool:
        cursor = self._db.execute(
            "UPDATE deliveries SET state = ?, completed_at = ? WHERE delivery_id = ? AND state = ?",
            (DELIVERY_DONE, _ms(completed_at or utcnow()), delivery_id, DELIVERY_PROCESSING))
        return cursor.rowcount == 1

    def get(self, delivery_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM deliveries WHERE delivery_id = ?", (delivery_id,)).fetchone()
        if row is None:
            return None
        return {"delivery_id": row["delivery_id"], "event": row["event"], "action": row["action"],
                "state": row["state"], "received_at": docs.from_millis(row["received_at"]),
                "claimed_at": docs.from_millis(row["claimed_at"]),
                "completed_at": docs.from_millis(row["completed_at"]), "claims": row["claims"]}
