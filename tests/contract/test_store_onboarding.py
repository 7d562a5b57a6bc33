"""Store contract: versioned repository profiles, per-repository records and named leases."""
from __future__ import annotations

import datetime as dt
import threading

import pytest

from prguard.store.onboarding import BACKFILL_RECORD, CONFIG_RECORD

T0 = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)


def profile(repo: str, prs: int) -> dict:
    return {"repo": repo, "pr_count": prs, "quantiles": {"log_changed_files": [0.1] * 21},
            "shares": {"touches_ci": 0.25}, "counts": {"log_changed_files": prs}, "version": "1"}


def test_profile_versions_count_up_per_repository_and_the_newest_wins(store):
    assert store.onboarding.get_profile("acme/web") is None and store.onboarding.get_profile_version("acme/web") is None
    assert store.onboarding.save_profile("acme/web", profile("acme/web", 12), "backfill", created_at=T0) == 1
    assert store.onboarding.save_profile("acme/api", profile("acme/api", 3), "preprocess") == 1
    assert store.onboarding.save_profile("Acme/Web", profile("acme/web", 40), "preprocess") == 2

    newest = store.onboarding.get_profile("ACME/web")
    assert (newest["version"], newest["source"], newest["pr_count"]) == (2, "preprocess", 40)
    assert newest["profile"] == profile("acme/web", 40)
    assert store.onboarding.get_profile_version("acme/web") == 2
    first = store.onboarding.get_profile("acme/web", version=1)
    assert (first["pr_count"], first["source"], first["created_at"]) == (12, "backfill", T0)
    assert store.onboarding.get_profile("acme/web", version=3) is None
    newest_versions = [(p["repo"].lower(), p["version"]) for p in store.onboarding.list_profiles()]
    assert newest_versions == [("acme/api", 1), ("acme/web", 2)]


def test_concurrent_profile_saves_get_distinct_versions(store):
    versions: list[int] = []

    def save():
        versions.append(store.onboarding.save_profile("acme/web", profile("acme/web", 5), "backfill"))

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(versions) == list(range(1, 9))


def test_repo_records_merge_fields_per_kind(store):
    assert store.onboarding.get_repo_record(BACKFILL_RECORD, "acme/web") is None
    saved = store.onboarding.save_repo_record(BACKFILL_RECORD, "acme/web", {"state": "queued", "installation_id": 7})
    assert saved["state"] == "queued" and saved["repo"] == "acme/web"
    assert saved["updated_at"].tzinfo is not None
    store.onboarding.save_repo_record(BACKFILL_RECORD, "ACME/web", {"state": "running", "pages": 3})
    store.onboarding.save_repo_record(CONFIG_RECORD, "acme/web", {"config": {"conclusion": "failure"}})
    store.onboarding.save_repo_record(BACKFILL_RECORD, "acme/api", {"state": "done"})

    record = store.onboarding.get_repo_record(BACKFILL_RECORD, "acme/WEB")
    assert (record["state"], record["installation_id"], record["pages"]) == ("running", 7, 3)
    assert store.onboarding.get_repo_record(CONFIG_RECORD, "acme/web")["config"] == {"conclusion": "failure"}
    assert [r["repo"].lower() for r in store.onboarding.list_repo_records(BACKFILL_RECORD)] == ["acme/api", "acme/web"]
    assert store.onboarding.delete_repo_record(CONFIG_RECORD, "acme/web") is True
    assert store.onboarding.delete_repo_record(CONFIG_RECORD, "acme/web") is False
    assert store.onboarding.get_repo_record(CONFIG_RECORD, "acme/web") is None
    assert store.onboarding.get_repo_record(BACKFILL_RECORD, "acme/web") is not None


def test_repo_records_refuse_values_that_are_not_json(store):
    with pytest.raises(ValueError, match="not plain JSON"):
        store.onboarding.save_repo_record(BACKFILL_RECORD, "acme/web", {"when": T0})
    assert store.onboarding.get_repo_record(BACKFILL_RECORD, "acme/web") is None


def test_a_lease_has_one_holder_until_it_expires_or_is_released(store):
    assert store.onboarding.acquire_lease("backfill:1", "w1", 60, now=T0) is True
    assert store.onboarding.acquire_lease("backfill:1", "w2", 60, now=T0 + dt.timedelta(seconds=59)) is False
    assert store.onboarding.acquire_lease("backfill:1", "w1", 60, now=T0 + dt.timedelta(seconds=59)) is True  # renewed
    assert store.onboarding.acquire_lease("backfill:1", "w2", 60, now=T0 + dt.timedelta(seconds=100)) is False
    assert store.onboarding.acquire_lease("backfill:1", "w2", 60, now=T0 + dt.timedelta(seconds=119)) is True  # expired
    assert store.onboarding.acquire_lease("backfill:2", "w1", 60, now=T0) is True  # another name is independent
    assert store.onboarding.release_lease("backfill:1", "w1") is False
    assert store.onboarding.release_lease("backfill:1", "w2") is True
    assert store.onboarding.acquire_lease("backfill:1", "w3", 60, now=T0 + dt.timedelta(seconds=120)) is True


def test_racing_owners_get_a_free_lease_exactly_once(store):
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def race(owner: str):
        barrier.wait()
        if store.onboarding.acquire_lease("backfill:9", owner, 60):
            winners.append(owner)

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
