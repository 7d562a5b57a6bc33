"""Documents already stored are read defensively: a forged time or a document from before the webhook's
checks never raises in the feature code the worker and preprocess share, and never blocks a valid update."""
from __future__ import annotations

import json

import pytest

from prguard.features import extraction
from prguard.features.summary import summarize
from prguard.store.sqlite import SQLiteStore
from tests.contract.prs import pr_doc

FORGED_TIMES = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00", "1970-01-01T00:00:00Z",
                "2999-01-01T00:00:00Z", "not a time", 17, None]


@pytest.mark.parametrize("created_at", FORGED_TIMES)
def test_features_of_a_document_with_a_forged_time_are_computed(created_at):
    doc = pr_doc(created_at=created_at)
    assert summarize(doc).created_at is None  # treated as unknown, as a missing time is
    vector = extraction.extract(summarize(doc), extraction.GLOBAL_PROFILE)
    assert vector == extraction.extract(summarize(pr_doc()), extraction.GLOBAL_PROFILE)


def test_a_stored_document_from_before_the_checks_is_replaced_by_a_valid_update(settings):
    store = SQLiteStore(settings.sqlite_path)
    try:
        old = pr_doc(created_at="9999-12-31T23:59:59-23:59")
        store._db.execute("INSERT INTO pull_requests (pr_key, repo_key, repo, number, head_sha, updated_at, doc)"
                          " VALUES ('octo/repo#1', 'octo/repo', 'Octo/Repo', 1, ?, ?, ?)",
                          (old["head"]["sha"], "2024-05-01T12:00:00.000000Z", json.dumps(old)))
        store._db.commit()
        assert store.prs.upsert(pr_doc(updated_at="2024-05-02T12:00:00Z")) is True
        assert store.prs.get("Octo/Repo", 1)["updated_at"] == "2024-05-02T12:00:00Z"
    finally:
        store.close()
