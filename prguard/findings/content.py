"""What the findings are computed from: a PR document's strings, its files' patches and workflow contents."""
from __future__ import annotations

import dataclasses
from typing import Any

from prguard.findings import hunks as H
from prguard.findings.places import Place, is_actions_file, place_of

# The key under which a PR document carries workflow and action file contents (the worker fetches them with
# the contents API; `prguard score` reads them from the JSON line): {"base": {path: text}, "head": {...}}.
# "base" holds every workflow of the base commit that was fetched, "head" the changed ones at the head.
WORKFLOW_CONTENTS = "workflow_contents"
# A file bigger than this is not audited: no workflow is this large, and a huge one only costs time.
MAX_CONTENT_CHARS = 512 * 1024


@dataclasses.dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str
    previous_path: str | None
    hunks: tuple[H.Hunk, ...]
    place: Place

    @property
    def added(self) -> list[H.Line]:
        return H.added_lines(list(self.hunks))

    @property
    def removed(self) -> list[H.Line]:
        return H.removed_lines(list(self.hunks))


@dataclasses.dataclass(frozen=True)
class Content:
    repo: str
    title: str
    body: str
    head_ref: str
    files: tuple[ChangedFile, ...]
    base_workflows: dict[str, str]
    head_workflows: dict[str, str]

    @property
    def changed_paths(self) -> set[str]:
        return {f.path.lower() for f in self.files}

    def head_text(self, path: str) -> str | None:
        """The head version of a changed workflow/action file: fetched, or the whole file from its patch."""
        if path in self.head_workflows:
            return self.head_workflows[path]
        changed = next((f for f in self.files if f.path == path), None)
        if changed is None or changed.status == "removed":
            return None
        return H.new_file_text(list(changed.hunks))

    def base_text(self, path: str) -> str | None:
        changed = next((f for f in self.files if f.path == path), None)
        if changed is not None and changed.status == "added":
            return None
        return self.base_workflows.get(changed.previous_path or path if changed else path)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _texts(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {path: text for path, text in raw.items()
            if isinstance(path, str) and isinstance(text, str) and len(text) <= MAX_CONTENT_CHARS}


def from_doc(doc: Any) -> Content:
    """Read ``doc`` (GitHub's REST pull request + ``files`` + optional WORKFLOW_CONTENTS) defensively."""
    doc = doc if isinstance(doc, dict) else {}
    files = []
    for item in doc.get("files") or ():
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str) or not item["filename"]:
            continue
        path = item["filename"]
        files.append(ChangedFile(path, _str(item.get("status")) or "modified",
                                 _str(item.get("previous_filename")) or None,
                                 tuple(H.parse(item.get("patch"))), place_of(path)))
    contents = doc.get(WORKFLOW_CONTENTS) if isinstance(doc.get(WORKFLOW_CONTENTS), dict) else {}
    head = doc.get("head") if isinstance(doc.get("head"), dict) else {}
    base_repo = ((doc.get("base") or {}).get("repo") or {}) if isinstance(doc.get("base"), dict) else {}
    return Content(
        repo=_str(base_repo.get("full_name")) if isinstance(base_repo, dict) else "",
        title=_str(doc.get("title")), body=_str(doc.get("body")), head_ref=_str(head.get("ref")),
        files=tuple(files),
        base_workflows={p: t for p, t in _texts(contents.get("base")).items() if is_actions_file(p)},
        head_workflows={p: t for p, t in _texts(contents.get("head")).items() if is_actions_file(p)},
    )
