"""What PRGuard takes from GitHub-shaped JSON: a strict JSON reader and rules for SHAs, ids, names, times."""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import orjson

from prguard import timestamps

# GitHub's ids and numbers are JavaScript-safe integers (its own clients are JavaScript); anything at or
# above 2^53 is not an id GitHub handed out, and the bound keeps every id exact in any JSON reader.
MAX_ID = 2**53 - 1
# The widest integer both stores hold (SQLite INTEGER, BSON int64); a body with a larger one is refused
# whole, because a PR document is stored as received.
MAX_STORED_INTEGER = 2**63 - 1
_MAX_INTEGER_DIGITS = len(str(MAX_STORED_INTEGER))
# GitHub's payloads nest about ten levels deep; 64 leaves room while keeping every recursive reader
# (json.dumps, deepcopy, BSON) far from Python's recursion limit.
MAX_DEPTH = 64
# Every time GitHub sends is after its founding; the day of slack absorbs clock skew between machines.
EARLIEST_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
FUTURE_SLACK = dt.timedelta(days=1)

_SHA = re.compile(r"(?:[0-9a-f]{40}|[0-9a-f]{64})")  # SHA-1 or SHA-256 object names, as GitHub writes them
# GitHub logins: letters, digits and hyphens, at most 39, not starting with a hyphen. Repository names:
# letters, digits, '.', '_' and '-', at most 100, and never '.' or '..' (which would walk an API path).
_OWNER = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}"
_NAME = r"(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}"
_FULL_NAME = re.compile(rf"{_OWNER}/{_NAME}")


_CONTAINERS = (dict, list)
_RISKY_ESCAPE = re.compile(r"\\u(?:[dD][89abAB]|[dD][c-fC-F]|0000)")


class InvalidJSON(ValueError):
    """A body or line that is not JSON PRGuard can store; the message says what is wrong."""


def _reject_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJSON(f"number {text[:40]} is out of range")
    return value


def _stored_int(text: str) -> int:
    # Checked on the text first: converting a 4,000-digit integer is slow, and what it gives is refused.
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS or abs(value := int(text)) > MAX_STORED_INTEGER:
        raise InvalidJSON(f"integer {text[:40]}{'...' if len(text) > 40 else ''} is out of range "
                          f"(at most {MAX_STORED_INTEGER} in magnitude)")
    return value


