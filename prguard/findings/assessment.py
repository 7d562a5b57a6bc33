"""What the service records and `prguard score` prints for a PR's content: findings, notes and the verdict."""
from __future__ import annotations

from typing import Any

from prguard.findings.engine import Report
from prguard.findings.finding import Severity
from prguard.findings.verdict import decide


def assess(score: dict[str, Any] | None, report: Report, min_severity: Severity) -> dict[str, Any]:
    """``{findings, finding_notes, unusual}`` for the model's ``score`` (None without a model) and the
    findings ``report``: one definition, so the service and the CLI cannot disagree."""
    return {"findings": [f.to_dict() for f in report.findings], "finding_notes": list(report.notes),
            "unusual": decide(score, report.findings, min_severity).unusual}
