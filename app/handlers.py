"""Webhook event handlers: one plain function per event, given the store, the payload and the delivery.

Each handler first reads everything it needs from the payload (BadDelivery -> 400 with nothing
stored). The frequent events (pull_request, check_suite) then hand their whole work to
``store.accept_delivery``: claim, PR document, jobs and completion in one store call (one SQLite
transaction). The others claim the delivery id (a duplicate stops there), then write installations,
feedback and jobs; an outcome with ``claimed`` set tells the receiver to complete the delivery once the
handler returns, and a claim left incomplete (the store failed midway) can be taken over by a
redelivery after ``Delivery.reclaim_after`` seconds; every write is idempotent, so redoing the work is
safe. The receiver writes one log line per delivery, with the outcome's ``context``; the only line a
handler writes itself is the audit record of a "Mark as expected".
Nothing here calls GitHub or runs the model.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable

from app import jobs, payloads
from app.onboarding import cancel_backfills, queue_backfills
from app.payloads import BadDelivery
from prguard.repo_config.resolve import invalidate
from prguard.store import acceptance
from prguard.store.acceptance import Acceptance, Accepted, JobSpec
from prguard.store.base import DELIVERY_RECLAIM_SECONDS
from prguard.states import InstallationStatus

log = logging.getLogger(__name__)

ACCEPTED, DUPLICATE, IGNORED, PONG = "accepted", "duplicate", "ignored", "pong"
IN_PROGRESS = "in_progress"
# IN_PROGRESS is not a 2xx: GitHub then marks the redelivery failed, so its operator can redeliver
# again once the grace period has passed, should the first attempt never complete.
STATUS = {ACCEPTED: 202, IGNORED: 202, DUPLICATE: 200, PONG: 200, IN_PROGRESS: 409}

SCORE_ACTIONS = frozenset({"opened", "reopened", "synchronize", "edited", "ready_for_review"})
INSTALLATION_STATUS = {"created": InstallationStatus.ACTIVE, "deleted": InstallationStatus.DELETED,
                       "suspend": InstallationStatus.SUSPENDED, "unsuspend": InstallationStatus.ACTIVE,
                       "new_permissions_accepted": InstallationStatus.ACTIVE}

__all__ = ["BadDelivery", "Delivery", "Outcome", "dispatch"]


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What the headers say about one delivery, and how long an unfinished claim on its id holds."""

    id: str
    event: str
    action: str | None = None
    reclaim_after: float = DELIVERY_RECLAIM_SECONDS

    def log_extra(self, **more: Any) -> dict[str, Any]:
        return {"delivery_id": self.id, "event": self.event, "action": self.action, **more}


@dataclasses.dataclass(frozen=True)
class Outcome:
    outcome: str
    detail: str = ""
    job_ids: tuple[str, ...] = ()
    claimed: bool = False  # this request holds the delivery's claim: complete it after the handler
    context: dict[str, Any] = dataclasses.field(default_factory=dict)  # for the delivery's log line

    @property
    def status(self) -> int:
        return STATUS[self.outcome]


def _ignored(detail: str, claimed: bool = False) -> Outcome:
    return Outcome(IGNORED, detail, claimed=claimed)


def _refusal(accepted: Accepted, delivery: Delivery, installation_id: int | None = None) -> Outcome | None:
    """The answer when the store did not take the delivery's work; None when it did."""
    if accepted.outcome == acceptance.INACTIVE:
        return _ignored(f"installation {installation_id} is {accepted.installation_status}")
    if accepted.outcome == acceptance.DUPLICATE:
        return Outcome(DUPLICATE, "delivery already received")
    if accepted.outcome == acceptance.IN_PROGRESS:
        claimed_at = accepted.claimed_at.isoformat()
        return Outcome(IN_PROGRESS, f"delivery is still being processed (claimed at {claimed_at}); if "
                                    f"that attempt failed, redeliver it {delivery.reclaim_after:g} s after "
                                    "the claim")
    return None


def _claim(store, delivery: Delivery) -> Outcome | None:
    """Claim the delivery id; None when this request holds the claim, else the answer to give."""
    if store.deliveries.claim(delivery.id, delivery.event, delivery.action,
                              reclaim_after=delivery.reclaim_after):
        return None
    return _refusal(acceptance.refused(store.deliveries.get(delivery.id)), delivery)


def _accept(store, payload: dict[str, Any], delivery: Delivery, installation_id: int, **work) -> Accepted:
    """Claim, write ``work`` (Acceptance's fields) and complete the delivery in one store call."""
    return store.accept_delivery(Acceptance(
        delivery.id, delivery.event, delivery.action, installation_id, payloads.account_login(payload),
        reclaim_after=delivery.reclaim_after, **work))


def _queued(accepted: Accepted, **context: Any) -> Outcome:
    return Outcome(ACCEPTED, f"{len(accepted.job_ids)} score job(s) queued", accepted.job_ids,
                   context=context)


