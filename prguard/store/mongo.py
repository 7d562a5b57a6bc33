"""MongoStore: the production store on MongoDB (pymongo), built on single-document atomic operations."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Iterator

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.errors import ConfigurationError, DuplicateKeyError, InvalidName

from prguard.config import ConfigError
from prguard.store import docs
from prguard.store.base import (DELIVERY_DONE, DELIVERY_PROCESSING, DELIVERY_RECLAIM_SECONDS, Store,
                                check_reclaim_after, pr_key, utcnow)
from prguard.store.mongo_acceptance import MongoAcceptance
from prguard.store.mongo_jobs import MongoJobs
from prguard.store.mongo_onboarding import INDEXES as ONBOARDING_INDEXES, MongoOnboarding
from prguard.store.mongo_pacing import MongoPacing

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    # pull_requests, deliveries, installations and watermarks are keyed by their unique ``_id``.
    "pull_requests": [([("repo_key", ASCENDING), ("number", ASCENDING)], {})],
    "jobs": [([("state", ASCENDING), ("run_at", ASCENDING)], {}),
             ([("dedupe_key", ASCENDING), ("state", ASCENDING)], {})],
    "scores": [([("repo_key", ASCENDING), ("head_sha", ASCENDING)], {"unique": True})],
    "check_runs": [([("repo_key", ASCENDING), ("head_sha", ASCENDING)], {"unique": True}),
                   ([("updated_at", DESCENDING)], {})],
    "feedback": [([("repo_key", ASCENDING), ("number", ASCENDING), ("head_sha", ASCENDING),
                   ("label", ASCENDING)], {"unique": True})],
    **ONBOARDING_INDEXES,
}
# Optimistic-concurrency retries for a PR upsert; each lost race means another writer made progress.
_CAS_ATTEMPTS = 50


def _retry_duplicate(operation):
    """Run an upsert again once if a concurrent upsert of the same key won the insert."""
    try:
        return operation()
    except DuplicateKeyError:
        return operation()


class MongoStore(MongoAcceptance, Store):
    """The Store on a pymongo ``Database`` (or a compatible one, e.g. mongomock's, in tests)."""

    def __init__(self, database, client: MongoClient | None = None):
        self._database = database
        self._client = client
        self._indexes_ready = False
        self._lock = threading.Lock()
        self.pacing = MongoPacing(lambda: self._db)
        self.jobs = MongoJobs(lambda: self._db)
        self.onboarding = MongoOnboarding(lambda: self._db)

    @classmethod
    def from_uri(cls, uri: str, db_name: str) -> "MongoStore":
        # Fail a health check within seconds, not pymongo's default 30 s, when the server is down.
        try:
            client = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)
        except ConfigurationError as exc:  # pymongo's messages name the flaw, never the URI's password
            raise ConfigError(f"MONGO_URI is not a usable MongoDB connection string: {exc}; use "
                              "mongodb://USER:PASSWORD@HOST:PORT or mongodb+srv://USER:PASSWORD@HOST"
                              ) from None
        try:
            return cls(client[db_name], client)
        except InvalidName as exc:
            client.close()
            raise ConfigError(f"PRGUARD_MONGO_DB is not a MongoDB database name: {exc}") from None

    @property
    def _db(self):
        # Indexes are created on first use, not at construction: the app factory may build the store
        # before the database is reachable. create_index is idempotent, so racing processes are fine.
        if not self._indexes_ready:
            with self._lock:
                if not self._indexes_ready:
                    for name, indexes in INDEXES.items():
                        for keys, options in indexes:
                            self._database[name].create_index(keys, **options)
                    self._indexes_ready = True
        return self._database

    def ping(self) -> None:
        self._database.command("ping")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # ---- pull requests ---------------------------------------------------------------------------
    def upsert_pull_request(self, doc: dict[str, Any]) -> bool:
        return self._write_pull_request(doc)[0]

    def _write_pull_request(self, doc: dict[str, Any]) -> tuple[bool, str, str | None]:
        """Upsert by the port's merge rules; ``(changed, stored head SHA, stored state)`` after it."""
        ident = docs.identify_pull_request(doc)
        prs = self._db.pull_requests
        for _ in range(_CAS_ATTEMPTS):
            stored = prs.find_one({"_id": ident.key})
            merged = docs.merge_pull_request(stored["doc"] if stored else None, doc)
            if merged is None:
                return False, stored["head_sha"], stored["doc"].get("state")
            fields = {"repo_key": ident.repo_key, "repo": ident.repo, "number": ident.number,
                      "head_sha": ident.head_sha, "updated_at": ident.updated_at, "doc": merged}
            if stored is None:
                try:
                    prs.insert_one({"_id": ident.key, "rev": 1, **fields})
                    return True, ident.head_sha, merged.get("state")
                except DuplicateKeyError:
                    continue
            # Compare-and-swap on the revision: the write lands only if nobody changed the PR since we
            # read it, so "older never overwrites newer" and "keep files" hold under concurrent writers.
            if prs.update_one({"_id": ident.key, "rev": stored["rev"]},
                              {"$set": fields, "$inc": {"rev": 1}}).matched_count:
                return True, ident.head_sha, merged.get("state")
        raise RuntimeError(f"gave up upserting {ident.key} after {_CAS_ATTEMPTS} concurrent modifications")

    def get_pull_request(self, repo: str, number: int) -> dict[str, Any] | None:
        row = self._db.pull_requests.find_one({"_id": pr_key(repo, number)}, {"doc": 1})
        return row["doc"] if row else None

    def set_pull_request_files(self, repo: str, number: int, head_sha: str, files: list[dict]) -> bool:
        files = docs.plain_json({"files": files})["files"]
        result = self._db.pull_requests.update_one({"_id": pr_key(repo, number), "head_sha": head_sha},
                                                   {"$set": {"doc.files": files}, "$inc": {"rev": 1}})
        return result.matched_count == 1

    def iter_pull_requests(self, repo: str | None = None) -> Iterator[dict[str, Any]]:
        query = {"repo_key": repo.lower()} if repo else {}
        for row in self._db.pull_requests.find(query, {"doc": 1}, sort=[("repo_key", 1), ("number", 1)]):
            yield row["doc"]

    def count_pull_requests(self, repo: str | None = None) -> int:
        return self._db.pull_requests.count_documents({"repo_key": repo.lower()} if repo else {})

    def partition_pull_requests(self, partitions: int) -> list[dict[str, Any]]:
        """Ranges of ``_id`` (the PR key); the first and last are open-ended."""
        prs = self._db.pull_requests
        bounds = [next(iter(prs.find({}, {"_id": 1}, sort=[("_id", 1)], skip=offset, limit=1)))["_id"]
                  for offset in docs.split_points(prs.count_documents({}), partitions)]
        edges = [None, *bounds, None]
        return [{"key_from": lo, "key_to": hi} for lo, hi in zip(edges, edges[1:])]

    def iter_pull_request_range(self, key_range: dict[str, Any]) -> Iterator[dict[str, Any]]:
        bounds = {op: key_range[name] for op, name in (("$gte", "key_from"), ("$lt", "key_to"))
                  if key_range.get(name) is not None}
        query = {"_id": bounds} if bounds else {}
        for row in self._db.pull_requests.find(query, {"doc": 1}, sort=[("_id", 1)]):
            yield row["_id"], row.get("doc")

    def list_repositories(self) -> list[str]:
        rows = self._db.pull_requests.aggregate([{"$group": {"_id": "$repo_key", "repo": {"$min": "$repo"}}},
                                                 {"$sort": {"_id": 1}}])
        return [row["repo"] for row in rows]

    # ---- webhook deliveries ----------------------------------------------------------------------
    def record_delivery(self, delivery_id: str, event: str, action: str | None,
                        received_at: dt.datetime | None = None,
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

    def complete_delivery(self, delivery_id: str, completed_at: dt.datetime | None = None) -> bool:
        return self._db.deliveries.update_one(
            {"_id": delivery_id, "state": DELIVERY_PROCESSING},
            {"$set": {"state": DELIVERY_DONE, "completed_at": docs.as_utc(completed_at or utcnow())}}
        ).modified_count == 1

    def get_delivery(self, delivery_id: str) -> dict[str, Any] | None:
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

    # ---- installations ---------------------------------------------------------------------------
    def upsert_installation(self, installation_id: int, account: str, status: str = "active",
                            repositories: list[str] | None = None) -> None:
        # str(): a StrEnum member is stored as its plain value, as SQLite stores it
        fields: dict[str, Any] = {"account": account, "status": str(status),
                                  "updated_at": docs.as_utc(utcnow())}
        update: dict[str, Any] = {"$set": fields}
        if repositories is None:
            update["$setOnInsert"] = {"repositories": []}
        else:
            fields["repositories"] = sorted(set(repositories))
        _retry_duplicate(lambda: self._db.installations.update_one({"_id": int(installation_id)}, update,
                                                                   upsert=True))

    def update_installation_repositories(self, installation_id: int, added: list[str],
                                         removed: list[str]) -> None:
        installations = self._db.installations
        key = {"_id": int(installation_id)}
        _retry_duplicate(lambda: installations.update_one(
            key, {"$addToSet": {"repositories": {"$each": list(added)}},
                  "$set": {"updated_at": docs.as_utc(utcnow())},
                  "$setOnInsert": {"account": None, "status": "active"}}, upsert=True))
        if removed:
            installations.update_one(key, {"$pull": {"repositories": {"$in": list(removed)}}})

    def get_installation(self, installation_id: int) -> dict[str, Any] | None:
        row = self._db.installations.find_one({"_id": int(installation_id)})
        return self._installation(row) if row else None

    def list_installations(self, status: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.installations.find({"status": status} if status else {}, sort=[("_id", 1)])
        return [self._installation(row) for row in rows]

    @staticmethod
    def _installation(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": row["_id"], "account": row["account"], "status": row["status"],
                "repositories": sorted(row["repositories"]), "updated_at": docs.as_utc(row["updated_at"])}

    # ---- scores and check runs -------------------------------------------------------------------
    def save_score(self, record: dict[str, Any]) -> None:
        record = docs.stamped(record, "scored_at", utcnow())
        key = {"repo_key": record["repo"].lower(), "head_sha": record["head_sha"]}
        _retry_duplicate(lambda: self._db.scores.replace_one(key, {**key, "record": record}, upsert=True))

    def get_score(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.scores.find_one({"repo_key": repo.lower(), "head_sha": head_sha})
        return docs.decode_times(row["record"], docs.SCORE_TIME_FIELDS) if row else None

    def save_check_run(self, record: dict[str, Any]) -> None:
        """Fields given replace the stored ones; fields not given are kept (one atomic update)."""
        record = docs.stamped(record, "updated_at", utcnow())
        key = {"repo_key": record["repo"].lower(), "head_sha": record["head_sha"]}
        update = {f"record.{name}": value for name, value in record.items()}
        _retry_duplicate(lambda: self._db.check_runs.update_one(
            key, {"$set": {**update, "updated_at": record["updated_at"]}}, upsert=True))

    def get_check_run(self, repo: str, head_sha: str) -> dict[str, Any] | None:
        row = self._db.check_runs.find_one({"repo_key": repo.lower(), "head_sha": head_sha})
        return docs.decode_times(row["record"], docs.CHECK_RUN_TIME_FIELDS) if row else None

    def list_check_runs(self, repo: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._db.check_runs.find({"repo_key": repo.lower()} if repo else {}, limit=int(limit),
                                        sort=[("updated_at", -1), ("repo_key", 1), ("head_sha", 1)])
        return [docs.decode_times(row["record"], docs.CHECK_RUN_TIME_FIELDS) for row in rows]

    # ---- sync watermarks -------------------------------------------------------------------------
    def get_watermark(self, repo: str) -> dict[str, Any] | None:
        row = self._db.watermarks.find_one({"_id": repo.lower()})
        return row["value"] if row else None

    def set_watermark(self, repo: str, value: dict[str, Any]) -> None:
        _retry_duplicate(lambda: self._db.watermarks.replace_one({"_id": repo.lower()}, {"value": value},
                                                                 upsert=True))

    # ---- feedback labels -------------------------------------------------------------------------
    def add_feedback(self, repo: str, number: int, head_sha: str, label: str,
                     user: str | None = None) -> None:
        key = {"repo_key": repo.lower(), "number": int(number), "head_sha": head_sha, "label": str(label)}
        insert = {"repo": repo, "user": user, "created_at": docs.as_utc(utcnow())}
        try:
            self._db.feedback.update_one(key, {"$setOnInsert": insert}, upsert=True)
        except DuplicateKeyError:
            pass  # a concurrent writer recorded the same label first; one per key is the rule

    def list_feedback(self, repo: str | None = None) -> list[dict[str, Any]]:
        rows = self._db.feedback.find({"repo_key": repo.lower()} if repo else {},
                                      sort=[("created_at", 1), ("repo_key", 1), ("number", 1),
                                            ("head_sha", 1), ("label", 1)])
        return [{"repo": r["repo"], "number": r["number"], "head_sha": r["head_sha"], "label": r["label"],
                 "user": r["user"], "created_at": docs.as_utc(r["created_at"])} for r in rows]
