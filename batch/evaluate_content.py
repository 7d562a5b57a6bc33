"""Per archetype: recall of the findings alone, the learned model alone and both (the service's verdict),
with the alert rate on normal PRs and the share of legitimate lookalikes flagged."""
from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import Any, Iterable

from prguard import findings
from prguard.findings import zizmor
from prguard.findings.verdict import decide

DETECTORS = ("findings", "model", "both")


@dataclasses.dataclass
class Breakdown:
    severity: str
    recall: dict[str, dict[str, float]]  # archetype -> detector -> share flagged
    archetype_counts: dict[str, int]
    alert_rate: dict[str, float]  # detector -> share of normal PRs flagged
    lookalikes_flagged: dict[str, float]  # detector -> share of lookalikes flagged
    lookalike_counts: dict[str, int]

    def table(self) -> str:
        header = f"{'archetype':<30}{'PRs':>6}" + "".join(f"{d:>12}" for d in DETECTORS)
        lines = [f"recall at the threshold / a finding at {self.severity} or above", header,
                 "-" * len(header)]
        for archetype in sorted(self.recall):
            lines.append(f"{archetype:<30}{self.archetype_counts[archetype]:>6}"
                         + "".join(f"{self.recall[archetype][d]:>12.1%}" for d in DETECTORS))
        lines.append(f"{'alert rate on normal PRs':<36}"
                     + "".join(f"{self.alert_rate[d]:>12.2%}" for d in DETECTORS))
        lines.append(f"{'lookalikes flagged':<30}{sum(self.lookalike_counts.values()):>6}"
                     + "".join(f"{self.lookalikes_flagged[d]:>12.1%}" for d in DETECTORS))
        for kind in sorted(self.lookalike_counts):
            lines.append(f"  lookalike {kind:<18}{self.lookalike_counts[kind]:>6}")
        return "\n".join(lines)


def _label(doc: dict[str, Any]) -> dict[str, Any]:
    label = doc.get("prguard_label")
    return label if isinstance(label, dict) else {}


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else 0.0


def breakdown(docs: list[dict[str, Any]], scores: list[dict[str, Any]], severity: findings.Severity,
              runner: zizmor.Runner | None = zizmor.run) -> Breakdown:
    """``scores`` are the model's results for ``docs`` (same order); findings are computed as the service
    does (patches, plus workflow contents when a line carries them)."""
    flagged: dict[str, list[bool]] = {}
    for doc, score in zip(docs, scores):
        report = findings.check(doc, runner)
        verdict = decide(score, report.findings, severity)
        row = {"findings": bool(verdict.deciding), "model": verdict.by_score, "both": verdict.unusual}
        for detector in DETECTORS:
            flagged.setdefault(detector, []).append(row[detector])
    by_archetype: dict[str, list[int]] = defaultdict(list)
    normal, lookalikes = [], []
    lookalike_kinds: Counter = Counter()
    for i, doc in enumerate(docs):
        label = _label(doc)
        if label.get("anomaly"):
            by_archetype[str(label.get("archetype") or "unnamed")].append(i)
        else:
            normal.append(i)
            if label.get("lookalike"):
                lookalikes.append(i)
                lookalike_kinds[str(label["lookalike"])] += 1
    recall = {a: {d: _share(flagged[d][i] for i in rows) for d in DETECTORS}
              for a, rows in by_archetype.items()}
    return Breakdown(severity.label, recall, {a: len(rows) for a, rows in by_archetype.items()},
                     {d: _share(flagged[d][i] for i in normal) for d in DETECTORS},
                     {d: _share(flagged[d][i] for i in lookalikes) for d in DETECTORS}, dict(lookalike_kinds))
