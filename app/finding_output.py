"""How findings appear in a check run: line-level annotations, the summary's list and the verdict's title."""
from __future__ import annotations

from typing import Any, Iterable

from prguard import markdown as md
from prguard.findings.finding import Finding, Severity
from prguard.findings.verdict import Verdict

# GitHub's annotation levels (Checks API "annotation_level").
LEVELS = {Severity.HIGH: "failure", Severity.MEDIUM: "warning", Severity.LOW: "notice"}
MAX_FINDINGS_IN_SUMMARY = 30
# Annotation fields are plain text; GitHub caps the message at 64 KB and shows titles on one line.
MAX_MESSAGE_CHARS = 4000
MAX_TITLE_CHARS = 200
MAX_CHECK_TITLE_CHARS = 180

# A finding's sentence quotes a line or a file name; room for that, not for a smuggled paragraph.
MAX_SENTENCE_CHARS = 600


def annotations(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One annotation per finding in a file, on the head line it names (failure/warning/notice)."""
    out = []
    for f in findings:
        if not f.path:
            continue  # title, branch, description: listed in the summary only
        start = f.line or 1
        message = f.message + (f" Fix: {f.fix}" if f.fix else "")
        out.append({"path": f.path, "start_line": start, "end_line": max(start, f.end_line or start),
                    "annotation_level": LEVELS[f.severity],
                    "title": md.plain(f"{f.rule_id} ({f.severity.label}): {f.title}", MAX_TITLE_CHARS),
                    "message": md.plain(message, MAX_MESSAGE_CHARS)})
    return out


def _where(f: Finding) -> str:
    if not f.path:
        return ""
    return " in " + md.code(f.path) + (f" line {f.line}" if f.line else "")


def summary_section(findings: list[Finding], min_severity: Severity) -> str | None:
    """The findings, most severe first, as a markdown list; every PR-derived string escaped."""
    if not findings:
        return None
    lines = [f"**Findings ({len(findings)})** — at or above **{min_severity.label}** a finding alone makes "
             "this pull request unusual:", ""]
    for f in findings[:MAX_FINDINGS_IN_SUMMARY]:
        fix = f" Fix: {md.text(f.fix, MAX_SENTENCE_CHARS)}." if f.fix else ""
        lines.append(f"- **{f.severity.label}** {md.code(f.rule_id)}{_where(f)}: {md.text(f.title)}. "
                     f"{md.text(f.message, MAX_SENTENCE_CHARS)}{fix}")
    hidden = len(findings) - MAX_FINDINGS_IN_SUMMARY
    if hidden > 0:
        lines.append(f"- …and {hidden} more, annotated in *Files changed*.")
    return "\n".join(lines)


def check_title(verdict: Verdict, fallback: str, score_note: str | None = None) -> str:
    """``Unusual: <top finding>`` when findings decide (with ``score_note`` when the score agrees), else
    ``fallback``, the model's own title. Titles are plain text."""
    if verdict.deciding:
        extra = f"; {score_note}" if verdict.by_score and score_note else ""
        return md.plain(f"Unusual: {verdict.headline}{extra}", MAX_CHECK_TITLE_CHARS)
    return fallback


def notes_section(notes: list[str]) -> str | None:
    return "\n".join(f"_{md.text(n, MAX_SENTENCE_CHARS)}_" for n in notes) if notes else None
