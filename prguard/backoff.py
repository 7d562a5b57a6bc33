"""Retry delays: exponential backoff with jitter, one rule for the worker's jobs and for GitHub calls."""
from __future__ import annotations

import random


def exponential(attempt: int, base: float, cap: float, jitter: float,
                rng: random.Random | None = None) -> float:
    """The delay before retry ``attempt`` (1-based): ``base * 2^(attempt-1)``, at most ``cap``, of which
    the last ``jitter`` fraction is random, so callers that failed together (a GitHub outage, many
    workers) spread out instead of coming back in step. ``jitter=0`` gives the plain delay."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    if not jitter:
        return delay
    return delay * (1 - jitter) + (rng or random).uniform(0, delay * jitter)
