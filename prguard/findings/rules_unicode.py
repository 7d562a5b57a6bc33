"""Rule on added lines: hidden Unicode (bidirectional controls, zero-width and invisible characters)."""
from __future__ import annotations

from prguard.findings.finding import Severity
from prguard.findings.places import Place
from prguard.findings.registry import LINE, rule
from prguard.findings.unicode import hidden_characters

# Only lines with a character outside ASCII can hold one; the trigger skips the rest unread.
_NON_ASCII = r"[^\x00-\x7f]"


def severity_of(kinds: set[str], place: Place) -> Severity:
    """Direction overrides and invisible runs change what code means; in prose they can only mislead."""
    if kinds & {"bidi", "invisible"}:
        return Severity.MEDIUM if place is Place.DOCUMENTATION else Severity.HIGH
    return Severity.LOW if place is Place.DOCUMENTATION else Severity.MEDIUM


@rule("hidden-unicode", LINE, "bidirectional controls, zero-width or invisible characters on an added line",
      trigger=_NON_ASCII)
def hidden_unicode(r, line, file):
    found = hidden_characters(line.text)
    if not found:
        return
    kinds = {h.kind for h in found}
    names = ", ".join(sorted({h.description for h in found})[:3])
    what = "reorders how the line displays" if "bidi" in kinds else "hides characters from reviewers"
    yield r.finding(severity_of(kinds, file.place), "adds hidden Unicode characters",
                    f"Column {found[0].column}: {names} — {what}, so the code that runs is not the code "
                    "shown.",
                    path=file.path, line=line.number, fix="remove the invisible characters",
                    identity=",".join(sorted({h.codepoint for h in found})))
