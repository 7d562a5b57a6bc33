"""Runs zizmor (PyPI `zizmor`, pinned in setup.cfg) offline as a subprocess on workflow texts."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

TIMEOUT_SECONDS = 30.0
# --no-config and --no-ignores: a PR could add a zizmor.yml or `# zizmor: ignore[...]` comments to silence it.
ARGUMENTS = ("--offline", "--no-config", "--no-ignores", "--no-exit-codes", "--format", "json",
             "--no-progress", "--quiet", "--color", "never")


class ZizmorError(RuntimeError):
    """zizmor is missing or failed; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class RawFinding:
    audit: str
    description: str
    severity: str  # informational | low | medium | high
    confidence: str  # unknown | low | medium | high
    path: str  # the repository path given to the runner
    line: int
    end_line: int
    route: tuple[str, ...]  # mapping keys from the document root, sequence indexes left out
    span: str  # first line of the source text zizmor points at
    annotation: str
    fixes: tuple[str, ...]

    @property
    def identity(self) -> str:
        """Audit and where in the document, without line numbers or step positions."""
        return f"{self.audit}:{'/'.join(self.route)}:{self.span}"


def binary() -> str:
    """The zizmor executable: installed beside this Python (the venv's bin/) or on PATH."""
    beside = Path(sys.executable).with_name("zizmor")
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    if not found:
        raise ZizmorError("zizmor is not installed: `pip install -e '.[service]'` installs the pinned "
                          "version")
    return found


def _parse(report: list, root: str, texts: dict[str, bytes]) -> list[RawFinding]:
    found = []
    for item in report:
        primary = next((loc for loc in item.get("locations") or ()
                        if loc["symbolic"].get("kind") == "Primary"), None)
        if primary is None:
            continue
        local = (primary["symbolic"].get("key") or {}).get("Local") or {}
        path = os.path.relpath(local.get("verbatim_path") or local.get("given_path") or "", root)
        where = primary["concrete"]["location"]
        span = where.get("offset_span") or {}
        source = texts.get(path, b"")[span.get("start", 0):span.get("end", 0)].decode(errors="replace")
        route = tuple(str(part["Key"]) for part in (primary["symbolic"].get("route") or {}).get("route", ())
                      if "Key" in part)
        determinations = item.get("determinations") or {}
        found.append(RawFinding(
            audit=str(item.get("ident")), description=str(item.get("desc") or ""),
            severity=str(determinations.get("severity") or "unknown").lower(),
            confidence=str(determinations.get("confidence") or "unknown").lower(), path=path,
            line=int(where["start_point"]["row"]) + 1, end_line=int(where["end_point"]["row"]) + 1,
            route=route,
            span=" ".join(source.strip().split("\n", 1)[0].split())[:200],
            annotation=str(primary["symbolic"].get("annotation") or ""),
            fixes=tuple(str(f.get("title")) for f in item.get("fixes") or () if f.get("title"))))
    return found


def run(texts: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> list[RawFinding]:
    """zizmor's findings for the workflow/action files ``{repository path: text}``, offline."""
    if not texts:
        return []
    executable = binary()
    with tempfile.TemporaryDirectory(prefix="prguard-zizmor-") as root:
        encoded = {}
        for path, text in texts.items():
            target = Path(root, path)
            if not target.resolve().is_relative_to(Path(root).resolve()):
                continue  # a path from a PR never writes outside the scratch directory
            target.parent.mkdir(parents=True, exist_ok=True)
            encoded[path] = text.encode()
            target.write_bytes(encoded[path])
        args = [executable, *ARGUMENTS, *(str(Path(root, p)) for p in encoded)]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout, cwd=root,
                                  env={"PATH": os.environ.get("PATH", ""), "HOME": root,
                                       "ZIZMOR_OFFLINE": "1"})
        except subprocess.TimeoutExpired:
            raise ZizmorError(f"zizmor took longer than {timeout:g}s on {len(encoded)} files") from None
        if done.returncode != 0:
            if b"no inputs collected" in done.stderr:
                return []  # none of the files parsed as a workflow: nothing to audit
            detail = done.stderr.decode(errors="replace")[-400:]
            raise ZizmorError(f"zizmor failed (exit {done.returncode}): {detail}")
        try:
            report = json.loads(done.stdout or b"[]")
        except json.JSONDecodeError as exc:
            raise ZizmorError(f"zizmor printed no JSON ({exc})") from None
        return _parse(report, root, encoded)


Runner = Callable[[dict[str, str]], list[RawFinding]]
