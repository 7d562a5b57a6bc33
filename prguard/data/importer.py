"""Importing PR documents from JSON lines into the store, line by line, reporting what failed where."""
from __future__ import annotations

import dataclasses
from typing import Callable, Iterable

from prguard.data.jsonlines import BadLine, numbered_lines, parse_object
from prguard.store.base import InvalidPullRequest, Store


@dataclasses.dataclass
class ImportReport:
    """What an import did: documents that changed the store, those already stored, lines that failed."""

    imported: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = dataclasses.field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.imported + self.unchanged + len(self.errors)

    def summary(self) -> str:
        return (f"imported {self.imported}, unchanged {self.unchanged}, failed {len(self.errors)} "
                f"(of {self.lines} lines)")


def import_lines(store: Store, lines: Iterable[str],
                 progress: Callable[[ImportReport], None] | None = None, every: int = 1000) -> ImportReport:
    """Upsert one PR document per line; blank lines are skipped, bad lines reported by number.

    A line fails when it is not a JSON object or lacks what identifies a PR (number,
    base.repo.full_name, head.sha, updated_at); the other lines are still imported. Re-importing the
    same lines changes nothing (they count as unchanged).
    """
    report = ImportReport()
    for line_no, line in numbered_lines(lines):
        try:
            changed = store.prs.upsert(parse_object(line))
        except (BadLine, InvalidPullRequest) as exc:
            report.errors.append((line_no, str(exc)))
        else:
            if changed:
                report.imported += 1
            else:
                report.unchanged += 1
        if progress and report.lines % every == 0:
            progress(report)
    return report
