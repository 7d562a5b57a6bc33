"""Prometheus metrics of the service and the worker, and the /metrics exposition (multiprocess-safe).

Under gunicorn with several workers (and the embedded worker thread in the supervisor process) each
process keeps its own counters. ``prguard serve`` therefore points ``PROMETHEUS_MULTIPROC_DIR`` at a
fresh directory under the data dir before anything creates a metric; every process then writes its
values there and /metrics aggregates them (prometheus_client's multiprocess mode). Without that
variable (tests, a single process) the default registry is used as is.

Every metric has labels so that no value file is created at import time (no I/O on import).
"""
from __future__ import annotations

import os
import threading
from typing import Callable

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram,
                               generate_latest, multiprocess)
from prometheus_client.core import GaugeMetricFamily

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

DELIVERIES = Counter(
    "prguard_webhook_deliveries_total",
    "Webhook deliveries by event, action and outcome (accepted, duplicate, ignored, pong, rejected...).",
    ["event", "action", "outcome"],
)
WEBHOOK_SECONDS = Histogram(
    "prguard_webhook_duration_seconds",
    "Time to answer a webhook delivery, by HTTP status.",
    ["status"],
    # GitHub gives a receiver 10 s; anything near a second is already a problem.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_SECONDS = Histogram(
    "prguard_job_duration_seconds",
    "Time a worker spent on one job attempt, by kind and outcome (done, retry, dead).",
    ["kind", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)
JOB_QUEUE_SECONDS = Histogram(
    "prguard_job_queue_latency_seconds",
    "Time from a job's enqueue to its completion, by kind.",
    ["kind"],
    buckets=(0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)
GITHUB_API_CALLS = Counter(
    "prguard_github_api_calls_total",
    "GitHub API calls by HTTP method and response status ('error' when no response arrived).",
    ["method", "status"],
)
MODEL_VERSION = Gauge(
    "prguard_model_version",
    "Registered model version the worker scores with (0 when no champion is registered).",
    ["model"],
    multiprocess_mode="mostrecent",
)
PULL_REQUESTS_SCORED = Counter(
    "prguard_pull_requests_scored_total",
    "Pull requests scored, by verdict (unusual or usual).",
    ["verdict"],
)
PULL_REQUESTS_FLAGGED = Counter(
    "prguard_pull_requests_flagged_total",
    "Pull requests whose score exceeded the model's threshold, by repository (the first "
    "MAX_REPOSITORY_LABELS repositories a process flags; later ones count as 'other') and check-run "
    "conclusion.",
    ["repository", "conclusion"],
)
CHAMPION_REGISTERED = Gauge(
    "prguard_champion_registered_timestamp_seconds",
    "When the champion model version was registered (Unix time; 0 when no champion is registered).",
    ["model"],
    multiprocess_mode="mostrecent",
)
GITHUB_RATE_LIMITED = Counter(
    "prguard_github_rate_limited_total",
    "GitHub answers that were rate limits, by limit: primary (the hourly budget is spent) or secondary "
    "(too many requests or content created too fast; GitHub may block the App if it keeps on).",
    ["limit"],
)

# Each repository label value is a series per conclusion and process: an organisation with thousands of
# repositories must not make thousands of series. Beyond this many, a process counts flags as "other".
MAX_REPOSITORY_LABELS = 200
OTHER_REPOSITORY = "other"
_labelled_repositories: set[str] = set()
_repositories_lock = threading.Lock()

FEEDBACK = Counter(
    "prguard_feedback_total",
    "\"Mark as expected\" presses by outcome: accepted, or the reason it was refused (not PRGuard's run, "
    "no write permission...).",
    ["outcome"],
)


# Label values of deliveries come only from these sets, "other" for anything else: the event header
# and the action are written by whoever sends the request, and every new value is a new time series.
# They are the events an App with PRGuard's manifest receives and their actions in GitHub's docs.
OTHER = "other"
EVENT_LABELS = frozenset({"ping", "pull_request", "check_suite", "check_run", "installation",
                          "installation_repositories", "push"})
ACTION_LABELS = frozenset({
    # pull_request
    "assigned", "auto_merge_disabled", "auto_merge_enabled", "closed", "converted_to_draft", "demilestoned",
    "dequeued", "edited", "enqueued", "labeled", "locked", "milestoned", "opened", "ready_for_review",
    "reopened", "review_request_removed", "review_requested", "synchronize", "unassigned", "unlabeled",
    "unlocked",
    # check_suite and check_run
    "completed", "requested", "rerequested", "created", "requested_action",
    # installation and installation_repositories
    "deleted", "new_permissions_accepted", "suspend", "unsuspend", "added", "removed",
})


def _label(value: str | None, known: frozenset[str]) -> str:
    if not value:
        return ""
    return value if value in known else OTHER


# ---- the API the worker (and the GitHub client) call ------------------------------------------
def count_delivery(event: str, action: str | None, outcome: str) -> None:
    DELIVERIES.labels(event=_label(event, EVENT_LABELS), action=_label(action, ACTION_LABELS),
                      outcome=outcome).inc()


def observe_webhook(status: int, seconds: float) -> None:
    WEBHOOK_SECONDS.labels(status=str(status)).observe(seconds)


def observe_job(kind: str, outcome: str, seconds: float, queued_seconds: float | None = None) -> None:
    """One job attempt finished: ``outcome`` is done, retry or dead; ``queued_seconds`` is enqueue->done."""
    JOB_SECONDS.labels(kind=kind, outcome=outcome).observe(seconds)
    if queued_seconds is not None and outcome == "done":
        JOB_QUEUE_SECONDS.labels(kind=kind).observe(max(queued_seconds, 0.0))


def count_github_call(method: str, status: int | str | None) -> None:
    """One GitHub API request; ``status`` None means it failed without a response (timeout, reset)."""
    GITHUB_API_CALLS.labels(method=method.upper(), status="error" if status is None else str(status)).inc()


def set_model_version(model: str, version: int | str | None) -> None:
    """The champion version now in use; None (no champion registered) is exported as 0."""
    MODEL_VERSION.labels(model=model).set(float(version) if version not in (None, "") else 0.0)


def repository_label(repository: str | None) -> str:
    """``repository`` while fewer than MAX_REPOSITORY_LABELS distinct ones were labelled, else "other"."""
    if not repository:
        return OTHER_REPOSITORY
    with _repositories_lock:
        if repository in _labelled_repositories:
            return repository
        if len(_labelled_repositories) < MAX_REPOSITORY_LABELS:
            _labelled_repositories.add(repository)
            return repository
    return OTHER_REPOSITORY


def count_scored(anomalous: bool, conclusion: str, repository: str | None = None) -> None:
    """A PR was scored; ``conclusion`` is the check run's conclusion (success, neutral, failure...)."""
    PULL_REQUESTS_SCORED.labels(verdict="unusual" if anomalous else "usual").inc()
    if anomalous:
        PULL_REQUESTS_FLAGGED.labels(repository=repository_label(repository), conclusion=conclusion).inc()


def set_champion(model: str, version: int | str | None, registered_at: float | None) -> None:
    """The registry's champion as the service last read it: its version and registration time."""
    set_model_version(model, version)
    CHAMPION_REGISTERED.labels(model=model).set(float(registered_at or 0.0))


def count_rate_limited(limit: str) -> None:
    """GitHub answered with a rate limit: ``limit`` is "primary" or "secondary"."""
    GITHUB_RATE_LIMITED.labels(limit=limit).inc()


def count_feedback(outcome: str) -> None:
    """A "Mark as expected" press: "accepted" or one of app.feedback.REFUSALS (a fixed set of labels)."""
    FEEDBACK.labels(outcome=outcome).inc()


# ---- exposition ---------------------------------------------------------------------------------
class QueueCollector:
    """Queue depth and oldest pending job age, read from the store at scrape time (never cached)."""

    def __init__(self, queue_stats: Callable):
        self._queue_stats = queue_stats

    def collect(self):
        depth = GaugeMetricFamily("prguard_jobs", "Jobs in the outbox by state.", labels=["state"])
        oldest = GaugeMetricFamily("prguard_oldest_pending_job_age_seconds",
                                   "Age of the oldest pending job (0 when the queue is empty).")
        up = GaugeMetricFamily("prguard_store_up", "1 when the store answered the scrape's queue query.")
        try:
            stats = self._queue_stats()
        except Exception:  # a store outage must not break the scrape; it shows as prguard_store_up 0
            up.add_metric([], 0)
            yield up
            return
        for state in ("pending", "running", "dead"):
            depth.add_metric([state], getattr(stats, state))
        oldest.add_metric([], stats.oldest_pending_age_seconds)
        up.add_metric([], 1)
        yield from (depth, oldest, up)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render(queue_stats: Callable | None = None) -> tuple[bytes, str]:
    """The exposition body and its content type, for GET /metrics."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if queue_stats is not None:
        # Its own registry: the store belongs to one app instance, the global registry to the process.
        scrape_time = CollectorRegistry()
        scrape_time.register(QueueCollector(queue_stats))
        body += generate_latest(scrape_time)
    return body, CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """Gunicorn's child_exit hook: drop a dead worker's live gauges from the shared directory."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
