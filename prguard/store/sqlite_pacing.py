"""WritePacing on SQLite: the reservation is one write transaction, so processes on the machine share it."""
from __future__ import annotations

from prguard.store.pacing import PaceState, PaceTerms, WritePacing, reserve
from prguard.store.sqlite_schema import SQLiteConnections, write_transaction


class SQLitePacing(WritePacing):
    def __init__(self, connections: SQLiteConnections):
        self._conns = connections

    @staticmethod
    def _read(db, installation_id: int) -> PaceState:
        row = db.execute("SELECT next_at, arrival FROM write_pacing WHERE installation_id = ?",
                         (installation_id,)).fetchone()
        return PaceState(row["next_at"], row["arrival"]) if row else PaceState()

    def _state(self, installation_id: int) -> PaceState:
        return self._read(self._conns.get(), installation_id)

    def _reserve(self, installation_id: int, now: float, interval: float, terms: PaceTerms) -> float:
        with write_transaction(self._conns.get()) as db:
            state = self._read(db, installation_id)
            start, after = reserve(state, now, interval, terms)
            db.execute("INSERT INTO write_pacing (installation_id, next_at, arrival) VALUES (?, ?, ?)"
                       " ON CONFLICT (installation_id) DO UPDATE SET next_at = excluded.next_at,"
                       " arrival = excluded.arrival", (installation_id, after.next_at, after.arrival))
        return start
