"""When to retry a GitHub call and how long to wait first: backoff and GitHub's rate-limit headers."""
from __future__ import annotations

import dataclasses
import email.utils
import random

from github.Requester import Requester

from prguard.backoff import exponential

# GitHub's docs: without retry-after or a reset time, wait at least a minute after a secondary limit.
SECONDARY_LIMIT_WAIT = 60.0


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How persistent the client is. ``max_wait`` bounds the total time one call may spend waiting."""

    max_attempts: int = 6            # tries per call, the first included
    backoff_base: float = 1.0        # first backoff after a 5xx / timeout; doubles each retry
    backoff_max: float = 60.0
    secondary_wait: float = SECONDARY_LIMIT_WAIT
    max_wait: float = 900.0          # seconds; longer waits raise RateLimitWaitTooLong instead
    min_write_interval: float = 1.0  # GitHub asks for >= 1 s between content-creating requests
    writes_per_hour: int = 500       # GitHub's secondary limit: about 500 content-creating requests an hour
    jitter: float = 0.1              # fraction of random spread so parallel workers don't retry in step


def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds from ``now`` named by a Retry-After header (delta seconds or an HTTP date)."""
    if value.isdigit():
        return float(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - now)


def reset_wait(headers, now: float) -> float | None:
    """Seconds until the primary rate limit resets, when the response says none are left."""
    if _header(headers, "x-ratelimit-remaining") != "0":
        return None
    reset = _header(headers, "x-ratelimit-reset")
    if reset is None or not reset.isdigit():
        return None
    # +1: the reset is a whole second and we cannot tell where in that second it falls.
    return max(0.0, int(reset) - now) + 1.0


def _message(body: object) -> str:
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def rate_limit_wait(status: int, headers, body: object, now: float, policy: RetryPolicy) -> float | None:
    """The wait GitHub asks for when ``status`` is a rate-limit answer, else None.

    Order follows GitHub's docs: retry-after first, then x-ratelimit-remaining 0 + x-ratelimit-reset,
    then the secondary-limit default. A 403 that is none of these (missing permission) is not retried.
    """
    if status not in (403, 429):
        return None
    retry_after = _header(headers, "retry-after")
    if retry_after is not None:
        wait = parse_retry_after(retry_after, now)
        if wait is not None:
            return wait
    wait = reset_wait(headers, now)
    if wait is not None:
        return wait
    if status == 429 or Requester.isRateLimitError(_message(body)):
        return policy.secondary_wait
    return None


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff before retry number ``attempt`` (1-based) after a 5xx or a network error."""
    return exponential(attempt, policy.backoff_base, policy.backoff_max, policy.jitter, rng)
