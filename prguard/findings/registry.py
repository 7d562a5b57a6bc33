"""The rule registry: every PRGuard rule is one entry, with its id, scope, cheap trigger and check."""
from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterable

from prguard.findings.finding import PRGUARD, Finding, Severity

LINE = "line"  # check(line, file) for each added line whose text matches the trigger
FILE = "file"  # check(file, content) for each changed file
PULL_REQUEST = "pull_request"  # check(content) once: title, branch, description, file names
WORKFLOW = "workflow"  # check(pair, content) for each changed workflow/action file, base and head parsed


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    scope: str
    summary: str  # what the rule looks for, for the README and `--help`
    check: Callable[..., Iterable[Finding]]
    trigger: re.Pattern | None = None  # LINE rules: lines not matching it are skipped unread

    def finding(self, severity: Severity, title: str, message: str, **where) -> Finding:
        return Finding(rule=self.id, source=PRGUARD, severity=severity, title=title, message=message, **where)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, scope: str, summary: str, trigger: str | None = None):
    """Register the decorated function as the check of rule ``rule_id``; it receives the Rule first."""
    if scope not in (LINE, FILE, PULL_REQUEST, WORKFLOW):
        raise ValueError(f"unknown rule scope {scope!r}")

    def register(check: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        pattern = re.compile(trigger, re.IGNORECASE) if trigger else None
        entry = Rule(rule_id, scope, summary, lambda *args: check(RULES[rule_id], *args), pattern)
        RULES[rule_id] = entry
        return check
    return register


def rules_of(scope: str) -> list[Rule]:
    return [r for r in RULES.values() if r.scope == scope]
