"""Offline mode end to end: no App credentials, check runs recorded locally and listed as not posted."""
from __future__ import annotations

import subprocess

import pytest

from prguard.store.sqlite import SQLiteStore
from tests.e2e.deliveries import pull_request_event
from tests.e2e.service import PRGUARD, Service, wait_until
from tests.fakes.fake_state import FakeState

pytestmark = pytest.mark.slow


def test_offline_mode_records_check_runs_shown_as_not_posted(tmp_path, champion):
    world = FakeState(app_id=1, token_ttl=3600)  # only to build a realistic PR; nothing serves it
    world.add_installation(77, "acme", ["acme/web"])
    pr = world.add_pull("acme/web", 5, title="Tidy docs", author_association="MEMBER",
                        files=[{"filename": "docs/index.md", "additions": 4}])
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    service = Service(data_dir, champion[0], github=None)
    service.start_server(embedded_worker=True)  # the no-configuration default: one process
    store = SQLiteStore(data_dir / "prguard.sqlite3")
    try:
        assert service.post("pull_request", pull_request_event("opened", pr, 77))[0] == 202
        record = wait_until(lambda: (store.checks.get_run("acme/web", pr["head"]["sha"]) or {}).get("status")
                            == "completed" and store.checks.get_run("acme/web", pr["head"]["sha"]), 45,
                            what="the offline check run")
        assert record["posted"] is False and record["check_run_id"] is None
        assert record["model_version"] == champion[1]
    finally:
        store.close()
        service.stop()
    listing = subprocess.run([PRGUARD, "checks", "--repo", "acme/web"], env=service.env, capture_output=True,
                             text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    (line,) = [line for line in listing.stdout.splitlines() if "acme/web#5" in line]
    assert "[offline, not posted]" in line and pr["head"]["sha"][:12] in line
