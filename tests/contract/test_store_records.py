"""Store contract: deliveries, installations, scores, check runs, watermarks and feedback labels."""
from __future__ import annotations

import datetime as dt

import pytest

from prguard.store import docs
from prguard.store.base import utcnow

T0 = dt.datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)


def test_a_delivery_is_recorded_once(store):
    assert store.deliveries.claim("d-1", "pull_request", "opened") is True
    assert store.deliveries.claim("d-1", "pull_request", "opened") is False
    assert store.deliveries.claim("d-2", "ping", None, received_at=T0) is True


def seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def test_a_stuck_delivery_is_reclaimable_after_the_grace_period_not_before(store):
    assert store.deliveries.claim("d-1", "pull_request", "opened", received_at=T0, reclaim_after=60)
    stuck = store.deliveries.get("d-1")
    assert (stuck["state"], stuck["claims"], stuck["completed_at"]) == ("processing", 1, None)
    assert stuck["received_at"] == stuck["claimed_at"] == docs.as_utc(T0)
    assert not store.deliveries.claim("d-1", "pull_request", "opened", received_at=T0 + seconds(59.999),
                                      reclaim_after=60)
    assert store.deliveries.claim("d-1", "pull_request", "opened", received_at=T0 + seconds(60),
                                  reclaim_after=60)
    taken = store.deliveries.get("d-1")
    assert (taken["state"], taken["claims"]) == ("processing", 2)
    assert (taken["received_at"], taken["claimed_at"]) == (docs.as_utc(T0), docs.as_utc(T0 + seconds(60)))
    # The grace period runs from the latest claim, and the caller chooses its length.
    assert not store.deliveries.claim("d-1", "pull_request", "opened", received_at=T0 + seconds(119),
                                      reclaim_after=60)
    assert store.deliveries.claim("d-1", "pull_request", "opened", received_at=T0 + seconds(65),
                                  reclaim_after=5)


def test_a_completed_delivery_is_never_reclaimed(store):
    assert store.deliveries.claim("d-1", "check_suite", "requested", received_at=T0)
    assert store.deliveries.complete("d-1", completed_at=T0 + seconds(1)) is True
    assert store.deliveries.complete("d-1") is False  # already done
    done = store.deliveries.get("d-1")
    assert (done["state"], done["completed_at"], done["event"]) == (
        "done", docs.as_utc(T0 + seconds(1)), "check_suite")
    for later in (seconds(2), seconds(3600), dt.timedelta(days=400)):
        assert not store.deliveries.claim("d-1", "check_suite", "requested", received_at=T0 + later,
                                          reclaim_after=1)
    assert store.deliveries.get("d-1")["claims"] == 1


def test_unknown_deliveries_and_bad_grace_periods(store):
    assert store.deliveries.get("nope") is None
    assert store.deliveries.complete("nope") is False
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="reclaim_after"):
            store.deliveries.claim("d-1", "ping", None, reclaim_after=bad)
    assert store.deliveries.get("d-1") is None  # nothing recorded by a refused call


def test_installations(store):
    assert store.installations.get(7) is None
    store.installations.upsert(7, "octo-org", repositories=["octo-org/b", "octo-org/a"])
    inst = store.installations.get(7)
    assert (inst["id"], inst["account"], inst["status"], inst["repositories"]) == (
        7, "octo-org", "active", ["octo-org/a", "octo-org/b"])
    assert inst["updated_at"].tzinfo is not None
    store.installations.update_repositories(7, added=["octo-org/c"], removed=["octo-org/a"])
    assert store.installations.get(7)["repositories"] == ["octo-org/b", "octo-org/c"]
    store.installations.upsert(7, "octo-org", status="suspended")  # no list given: the list is kept
    assert store.installations.get(7)["repositories"] == ["octo-org/b", "octo-org/c"]
    store.installations.upsert(8, "someone")
    assert store.installations.get(8)["repositories"] == []
    assert [i["id"] for i in store.installations.list()] == [7, 8]
    assert [i["id"] for i in store.installations.list("suspended")] == [7]
    store.installations.upsert(7, "octo-org", status="deleted", repositories=[])
    assert store.installations.get(7)["repositories"] == [] and store.installations.list("suspended") == []
    store.installations.update_repositories(9, added=["x/y"], removed=[])
    assert store.installations.get(9)["repositories"] == ["x/y"]