def _admit(store, payload: dict[str, Any], delivery: Delivery, installation_id: int) -> Outcome | None:
    """Gate for events about repositories: an inactive installation is ignored, a duplicate dropped,
    an unknown installation recorded as active (GitHub may send its events before ``installation``)."""
    installation = store.installations.get(installation_id)
    if installation is not None and installation.get("status") in acceptance.INACTIVE_STATUSES:
        return _ignored(f"installation {installation_id} is {installation['status']}")
    stop = _claim(store, delivery)
    if stop:
        return stop
    if installation is None:
        _record_active(store, installation_id, payload)
    return None


def _record_active(store, installation_id: int, payload: dict[str, Any]) -> None:
    """Record as active an installation first seen through its repositories' events."""
    store.installations.upsert(installation_id, payloads.account_login(payload), InstallationStatus.ACTIVE)


def _score_jobs(repo: str, numbers: list[int], head_sha: str, installation_id: int, delivery: Delivery,
                force: bool) -> tuple[jobs.ScorePullRequest, ...]:
    return tuple(jobs.ScorePullRequest(repo, number, head_sha, installation_id, delivery.id, force)
                 for number in numbers)


def _encoded(payloads: tuple[jobs.ScorePullRequest, ...]) -> tuple[JobSpec, ...]:
    return tuple(jobs.encode(payload) for payload in payloads)


def _enqueue_scores(store, repo: str, numbers: list[int], head_sha: str, installation_id: int,
                    delivery: Delivery, force: bool) -> Outcome:
    """Queue score jobs on a delivery this request already claimed (the receiver completes it)."""
    job_ids = tuple(jobs.enqueue(store, job)
                    for job in _score_jobs(repo, numbers, head_sha, installation_id, delivery, force))
    return Outcome(ACCEPTED, f"{len(job_ids)} score job(s) queued", job_ids, claimed=True,
                   context={"repo": repo, "pr": numbers[0], "head_sha": head_sha})


