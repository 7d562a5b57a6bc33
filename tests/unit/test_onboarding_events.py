"""Installation events start a history backfill per repository added and cancel it when one is removed."""
from __future__ import annotations

from app import jobs
from prguard.store.onboarding import BACKFILL_RECORD
from tests.support import webhook_app
from tests.support.npm_packages import examples_for
from tests.support.webhooks import example, post

webhook_settings, webhook_store, webhook_client = (webhook_app.webhook_settings, webhook_app.webhook_store,
                                                   webhook_app.webhook_client)


def backfill_jobs(store, state="pending"):
    return {j["payload"]["repo"]: j for j in store.jobs.list(state) if j["kind"] == jobs.BACKFILL_REPOSITORY}


def test_a_new_installation_queues_one_backfill_per_repository(webhook_client, webhook_store):
    payload = examples_for("installation")[1]
    assert payload["action"] == "created" and payload["repositories"]
    response = post(webhook_client, "installation", payload, delivery_id="install-1")
    assert response.status_code == 202
    queued = backfill_jobs(webhook_store)
    assert set(queued) == {r["full_name"] for r in payload["repositories"]}
    assert sorted(response.json["jobs"]) == sorted(j["id"] for j in queued.values())
    for repo, job in queued.items():
        assert job["payload"] == {"repo": repo, "installation_id": payload["installation"]["id"],
                                  "delivery_id": "install-1"}
        assert webhook_store.onboarding.get_repo_record(BACKFILL_RECORD, repo)["state"] == "queued"


def test_added_repositories_are_backfilled_and_removed_ones_cancelled(webhook_client, webhook_store):
    added = example("installation_repositories", "added")
    installation_id = added["installation"]["id"]
    names = [r["full_name"] for r in added["repositories_added"]]
    assert post(webhook_client, "installation_repositories", added).status_code == 202
    assert set(backfill_jobs(webhook_store)) == set(names)

    removed = dict(added, action="removed", repositories_added=[],
                   repositories_removed=[{"full_name": names[0]}])
    assert post(webhook_client, "installation_repositories", removed).status_code == 202
    assert names[0] not in backfill_jobs(webhook_store)
    assert names[0] in backfill_jobs(webhook_store, "cancelled")
    assert webhook_store.onboarding.get_repo_record(BACKFILL_RECORD, names[0])["state"] == "cancelled"
    assert names[0] not in webhook_store.installations.get(installation_id)["repositories"]


def test_deleting_the_installation_cancels_its_backfills(webhook_client, webhook_store):
    created = examples_for("installation")[1]
    post(webhook_client, "installation", created)
    deleted = {"action": "deleted", "installation": created["installation"]}
    assert post(webhook_client, "installation", deleted).status_code == 202
    assert backfill_jobs(webhook_store) == {}
    for repo in (r["full_name"] for r in created["repositories"]):
        assert webhook_store.onboarding.get_repo_record(BACKFILL_RECORD, repo)["state"] == "cancelled"