def _check_string(value: str, what: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidJSON(f"{what} contains a lone surrogate (\\ud800-\\udfff), not text") from None


def check_tree(value: Any, max_depth: int = MAX_DEPTH, strings: bool = True) -> None:
    """Refuse nesting deeper than ``max_depth`` and, with ``strings``, keys and strings that are not
    text (lone surrogates, NUL in a key). Level by level, so no recursion however deep the value is."""
    level, depth = [value], 1
    while level:
        below = []
        for node in level:
            if type(node) is dict:
                if strings:
                    for key in node:
                        _check_string(key, "a key")
                        if "\x00" in key:
                            raise InvalidJSON("a key contains a NUL character")
                children = node.values()
            elif type(node) is list:
                children = node
            else:
                if type(node) is str:
                    _check_string(node, "a string")
                continue
            below.extend([child for child in children if type(child) in _CONTAINERS]
                         if not strings else
                         [child for child in children if type(child) in _CONTAINERS or type(child) is str])
        if any(type(node) in _CONTAINERS for node in below) and depth >= max_depth:
            raise InvalidJSON(f"nested deeper than {max_depth} levels")
        level, depth = below, depth + 1


def loads(data: bytes | bytearray | str) -> Any:
    """Parse strict JSON: UTF-8, no NaN/Infinity, finite floats, integers a store can hold, bounded
    nesting, no lone surrogates. InvalidJSON otherwise, never another exception.

    orjson reads the common body (a GitHub delivery, a JSON line) in a fifth of the reference reader's
    time; whatever it cannot settle alone goes to the reference reader, so both answer alike.
    """
    value = _fast_loads(data)
    return _strict_loads(data) if value is _UNSETTLED else value


_UNSETTLED = object()
# What orjson reads differently from the reference reader: a \u escape may spell a lone surrogate or a
# NUL (orjson allows NUL), and integers at or beyond 2**64 it reads as floats instead of refusing them.
_RISKY_ESCAPE_BYTES = re.compile(_RISKY_ESCAPE.pattern.encode())
_WIDENED_FLOAT = 2.0**63


def _fast_loads(data: bytes | bytearray | str) -> Any:
    """orjson's value when it is the reference reader's too; _UNSETTLED when only that reader can say
    (any escape that may be risky, anything orjson refuses, any number or nesting at the limits)."""
    risky = _RISKY_ESCAPE if isinstance(data, str) else _RISKY_ESCAPE_BYTES
    if risky.search(data) is not None:
        return _UNSETTLED
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNSETTLED
    return value if _within_limits(value) else _UNSETTLED


def _within_limits(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """Nesting at most ``max_depth``, integers a store holds, floats that no widened integer became.
    Level by level, like check_tree; the strings need no look (no risky escape, strict UTF-8)."""
    level, depth = [[value]], 0
    while level:
        below = []
        for node in level:
            for child in (node.values() if type(node) is dict else node):
                kind = type(child)
                if kind is dict or kind is list:
                    below.append(child)
                elif kind is int:
                    if not -MAX_STORED_INTEGER <= child <= MAX_STORED_INTEGER:
                        return False
                elif kind is float and not -_WIDENED_FLOAT < child < _WIDENED_FLOAT:
                    return False
        if below and depth >= max_depth:
            return False
        level, depth = below, depth + 1
    return True


def _strict_loads(data: bytes | bytearray | str) -> Any:
    """The reference reader: the standard library's parser with a hook on every number, then the tree
    check. It settles every input the fast path leaves open, and words every refusal."""
    try:
        if isinstance(data, (bytes, bytearray)):
            text = data.decode("utf-8")  # strict: UTF-8-encoded surrogates are refused here
        else:
            text = data
            text.encode("utf-8")
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                           parse_int=_stored_int)
    except InvalidJSON:
        raise
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"not UTF-8 (byte {exc.start})") from None
    except UnicodeEncodeError as exc:
        raise InvalidJSON(f"contains a lone surrogate at character {exc.start}, not text") from None
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InvalidJSON(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. Python's limit on integer digits
        raise InvalidJSON(f"not valid JSON ({exc})") from None
    # Past strict decoding, a lone surrogate or a NUL can only come from a \u escape: without one in
    # the text, only the nesting needs a look (a tenth of the cost of looking at every string).
    check_tree(value, strings=_RISKY_ESCAPE.search(text) is not None)
    return value


# ---- fields ------------------------------------------------------------------------------------------
def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def sha(value: Any, field: str) -> str:
    """A commit SHA (40 or 64 lower-case hex characters), or ValueError naming ``field``."""
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise ValueError(f"'{field}' must be a commit SHA (40 or 64 lower-case hex characters), "
                         f"got {_shown(value)}")
    return value


def github_id(value: Any, field: str) -> int:
    """A GitHub id or number: an integer from 1 to 2^53 - 1, or ValueError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ValueError(f"'{field}' must be a positive integer below 2^53, got {_shown(value)}")
    return value


def is_github_id(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 < value <= MAX_ID


def full_name(value: Any, field: str) -> str:
    """A repository's ``owner/name`` as GitHub allows it, or ValueError naming ``field``."""
    if not isinstance(value, str) or not _FULL_NAME.fullmatch(value):
        raise ValueError(f"'{field}' must be a repository name of the form 'owner/name', got {_shown(value)}")
    return value


def timestamp(value: Any, field: str, now: dt.datetime | None = None) -> dt.datetime:
    """GitHub's ISO 8601 time (``2024-05-01T12:00:00Z`` or with an offset) as an aware UTC datetime
    between 2000 and a day from ``now``; ValueError naming ``field`` otherwise (overflow included)."""
    if not isinstance(value, str) or not value or len(value) > 40:
        raise ValueError(f"'{field}' must be an ISO 8601 time, got {_shown(value)}")
    try:
        parsed = timestamps.parse(value)
    except (ValueError, OverflowError):
        raise ValueError(f"'{field}' must be an ISO 8601 time, got {_shown(value)}") from None
    latest = (now or dt.datetime.now(dt.timezone.utc)) + FUTURE_SLACK
    if not EARLIEST_TIME <= parsed <= latest:
        raise ValueError(f"'{field}' must be a time between {EARLIEST_TIME:%Y-%m-%d} and a day from now, "
                         f"got {_shown(value)}")
    return parsed