def handle_ping(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    # Nothing is stored for a ping: it is GitHub checking the URL and secret.
    return Outcome(PONG, str(payload.get("zen") or "pong"))


def handle_pull_request(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    if delivery.action not in SCORE_ACTIONS and delivery.action != "closed":
        return _ignored(f"pull_request action {delivery.action!r} does not change the score")
    installation_id = payloads.installation_id(payload)
    pr, ident = payloads.pull_request(payload)
    repo, number, head_sha = ident.repo, ident.number, ident.head_sha
    closed = delivery.action == "closed"
    # The store queues the job only if the stored PR is still open at this head afterwards: an older
    # delivery arriving late must not score a superseded head or a closed PR.
    accepted = _accept(store, payload, delivery, installation_id, pull_request=pr,
                       pull_request_identity=ident,
                       cancel_prefix=jobs.pr_prefix(repo, number) if closed else None,
                       jobs=() if closed else _encoded(_score_jobs(repo, [number], head_sha,
                                                                   installation_id, delivery, force=False)))
    stop = _refusal(accepted, delivery, installation_id)
    if stop:
        return stop
    context = {"repo": repo, "pr": number, "head_sha": head_sha, "installation_id": installation_id}
    if closed:
        return Outcome(ACCEPTED, f"pull request closed; {accepted.cancelled} pending job(s) cancelled",
                       context=context)
    if accepted.outcome == acceptance.STALE:
        return Outcome(IGNORED, "a newer version of this pull request is already stored", context=context)
    return _queued(accepted, **context)


def handle_check_suite(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    if delivery.action not in ("requested", "rerequested"):
        return _ignored(f"check_suite action {delivery.action!r} needs nothing from PRGuard")
    installation_id = payloads.installation_id(payload)
    repo = payloads.repository(payload)
    suite = payloads.obj(payload, "check_suite")
    head_sha = payloads.head_sha(suite, "check_suite")
    numbers = payloads.pull_request_numbers(suite.get("pull_requests"))
    if not numbers:
        # Pushes without a PR, and fork PRs (GitHub leaves pull_requests empty for them); the
        # pull_request event covers the latter.
        return _ignored("check suite lists no pull request")
    accepted = _accept(store, payload, delivery, installation_id,
                       jobs=_encoded(_score_jobs(repo, numbers, head_sha, installation_id, delivery,
                                                 force=delivery.action == "rerequested")))
    return _refusal(accepted, delivery, installation_id) or _queued(
        accepted, repo=repo, pr=numbers[0], head_sha=head_sha, installation_id=installation_id)


def _check_run_numbers(store, repo: str, head_sha: str, numbers: list[int]) -> list[int]:
    if numbers:
        return numbers
    # Fork PRs have an empty pull_requests list; our own check-run record knows the PR.
    record = store.checks.get_run(repo, head_sha)
    return [int(record["number"])] if record and record.get("number") else []


def handle_check_run(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    if delivery.action not in ("rerequested", "requested_action"):
        return _ignored(f"check_run action {delivery.action!r} needs nothing from PRGuard")
    installation_id = payloads.installation_id(payload)
    repo = payloads.repository(payload)
    run, run_id, head_sha, numbers = payloads.check_run(payload)
    if delivery.action == "requested_action":
        requested = payload.get("requested_action")
        identifier = requested.get("identifier") if isinstance(requested, dict) else None
        if identifier != jobs.MARK_EXPECTED_ACTION:
            return _ignored(f"requested action {identifier!r} is not one of PRGuard's")
    stop = _admit(store, payload, delivery, installation_id)
    if stop:
        return stop
    numbers = _check_run_numbers(store, repo, head_sha, numbers)
    if not numbers:
        return _ignored("check run belongs to no known pull request", claimed=True)
    if delivery.action == "rerequested":
        return _enqueue_scores(store, repo, numbers[:1], head_sha, installation_id, delivery, force=True)
    user = payloads.sender_login(payload)
    number = numbers[0]
    # Nothing is stored as feedback here: the worker first checks that the run is PRGuard's and that
    # the sender may write to the repository (app.feedback), which takes a GitHub API call.
    job_id = jobs.enqueue(store, jobs.MarkExpected(
        repo, number, head_sha, installation_id, run_id, user, delivery.id,
        app_id=payloads.check_run_app_id(run), external_id=run.get("external_id")))
    log.info("mark as expected pressed by %s; queued for verification", user or "unknown user",
             extra=delivery.log_extra(repo=repo, pr=number, head_sha=head_sha, sender=user))
    return Outcome(ACCEPTED, "feedback queued; the worker checks the sender's permission", (job_id,),
                   claimed=True)


def handle_installation(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    status = INSTALLATION_STATUS.get(delivery.action or "")
    if status is None:
        return _ignored(f"installation action {delivery.action!r} is not tracked")
    installation_id = payloads.installation_id(payload)
    repositories = payloads.repository_names(payload.get("repositories"), "repositories")
    stop = _claim(store, delivery)
    if stop:
        return stop
    # Only "created" lists the repositories; other actions keep the stored list.
    store.installations.upsert(installation_id, payloads.account_login(payload), status,
                               repositories=repositories if delivery.action == "created" else None)
    job_ids: tuple[str, ...] = ()
    if delivery.action == "created":
        job_ids = queue_backfills(store, installation_id, repositories, delivery.id)
    elif delivery.action == "deleted":
        cancel_backfills(store, (store.installations.get(installation_id) or {}).get("repositories") or [])
    return Outcome(ACCEPTED, f"installation {installation_id} is {status}", job_ids, claimed=True,
                   context={"installation_id": installation_id})


def handle_installation_repositories(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    if delivery.action not in ("added", "removed"):
        return _ignored(f"installation_repositories action {delivery.action!r} is not tracked")
    installation_id = payloads.installation_id(payload)
    added = payloads.repository_names(payload.get("repositories_added"), "repositories_added")
    removed = payloads.repository_names(payload.get("repositories_removed"), "repositories_removed")
    stop = _claim(store, delivery)
    if stop:
        return stop
    if store.installations.get(installation_id) is None:
        _record_active(store, installation_id, payload)
    store.installations.update_repositories(installation_id, added, removed)
    cancel_backfills(store, removed)
    job_ids = queue_backfills(store, installation_id, added, delivery.id)
    return Outcome(ACCEPTED, f"{len(added)} repositories added, {len(removed)} removed", job_ids,
                   claimed=True, context={"installation_id": installation_id})


def handle_push(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    """A push to the default branch may change `.github/prguard.yml`: the cached configuration of the
    repository (and, for an organisation's `.github`, of its repositories using the defaults) is marked
    stale. Every push to the default branch counts: a payload lists at most 20 commits, so the files
    touched are not a reliable test, and a stale mark costs one contents request on the next PR."""
    installation_id = payloads.installation_id(payload)
    repo = payloads.repository(payload)
    ref, after, default_branch = payloads.push(payload)
    if ref != f"refs/heads/{default_branch}":
        return _ignored("push is not to the default branch")
    stop = _admit(store, payload, delivery, installation_id)
    if stop:
        return stop
    invalidate(store, repo, after)
    return Outcome(ACCEPTED, "repository configuration will be read again", claimed=True,
                   context={"repo": repo, "installation_id": installation_id})


HANDLERS: dict[str, Callable[[Any, dict[str, Any], Delivery], Outcome]] = {
    "ping": handle_ping,
    "pull_request": handle_pull_request,
    "check_suite": handle_check_suite,
    "check_run": handle_check_run,
    "installation": handle_installation,
    "installation_repositories": handle_installation_repositories,
    "push": handle_push,
}


def dispatch(store, payload: dict[str, Any], delivery: Delivery) -> Outcome:
    """Run the handler for the delivery's event; unknown events are ignored (and counted by the caller)."""
    handler = HANDLERS.get(delivery.event)
    if handler is None:
        return _ignored(f"event {delivery.event!r} is not used by PRGuard")
    return handler(store, payload, delivery)
