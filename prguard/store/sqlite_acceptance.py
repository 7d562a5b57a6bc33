"""SQLiteStore's accept_delivery: a delivery's whole work in one write transaction."""
from __future__ import annotations

from prguard.store import docs
from prguard.store.acceptance import (ACCEPTED, INACTIVE, INACTIVE_STATUSES, STALE, Acceptance, Accepted,
                                      jobs_allowed, refused)
from prguard.store.base import utcnow
from prguard.store.deliveries import Deliveries
from prguard.store.sqlite_schema import SQLiteConnections, SQLitePart, write_transaction
from prguard.store.sqlite_writes import cancel_pending, claim_delivery, insert_job, write_pull_request

_ms = docs.to_millis


class SQLiteAcceptance(SQLitePart):
    """``SQLiteStore.accept_delivery``, composed: the store's connections and its deliveries part.

    One BEGIN IMMEDIATE transaction takes SQLite's single write lock once per delivery instead of
    once per write (claim, installation, PR, jobs, completion). The claim is written as done in the
    same transaction: if anything fails the whole transaction rolls back and the id is unclaimed, so
    a redelivery is processed at once, and a duplicate waiting on the lock sees the id done.
    """

    def __init__(self, connections: SQLiteConnections, deliveries: Deliveries):
        super().__init__(connections)
        self._deliveries = deliveries

    def accept(self, acceptance: Acceptance) -> Accepted:
        now = _ms(acceptance.received_at or utcnow())
        pr = acceptance.pull_request
        text = docs.pull_request_json(pr) if pr is not None else ""
        with write_transaction(self._db) as db:
            installation = db.execute("SELECT status FROM installations WHERE id = ?",
                                      (int(acceptance.installation_id),)).fetchone()
            if installation is not None and installation["status"] in INACTIVE_STATUSES:
                return Accepted(INACTIVE, installation_status=installation["status"])
            if not claim_delivery(db, acceptance.delivery_id, acceptance.event, acceptance.action, now,
                                  acceptance.reclaim_after, done=True):
                return refused(self._deliveries.get(acceptance.delivery_id))
            if installation is None:
                # GitHub may send a repository's events before the installation event.
                db.execute("INSERT INTO installations (id, account, status, repositories, updated_at)"
                           " VALUES (?, ?, 'active', '[]', ?) ON CONFLICT (id) DO NOTHING",
                           (int(acceptance.installation_id), acceptance.account, now))
            allowed = True
            if pr is not None:
                _, head_sha, state = write_pull_request(db, pr, acceptance.pull_request_identity, text)
                allowed = jobs_allowed(acceptance, head_sha, state)
            cancelled = 0
            if acceptance.cancel_prefix is not None:
                cancelled = cancel_pending(db, acceptance.cancel_prefix, now)
            if not allowed:
                return Accepted(STALE, cancelled=cancelled)
            job_ids = tuple(insert_job(db, job.kind, job.payload, job.dedupe_key, None, now)
                            for job in acceptance.jobs)
        return Accepted(ACCEPTED, job_ids, cancelled)
