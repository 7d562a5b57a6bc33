"""What a check run says: verdict title, summary, text, annotations and action, rendered from a score."""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from app import finding_output
from app.jobs import MARK_EXPECTED_ACTION
from prguard import limits, timestamps
from prguard import markdown as md
from prguard.findings import Finding, Severity
from prguard.findings.verdict import decide
from prguard.profiles.learning import HistoryNote

MAX_OUTPUT_CHARS = limits.CHECK_RUN_TEXT_MAX_CHARS
MAX_ANNOTATIONS_PER_REQUEST = limits.CHECK_RUN_ANNOTATIONS_PER_REQUEST
MAX_REASONS_IN_SUMMARY = 5
# A reason names up to three files; room for them, not for a paragraph smuggled in through one.
MAX_REASON_CHARS = 600
TRUNCATION_NOTE = "\n\n…(truncated: GitHub allows 65535 characters here)"

MARK_EXPECTED_BUTTON = {
    "label": "Mark as expected",  # GitHub: label <= 20 characters
    "identifier": MARK_EXPECTED_ACTION,  # <= 20 characters
    "description": "Tell PRGuard this change is expected",  # <= 40 characters
}


@dataclasses.dataclass(frozen=True)
class CheckRunOutput:
    """Everything a completed check run shows, independent of where it is published."""

    conclusion: str
    title: str
    summary: str
    text: str
    annotations: list[dict[str, Any]]
    actions: list[dict[str, str]]
    model_version: str | None = None
    anomalous: bool = False


def external_id(repo: str, head_sha: str) -> str:
    """The identity PRGuard gives its one check run per (repository, head SHA)."""
    return f"prguard:{repo.lower()}:{head_sha}"


def iso_now() -> str:
    return timestamps.to_github(timestamps.now())