def score(sha="a" * 40, value=0.5, **extra):
    record = {"repo": "Octo/Repo", "number": 1, "head_sha": sha, "score": value, "threshold": 1.0,
              "anomalous": value > 1.0, "model_version": "3", "reasons": [{"feature": "files", "z": 2.5}]}
    record.update(extra)
    return record


def test_latest_score_per_head_sha(store):
    assert store.checks.get_score("octo/repo", "a" * 40) is None
    store.checks.save_score(score(scored_at=T0))
    stored = store.checks.get_score("octo/repo", "a" * 40)
    assert stored == {**score(), "scored_at": T0.replace(microsecond=123000)}
    store.checks.save_score(score(value=2.0))
    latest = store.checks.get_score("OCTO/REPO", "a" * 40)
    assert latest["score"] == 2.0 and latest["anomalous"] is True
    assert latest["scored_at"] > T0 - dt.timedelta(days=3650) and latest["scored_at"] <= utcnow()
    assert store.checks.get_score("octo/repo", "b" * 40) is None


def check_run(sha, **fields):
    record = {"repo": "Octo/Repo", "number": 1, "head_sha": sha, "external_id": f"prguard:{sha}",
              "check_run_id": None, "status": "in_progress", "conclusion": None, "title": "Scoring",
              "summary": "", "text": "", "annotations": [], "posted": False, "model_version": "3"}
    record.update(fields)
    return record


def test_one_check_run_per_head_sha_updated_in_place(store):
    store.checks.save_run(check_run("a" * 40, updated_at=T0))
    store.checks.save_run({"repo": "octo/repo", "head_sha": "a" * 40, "status": "completed",
                          "conclusion": "neutral", "check_run_id": 42, "updated_at": T0 + dt.timedelta(seconds=5)})
    record = store.checks.get_run("Octo/Repo", "a" * 40)
    assert (record["status"], record["conclusion"], record["check_run_id"], record["title"]) == (
        "completed", "neutral", 42, "Scoring")  # fields not given are kept
    assert record["updated_at"] == (T0 + dt.timedelta(seconds=5)).replace(microsecond=123000)
    store.checks.save_run(check_run("b" * 40, updated_at=T0 + dt.timedelta(seconds=10)))
    store.checks.save_run(check_run("c" * 40, repo="other/repo", updated_at=T0 + dt.timedelta(seconds=1)))
    assert [r["head_sha"] for r in store.checks.list_runs()] == ["b" * 40, "a" * 40, "c" * 40]
    assert [r["head_sha"] for r in store.checks.list_runs(limit=1)] == ["b" * 40]
    assert [r["head_sha"] for r in store.checks.list_runs("OCTO/repo")] == ["b" * 40, "a" * 40]
    assert store.checks.get_run("octo/repo", "d" * 40) is None


def test_watermarks(store):
    assert store.watermarks.get("octo/repo") is None
    store.watermarks.set("Octo/Repo", {"updated_at": "2024-05-01T00:00:00Z", "cursor": None, "pages": 3})
    assert store.watermarks.get("octo/repo") == {"updated_at": "2024-05-01T00:00:00Z", "cursor": None, "pages": 3}
    store.watermarks.set("octo/repo", {"updated_at": "2024-06-01T00:00:00Z", "cursor": "abc"})
    assert store.watermarks.get("OCTO/REPO") == {"updated_at": "2024-06-01T00:00:00Z", "cursor": "abc"}


def test_feedback_one_label_per_pr_head(store):
    store.feedback.add("Octo/Repo", 1, "a" * 40, "expected", user="maintainer")
    store.feedback.add("octo/repo", 1, "a" * 40, "expected", user="someone-else")
    store.feedback.add("Octo/Repo", 1, "b" * 40, "expected")
    store.feedback.add("x/y", 2, "c" * 40, "expected", user="u")
    labels = store.feedback.list("octo/repo")
    assert [(f["repo"], f["number"], f["head_sha"], f["user"]) for f in labels] == [
        ("Octo/Repo", 1, "a" * 40, "maintainer"), ("Octo/Repo", 1, "b" * 40, None)]
    assert all(f["label"] == "expected" and f["created_at"].tzinfo is not None for f in labels)
    assert len(store.feedback.list()) == 3
