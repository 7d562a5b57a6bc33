"""The job contract between the webhook handlers and the worker: kinds, payload builders, dedupe keys."""
from __future__ import annotations

from typing import Any
from prguard.states import FeedbackLabel

SCORE_PULL_REQUEST = "score_pull_request"
MARK_EXPECTED = "mark_expected"
BACKFILL_REPOSITORY = "backfill_repository"

# Kinds whose work ends in a content-creating GitHub request (a check run created or updated): they are
# paced per installation (prguard/store/pacing.py). Backfills only read.
WRITING_KINDS = frozenset({SCORE_PULL_REQUEST, MARK_EXPECTED})

# The check run's "Mark as expected" button identifier (<= 20 chars, GitHub's limit for actions).
MARK_EXPECTED_ACTION = "mark_expected"
EXPECTED_LABEL = FeedbackLabel.EXPECTED


def pr_prefix(repo: str, number: int) -> str:
    """Dedupe-key prefix shared by every score job of one PR; ``store.cancel_jobs(prefix)`` drops them."""
    return f"score:{repo.lower()}#{int(number)}:"


def score_dedupe_key(repo: str, number: int, head_sha: str) -> str:
    """One pending score job per (PR, head SHA): a redelivery or a rerequest replaces, never adds."""
    return f"{pr_prefix(repo, number)}{head_sha}"


def mark_expected_dedupe_key(repo: str, number: int, head_sha: str) -> str:
    # Its own namespace, so closing the PR (cancel_jobs on the score prefix) keeps the feedback job.
    return f"mark:{repo.lower()}#{int(number)}:{head_sha}"


def score_job(repo: str, number: int, head_sha: str, installation_id: int, delivery_id: str,
              force: bool = False) -> tuple[str, dict[str, Any], str]:
    """``(kind, payload, dedupe_key)`` for scoring one PR at one head SHA.

    ``force`` asks the worker to score and re-complete the check run even if one already exists
    for this head SHA (check_run rerequested).
    """
    payload = {
        "repo": repo,
        "number": int(number),
        "head_sha": head_sha,
        "installation_id": int(installation_id),
        "delivery_id": delivery_id,
        "force": bool(force),
    }
    return SCORE_PULL_REQUEST, payload, score_dedupe_key(repo, number, head_sha)


def mark_expected_job(repo: str, number: int, head_sha: str, installation_id: int, check_run_id: int,
                      user: str | None, delivery_id: str, app_id: Any = None,
                      check_run_external_id: str | None = None) -> tuple[str, dict[str, Any], str]:
    """``(kind, payload, dedupe_key)`` for a "Mark as expected" press by ``user`` on check run
    ``check_run_id`` (created by app ``app_id``, carrying ``check_run_external_id``); the worker
    checks the run is PRGuard's and the sender may write before storing anything (app.feedback)."""
    payload = {
        "repo": repo,
        "number": int(number),
        "head_sha": head_sha,
        "installation_id": int(installation_id),
        "check_run_id": int(check_run_id),
        "user": user,
        "delivery_id": delivery_id,
        "app_id": app_id,
        "external_id": check_run_external_id,
    }
    return MARK_EXPECTED, payload, mark_expected_dedupe_key(repo, number, head_sha)


def backfill_prefix(repo: str) -> str:
    """Dedupe key of a repository's backfill: one pending slice per repository; cancel_jobs drops it."""
    return f"backfill:{repo.lower()}:"  # the colon ends the name: acme/web is no prefix of acme/webapp


def backfill_job(repo: str, installation_id: int, delivery_id: str | None) -> tuple[str, dict[str, Any], str]:
    """``(kind, payload, dedupe_key)`` for the next slice of a repository's history backfill."""
    payload = {"repo": repo, "installation_id": int(installation_id), "delivery_id": delivery_id}
    return BACKFILL_REPOSITORY, payload, backfill_prefix(repo)


def enqueue(store, job: tuple[str, dict[str, Any], str], run_at=None) -> str:
    """Put a ``(kind, payload, dedupe_key)`` triple from the builders above into the store's outbox
    (due at ``run_at``, default now)."""
    kind, payload, dedupe_key = job
    return store.enqueue_job(kind, payload, dedupe_key=dedupe_key, run_at=run_at)
