"""Fetches the workflow and action files a PR changes, at its base and head commits, for the findings."""
from __future__ import annotations

import logging
from typing import Any

from prguard.findings import WORKFLOW_CONTENTS
from prguard.findings.places import is_actions_file, is_workflow

log = logging.getLogger(__name__)

WORKFLOWS_DIR = ".github/workflows"
# Changed workflow/action files fetched per PR (two requests each); a PR touching more is unusual in itself
# and the rest are judged from their patches alone.
MAX_CHANGED_FILES = 20
# The base's other workflows say what is routine in this repository (its actions, hosts, triggers); beyond
# this many the routine is known well enough and more requests only cost rate limit.
MAX_BASE_WORKFLOWS = 20


def _sha(doc: dict[str, Any], side: str) -> str | None:
    value = (doc.get(side) or {}).get("sha")
    return value if isinstance(value, str) and value else None


def _text(client, repo: str, path: str, ref: str) -> str | None:
    try:
        return client.get_file_text(repo, path, ref)
    except ValueError:  # a file name no API path can carry; the patch still gets judged
        log.info("not fetching a file whose name cannot be a contents path", extra={"repo": repo})
        return None


def workflow_contents(client, doc: dict[str, Any], repo: str) -> dict[str, dict[str, str]] | None:
    """``{"base": {path: text}, "head": {path: text}}`` for the PR's changed workflow and action files
    (plus, at the base, the repository's other workflows, to know its habits); None when nothing changed
    there or there is no client to read with."""
    changed = [f for f in doc.get("files") or () if isinstance(f, dict)
               and isinstance(f.get("filename"), str) and is_actions_file(f["filename"])]
    base_sha, head_sha = _sha(doc, "base"), _sha(doc, "head")
    if client is None or not changed or head_sha is None:
        return None
    base: dict[str, str] = {}
    head: dict[str, str] = {}
    for file in changed[:MAX_CHANGED_FILES]:
        path, status = file["filename"], file.get("status")
        if status != "removed":
            text = _text(client, repo, path, head_sha)
            if text is not None:
                head[path] = text
        before = file.get("previous_filename") or path
        if status != "added" and base_sha is not None and isinstance(before, str):
            text = _text(client, repo, before, base_sha)
            if text is not None:
                base[before] = text
    if base_sha is not None:
        others = [e["path"] for e in client.list_directory(repo, WORKFLOWS_DIR, base_sha)
                  if e.get("type") == "file" and isinstance(e.get("path"), str) and is_workflow(e["path"])
                  and e["path"] not in base]
        for path in others[:max(0, MAX_BASE_WORKFLOWS - len(base))]:
            text = _text(client, repo, path, base_sha)
            if text is not None:
                base[path] = text
    return {"base": base, "head": head}


def with_workflow_contents(client, doc: dict[str, Any], repo: str) -> dict[str, Any]:
    """``doc`` with WORKFLOW_CONTENTS added when the PR changes workflows or actions."""
    contents = workflow_contents(client, doc, repo)
    return doc if contents is None else dict(doc, **{WORKFLOW_CONTENTS: contents})
