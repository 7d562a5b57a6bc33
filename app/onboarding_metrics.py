"""Prometheus metrics of repository onboarding: backfill slices and the history they bring in."""
from __future__ import annotations

from prometheus_client import Counter

# Labelled, like every metric here, so that nothing is written at import time (multiprocess mode).
BACKFILL_SLICES = Counter(
    "prguard_backfill_slices_total",
    "Backfill slices run, by how they ended (running: more to fetch; waiting: another repository of the "
    "installation holds the backfill; paused: rate limit; done; cancelled).",
    ["state"],
)
BACKFILL_PULL_REQUESTS = Counter(
    "prguard_backfill_pull_requests_total",
    "Pull requests read from GitHub by backfills, by what was done with them (stored: new or changed).",
    ["result"],
)
BACKFILL_API_REQUESTS = Counter(
    "prguard_backfill_api_requests_total",
    "GitHub API requests made by backfills, by API (graphql pages, rest file lists).",
    ["api"],
)


def count_slice(state: str, seen: int, stored: int, pages: int, file_lists: int) -> None:
    BACKFILL_SLICES.labels(state=state).inc()
    BACKFILL_PULL_REQUESTS.labels(result="read").inc(seen)
    BACKFILL_PULL_REQUESTS.labels(result="stored").inc(stored)
    BACKFILL_API_REQUESTS.labels(api="graphql").inc(pages)
    BACKFILL_API_REQUESTS.labels(api="rest").inc(file_lists)
