"""The job queue (durable outbox) on MongoDB: leases, backoff, dead letters."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from prguard.store import docs
from prguard.store.mongo_part import MongoPart
from prguard.store.base import (JOB_CANCELLED, JOB_DEAD, JOB_DONE, JOB_PENDING, JOB_RUNNING, Job,
                                QueueStats, utcnow)
from prguard.store.jobs import JobQueue


def _job_record(row: dict[str, Any]) -> dict[str, Any]:
    record = {name: row.get(name) for name in docs.JOB_FIELDS if name != "id"}
    for name in ("run_at", "lease_expires_at", "created_at", "updated_at"):
        if record[name] is not None:
            record[name] = docs.as_utc(record[name])
    return {"id": row["_id"], **record}


def insert_job(jobs, kind: str, payload: dict[str, Any], dedupe_key: str | None,
               run_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Add a pending job, or replace the payload of the pending one with ``dedupe_key``: one round trip
    either way (an upsert whose filter matches only a pending job), returning the job's id."""
    now = docs.as_utc(now or utcnow())
    fresh = {"_id": str(ObjectId()), "kind": kind, "attempts": 0, "lease_owner": None,
             "lease_expires_at": None, "last_error": None, "created_at": now}
    if dedupe_key is None:
        jobs.insert_one({**fresh, "payload": payload, "state": JOB_PENDING, "dedupe_key": None,
                         "run_at": docs.as_utc(run_at) if run_at else now, "updated_at": now})
        return fresh["_id"]
    update = {"payload": payload, "updated_at": now}
    if run_at is not None:
        update["run_at"] = docs.as_utc(run_at)
    else:
        fresh["run_at"] = now
    # The filter's equality fields (dedupe_key, state) seed an inserted document.
    row = jobs.find_one_and_update({"dedupe_key": dedupe_key, "state": JOB_PENDING},
                                   {"$set": update, "$setOnInsert": fresh}, upsert=True,
                                   sort=[("created_at", 1), ("_id", 1)], projection={"_id": 1},
                                   return_document=ReturnDocument.AFTER)
    return row["_id"]


def cancel_pending(jobs, dedupe_prefix: str, now: dt.datetime | None = None) -> int:
    """Cancel pending jobs whose dedupe key starts with the prefix; how many."""
    return jobs.update_many(
        {"state": JOB_PENDING, "dedupe_key": {"$regex": "^" + re.escape(dedupe_prefix)}},
        {"$set": {"state": JOB_CANCELLED, "updated_at": docs.as_utc(now or utcnow())}}).modified_count


