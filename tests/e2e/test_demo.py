"""The main job (`prguard demo`) end to end on a small scale: every stage runs for real and check runs appear."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_every_stage_and_ends_with_check_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_", "MONGO", "VAULT_"))}
    env.update(PRGUARD_DATA_DIR=str(tmp_path / "var"), PRGUARD_MODEL_REFRESH_SECONDS="2",
               PRGUARD_WORKER_POLL_SECONDS="0.2")
    result = subprocess.run(
        [sys.executable, "-m", "prguard", "demo", "--repos", "3", "--prs", "900", "--webhooks", "4"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout
    assert result.returncode == 0, output[-4000:] + result.stderr[-4000:]
    for stage in ("== demo data", "== import", "== preprocess (Spark)", "== train", "== score",
                  "== evaluate", "== service"):
        assert stage in output
    assert "The 10 most unusual pull requests" in output
    assert "check runs (4 of 4 completed)" in output
    assert output.count("[offline, not posted]") == 4
    # Every PR was judged by the champion the demo trained, however many job threads asked for it at once.
    assert "No model yet" not in output
    assert (tmp_path / "var" / "prguard.sqlite3").exists()
    assert any((tmp_path / "var" / "features").iterdir())
