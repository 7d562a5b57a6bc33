"""JSON lines of GitHub pull request objects: the one parser behind import, score and evaluate."""
from __future__ import annotations

from typing import Iterable, Iterator

from prguard import validation

EXPECTED = "expected one GitHub pull request object per line"


class BadLine(ValueError):
    """A line that is not a JSON object; the message says what is wrong with it."""


def parse_object(line: str) -> dict:
    """One line -> a dict, or BadLine naming the JSON error (with its column) or the wrong type."""
    try:
        doc = validation.loads(line)
    except validation.InvalidJSON as exc:
        raise BadLine(str(exc)) from None
    if not isinstance(doc, dict):
        raise BadLine(f"expected a JSON object (a GitHub pull request), got {type(doc).__name__}")
    return doc


def numbered_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) for every non-blank line, numbered as an editor shows them."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def read_objects(lines: Iterable[str], source: str) -> Iterator[dict]:
    """Every object of a whole file that must be valid; the first bad line stops it with its number."""
    for number, line in numbered_lines(lines):
        try:
            yield parse_object(line)
        except BadLine as exc:
            raise BadLine(f"{source} line {number}: {exc}; {EXPECTED}") from None
