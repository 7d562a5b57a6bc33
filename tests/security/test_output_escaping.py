"""Text logs and CLI output show control characters escaped: a PR-written \\r or \\n cannot forge a line."""
from __future__ import annotations

import io
import logging

import pytest
from click.testing import CliRunner

from prguard.cli import main
from prguard.logs import TextFormatter
from prguard.store.base import utcnow
from prguard.store.sqlite import SQLiteStore
from prguard.terminal import printable

FORGED = "fix typo\r2026-01-01 00:00:00Z  octo/widgets#1 @ 000000000000  success  all good\n[ok]\x1b[2K\u202e"


@pytest.mark.parametrize("text,shown", [
    ("plain ascii", "plain ascii"),
    ("a\rb\nc\td", "a\\rb\\nc\\td"),
    ("\x1b[31mred\x7f", "\\x1b[31mred\\x7f"),
    ("bidi \u202eevil\u2066", "bidi \\u202eevil\\u2066"),
    ("lines\u2028paragraphs\u2029", "lines\\u2028paragraphs\\u2029"),
    ("caf\u00e9 \U0001f600 \u4e2d", "caf\u00e9 \U0001f600 \u4e2d"),
    ("nbsp\u00a0zero\u200bwidth", "nbsp\\xa0zero\\u200bwidth"),
])
def test_printable_escapes_what_a_terminal_would_act_on_and_keeps_text(text, shown):
    assert printable(text) == shown


def test_text_log_lines_stay_one_line_with_context_escaped():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("prguard.security-test")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("title %s", FORGED, extra={"repo": "octo/widgets\rX", "delivery_id": "d\n1"})
        try:
            raise ValueError(f"bad value {FORGED}")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    lines = stream.getvalue().split("\n")
    assert lines[0].startswith("WARNING prguard.security-test: title fix typo\\r2026-01-01")
    assert lines[0].endswith("[delivery_id=d\\n1 repo=octo/widgets\\rX]")
    assert not any("\r" in line or "\x1b" in line or "\u202e" in line for line in lines)
    assert "\\x1b[2K\\u202e" in lines[0]


def test_prguard_checks_prints_one_escaped_line_per_run(settings):
    store = SQLiteStore(settings.sqlite_path)
    store.checks.save_run({"repo": "octo/widgets", "number": 7, "head_sha": "a" * 40, "check_run_id": None,
                           "external_id": "x", "status": "completed", "conclusion": "neutral",
                           "title": FORGED, "summary": "s", "text": "", "annotations": [], "posted": False,
                           "updated_at": utcnow()})
    store.close()
    result = CliRunner().invoke(main, ["checks"], env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and "fix typo\\r2026-01-01" in lines[0] and "\\n[ok]\\x1b[2K\\u202e" in lines[0]
    assert "\r" not in result.output and "[offline, not posted]" in lines[0]


def test_prguard_status_prints_run_titles_escaped(settings):
    store = SQLiteStore(settings.sqlite_path)
    store.checks.save_run({"repo": "octo/widgets", "number": 7, "head_sha": "b" * 40, "check_run_id": 5,
                           "external_id": "x", "status": "completed", "conclusion": "neutral",
                           "title": FORGED, "summary": "s", "text": "", "annotations": [], "posted": True,
                           "updated_at": utcnow()})
    store.close()
    result = CliRunner().invoke(main, ["status", "--repo", "octo/widgets"],
                                env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    run_lines = [line for line in result.output.splitlines() if line.lstrip().startswith("run:")]
    assert len(run_lines) == 1 and "fix typo\\r2026" in run_lines[0]
    assert "\r" not in result.output and "\x1b" not in result.output
