"""Job payloads: typed on both sides of the queue, one encoding, refused clearly when a stored one is bad."""
from __future__ import annotations

import json

import pytest

from app import jobs
from prguard.store.sqlite import SQLiteStore

PAYLOADS = [
    jobs.ScorePullRequest("Octo/Widgets", 7, "a" * 40, 42, "d-1", force=True),
    jobs.MarkExpected("octo/widgets", 7, "a" * 40, 42, 1001, "octo-lead", "d-2", app_id=4242,
                      external_id="prguard:octo/widgets:" + "a" * 40),
    jobs.BackfillRepository("octo/widgets", 42, None),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.kind)
def test_a_payload_survives_the_store_unchanged(tmp_path, payload):
    store = SQLiteStore(tmp_path / "jobs.sqlite3")
    job_id = jobs.enqueue(store, payload)
    job = store.jobs.claim("w1", 60)
    assert job.id == job_id and job.kind == payload.kind
    assert jobs.decode(job.kind, job.payload) == payload
    assert store.jobs.get(job_id)["dedupe_key"] == payload.dedupe_key
    store.close()


def test_encoding_is_plain_json_with_the_dedupe_key_of_its_kind():
    spec = jobs.encode(PAYLOADS[0])
    assert json.loads(json.dumps(spec.payload)) == spec.payload
    assert spec.dedupe_key == jobs.score_dedupe_key("Octo/Widgets", 7, "a" * 40)
    assert spec.dedupe_key.startswith(jobs.pr_prefix("octo/widgets", 7))  # closing the PR cancels it
    assert jobs.encode(PAYLOADS[1]).dedupe_key.startswith("mark:")  # feedback survives a close
    assert jobs.encode(PAYLOADS[2]).dedupe_key == jobs.backfill_prefix("octo/widgets")


def test_stored_values_get_their_types_back_and_unknown_fields_are_ignored():
    stored = {"repo": "o/r", "number": "7", "head_sha": "b" * 40, "installation_id": "42", "force": 1,
              "added_by_a_newer_version": "x"}
    assert jobs.decode(jobs.SCORE_PULL_REQUEST, stored) == jobs.ScorePullRequest("o/r", 7, "b" * 40, 42, None, True)


def test_an_unknown_kind_or_a_missing_field_is_a_clear_error():
    with pytest.raises(jobs.BadJob, match="no job kind 'rescore'"):
        jobs.decode("rescore", {})
    with pytest.raises(jobs.BadJob, match="lacks its 'head_sha'"):
        jobs.decode(jobs.SCORE_PULL_REQUEST, {"repo": "o/r", "number": 1, "installation_id": 2})


def test_payloads_are_frozen():
    with pytest.raises(AttributeError):
        PAYLOADS[0].force = False
