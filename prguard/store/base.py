"""The store port: its composed parts, the use-case operations that write to several, its lifecycle."""
from __future__ import annotations

import abc
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from prguard.store.onboarding import OnboardingStore
from prguard.store.pacing import WritePacing
from prguard.states import DeliveryState, JobState

if TYPE_CHECKING:
    from prguard.store.acceptance import Acceptance, Accepted
    from prguard.store.checks import Checks
    from prguard.store.deliveries import Deliveries
    from prguard.store.feedback import FeedbackLabels
    from prguard.store.installations import Installations
    from prguard.store.jobs import JobQueue
    from prguard.store.prs import PullRequests
    from prguard.store.watermarks import Watermarks

# The names the adapters use, as plain strings (what both databases hand back); the states themselves
# are prguard.states.JobState and DeliveryState.
JOB_PENDING, JOB_RUNNING, JOB_DONE = JobState.PENDING.value, JobState.RUNNING.value, JobState.DONE.value
JOB_DEAD, JOB_CANCELLED = JobState.DEAD.value, JobState.CANCELLED.value

DELIVERY_PROCESSING, DELIVERY_DONE = DeliveryState.PROCESSING.value, DeliveryState.DONE.value
# A receiver stores a delivery's work in milliseconds and answers within GitHub's 10 s; a claim
# older than this belongs to a receiver that failed or died, so a redelivery may take it over.
DELIVERY_RECLAIM_SECONDS = 60.0


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def pr_key(repo: str, number: int) -> str:
    """The identity of a pull request: ``owner/name#number`` (repository names are case-insensitive)."""
    return f"{repo.lower()}#{int(number)}"


def check_reclaim_after(reclaim_after: float) -> float:
    """The grace period as a positive float; zero would let two concurrent re-claims both win."""
    value = float(reclaim_after)
    if not value > 0:
        raise ValueError(f"reclaim_after must be > 0 seconds, got {reclaim_after!r}")
    return value


class InvalidPullRequest(ValueError):
    """A PR document lacks what the store needs (number, base.repo.full_name, head.sha, updated_at)."""


@dataclasses.dataclass(frozen=True)
class Job:
    """A unit of background work claimed by a worker under a lease."""

    id: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # including the current claim
    lease_owner: str | None
    lease_expires_at: dt.datetime | None
    dedupe_key: str | None = None
    last_error: str | None = None


@dataclasses.dataclass(frozen=True)
class QueueStats:
    pending: int
    running: int
    dead: int
    oldest_pending_age_seconds: float


class Store(abc.ABC):
    """Everything PRGuard persists, as the composed parts below (one port per concern), plus the
    use-case operations that write to several parts at once and the connection's lifecycle.

    Times are timezone-aware UTC datetimes. Every method is safe to call from several threads and
    several processes at once.
    """

    # Composed rather than inherited: concerns with their own ports (each adapter builds them on its
    # own connection), so no part borrows another's internals.
    prs: "PullRequests"  # pull request documents (prguard/store/prs.py)
    deliveries: "Deliveries"  # webhook delivery claims (prguard/store/deliveries.py)
    installations: "Installations"  # the App's installations (prguard/store/installations.py)
    checks: "Checks"  # scores and check-run records per head commit (prguard/store/checks.py)
    feedback: "FeedbackLabels"  # maintainers' labels (prguard/store/feedback.py)
    jobs: "JobQueue"  # the durable outbox of work for the worker (prguard/store/jobs.py)
    onboarding: OnboardingStore  # profiles, repository records, named leases (prguard/store/onboarding.py)
    watermarks: "Watermarks"  # how far fetch has read each repository (prguard/store/watermarks.py)
    pacing: WritePacing  # the schedule of GitHub writes per installation (prguard/store/pacing.py)

    # ---- lifecycle -------------------------------------------------------------------------------
    @abc.abstractmethod
    def ping(self) -> None:
        """Raise if the backing database cannot be reached."""

    def close(self) -> None:
        """Release connections."""

    # ---- use-case operations: writes to several parts at once -------------------------------
    @abc.abstractmethod
    def accept_delivery(self, acceptance: "Acceptance") -> "Accepted":
        """Claim the delivery id and store its whole work (installation, PR, cancellations, jobs),
        then mark it done, as ``Acceptance`` describes; what happened, as ``Accepted``.

        Same guarantees as claiming, writing and completing one by one: a duplicate (or an attempt
        while another holds a young claim) writes nothing; a failure part-way leaves either nothing
        (SQLite: one transaction) or a claim a redelivery takes over after ``reclaim_after`` (MongoDB).
        """
