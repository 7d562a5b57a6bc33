"""Accepting a webhook delivery as one unit of work: what it writes (Acceptance), what happened (Accepted)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from prguard.store.base import DELIVERY_DONE, DELIVERY_RECLAIM_SECONDS, check_reclaim_after
from prguard.store.docs import PullRequestIdentity, identify_pull_request
from prguard.states import INACTIVE_INSTALLATIONS

# Accepted.outcome values.
ACCEPTED = "accepted"        # claimed, everything written, delivery done
STALE = "stale"              # claimed and done, PR written, but the stored PR is closed or at another head:
#                              the jobs were not queued (an older delivery arriving late)
DUPLICATE = "duplicate"      # the id is done already: nothing written
IN_PROGRESS = "in_progress"  # another attempt holds a claim younger than reclaim_after: nothing written
INACTIVE = "inactive"        # the installation is suspended or deleted: nothing written, nothing claimed

INACTIVE_STATUSES = INACTIVE_INSTALLATIONS


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """One job to queue, as ``store.jobs.enqueue`` takes it (a pending job with the key is replaced)."""

    kind: str
    payload: dict[str, Any]
    dedupe_key: str | None = None


@dataclasses.dataclass(frozen=True)
class Acceptance:
    """Everything one delivery writes, for ``Store.accept_delivery`` to apply at once.

    The delivery id is claimed first; a duplicate (or a claim younger than ``reclaim_after``) stops
    there with nothing written. An installation PRGuard has not seen yet is recorded as active under
    ``account``; a suspended or deleted one stops everything before the claim, so a redelivery after
    it is reactivated is still processed. ``pull_request`` is upserted with the usual merge rules
    (older never overwrites newer). ``cancel_prefix`` cancels pending jobs whose dedupe key starts with
    it. ``jobs`` are queued only when no ``pull_request`` is given or the stored PR, after the upsert,
    is open at the same head SHA. The delivery is then done.
    """

    delivery_id: str
    event: str
    action: str | None
    installation_id: int
    account: str = ""
    pull_request: dict[str, Any] | None = None
    cancel_prefix: str | None = None
    jobs: tuple[JobSpec, ...] = ()
    reclaim_after: float = DELIVERY_RECLAIM_SECONDS
    received_at: dt.datetime | None = None
    # The PR's key fields (docs.identify_pull_request of ``pull_request``), for the adapters: worked out
    # here unless the caller, which validated the PR already, passes them.
    pull_request_identity: PullRequestIdentity | None = dataclasses.field(default=None, compare=False,
                                                                          repr=False)

    def __post_init__(self):
        # Refused here, before anything is claimed: bad input must not leave a claim behind.
        check_reclaim_after(self.reclaim_after)
        if self.pull_request is None:
            object.__setattr__(self, "pull_request_identity", None)
        elif self.pull_request_identity is None:
            object.__setattr__(self, "pull_request_identity", identify_pull_request(self.pull_request))


@dataclasses.dataclass(frozen=True)
class Accepted:
    """What ``Store.accept_delivery`` did."""

    outcome: str
    job_ids: tuple[str, ...] = ()
    cancelled: int = 0
    installation_status: str | None = None  # set when the outcome is INACTIVE
    claimed_at: dt.datetime | None = None   # the other attempt's claim, when the outcome is IN_PROGRESS

    @property
    def done(self) -> bool:
        """The delivery is recorded as done by this call."""
        return self.outcome in (ACCEPTED, STALE)


def refused(recorded: dict[str, Any] | None) -> Accepted:
    """The answer for a delivery id whose claim was refused, from its stored record (``get_delivery``)."""
    if recorded is None or recorded["state"] == DELIVERY_DONE:
        return Accepted(DUPLICATE)
    return Accepted(IN_PROGRESS, claimed_at=recorded["claimed_at"])


def jobs_allowed(acceptance: Acceptance, stored_head_sha: str | None, stored_state: str | None) -> bool:
    """Queue the jobs unless the stored PR moved on: closed, or at another head than this delivery's.
    (True when there are no jobs to queue: only a skipped job makes a delivery STALE.)"""
    if acceptance.pull_request_identity is None or not acceptance.jobs:
        return True
    return stored_state != "closed" and stored_head_sha == acceptance.pull_request_identity.head_sha
