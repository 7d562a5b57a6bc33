"""The job contract between the webhook handlers and the worker: typed payloads, one encoding, dedupe keys."""
from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Union

from prguard.states import FeedbackLabel
from prguard.store.acceptance import JobSpec

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
    """Dedupe-key prefix shared by every score job of one PR; ``store.jobs.cancel(prefix)`` drops them."""
    return f"score:{repo.lower()}#{int(number)}:"


def score_dedupe_key(repo: str, number: int, head_sha: str) -> str:
    """One pending score job per (PR, head SHA): a redelivery or a rerequest replaces, never adds."""
    return f"{pr_prefix(repo, number)}{head_sha}"


def mark_expected_dedupe_key(repo: str, number: int, head_sha: str) -> str:
    # Its own namespace, so closing the PR (store.jobs.cancel on the score prefix) keeps the feedback job.
    return f"mark:{repo.lower()}#{int(number)}:{head_sha}"


def backfill_prefix(repo: str) -> str:
    """Dedupe key of a repository's backfill: one pending slice per repository; jobs.cancel drops it."""
    return f"backfill:{repo.lower()}:"  # the colon ends the name: acme/web is no prefix of acme/webapp


@dataclasses.dataclass(frozen=True)
class ScorePullRequest:
    """Score one PR at one head SHA and publish its check run; ``force`` re-scores and re-completes a
    run that exists already (check_run rerequested)."""

    kind: ClassVar[str] = SCORE_PULL_REQUEST
    repo: str
    number: int
    head_sha: str
    installation_id: int
    delivery_id: str | None = None
    force: bool = False

    @property
    def dedupe_key(self) -> str:
        return score_dedupe_key(self.repo, self.number, self.head_sha)


@dataclasses.dataclass(frozen=True)
class MarkExpected:
    """A "Mark as expected" press by ``user`` on check run ``check_run_id`` (created by app ``app_id``,
    carrying ``external_id``); the worker checks the run is PRGuard's and the sender may write before
    storing anything (app.feedback)."""

    kind: ClassVar[str] = MARK_EXPECTED
    repo: str
    number: int
    head_sha: str
    installation_id: int
    check_run_id: int
    user: str | None
    delivery_id: str | None = None
    app_id: Any = None
    external_id: str | None = None

    @property
    def dedupe_key(self) -> str:
        return mark_expected_dedupe_key(self.repo, self.number, self.head_sha)


@dataclasses.dataclass(frozen=True)
class BackfillRepository:
    """The next slice of a repository's history backfill."""

    kind: ClassVar[str] = BACKFILL_REPOSITORY
    repo: str
    installation_id: int
    delivery_id: str | None = None

    @property
    def dedupe_key(self) -> str:
        return backfill_prefix(self.repo)


JobPayload = Union[ScorePullRequest, MarkExpected, BackfillRepository]
PAYLOADS: dict[str, type] = {cls.kind: cls for cls in (ScorePullRequest, MarkExpected, BackfillRepository)}
# Stored as JSON: each field's type is restored on the way back, so a payload reads the same from
# SQLite, MongoDB or a payload queued by an older version of PRGuard.
_COERCE = {"number": int, "installation_id": int, "check_run_id": int, "force": bool}


class BadJob(ValueError):
    """A stored job is of an unknown kind or lacks a field its kind needs (dead-letters, never retried)."""


def encode(payload: JobPayload) -> JobSpec:
    """The job as the store queues it: kind, JSON-ready payload and dedupe key."""
    return JobSpec(payload.kind, dataclasses.asdict(payload), payload.dedupe_key)


def decode(kind: str, payload: dict[str, Any]) -> JobPayload:
    """The typed payload of a stored job; fields it does not know are ignored (a newer writer)."""
    cls = PAYLOADS.get(kind)
    if cls is None:
        raise BadJob(f"no job kind {kind!r}")
    values = {}
    for field in dataclasses.fields(cls):
        if field.name in payload:
            value = payload[field.name]
            coerce = _COERCE.get(field.name)
            values[field.name] = coerce(value) if coerce is not None and value is not None else value
        elif field.default is dataclasses.MISSING:
            raise BadJob(f"a {kind} job lacks its {field.name!r}")
    return cls(**values)


def enqueue(store, payload: JobPayload, run_at=None) -> str:
    """Queue ``payload`` in the store's outbox (due at ``run_at``, default now); a pending job with the
    same dedupe key is replaced. Returns the job id."""
    job = encode(payload)
    return store.jobs.enqueue(job.kind, job.payload, dedupe_key=job.dedupe_key, run_at=run_at)
