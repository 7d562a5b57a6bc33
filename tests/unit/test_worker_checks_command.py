"""`prguard checks` lists recorded check runs and says which ones never reached GitHub."""
from __future__ import annotations

from click.testing import CliRunner

from prguard.cli import main
from prguard.store.base import utcnow
from prguard.store.sqlite import SQLiteStore


def _record(sha, posted, check_run_id=None):
    return {"repo": "octo/widgets", "number": 7, "head_sha": sha, "external_id": f"prguard:octo/widgets:{sha}",
            "check_run_id": check_run_id, "status": "completed", "conclusion": "neutral",
            "title": "Unusual for this repository (score 3 > threshold 1.5)", "summary": "s", "text": "",
            "annotations": [], "posted": posted, "model_version": "1", "updated_at": utcnow()}


def test_checks_marks_offline_runs_as_not_posted(settings):
    store = SQLiteStore(settings.sqlite_path)
    store.checks.save_run(_record("a" * 40, posted=False))
    store.checks.save_run(_record("b" * 40, posted=True, check_run_id=555))
    store.close()
    result = CliRunner().invoke(main, ["checks", "--repo", "octo/widgets"],
                                env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    offline = next(line for line in lines if "aaaaaaaaaaaa" in line)
    posted = next(line for line in lines if "bbbbbbbbbbbb" in line)
    assert "[offline, not posted]" in offline and "octo/widgets#7" in offline and "neutral" in offline
    assert "posted as check run 555" in posted and "[offline" not in posted


def test_checks_with_nothing_recorded_says_so(settings):
    result = CliRunner().invoke(main, ["checks", "--limit", "5"], env={"PRGUARD_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0
    assert "No check runs recorded yet." in result.output
