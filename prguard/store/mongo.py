"""MongoStore: the production store on MongoDB (pymongo), built on single-document atomic operations."""
from __future__ import annotations

import threading
from typing import Any

from pymongo import ASCENDING, MongoClient
from pymongo.errors import ConfigurationError, InvalidName

from prguard.config import ConfigError
from prguard.store.base import Store
from prguard.store.acceptance import Acceptance, Accepted
from prguard.store.mongo_acceptance import MongoAcceptance
from prguard.store.mongo_checks import INDEXES as CHECK_INDEXES, MongoChecks
from prguard.store.mongo_deliveries import MongoDeliveries
from prguard.store.mongo_feedback import INDEXES as FEEDBACK_INDEXES, MongoFeedback
from prguard.store.mongo_installations import MongoInstallations
from prguard.store.mongo_jobs import MongoJobs
from prguard.store.mongo_onboarding import INDEXES as ONBOARDING_INDEXES, MongoOnboarding
from prguard.store.mongo_pacing import MongoPacing
from prguard.store.mongo_prs import INDEXES as PR_INDEXES, MongoPullRequests
from prguard.store.mongo_watermarks import MongoWatermarks

INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    # deliveries, installations and watermarks are keyed by their unique ``_id``.
    "jobs": [([("state", ASCENDING), ("run_at", ASCENDING)], {}),
             ([("dedupe_key", ASCENDING), ("state", ASCENDING)], {})],
    **ONBOARDING_INDEXES,
    **PR_INDEXES,
    **CHECK_INDEXES,
    **FEEDBACK_INDEXES,
}


class MongoStore(Store):
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
        self.feedback = MongoFeedback(lambda: self._db)
        self.watermarks = MongoWatermarks(lambda: self._db)
        self._acceptance = MongoAcceptance(lambda: self._db, self.deliveries, self.prs)

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

    def accept_delivery(self, acceptance: Acceptance) -> Accepted:
        return self._acceptance.accept(acceptance)

    def ping(self) -> None:
        self._database.command("ping")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
