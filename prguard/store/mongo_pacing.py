"""WritePacing on MongoDB: the reservation is one find_one_and_update with an update pipeline.

Why a pipeline rather than read-then-conditional-write: the new schedule depends on the stored one
(``max`` of stored and current times), and an update pipeline computes it on the server inside the single
document's atomic update, so any number of workers reserve slots in one round trip each, without retries.
"""
from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from prguard.store.mongo_part import MongoPart
from prguard.store.pacing import PaceState, PaceTerms, WritePacing


def _pipeline(now: float, interval: float, terms: PaceTerms) -> list[dict[str, Any]]:
    # The same arithmetic as pacing.reserve, on the server: a missing document is an empty schedule.
    # Stage two still sees the stored ``arrival`` (stage one sets only ``start``), so nothing temporary
    # is written; ``start``, the slot last granted, stays in the document for whoever looks.
    arrival = {"$max": [{"$ifNull": ["$arrival", now]}, now]}
    return [
        {"$set": {"start": {"$max": [now, {"$ifNull": ["$next_at", now]},
                                     {"$subtract": [arrival, terms.tolerance]}]}}},
        {"$set": {"next_at": {"$add": ["$start", interval]},
                  "arrival": {"$add": [{"$max": [arrival, "$start"]}, terms.emission]}}},
    ]


class MongoPacing(MongoPart, WritePacing):
    """GitHub write slots on MongoDB (``store.pacing``)."""

    def _state(self, installation_id: int) -> PaceState:
        row = self._db.write_pacing.find_one({"_id": installation_id}) or {}
        return PaceState(float(row.get("next_at", float("-inf"))), float(row.get("arrival", float("-inf"))))

    def _reserve(self, installation_id: int, now: float, interval: float, terms: PaceTerms) -> float:
        after = self._db.write_pacing.find_one_and_update(
            {"_id": installation_id}, _pipeline(now, interval, terms), upsert=True,
            return_document=ReturnDocument.AFTER)
        return float(after["start"])
