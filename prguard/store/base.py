"""The store port: everything PRGuard persists, as one abstract class both adapters implement."""
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
    from prguard.store.installations import Installations
    from prguard.store.jobs import JobQueue
    from prguard.store.prs import PullRequests

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
    """Persistence for pull requests, deliveries, installations, scores, check runs,
    sync watermarks and feedback labels, and, composed, the parts below.

    Times are timezone-aware UTC datetimes. Every method is safe to call from several threads and
    several processes at once.
    """

    # Composed rather than inherited: concerns with their own ports (each adapter builds them on its
    # own connection), so no part borrows another's internals.
    prs: "PullRequests"  # pull request documents (prguard/store/prs.py)
    deliveries: "Deliveries"  # webhook delivery claims (prguard/store/deliveries.py)
    installations: "Installations"  # the App's installations (prguard/store/installations.py)
    checks: "Checks"  # scores and check-run records per head commit (prguard/store/checks.py)
    jobs: "JobQueue"  # the durable outbox of work for the worker (prguard/store/jobs.py)
    onboarding: OnboardingStore  # profiles, repository records, named leases (prguard/store/onboarding.py)
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

    # ---- sync watermarks -------------------------------------------------------------------------
    @abc.abstractmethod
    def get_watermark(self, repo: str) -> dict[str, Any] | None:
        """``{"updated_at": iso8601 str, "cursor": str | None, ...}`` saved by the fetch job."""

    @abc.abstractmethod
    def set_watermark(self, repo: str, value: dict[str, Any]) -> None:
        ...

    # ---- feedback labels -------------------------------------------------------------------------
    @abc.abstractmethod
    def add_feedback(self, repo: str, number: int, head_sha: str, label: str,
                     user: str | None = None) -> None:
        """Record a maintainer's label (``expected``); one per (repo, number, head_sha, label): a
        repeated label keeps the first record."""

    @abc.abstractmethod
    def list_feedback(self, repo: str | None = None) -> list[dict[str, Any]]:
        """``{repo, number, head_sha, label, user, created_at}`` records, oldest first."""
