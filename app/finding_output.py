"""How findings appear in a check run: line-level annotations, the summary's list and the verdict's title."""
from __future__ import annotations

from typing import Any, Iterable

from prguard.findings.finding import Finding, Severity
from prguard.findings.verdict import Verdict

# GitHub's annotation levels (Checks API "annotation_level").
LEVELS = {Severity.HIGH: "failure", Severity.MEDIUM: "warning", Severity.LOW: "notice"}
MAX_FINDINGS_IN_SUMMARY = 30
# Annotation fields are plain text; GitHub caps the message at 64 KB and shows titles on one line.
MAX_MESSAGE_CHARS = 4000
MAX_TITLE_CHARS = 200
MAX_CHECK_TITLE_CHARS = 180

# Markdown for PR-derived strings. The product's shared escaping module replaces these two functions once
# it lands (one import); until then this is the only place findings turn into markdown.
_MARKDOWN_PUNCTUATION = "\\`*_{}[]()#+-.!|~<>&@:$"


def escape(text: str) -> str:
    """``text`` as literal markdown text: one line, every markdown/HTML character backslash-escaped, so a
    PR string cannot open a link, an image, a mention, HTML or a new block."""
    flat = _plain(text, 10_000)
    return "".join("\\" + c if c in _MARKDOWN_PUNCTUATION else c for c in flat)


def code(text: str) -> str:
    """``text`` as an inline code span whose fence is longer than any backtick run inside it."""
    flat = _plain(text, 300)
    run = longest = 0
    for c in flat:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def _plain(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    flat = "".join(c if c.isprintable() else "\ufffd" for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def annotations(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One annotation per finding in a file, on the head line it names (failure/warning/notice)."""
    out = []
    for f in findings:
        if not f.path:
            continue  # title, branch, description: listed in the summary only
        start = f.line or 1
        message = f.message + (f"\nFix: {f.fix}" if f.fix else "")
        out.append({"path": f.path, "start_line": start, "end_line": max(start, f.end_line or start),
                    "annotation_level": LEVELS[f.severity],
                    "title": _plain(f"{f.rule_id} ({f.severity.label}): {f.title}", MAX_TITLE_CHARS),
                    "message": _plain(message, MAX_MESSAGE_CHARS)})
    return out


def _where(f: Finding) -> str:
    if not f.path:
        return ""
    return " in " + code(f.path) + (f" line {f.line}" if f.line else "")


def summary_section(findings: list[Finding], min_severity: Severity) -> str | None:
    """The findings, most severe first, as a markdown list; every PR-derived string escaped."""
    if not findings:
        return None
    lines = [f"**Findings ({len(findings)})** — at or above **{min_severity.label}** a finding alone makes "
             "this pull request unusual:", ""]
    for f in findings[:MAX_FINDINGS_IN_SUMMARY]:
        fix = f" Fix: {escape(f.fix)}." if f.fix else ""
        lines.append(f"- **{f.severity.label}** {code(f.rule_id)}{_where(f)}: {escape(f.title)}. "
                     f"{escape(f.message)}{fix}")
    hidden = len(findings) - MAX_FINDINGS_IN_SUMMARY
    if hidden > 0:
        lines.append(f"- …and {hidden} more, annotated in *Files changed*.")
    return "\n".join(lines)


def check_title(verdict: Verdict, fallback: str, score_note: str | None = None) -> str:
    """``Unusual: <top finding>`` when findings decide (with ``score_note`` when the score agrees), else
    ``fallback``, the model's own title. Titles are plain text."""
    if verdict.deciding:
        extra = f"; {score_note}" if verdict.by_score and score_note else ""
        return _plain(f"Unusual: {verdict.headline}{extra}", MAX_CHECK_TITLE_CHARS)
    return fallback


def notes_section(notes: list[str]) -> str | None:
    return "\n".join(f"_{escape(n)}_" for n in notes) if notes else None