class MongoJobs(MongoPart, JobQueue):
    """The job queue on the ``jobs`` collection."""

    def enqueue(self, kind: str, payload: dict[str, Any], dedupe_key: str | None = None,
                run_at: dt.datetime | None = None) -> str:
        """As the port says; two enqueues of one new key racing each other may both insert (rare, and
        harmless because the work is idempotent)."""
        return insert_job(self._db.jobs, kind, payload, dedupe_key, run_at)

    def claim(self, worker_id: str, lease_seconds: float, now: dt.datetime | None = None,
              max_attempts: int | None = None) -> Job | None:
        now = docs.as_utc(now or utcnow())
        jobs = self._db.jobs
        expired = {"state": JOB_RUNNING, "lease_expires_at": {"$lte": now}}
        if max_attempts is not None:
            jobs.update_many({**expired, "attempts": {"$gte": max_attempts}},
                             {"$set": {"state": JOB_DEAD, "lease_owner": None, "lease_expires_at": None,
                                       "last_error": "lease expired", "updated_at": now}})
            expired["attempts"] = {"$lt": max_attempts}
        query: dict[str, Any] = {"$or": [{"state": JOB_PENDING, "run_at": {"$lte": now}}, expired]}
        row = jobs.find_one_and_update(
            query, {"$set": {"state": JOB_RUNNING, "lease_owner": worker_id, "updated_at": now,
                             "lease_expires_at": docs.as_utc(now + dt.timedelta(seconds=lease_seconds))},
                    "$inc": {"attempts": 1}},
            sort=[("run_at", 1), ("created_at", 1), ("_id", 1)], return_document=ReturnDocument.AFTER)
        return docs.job_from_record(_job_record(row)) if row else None

    def extend_lease(self, job_id: str, worker_id: str, lease_seconds: float) -> bool:
        now = docs.as_utc(utcnow())
        return self._db.jobs.update_one(
            {"_id": job_id, "state": JOB_RUNNING, "lease_owner": worker_id},
            {"$set": {"lease_expires_at": now + dt.timedelta(seconds=lease_seconds), "updated_at": now}}
        ).matched_count == 1

    def complete(self, job_id: str, worker_id: str) -> bool:
        return self._db.jobs.update_one(
            {"_id": job_id, "state": JOB_RUNNING, "lease_owner": worker_id},
            {"$set": {"state": JOB_DONE, "lease_expires_at": None, "updated_at": docs.as_utc(utcnow())}}
        ).matched_count == 1

    def fail(self, job_id: str, worker_id: str, error: str, retry_at: dt.datetime,
             max_attempts: int) -> str:
        jobs = self._db.jobs
        row = jobs.find_one({"_id": job_id})
        if row is None:
            raise KeyError(f"no job with id {job_id!r}")
        if row["state"] != JOB_RUNNING or row["lease_owner"] != worker_id:
            return row["state"]
        state = JOB_DEAD if row["attempts"] >= max_attempts else JOB_PENDING
        update = {"state": state, "last_error": error, "lease_owner": None, "lease_expires_at": None,
                  "updated_at": docs.as_utc(utcnow())}
        if state == JOB_PENDING:
            update["run_at"] = docs.as_utc(retry_at)
        # Conditional on the lease and attempt count we read, so a worker that just lost the lease
        # cannot overwrite the new holder's claim.
        held = {"_id": job_id, "state": JOB_RUNNING, "lease_owner": worker_id, "attempts": row["attempts"]}
        if jobs.update_one(held, {"$set": update}).matched_count == 1:
            return state
        return jobs.find_one({"_id": job_id})["state"]

    def postpone(self, job_id: str, worker_id: str, run_at: dt.datetime) -> bool:
        return self._db.jobs.update_one(
            {"_id": job_id, "state": JOB_RUNNING, "lease_owner": worker_id},
            {"$set": {"state": JOB_PENDING, "run_at": docs.as_utc(run_at), "lease_owner": None,
                      "lease_expires_at": None, "updated_at": docs.as_utc(utcnow())},
             "$inc": {"attempts": -1}}).matched_count == 1

    def cancel(self, dedupe_prefix: str) -> int:
        return cancel_pending(self._db.jobs, dedupe_prefix)

    def get(self, job_id: str) -> dict[str, Any] | None:
        row = self._db.jobs.find_one({"_id": job_id})
        return _job_record(row) if row else None

    def list(self, state: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.jobs.find({"state": state} if state else {}, sort=[("created_at", 1), ("_id", 1)])
        return [_job_record(row) for row in rows]

    def stats(self, now: dt.datetime | None = None) -> QueueStats:
        now = docs.as_utc(now or utcnow())
        jobs = self._db.jobs
        oldest = jobs.find_one({"state": JOB_PENDING, "run_at": {"$lte": now}}, sort=[("run_at", 1)])
        age = (now - docs.as_utc(oldest["run_at"])).total_seconds() if oldest else 0.0
        return QueueStats(
            pending=jobs.count_documents({"state": JOB_PENDING}),
            running=jobs.count_documents({"state": JOB_RUNNING}),
            dead=jobs.count_documents({"state": JOB_DEAD}),
            oldest_pending_age_seconds=age)
