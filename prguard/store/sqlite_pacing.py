"""WritePacing on SQLite: the reservation is one write transaction, so processes on the machine share it."""
from __future__ import annotations

import time

from prguard.store.pacing import PaceState, PaceTerms, WritePacing, reserve
from prguard.store.sqlite_schema import SQLitePart, write_transaction


class SQLitePacing(SQLitePart, WritePacing):
    """GitHub write slots on SQLite (``store.pacing``)."""

    @staticmethod
    def _read(db, installation_id: int) -> PaceState:
        row = db.execute("SELECT next_at, arrival FROM write_pacing WHERE installation_id = ?",
                         (installation_id,)).fetchone()
        return PaceState(row["next_at"], row["arrival"]) if row else PaceState()

    def _state(self, installation_id: int) -> PaceState:
        return self._read(self._db, installation_id)

    def _reserve(self, installation_id: int, now: float, interval: float, terms: PaceTerms) -> float:
        with write_transaction(self._db) as db:
            # Other processes may have held the write lock for a while: a slot is never granted before
            # the moment it was reserved, or the request would go later than its schedule says.
            now = max(now, time.time())
            state = self._read(db, installation_id)
            start, after = reserve(state, now, interval, terms)
            db.execute("INSERT INTO write_pacing (installation_id, next_at, arrival) VALUES (?, ?, ?)"
                       " ON CONFLICT (installation_id) DO UPDATE SET next_at = excluded.next_at,"
                       " arrival = excluded.arrival", (installation_id, after.next_at, after.arrival))
        return start
