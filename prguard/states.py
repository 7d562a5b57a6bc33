"""The states PRGuard records, each defined once; StrEnum members are stored and compared as plain strings."""
from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"
    CANCELLED = "cancelled"  # its work no longer applies (a repository left the installation)


class DeliveryState(StrEnum):
    PROCESSING = "processing"
    DONE = "done"


class InstallationStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETED = "deleted"


# Installations PRGuard must not act for: no jobs queued, no API calls, backfills cancelled.
INACTIVE_INSTALLATIONS = frozenset({InstallationStatus.SUSPENDED, InstallationStatus.DELETED})


class FeedbackLabel(StrEnum):
    EXPECTED = "expected"  # a maintainer pressed "Mark as expected"