def _clip(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    return text[: MAX_OUTPUT_CHARS - len(TRUNCATION_NOTE)] + TRUNCATION_NOTE


def _cell(value: Any) -> str:
    """A value as a markdown table cell: short numbers, yes/no, anything else escaped (prguard.markdown)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return md.cell(value)


def _label(feature: str) -> str:
    return feature.replace("_", " ")


def annotations_for(sensitive: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """One warning per sensitive file, pinned to its first line (the file as a whole is the concern)."""
    return [
        {
            "path": path,
            "start_line": 1,
            "end_line": 1,
            "annotation_level": "warning",
            "title": "Sensitive file",
            "message": md.plain(reason, MAX_REASON_CHARS),
        }
        for path, reason in sensitive
    ]


def _values_table(rows: list[tuple[str, str, str]], typical: str = "Typical in this repository") -> str:
    """The PR's key values beside this repository's typical values (``typical`` heads that column)."""
    lines = [f"| | This PR | {_cell(typical)} |", "|---|---|---|"]
    lines += [f"| {_cell(what)} | {_cell(this)} | {_cell(typical)} |" for what, this, typical in rows]
    return "\n".join(lines)


def _sensitive_text(annotations: list[dict[str, Any]]) -> str:
    if not annotations:
        return "No sensitive files changed (workflows, build scripts, lockfiles, binaries, CODEOWNERS)."
    lines = [f"**Sensitive files changed ({len(annotations)})**, annotated in *Files changed*:", ""]
    lines += [f"- {md.code(a['path'])}: {md.text(a['message'], MAX_REASON_CHARS)}" for a in annotations]
    return "\n".join(lines)


def render_score(score: dict[str, Any], sensitive: Iterable[tuple[str, str]],
                 unusual_conclusion: str = "neutral",
                 key_values: list[tuple[str, str, str]] | None = None,
                 history: HistoryNote | None = None, findings: list[Finding] | None = None,
                 finding_severity: Severity = Severity.HIGH,
                 notes: list[str] | None = None) -> CheckRunOutput:
    """The check run for a scored PR: ``unusual_conclusion`` when anomalous, success otherwise.

    Unusual when the score passes its threshold or a finding reaches ``finding_severity``; findings
    (most severe first) are annotated on their lines and listed before the model's reasons.
    ``key_values`` (prguard.features.key_values) is the table of the PR's values beside the repository's;
    ``history`` says what "typical" is based on (and that PRGuard is still learning, when it is)."""
    findings = list(findings or [])
    verdict = decide(score, findings, finding_severity)
    anomalous = verdict.unusual
    value, threshold = float(score["score"]), float(score["threshold"])
    reasons = sorted(score.get("reasons") or [], key=lambda r: -abs(float(r.get("contribution") or 0.0)))
    if verdict.by_score:
        title = f"Unusual for this repository (score {value:.3g} > threshold {threshold:.3g})"
    else:
        title = f"Typical for this repository (score {value:.3g} ≤ threshold {threshold:.3g})"
    title = finding_output.check_title(verdict, title, f"score {value:.3g} > threshold {threshold:.3g}")
    ratio = f" ({value / threshold:.1f}× the threshold)" if threshold > 0 else ""
    verdict_word = "unusual" if anomalous else "typical"
    parts = [
        f"**Verdict: {verdict_word}** for {md.code(score['repo'])} — score **{value:.4g}** vs threshold "
        f"**{threshold:.4g}**{ratio}. The score is the model's reconstruction error: how far this pull "
        "request is from what it learned from this repository's history.",
    ]
    learning = history.summary() if history is not None else None
    if learning:
        parts.append(f"_{learning}_")
    parts += [p for p in (finding_output.summary_section(findings, finding_severity),
                          finding_output.notes_section(notes or [])) if p]
    top = reasons[:MAX_REASONS_IN_SUMMARY]
    if top:
        parts.append("**Top reasons**\n\n"
                     + "\n".join(f"- {md.text(r['sentence'], MAX_REASON_CHARS)}" for r in top))
    if key_values:
        parts.append(_values_table(key_values, *([history.typical_heading()] if history else [])))
    parts.append(f"Model version: {md.code(score['model_version'])} · "
                 f"head {md.code(score['head_sha'][:12])}")
    if anomalous:
        parts.append("If this change is expected, press **Mark as expected**: the run turns green and "
                     "training learns from it.")
    annotations = finding_output.annotations(findings) + annotations_for(sensitive)
    return CheckRunOutput(
        conclusion=unusual_conclusion if anomalous else "success",
        title=title,
        summary=_clip("\n\n".join(parts)),
        text=_clip(_sensitive_text(annotations_for(sensitive))),
        annotations=annotations,
        actions=[dict(MARK_EXPECTED_BUTTON)] if anomalous else [],
        model_version=str(score["model_version"]),
        anomalous=anomalous,
    )


def render_no_model(repo: str, head_sha: str, sensitive: Iterable[tuple[str, str]],
                    findings: list[Finding] | None = None, finding_severity: Severity = Severity.HIGH,
                    unusual_conclusion: str = "neutral", notes: list[str] | None = None) -> CheckRunOutput:
    """Without a model only the findings judge: unusual when one reaches ``finding_severity``, otherwise
    neutral (nothing to score with yet is a setup step, not a problem with the PR)."""
    findings = list(findings or [])
    verdict = decide(None, findings, finding_severity)
    setup = (
        f"No model is registered for {md.code(repo)} yet, so PRGuard cannot score head "
        f"{md.code(head_sha[:12])}. "
        "Run `prguard fetch`, `prguard preprocess` and `prguard train` to train one; the service "
        "picks up the new `champion` without a restart, and the next push is scored."
    )
    parts = [p for p in (finding_output.summary_section(findings, finding_severity),
                         finding_output.notes_section(notes or [])) if p]
    if verdict.unusual:
        parts.append("If this change is expected, press **Mark as expected**: the run turns green.")
    return CheckRunOutput(
        conclusion=unusual_conclusion if verdict.unusual else "neutral",
        title=finding_output.check_title(verdict, "No model yet: this pull request was not scored"),
        summary=_clip("\n\n".join([setup, *parts])),
        text=_sensitive_text(annotations_for(sensitive)),
        annotations=finding_output.annotations(findings) + annotations_for(sensitive),
        actions=[dict(MARK_EXPECTED_BUTTON)] if verdict.unusual else [],
        anomalous=verdict.unusual,
    )


def render_marked_expected(previous: dict[str, Any] | None, user: str | None,
                           accepted: Iterable[str] = ()) -> CheckRunOutput:
    """Success after a maintainer pressed "Mark as expected"; the earlier findings stay readable and the
    findings accepted (their keys) are named."""
    who = f"@{user}" if user else "a maintainer"
    earlier = (previous or {}).get("summary") or ""
    # The summary names the login without mentioning (notifying) it; the title is plain text on GitHub.
    summary = (f"**Marked as expected by {md.text(who)}.** Training will not treat this pull request "
               "as an anomaly.")
    accepted = list(accepted)
    if accepted:
        summary += (f"\n\nAccepted findings ({len(accepted)}): "
                    + ", ".join(md.code(key) for key in accepted))
    if earlier:
        summary += "\n\n---\n\nThe original finding:\n\n" + earlier
    return CheckRunOutput(
        conclusion="success",
        title=md.plain(f"Marked as expected by {who}"),
        summary=_clip(summary),
        text=(previous or {}).get("text") or "",
        annotations=[],
        actions=[],
        model_version=(previous or {}).get("model_version"),
    )


def in_progress_body(name: str, head_sha: str, ext_id: str) -> dict[str, Any]:
    """POST body that opens the check run while the worker fetches files and scores."""
    return {
        "name": name,
        "head_sha": head_sha,
        "external_id": ext_id,
        "status": "in_progress",
        "started_at": iso_now(),
        "output": {"title": "Scoring…", "summary": "PRGuard is scoring this pull request."},
    }


def completion_bodies(output: CheckRunOutput, ext_id: str) -> list[dict[str, Any]]:
    """PATCH bodies that complete the run: the first sets the conclusion with up to 50 annotations,
    each further one adds the next 50 (GitHub appends annotations across updates)."""
    batches = [output.annotations[i:i + MAX_ANNOTATIONS_PER_REQUEST]
               for i in range(0, len(output.annotations), MAX_ANNOTATIONS_PER_REQUEST)] or [[]]
    base_output = {"title": output.title, "summary": output.summary}
    if output.text:
        base_output["text"] = output.text
    first = {
        "external_id": ext_id,
        "status": "completed",
        "conclusion": output.conclusion,
        "completed_at": iso_now(),
        "output": dict(base_output, annotations=batches[0]) if batches[0] else dict(base_output),
        "actions": list(output.actions),
    }
    rest = [{"output": dict(base_output, annotations=batch)} for batch in batches[1:]]
    return [first, *rest]
