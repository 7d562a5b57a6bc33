"""Changed files with realistic patches for the findings tests: hunks as GitHub sends them."""
from __future__ import annotations

from typing import Iterable


def new_file_patch(text: str) -> str:
    """The patch GitHub shows for an added file: one hunk from nothing."""
    lines = text.rstrip("\n").split("\n")
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join(f"+{line}" for line in lines)


def hunk(start: int, context_before: Iterable[str] = (), removed: Iterable[str] = (), added: Iterable[str] = (),
         context_after: Iterable[str] = ()) -> str:
    """One hunk at head line ``start`` (the base starts at the same line)."""
    before, gone, new, after = list(context_before), list(removed), list(added), list(context_after)
    body = [f" {line}" for line in before] + [f"-{line}" for line in gone] + [f"+{line}" for line in new]
    body += [f" {line}" for line in after]
    base_count = len(before) + len(gone) + len(after)
    head_count = len(before) + len(new) + len(after)
    return f"@@ -{start},{base_count} +{start},{head_count} @@\n" + "\n".join(body)


def changed(path: str, patch: str | None, status: str = "modified", **extra) -> dict:
    additions = sum(1 for line in (patch or "").split("\n") if line.startswith("+"))
    deletions = sum(1 for line in (patch or "").split("\n") if line.startswith("-"))
    item = {"filename": path, "status": status, "additions": additions, "deletions": deletions,
            "changes": additions + deletions, **extra}
    if patch is not None:
        item["patch"] = patch
    return item


def added(path: str, text: str) -> dict:
    return changed(path, new_file_patch(text), status="added")
