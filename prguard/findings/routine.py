"""How routine each zizmor audit is in this repository's own base workflows, and what that does to it."""
from __future__ import annotations

from collections import defaultdict

from prguard.findings.finding import Severity
from prguard.findings.zizmor import RawFinding

# Hygiene audits: what most healthy repositories' workflows show (tag-pinned official actions, default
# permissions). Without base workflows to compare with, they count one level lower.
HYGIENE = frozenset({"unpinned-uses", "excessive-permissions", "artipacked", "undocumented-permissions",
                     "anonymous-definition", "concurrency-limits", "use-trusted-publishing",
                     "superfluous-actions",
                     "unpinned-images", "unpinned-tools", "stale-action-refs", "secrets-outside-env",
                     "dependabot-cooldown", "misfeature", "archived-uses"})
# Share of base workflows showing an audit from which it counts as this repository's habit.
HABIT_SHARE = 0.5


class Routine:
    """``weigh`` lowers an audit's severity by how often the repository's base workflows already show it,
    and drops a finding whose exact text is already in one of them (one more `actions/checkout@v4` in a
    repository that uses it everywhere adds no risk)."""

    def __init__(self, base: list[RawFinding], base_files: int):
        self.base_files = base_files
        self._files_with: dict[str, set[str]] = defaultdict(set)
        self._texts: set[tuple[str, str]] = set()
        for raw in base:
            self._files_with[raw.audit].add(raw.path)
            self._texts.add((raw.audit, raw.span))

    def share(self, audit: str) -> float:
        return len(self._files_with.get(audit, ())) / self.base_files if self.base_files else 0.0

    def seen(self, raw: RawFinding) -> bool:
        """A hygiene finding whose exact text another base workflow already has (attack-shaped audits are
        weighed, never dropped: one more template injection is one more way in)."""
        return raw.audit in HYGIENE and (raw.audit, raw.span) in self._texts

    def weigh(self, raw: RawFinding, severity: Severity) -> Severity:
        if not self.base_files:
            return severity.lowered(1) if raw.audit in HYGIENE else severity
        share = self.share(raw.audit)
        if share >= HABIT_SHARE:
            # attack-shaped audits (template-injection, dangerous-triggers...) drop at most one level
            return severity.lowered(2 if raw.audit in HYGIENE else 1)
        return severity.lowered(1) if share > 0 else severity
