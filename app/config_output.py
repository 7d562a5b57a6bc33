"""What a check run says about the repository's `.github/prguard.yml`: a skipped author, an invalid file."""
from __future__ import annotations

import dataclasses
from typing import Any

from app.check_runs import CheckRunOutput, _clip
from prguard import markdown as md


def render_skipped(repo: str, head_sha: str, login: str) -> CheckRunOutput:
    """A PR by an author in ``skip_authors``: a "skipped" run, so the PR shows PRGuard saw it on purpose."""
    return CheckRunOutput(
        conclusion="skipped",
        title=md.plain(f"Skipped: {login} is in skip_authors"),
        summary=(f"PRGuard does not judge pull requests by {md.code(login)} in {md.code(repo)}: the "
                 f"repository's `.github/prguard.yml` lists them in `skip_authors` "
                 f"(head {md.code(head_sha[:12])})."),
        text="", annotations=[], actions=[])


def error_section(error: dict[str, Any]) -> str:
    return (f"**`.github/prguard.yml` is invalid** ({md.code(error.get('file') or '')}): line "
            f"{int(error.get('line') or 1)}, key {md.code(str(error.get('key')))}: expected "
            f"{md.text(str(error.get('expected')))}. This pull request was judged with the previous valid "
            "configuration (the defaults if there was none); fix the file on the default branch.")


def with_config_error(output: CheckRunOutput, error: dict[str, Any] | None) -> CheckRunOutput:
    """``output`` with the invalid file named at the top of its summary (``error`` None: unchanged)."""
    if not error:
        return output
    return dataclasses.replace(output, summary=_clip(error_section(error) + "\n\n" + output.summary))
