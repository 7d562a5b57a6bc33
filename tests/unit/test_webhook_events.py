"""Every handled event and action, driven with GitHub's own example payloads through the Flask app."""
from __future__ import annotations

import datetime as dt

import pytest

from app import jobs
from tests.support.npm_packages import examples_for
from tests.support import webhook_app
from tests.support.webhooks import example, post

# Shared fixtures (tests/support/webhook_app.py), made visible to this module.
webhook_settings, webhook_store, webhook_client = (webhook_app.webhook_settings, webhook_app.webhook_store,
                                                   webhook_app.webhook_client)

SCORE_ACTIONS = ["opened", "reopened", "synchronize", "edited", "ready_for_review"]


def pending_jobs(store, kind=None):
    return [j for j in store.jobs.list("pending") if kind is None or j["kind"] == kind]


def pull_request_example(action: str, index: int = 0) -> dict:
    # GitHub's examples have no "edited" payload; an edit is an opened payload with another action.
    payload = example("pull_request", "opened" if action == "edited" else action, index=index)
    payload["action"] = action
    return payload


# Every example GitHub publishes for the actions that score (those without an installation get one).
SCORE_EXAMPLES = [(action, index) for action in SCORE_ACTIONS
                  for index in range(len(examples_for("pull_request", "opened" if action == "edited" else action)))]


@pytest.mark.parametrize("index", range(len(examples_for("ping"))))
def test_ping_answers_200_and_stores_nothing(webhook_client, webhook_store, index):
    payload = example("ping", index=index, installation=False)
    response = post(webhook_client, "ping", payload, delivery_id="ping-1")
    assert response.status_code == 200
    assert response.json["outcome"] == "pong"
    assert webhook_store.deliveries.claim("ping-1", "ping", None)  # it was not recorded before


@pytest.mark.parametrize("action,index", SCORE_EXAMPLES)
def test_pull_request_action_stores_pr_and_queues_one_score_job(webhook_client, webhook_store, action, index):
    payload = pull_request_example(action, index)
    pr = payload["pull_request"]
    repo = pr["base"]["repo"]["full_name"]
    response = post(webhook_client, "pull_request", payload, delivery_id=f"d-{action}")
    assert response.status_code == 202, response.json
    assert response.json["outcome"] == "accepted"
    stored = webhook_store.prs.get(repo, pr["number"])
    assert stored["head"]["sha"] == pr["head"]["sha"]
    [job] = pending_jobs(webhook_store)
    assert job["kind"] == jobs.SCORE_PULL_REQUEST
    assert job["dedupe_key"] == f"score:{repo.lower()}#{pr['number']}:{pr['head']['sha']}"
    assert job["payload"] == {"repo": repo, "number": pr["number"], "head_sha": pr["head"]["sha"],
                              "installation_id": payload["installation"]["id"],
                              "delivery_id": f"d-{action}", "force": False}
    assert response.json["jobs"] == [job["id"]]


def test_pull_request_from_unknown_installation_records_it_active(webhook_client, webhook_store):
    payload = pull_request_example("opened")
    assert webhook_store.installations.get(payload["installation"]["id"]) is None
    assert post(webhook_client, "pull_request", payload).status_code == 202
    installation = webhook_store.installations.get(payload["installation"]["id"])
    assert installation["status"] == "active"
    assert installation["account"] == payload["repository"]["owner"]["login"]


def test_redelivery_is_acknowledged_once_and_queues_one_job(webhook_client, webhook_store):
    payload = pull_request_example("synchronize")
    first = post(webhook_client, "pull_request", payload, delivery_id="same-id")
    second = post(webhook_client, "pull_request", payload, delivery_id="same-id")
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json["outcome"] == "duplicate"
    assert len(webhook_store.jobs.list()) == 1


def test_new_head_sha_queues_a_job_for_the_new_sha(webhook_client, webhook_store):
    opened = pull_request_example("opened")
    pushed = pull_request_example("synchronize")
    pushed["pull_request"]["head"]["sha"] = "b" * 40
    pushed["pull_request"]["updated_at"] = "2019-05-15T16:00:00Z"
    post(webhook_client, "pull_request", opened)
    post(webhook_client, "pull_request", pushed)
    assert sorted(j["payload"]["head_sha"] for j in pending_jobs(webhook_store)) == sorted(
        [opened["pull_request"]["head"]["sha"], "b" * 40])


def test_closed_updates_the_pr_and_cancels_its_pending_job(webhook_client, webhook_store):
    closed = example("pull_request", "closed")
    opened = example("pull_request", "closed")
    opened["action"] = "opened"
    opened["pull_request"].update(state="open", closed_at=None, updated_at="2019-05-15T15:20:33Z")
    post(webhook_client, "pull_request", opened)
    assert len(pending_jobs(webhook_store)) == 1
    response = post(webhook_client, "pull_request", closed)
    assert response.status_code == 202
    assert pending_jobs(webhook_store) == []
    assert [j["state"] for j in webhook_store.jobs.list()] == ["cancelled"]
    pr = closed["pull_request"]
    assert webhook_store.prs.get(pr["base"]["repo"]["full_name"], pr["number"])["state"] == "closed"


