"""A finding: one deterministic, explainable observation about a PR's content, placed on a head-file line."""
from __future__ import annotations

import dataclasses
import enum
from typing import Any


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` and comparisons read naturally (HIGH > MEDIUM > LOW)."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ValueError(f"severity must be one of low, medium, high; got {value!r}") from None

    def lowered(self, steps: int) -> "Severity":
        return Severity(max(Severity.LOW, self - max(steps, 0)))


PRGUARD = "prguard"
ZIZMOR = "zizmor"


@dataclasses.dataclass(frozen=True)
class Finding:
    """``path``/``line`` are None for what is not in a file (title, branch, description); ``identity``
    names the finding without line numbers, so the same finding in the base and the head compares equal
    and "Mark as expected" can record exactly what was accepted."""

    rule: str
    source: str
    severity: Severity
    title: str
    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    fix: str | None = None
    confidence: str | None = None
    identity: str = ""

    @property
    def rule_id(self) -> str:
        return f"{self.source}/{self.rule}"

    def key(self) -> str:
        """Stable across pushes that move lines: rule, file and the rule's own identity."""
        return f"{self.rule_id}:{self.path or ''}:{self.identity or self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "rule": self.rule, "source": self.source,
                "severity": self.severity.label,
                "title": self.title, "message": self.message, "path": self.path, "line": self.line,
                "end_line": self.end_line, "fix": self.fix, "confidence": self.confidence,
                "identity": self.identity, "key": self.key()}


def ordered(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by file and line, without duplicates (same key and line)."""
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for f in sorted(findings, key=lambda f: (-f.severity, f.path or "", f.line or 0, f.rule_id)):
        if (f.key(), f.line) not in seen:
            seen.add((f.key(), f.line))
            unique.append(f)
    return unique
