"""`prguard serve` on embedded defaults also runs the worker: a delivery becomes a completed check run."""
from __future__ import annotations

import time

import pytest
import requests

from prguard.demo.replay import Delivery, post_delivery
from prguard.store.sqlite import SQLiteStore
from tests.support.service import running_service
from tests.support.webhooks import example

pytestmark = pytest.mark.slow


def test_embedded_serve_scores_a_delivered_pull_request(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    payload = example("pull_request", "opened", index=1)
    head_sha = payload["pull_request"]["head"]["sha"]
    with running_service(data_dir, "s3cret", workers=1, with_worker=True) as (base_url, process):
        result = post_delivery(requests.Session(), f"{base_url}/webhooks/github",
                               Delivery("pull_request", payload), "s3cret")
        assert result.status == 202
        store = SQLiteStore(data_dir / "prguard.sqlite3")
        deadline = time.monotonic() + 120  # the worker's first model lookup imports MLflow
        record = None
        while time.monotonic() < deadline:
            record = store.checks.get_run("Codertocat/Hello-World", head_sha)
            if record and record["status"] == "completed":
                break
            time.sleep(0.5)
        jobs = store.jobs.list()
        store.close()
    assert record and record["status"] == "completed", (record, jobs, process.log[-2000:])
    # No App credentials: offline mode records the run instead of posting it; no model yet: neutral.
    assert record["posted"] is False
    assert record["conclusion"] == "neutral"
    assert [job["state"] for job in jobs] == ["done"]
    assert process.returncode == 0
