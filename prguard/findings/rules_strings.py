"""Rules on strings the PR's author chose: title, head branch, description and file names, which workflows
interpolate into shell steps (`${{ github.event.pull_request.title }}`, `${{ github.head_ref }}`)."""
from __future__ import annotations

import re

from prguard.findings.finding import Severity
from prguard.findings.registry import PULL_REQUEST, rule
from prguard.findings.unicode import hidden_characters, visible

_COMMANDS = (r"(?:curl|wget|bash|sh|zsh|nc|ncat|python[0-9.]*|perl|ruby|node|php|base64|eval|exec|id|whoami|"
             r"uname|env|printenv|cat|echo|rm|chmod|powershell|pwsh|iex|nslookup|dig)")
SUBSTITUTION = re.compile(rf"\$\(\s*{_COMMANDS}\b|`\s*{_COMMANDS}\b[^`]*(?:\||\$\{{IFS|https?://|;)[^`]*`|"
                          r"\$\{IFS\}|\$IFS\b|\{[\w-]+,[^}]*\}\s*\|", re.IGNORECASE)
PIPE_TO_SHELL = re.compile(r"(?<!\|)\|\s*(?:ba|z)?sh\b|;\s*(?:curl|wget)\b|&&\s*(?:curl|wget)\b",
                           re.IGNORECASE)
EXPRESSION = re.compile(r"\$\{\{")
SHELL_META = re.compile(r"[`$;|&<>]")


def _where(path: str | None) -> dict:
    return {"path": path} if path else {}


def _check(r, field: str, text: str, path: str | None = None, prose: bool = False):
    """Findings for one attacker-chosen string; ``prose`` (the description) may quote shell legitimately."""
    shown = visible(text, 100)
    location = f"the {field}" if path is None else f"the file name `{shown}`"
    substitution = SUBSTITUTION.search(text) or (PIPE_TO_SHELL.search(text) if not prose else None)
    if substitution:
        yield r.finding(Severity.MEDIUM if prose else Severity.HIGH, f"shell command in {location}",
                        f"{location.capitalize()} contains `{visible(substitution.group(0), 60)}`: a "
                        "workflow that puts it into a `run:` step executes it.",
                        identity=f"{field}:substitution",
                        fix="rename it; workflows should pass PR strings through `env:`, never inline",
                        **_where(path))
    elif field in ("branch name", "file name") and SHELL_META.search(text):
        yield r.finding(Severity.MEDIUM, f"shell syntax in {location}",
                        f"{location.capitalize()} `{shown}` contains characters a shell interprets.",
                        identity=f"{field}:meta", **_where(path))
    if EXPRESSION.search(text):
        yield r.finding(Severity.LOW if field in ("title", "description") else Severity.MEDIUM,
                        f"workflow expression in {location}",
                        f"{location.capitalize()} contains `${{{{`: harmless unless a tool re-evaluates it, "
                        "but it is how injection attempts are tested.", identity=f"{field}:expression",
                        **_where(path))
    hidden = hidden_characters(text)
    if hidden:
        kinds = {h.kind for h in hidden}
        severity = Severity.HIGH if kinds & {"bidi", "invisible"} else Severity.MEDIUM
        if prose:
            severity = severity.lowered(1)
        yield r.finding(severity, f"hidden Unicode in {location}",
                        f"{location.capitalize()} contains {hidden[0].description}: `{shown}`.",
                        identity=f"{field}:unicode", fix="remove the invisible characters",
                        **_where(path))


@rule("attacker-string", PULL_REQUEST, "command substitution, ${IFS}, backticks, ${{ }} or hidden Unicode in "
      "the title, branch, description or file names")
def attacker_strings(r, content):
    yield from _check(r, "title", content.title)
    yield from _check(r, "branch name", content.head_ref)
    yield from _check(r, "description", content.body, prose=True)
    for file in content.files:
        yield from _check(r, "file name", file.path, path=file.path)
