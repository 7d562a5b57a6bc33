"""SQLiteStore's accept_delivery: a delivery's whole work in one write transaction, shared by the
deliveries that arrive while it waits for the lock (group commit)."""
from __future__ import annotations

import threading

from prguard.store import docs
from prguard.store.acceptance import (ACCEPTED, INACTIVE, INACTIVE_STATUSES, STALE, Acceptance, Accepted,
                                      jobs_allowed, refused)
from prguard.store.base import utcnow
from prguard.store.deliveries import Deliveries
from prguard.store.sqlite_schema import SQLiteConnections, SQLitePart, begin_immediate, os_thread_local
from prguard.store.sqlite_writes import cancel_pending, claim_delivery, insert_job, write_pull_request

_ms = docs.to_millis


class _Waiting:
    """One acceptance of a transaction, and its caller waiting for the commit."""

    def __init__(self, acceptance: Acceptance):
        self.acceptance = acceptance
        # The PR document's text is made before the lock is taken, so the lock is held for the writes only.
        pr = acceptance.pull_request
        self.text = docs.pull_request_json(pr) if pr is not None else ""
        # gevent's Event in a webhook worker (threading is patched there): the caller's greenlet waits,
        # the loop goes on.
        self.committed = threading.Event()
        self.result: Accepted | None = None
        self.error: BaseException | None = None

    def outcome(self) -> Accepted:
        self.committed.wait()
        if self.error is not None:
            raise self.error
        return self.result


class SQLiteAcceptance(SQLitePart):
    """``SQLiteStore.accept_delivery``, composed: the store's connections and its deliveries part.

    One BEGIN IMMEDIATE transaction takes SQLite's single write lock once per delivery instead of
    once per write (claim, installation, PR, jobs, completion). The claim is written as done in the
    same transaction: if anything fails the whole transaction rolls back and the id is unclaimed, so
    a redelivery is processed at once, and a duplicate waiting on the lock sees the id done.

    Group commit: under gevent the deliveries of one webhook worker share its thread's connection,
    and while one of them waits for the lock (begin_immediate lets the loop run) the others that
    reach the store join its transaction instead of waiting for the lock themselves. Each is applied
    under its own SAVEPOINT, so one that fails is rolled back alone and its caller gets the error;
    every caller learns its result only after the COMMIT, so an answer always means a durable write.
    A commit that fails fails them all, with nothing written. Elsewhere (threads, processes) a call
    never waits for another's: there is one caller per connection.
    """

    def __init__(self, connections: SQLiteConnections, deliveries: Deliveries):
        super().__init__(connections)
        self._deliveries = deliveries
        self._forming = os_thread_local()  # .batch: the acceptances joining this thread's open wait

    def accept(self, acceptance: Acceptance) -> Accepted:
        mine = _Waiting(acceptance)
        forming = getattr(self._forming, "batch", None)
        if forming is not None:
            forming.append(mine)
            return mine.outcome()
        batch = [mine]
        self._forming.batch = batch
        db = self._db
        try:
            begin_immediate(db)
        except BaseException as exc:
            self._settle(batch[1:], error=exc)
            raise
        finally:
            # From here on nothing yields until COMMIT: no one can join a batch being applied.
            self._forming.batch = None
        try:
            for waiting in batch:
                try:
                    waiting.result = self._apply_in_savepoint(db, waiting)
                except Exception as exc:
                    waiting.error = exc
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._settle(batch[1:], error=exc)
            raise
        self._settle(batch)
        return mine.outcome()

    @staticmethod
    def _settle(batch: list[_Waiting], error: BaseException | None = None) -> None:
        for waiting in batch:
            if error is not None:
                waiting.error, waiting.result = error, None
            waiting.committed.set()

    def _apply_in_savepoint(self, db, waiting: _Waiting) -> Accepted:
        db.execute("SAVEPOINT acceptance")
        try:
            accepted = self._apply(db, waiting.acceptance, waiting.text)
        except BaseException:
            db.execute("ROLLBACK TO acceptance")
            db.execute("RELEASE acceptance")
            raise
        db.execute("RELEASE acceptance")
        return accepted

    def _apply(self, db, acceptance: Acceptance, text: str) -> Accepted:
        now = _ms(acceptance.received_at or utcnow())
        pr = acceptance.pull_request
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
