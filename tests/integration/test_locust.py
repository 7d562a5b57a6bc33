"""A bounded headless Locust run (30 s, 20 users) against the real gunicorn service: zero failures."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prguard.store.sqlite import SQLiteStore
from tests.support.service import running_service

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOCUST = str(Path(sys.executable).with_name("locust"))
SECRET = "locust-secret"


def test_locust_run_passes_its_thresholds_with_zero_failures(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with running_service(data_dir, SECRET, workers=2) as (base_url, _):
        result = subprocess.run(
            [LOCUST, "-f", str(ROOT / "perf" / "locustfile.py"), "--headless", "-u", "20", "-r", "10",
             "-t", "30s", "--host", base_url, "--csv", str(tmp_path / "run"), "--only-summary",
             "--max-fail-ratio", "0", "--max-p95-ms", "1000"],
            env={**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(tmp_path / "run_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows["Aggregated"]
    assert int(total["Request Count"]) > 200
    assert int(total["Failure Count"]) == 0
    for name in ("pull_request.synchronize", "pull_request.opened", "check_suite.requested", "redelivery",
                 "ignored event", "ping"):
        assert int(rows[name]["Request Count"]) > 0, name
    # The deliveries really went through the store: score jobs were queued for many repositories.
    store = SQLiteStore(data_dir / "prguard.sqlite3")
    repositories = {job["payload"]["repo"] for job in store.jobs.list()}
    store.close()
    assert len(repositories) > 10


def test_locust_run_fails_when_the_latency_threshold_is_exceeded(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with running_service(data_dir, SECRET, workers=1) as (base_url, _):
        result = subprocess.run(
            [LOCUST, "-f", str(ROOT / "perf" / "locustfile.py"), "--headless", "-u", "2", "-r", "2",
             "-t", "3s", "--host", base_url, "--only-summary", "--max-p95-ms", "0.001"],
            env={**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "p95 response time" in result.stderr