def test_late_delivery_of_an_older_push_queues_nothing(webhook_client, webhook_store):
    newer = pull_request_example("synchronize")
    newer["pull_request"]["head"]["sha"] = "c" * 40
    newer["pull_request"]["updated_at"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    post(webhook_client, "pull_request", newer)
    response = post(webhook_client, "pull_request", pull_request_example("opened"))
    assert response.json["outcome"] == "ignored"
    assert [j["payload"]["head_sha"] for j in pending_jobs(webhook_store)] == ["c" * 40]


@pytest.mark.parametrize("action", ["labeled", "assigned", "locked", "converted_to_draft"])
def test_other_pull_request_actions_are_ignored(webhook_client, webhook_store, action):
    response = post(webhook_client, "pull_request", example("pull_request", action))
    assert (response.status_code, response.json["outcome"]) == (202, "ignored")
    assert webhook_store.jobs.list() == [] and webhook_store.prs.count() == 0


@pytest.mark.parametrize("action", ["requested", "rerequested"])
def test_check_suite_queues_score_jobs_for_its_pull_requests(webhook_client, webhook_store, action):
    payload = example("check_suite", action)
    suite = payload["check_suite"]
    if not suite["pull_requests"]:  # the "requested" examples come from a push without a PR
        suite["pull_requests"] = example("check_suite", "rerequested")["check_suite"]["pull_requests"]
    response = post(webhook_client, "check_suite", payload)
    assert response.status_code == 202
    [job] = pending_jobs(webhook_store)
    assert job["payload"]["head_sha"] == suite["head_sha"]
    assert job["payload"]["number"] == suite["pull_requests"][0]["number"]
    assert job["payload"]["repo"] == payload["repository"]["full_name"]
    assert job["payload"]["force"] is (action == "rerequested")


def test_check_suite_without_pull_requests_is_ignored(webhook_client, webhook_store):
    response = post(webhook_client, "check_suite", example("check_suite", "requested"))
    assert (response.status_code, response.json["outcome"]) == (202, "ignored")
    assert webhook_store.jobs.list() == []


def test_check_run_rerequested_queues_a_forced_job(webhook_client, webhook_store):
    payload = example("check_run", "rerequested")
    payload["check_run"]["pull_requests"] = [{"number": 7, "id": 1, "url": "x", "head": {}, "base": {}}]
    response = post(webhook_client, "check_run", payload)
    assert response.status_code == 202
    [job] = pending_jobs(webhook_store)
    assert job["payload"]["force"] is True
    assert (job["payload"]["number"], job["payload"]["head_sha"]) == (7, payload["check_run"]["head_sha"])


def test_check_run_of_a_fork_pr_finds_the_pr_through_the_stored_check_run(webhook_client, webhook_store):
    payload = example("check_run", "rerequested")  # pull_requests is empty, as for fork PRs
    run = payload["check_run"]
    webhook_store.checks.save_run({
        "repo": payload["repository"]["full_name"], "number": 12, "head_sha": run["head_sha"],
        "external_id": "x", "check_run_id": run["id"], "status": "completed", "conclusion": "neutral",
        "title": "t", "summary": "s", "text": "", "annotations": [], "posted": False, "model_version": "1"})
    assert post(webhook_client, "check_run", payload).status_code == 202
    assert [j["payload"]["number"] for j in pending_jobs(webhook_store)] == [12]


def test_mark_as_expected_stores_nothing_and_queues_the_press_for_verification(webhook_client, webhook_store):
    payload = example("check_run", "requested_action")
    payload["requested_action"]["identifier"] = jobs.MARK_EXPECTED_ACTION
    run = payload["check_run"]
    response = post(webhook_client, "check_run", payload, delivery_id="mark-1")
    assert response.status_code == 202
    # Feedback is stored only once the worker has checked the run and the sender's permission.
    assert webhook_store.feedback.list() == []
    [job] = pending_jobs(webhook_store)
    assert job["kind"] == jobs.MARK_EXPECTED
    assert job["payload"] == {"repo": "electron/electron", "number": 26764, "head_sha": run["head_sha"],
                              "installation_id": payload["installation"]["id"], "check_run_id": run["id"],
                              "user": payload["sender"]["login"], "delivery_id": "mark-1",
                              "app_id": run["app"]["id"], "external_id": run["external_id"]}


def test_foreign_requested_action_is_ignored(webhook_client, webhook_store):
    response = post(webhook_client, "check_run", example("check_run", "requested_action"))  # "lgtm|26764"
    assert response.json["outcome"] == "ignored"
    assert webhook_store.feedback.list() == [] and webhook_store.jobs.list() == []


@pytest.mark.parametrize("index,action,status", [
    (1, "created", "active"), (0, "deleted", "deleted"), (4, "new_permissions_accepted", "active"),
    (5, "suspend", "suspended"), (6, "unsuspend", "active"),
])
def test_installation_events_track_the_installation(webhook_client, webhook_store, index, action, status):
    payload = examples_for("installation")[index]
    assert payload["action"] == action
    response = post(webhook_client, "installation", payload)
    assert response.status_code == 202
    installation = webhook_store.installations.get(payload["installation"]["id"])
    assert installation["status"] == status
    assert installation["account"] == payload["installation"]["account"]["login"]
    if action == "created":
        assert sorted(installation["repositories"]) == sorted(r["full_name"] for r in payload["repositories"])


@pytest.mark.parametrize("action", ["added", "removed"])
def test_installation_repositories_update_the_list(webhook_client, webhook_store, action):
    payload = example("installation_repositories", action)
    installation_id = payload["installation"]["id"]
    webhook_store.installations.upsert(installation_id, "someone", "active", repositories=["keep/me", "old/one"])
    if action == "removed":
        payload["repositories_removed"] = [{"full_name": "old/one"}]
    assert post(webhook_client, "installation_repositories", payload).status_code == 202
    repositories = set(webhook_store.installations.get(installation_id)["repositories"])
    if action == "added":
        assert repositories == {"keep/me", "old/one"} | {r["full_name"] for r in payload["repositories_added"]}
    else:
        assert repositories == {"keep/me"}


@pytest.mark.parametrize("action", ["suspend", "deleted"])
def test_events_of_an_inactive_installation_are_ignored(webhook_client, webhook_store, action):
    payload = pull_request_example("opened")
    lifecycle = {"action": action, "installation": {"id": payload["installation"]["id"],
                                                    "account": {"login": "Codertocat"}}}
    post(webhook_client, "installation", lifecycle)
    response = post(webhook_client, "pull_request", payload)
    assert (response.status_code, response.json["outcome"]) == (202, "ignored")
    assert webhook_store.jobs.list() == [] and webhook_store.prs.count() == 0
    # Unsuspending brings it back.
    post(webhook_client, "installation", {**lifecycle, "action": "unsuspend"})
    assert post(webhook_client, "pull_request", payload).status_code == 202
    assert len(webhook_store.jobs.list()) == 1


@pytest.mark.parametrize("event", ["push", "issues", "star", "workflow_run"])
def test_events_prguard_does_not_use_are_ignored_and_not_stored(webhook_client, webhook_store, event):
    payload = example(event)
    response = post(webhook_client, event, payload, delivery_id=f"other-{event}")
    assert (response.status_code, response.json["outcome"]) == (202, "ignored")
    assert webhook_store.deliveries.claim(f"other-{event}", event, None)
    # The helper gave the payload an installation; an ignored event still does not store it.
    assert webhook_store.installations.get(payload["installation"]["id"]) is None


def push_example(ref_branch: str | None = "master") -> dict:
    payload = example("push")
    if ref_branch is not None:
        payload["ref"] = f"refs/heads/{ref_branch}"
    return payload


def test_a_push_to_the_default_branch_marks_the_cached_configuration_stale(webhook_client, webhook_store):
    payload = push_example(example("push")["repository"]["default_branch"])
    repo = payload["repository"]["full_name"]
    webhook_store.onboarding.save_repo_record("config", repo, {"config": {"sensitivity": 2}, "read_marker": None})
    response = post(webhook_client, "push", payload, delivery_id="push-1")
    assert response.status_code == 202 and response.json["outcome"] == "accepted", response.json
    record = webhook_store.onboarding.get_repo_record("config", repo)
    assert record["pushed_sha"] == payload["after"] and record["config"] == {"sensitivity": 2}
    assert pending_jobs(webhook_store) == []  # nothing for the worker: the next PR reads the file
    assert post(webhook_client, "push", payload, delivery_id="push-1").json["outcome"] == "duplicate"


@pytest.mark.parametrize("ref", [None, "feature"])  # GitHub's example pushes a tag
def test_a_push_elsewhere_than_the_default_branch_is_ignored(webhook_client, webhook_store, ref):
    payload = push_example(ref)
    response = post(webhook_client, "push", payload)
    assert response.status_code == 202 and response.json["outcome"] == "ignored", response.json
    assert webhook_store.onboarding.get_repo_record("config", payload["repository"]["full_name"]) is None


def test_a_push_without_a_valid_after_sha_is_a_400(webhook_client, webhook_store):
    payload = push_example()
    payload["after"] = "HEAD; rm -rf /"
    assert post(webhook_client, "push", payload).status_code == 400
