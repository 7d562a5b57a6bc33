"""SQLiteStore: the embedded store, one SQLite file shared by every process on the machine."""
from __future__ import annotations

import os

from prguard.store.base import Store
from prguard.store.acceptance import Acceptance, Accepted
from prguard.store.sqlite_acceptance import SQLiteAcceptance
from prguard.store.sqlite_checks import SQLiteChecks
from prguard.store.sqlite_deliveries import SQLiteDeliveries
from prguard.store.sqlite_feedback import SQLiteFeedback
from prguard.store.sqlite_installations import SQLiteInstallations
from prguard.store.sqlite_jobs import SQLiteJobs
from prguard.store.sqlite_onboarding import SQLiteOnboarding
from prguard.store.sqlite_pacing import SQLitePacing
from prguard.store.sqlite_prs import SQLitePullRequests
from prguard.store.sqlite_schema import SQLiteConnections
from prguard.store.sqlite_watermarks import SQLiteWatermarks


class SQLiteStore(Store):
    """The Store on one SQLite file (WAL). Safe for several processes and threads writing at once."""

    def __init__(self, path: str | os.PathLike):
        self._conns = SQLiteConnections(path)
        self.path = self._conns.path
        self.pacing = SQLitePacing(self._conns)
        self.jobs = SQLiteJobs(self._conns)
        self.onboarding = SQLiteOnboarding(self._conns)
        self.prs = SQLitePullRequests(self._conns)
        self.deliveries = SQLiteDeliveries(self._conns)
        self.installations = SQLiteInstallations(self._conns)
        self.checks = SQLiteChecks(self._conns)
        self.feedback = SQLiteFeedback(self._conns)
        self.watermarks = SQLiteWatermarks(self._conns)
        self._acceptance = SQLiteAcceptance(self._conns, self.deliveries)

    @property
    def _db(self):
        return self._conns.get()

    def accept_delivery(self, acceptance: Acceptance) -> Accepted:
        return self._acceptance.accept(acceptance)

    def ping(self) -> None:
        self._db.execute("SELECT 1").fetchone()

    def close(self) -> None:
        self._conns.close()
