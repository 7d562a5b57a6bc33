"""Applies a RepoConfig to one PR: ignored paths, turned-off rules, threshold multiplier, trusted authors."""
from __future__ import annotations

from typing import Any

from prguard.findings.engine import Report
from prguard.repo_config.parse import RepoConfig


def author(doc: dict[str, Any]) -> str | None:
    login = (doc.get("user") or {}).get("login")
    return login if isinstance(login, str) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def without_ignored(doc: dict[str, Any], config: RepoConfig) -> dict[str, Any]:
    """``doc`` without the files ``ignore_paths`` matches, and with its size fields reduced by theirs, so
    the model's features, the sensitive-file list and the findings all see the same PR."""
    files = doc.get("files")
    if not config.ignore_paths or not isinstance(files, list):
        return doc
    kept, dropped = [], []
    for f in files:
        ignored = isinstance(f, dict) and isinstance(f.get("filename"), str) and config.ignores(f["filename"])
        (dropped if ignored else kept).append(f)
    if not dropped:
        return doc
    sizes = {field: max(0, _count(doc[field]) - sum(_count(f.get(field)) for f in dropped))
             for field in ("additions", "deletions") if field in doc}
    if "changed_files" in doc:
        sizes["changed_files"] = max(0, _count(doc["changed_files"]) - len(dropped))
    return dict(doc, files=kept, **sizes)


def without_disabled(report: Report, config: RepoConfig) -> Report:
    if not config.disabled_rules:
        return report
    return Report([f for f in report.findings if not config.rule_disabled(f.rule_id)], report.notes)


def judged_score(score: dict[str, Any], config: RepoConfig, login: str | None) -> dict[str, Any]:
    """The model's score under the repository's threshold multiplier (``sensitivity`` > 1: fewer alerts);
    a trusted author's PR is never unusual by the score alone (its findings still decide)."""
    threshold = float(score["threshold"]) * config.sensitivity
    if config.sensitivity != 1.0:
        anomalous = float(score["score"]) > threshold
    else:
        anomalous = bool(score.get("anomalous"))
    if config.trusts(login):
        anomalous = False
    return dict(score, threshold=threshold, anomalous=anomalous)
