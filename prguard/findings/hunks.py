"""Unified-diff hunks as GitHub's REST API returns them in ``files[].patch``, mapped to head-file lines."""
from __future__ import annotations

import dataclasses
import re

# "@@ -start[,count] +start[,count] @@ optional section heading"
_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclasses.dataclass(frozen=True)
class Line:
    number: int  # line number in the head file (for removed lines: in the base file)
    text: str


@dataclasses.dataclass(frozen=True)
class Hunk:
    added: tuple[Line, ...]
    removed: tuple[Line, ...]
    context: tuple[Line, ...]
    base_start: int
    base_count: int

    @property
    def creates_file(self) -> bool:
        return self.base_start == 0 and self.base_count == 0


def parse(patch: object) -> list[Hunk]:
    """The hunks of ``patch``; text that is not a patch gives no hunks, never an error.

    GitHub truncates or omits the patch of large files, so a partial last hunk is kept as far as it goes.
    """
    if not isinstance(patch, str) or "@@" not in patch:
        return []
    hunks: list[Hunk] = []
    current: dict | None = None
    head_no = base_no = 0
    lines = patch.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline ending the last line, not an empty context line
    for raw in lines:
        header = _HEADER.match(raw)
        if header:
            if current is not None:
                hunks.append(_freeze(current))
            base_no, head_no = int(header.group(1)), int(header.group(3))
            base_count = int(header.group(2)) if header.group(2) is not None else 1
            current = {"added": [], "removed": [], "context": [], "base_start": base_no,
                       "base_count": base_count}
            continue
        if current is None or raw.startswith("\\"):  # "\ No newline at end of file"
            continue
        if raw.startswith("+"):
            current["added"].append(Line(head_no, raw[1:]))
            head_no += 1
        elif raw.startswith("-"):
            current["removed"].append(Line(base_no, raw[1:]))
            base_no += 1
        else:
            current["context"].append(Line(head_no, raw[1:] if raw.startswith(" ") else raw))
            head_no += 1
            base_no += 1
    if current is not None:
        hunks.append(_freeze(current))
    return hunks


def _freeze(lines: dict) -> Hunk:
    return Hunk(tuple(lines["added"]), tuple(lines["removed"]), tuple(lines["context"]), lines["base_start"],
                lines["base_count"])


def added_lines(hunks: list[Hunk]) -> list[Line]:
    return [line for h in hunks for line in h.added]


def removed_lines(hunks: list[Hunk]) -> list[Line]:
    return [line for h in hunks for line in h.removed]


def new_file_text(hunks: list[Hunk]) -> str | None:
    """The whole head file when the patch creates it (one hunk from nothing), else None."""
    if len(hunks) != 1 or not hunks[0].creates_file or hunks[0].removed or hunks[0].context:
        return None
    return "\n".join(line.text for line in hunks[0].added) + "\n"
