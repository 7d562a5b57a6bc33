"""GitHub's timestamps: one parser and one formatter for the ISO 8601 UTC strings its APIs use."""
from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc
# GitHub's own form (``2024-05-01T12:00:00Z``): what PRGuard writes wherever GitHub would.
GITHUB_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse(value: str) -> dt.datetime:
    """``2024-05-01T12:00:00Z``, an offset, or a plain date (``2024-05-01``) as an aware UTC datetime.

    Python 3.11's ``fromisoformat`` reads ``Z`` and ``z`` itself; a value without a zone is UTC.
    Raises ValueError for anything else (including years beyond 9999, which overflow).
    """
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    parsed = dt.datetime.fromisoformat(value)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; a naive one (as databases hand back) is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_github(value: dt.datetime) -> str:
    """``2024-05-01T12:00:00Z``: GitHub's form, second precision."""
    return as_utc(value).strftime(GITHUB_FORMAT)


def now() -> dt.datetime:
    return dt.datetime.now(UTC)
