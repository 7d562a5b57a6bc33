"""MongoStore: the production store on MongoDB (pymongo), built on single-document atomic operations."""
from __future__ import annotations

import threading
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.errors import DuplicateKeyError

from prguard.store import docs
from prguard.store.base import Store, utcnow
from prguard.store.mongo_acceptance import MongoAcceptance
from prguard.store.mongo_checks import INDEXES as CHECK_INDEXES, MongoChecks
from prguard.store.mongo_deliveries import MongoDeliveries
from prguard.store.mongo_installations import MongoInstallations
from prguard.store.mongo_jobs import MongoJobs
from prguard.store.mongo_onboarding import INDEXES as ONBOARDING_INDEXES, MongoOnboarding
from prguard.store.mongo_pacing import MongoPacing
from prguard.store.mongo_part import retry_duplicate
from prguard.store.mongo_prs import INDEXES as PR_INDEXES, MongoPullRequests

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    # deliveries, installations and watermarks are keyed by their unique ``_id``.
    "jobs": [([("state", ASCENDING), ("run_at", ASCENDING)], {}),
             ([("dedupe_key", ASCENDING), ("state", ASCENDING)], {})],
    "feedback": [([("repo_key", ASCENDING), ("number", ASCENDING), ("head_sha", ASCENDING),
                   ("label", ASCENDING)], {"unique": True})],
    **ONBOARDING_INDEXES,
    **PR_INDEXES,
    **CHECK_INDEXES,
}


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
        self.prs = MongoPullRequests(lambda: self._db)
        self.deliveries = MongoDeliveries(lambda: self._db)
        self.installations = MongoInstallations(lambda: self._db)
        self.checks = MongoChecks(lambda: self._db)

    @classmethod
    def from_uri(cls, uri: str, db_name: str) -> "MongoStore":
        # Fail a health check within seconds, not pymongo's default 30 s, when the server is down.
        client = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)
        return cls(client[db_name], client)

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

    # ---- sync watermarks -------------------------------------------------------------------------
    def get_watermark(self, repo: str) -> dict[str, Any] | None:
        row = self._db.watermarks.find_one({"_id": repo.lower()})
        return row["value"] if row else None

    def set_watermark(self, repo: str, value: dict[str, Any]) -> None:
        retry_duplicate(lambda: self._db.watermarks.replace_one({"_id": repo.lower()}, {"value": value},
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
