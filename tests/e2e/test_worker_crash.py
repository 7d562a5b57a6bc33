"""End to end: a job that keeps killing the worker holding it is dead-lettered after
PRGUARD_JOB_MAX_ATTEMPTS claims, while other jobs keep flowing (real gunicorn, worker processes)."""
from __future__ import annotations

import signal

import pytest

from tests.e2e.conftest import INSTALLATION_ID
from tests.e2e.deliveries import pull_request_event
from tests.e2e.service import Service, wait_until
from tests.e2e.test_service_e2e import completed_run, typical_pull

pytestmark = pytest.mark.slow

MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def service(tmp_path_factory, champion, github):
    data_dir = tmp_path_factory.mktemp("crash") / "var"
    data_dir.mkdir()
    env = {"PRGUARD_JOB_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "PRGUARD_GITHUB_TIMEOUT_SECONDS": "60"}
    svc = Service(data_dir, champion[0], github, extra_env=env)
    svc.start_server()
    svc.start_worker()
    yield svc
    svc.stop()


def running_job(store, number: int, attempts: int) -> dict | None:
    for job in store.jobs.list("running"):
        if job["payload"].get("number") == number and job["attempts"] == attempts and job["lease_owner"]:
            return job
    return None


def test_a_job_that_kills_its_worker_is_dead_lettered_while_others_flow(service, github, store):
    killer = typical_pull(github, 301)
    # Every attempt stalls on this PR's file list, long enough to be caught holding it and killed, as a
    # worker dies that runs out of memory on one PR.
    github.slow_next(r"/pulls/301/files$", 30, count=MAX_ATTEMPTS + 2)
    service.post("pull_request", pull_request_event("opened", killer, INSTALLATION_ID))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        job = wait_until(lambda: running_job(store, 301, attempt), 30, 0.05, f"attempt {attempt} of the job")
        holder = service.worker_holding(job["lease_owner"])
        assert service.kill_worker(holder, signal.SIGKILL) == -signal.SIGKILL
        service.start_worker()

    (dead,) = wait_until(lambda: store.jobs.list("dead"), 30, 0.1, "the job to be dead-lettered")
    assert dead["payload"]["number"] == 301 and dead["attempts"] == MAX_ATTEMPTS
    assert "lease expired" in dead["last_error"]

    # The queue is not stuck behind it: a later PR is scored by the surviving worker.
    other = typical_pull(github, 302)
    service.post("pull_request", pull_request_event("opened", other, INSTALLATION_ID))
    assert completed_run(github, service, other["head"]["sha"])["conclusion"] == "success"
    assert [job["payload"]["number"] for job in store.jobs.list("dead")] == [301]
