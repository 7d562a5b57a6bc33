"""zizmor's findings NEW in the head: base vs head by audit and location identity, weighed by routine."""
from __future__ import annotations

import logging

from prguard.findings import zizmor
from prguard.findings.content import Content
from prguard.findings.finding import ZIZMOR, Finding, Severity
from prguard.findings.places import is_actions_file
from prguard.findings.routine import Routine

log = logging.getLogger(__name__)

_SEVERITIES = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH}
FIXES = {
    "unpinned-uses": "pin to a full commit SHA (keep the tag in a comment)",
    "template-injection": "pass the value through `env:` and use \"$VAR\" in the script",
    "dangerous-triggers": "use `pull_request`, or keep pull_request_target away from the PR's code",
    "excessive-permissions": "add a `permissions:` block with only what the job needs",
    "artipacked": "set `persist-credentials: false` on actions/checkout",
    "github-env": "do not write PR-controlled values to GITHUB_ENV or GITHUB_PATH",
    "secrets-inherit": "pass only the secrets the called workflow needs",
    "cache-poisoning": "do not restore caches in release or privileged workflows",
    "self-hosted-runner": "run untrusted code on GitHub-hosted runners",
}


def head_texts(content: Content) -> dict[str, str]:
    texts = {}
    for file in content.files:
        if is_actions_file(file.path) and file.status != "removed":
            text = content.head_text(file.path)
            if text is not None:
                texts[file.path] = text
    return texts


def _base_path(content: Content, path: str) -> str:
    file = next(f for f in content.files if f.path == path)
    return file.previous_path or path


def new_findings(content: Content, runner: zizmor.Runner) -> list[Finding]:
    """zizmor on the head and the base versions; only what the head adds, at the head's lines."""
    head = head_texts(content)
    if not head:
        return []
    base = dict(content.base_workflows)
    head_raw = runner(head)
    base_raw = runner(base) if base else []
    before: dict[str, set[str]] = {}
    for raw in base_raw:
        before.setdefault(raw.path, set()).add(raw.identity)
    routine = Routine(base_raw, len(base))
    found = []
    for raw in head_raw:
        severity = _SEVERITIES.get(raw.severity)
        if severity is None:  # informational: zizmor's own advice, not a risk
            continue
        if raw.identity in before.get(_base_path(content, raw.path), set()):
            continue  # the same finding at the base: not introduced by this PR
        if routine.seen(raw):
            continue  # the same text is already in another of this repository's workflows
        if raw.confidence == "low":
            severity = severity.lowered(1)
        severity = routine.weigh(raw, severity)
        habit = routine.share(raw.audit)
        note = (f" {habit:.0%} of this repository's workflows show it too." if habit else "")
        found.append(Finding(
            rule=raw.audit, source=ZIZMOR, severity=severity, title=f"{raw.description} ({raw.audit})",
            message=f"zizmor: {raw.annotation or raw.description} (`{raw.span[:80]}`).{note}",
            path=raw.path, line=raw.line, end_line=raw.end_line,
            fix=FIXES.get(raw.audit) or (raw.fixes[0] if raw.fixes else None), confidence=raw.confidence,
            identity=f"{'/'.join(raw.route)}:{raw.span}"))
    return found
