"""One verdict from two kinds of evidence: the learned score past its threshold, or a serious finding."""
from __future__ import annotations

import dataclasses
from typing import Any

from prguard.findings.finding import PRGUARD, Finding, Severity


@dataclasses.dataclass(frozen=True)
class Verdict:
    unusual: bool
    by_score: bool
    deciding: tuple[Finding, ...]  # findings at or above the configured severity, most severe first

    @property
    def headline(self) -> str:
        """Why, in a few words: the top finding's title when findings decide, else the score."""
        if self.deciding:
            # PRGuard's own titles say what happened ("adds a ... workflow that runs the PR's code"); zizmor's
            # name the audit, so among equally severe findings they come second.
            top = min(self.deciding, key=lambda f: (-f.severity, f.source != PRGUARD))
            more = len(self.deciding) - 1
            return top.title + (f" (+{more} more finding{'s' if more > 1 else ''})" if more else "")
        return "unusual for this repository" if self.by_score else "typical for this repository"


def decide(score: dict[str, Any] | None, findings: list[Finding], min_severity: Severity) -> Verdict:
    """``score`` is the model's (None without a model); ``findings`` are ordered, most severe first."""
    by_score = bool(score and score.get("anomalous"))
    deciding = tuple(f for f in findings if f.severity >= min_severity)
    return Verdict(by_score or bool(deciding), by_score, deciding)
