"""Runs every registered rule and zizmor over one PR's content: the findings, most severe first."""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from prguard.findings import content as content_module
from prguard.findings import registry, zizmor, zizmor_findings
from prguard.findings.finding import Finding, ordered
from prguard.findings.workflow_pair import pairs

# Importing the rule modules registers their rules.
from prguard.findings import (rules_deps, rules_exec, rules_strings, rules_unicode,  # noqa: F401
                              rules_workflows)

log = logging.getLogger(__name__)

# A PR adding a generated file can add hundreds of thousands of lines; past this many per file the rest is
# not read (GitHub itself stops sending patches for big files).
MAX_LINES_PER_FILE = 20_000


@dataclasses.dataclass(frozen=True)
class Report:
    findings: list[Finding]
    notes: list[str]  # what could not be checked, and why


def _line_findings(content: content_module.Content) -> list[Finding]:
    rules = registry.rules_of(registry.LINE)
    found = []
    for file in content.files:
        for line in file.added[:MAX_LINES_PER_FILE]:
            for rule in rules:
                if rule.trigger is None or rule.trigger.search(line.text):
                    found.extend(rule.check(line, file))
    return found


def check_content(content: content_module.Content, runner: zizmor.Runner | None = zizmor.run) -> Report:
    """Findings for ``content``; ``runner`` None leaves zizmor out (and says so in the notes)."""
    found = _line_findings(content)
    for rule in registry.rules_of(registry.FILE):
        for file in content.files:
            found.extend(rule.check(file, content))
    for rule in registry.rules_of(registry.PULL_REQUEST):
        found.extend(rule.check(content))
    workflow_rules = registry.rules_of(registry.WORKFLOW)
    for pair in pairs(content):
        for rule in workflow_rules:
            found.extend(rule.check(pair, content))
    notes = []
    if runner is None:
        if zizmor_findings.head_texts(content):
            notes.append("zizmor was not run on the changed workflows.")
    else:
        try:
            found.extend(zizmor_findings.new_findings(content, runner))
        except zizmor.ZizmorError as exc:
            log.warning("workflow audit skipped: %s", exc, extra={"repo": content.repo})
            notes.append(f"zizmor could not audit the changed workflows: {exc}")
    return Report(ordered(found), notes)


def check(doc: Any, runner: zizmor.Runner | None = zizmor.run) -> Report:
    """Findings for a PR document: REST pull request, ``files`` with ``patch``, optional workflow contents."""
    return check_content(content_module.from_doc(doc), runner)
