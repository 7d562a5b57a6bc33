"""Signed but malformed deliveries from issue 9's attack report: each gets 400 with a clear message and
leaves no trace (no delivery claim, no PR, no installation row, no job); a valid one still goes through."""
from __future__ import annotations

import json

import pytest

from tests.security.conftest import assert_no_trace
from tests.support.webhooks import example, headers

MARK = "__prguard_raw__"
DELIVERY = "attack-delivery"


def raw_body(payload: dict, raw: str) -> bytes:
    """The payload as JSON with the string MARK replaced by ``raw`` JSON text (NaN, 1e999, ...)."""
    text = json.dumps(payload)
    assert f'"{MARK}"' in text
    return text.replace(f'"{MARK}"', raw).encode()


def send(client, event: str, body: bytes):
    return client.post("/webhooks/github", data=body, headers=headers(event, body, delivery_id=DELIVERY))


def opened() -> dict:
    return example("pull_request", "opened", index=1)


def with_pr(**fields) -> dict:
    payload = opened()
    payload["pull_request"].update(fields)
    return payload


def with_head_sha(sha) -> dict:
    payload = opened()
    payload["pull_request"]["head"]["sha"] = sha
    return payload


def with_repo(name) -> dict:
    payload = opened()
    payload["pull_request"]["base"]["repo"]["full_name"] = name
    return payload


def nested(depth: int) -> bytes:
    """An opened PR with an extra field ``depth`` objects deep (built as text: json.dumps would recurse)."""
    return raw_body(with_pr(extra=MARK), '{"x":' * depth + "{}" + "}" * depth)


def check_run(sha: str) -> dict:
    payload = example("check_run", "rerequested")
    payload["check_run"]["head_sha"] = sha
    return payload


# name -> (event, body, a phrase the error must contain)
RAW_CASES = {
    "NaN number": ("pull_request", raw_body(with_pr(additions=MARK), "NaN"), "NaN"),
    "Infinity number": ("pull_request", raw_body(with_pr(deletions=MARK), "-Infinity"), "Infinity"),
    "1e999 overflows a float": ("pull_request", raw_body(with_pr(additions=MARK), "1e999"), "out of range"),
    "integer of 2^63": ("pull_request", raw_body(with_pr(id=MARK), str(2**63)), "out of range"),
    "integer of 5000 digits": ("pull_request", raw_body(with_pr(id=MARK), "9" * 5000), "out of range"),
    "lone surrogate in the title": ("pull_request", raw_body(with_pr(title=MARK), '"\\ud800"'), "surrogate"),
    "lone surrogate in the action": ("pull_request", json.dumps({**opened(), "action": "\ud800"}).encode(),
                                     "surrogate"),
    "lone surrogate in a key": ("pull_request", raw_body(with_pr(labels=MARK), '{"\\udfff": 1}'), "surrogate"),
    "raw UTF-8 surrogate bytes": ("pull_request", raw_body(with_pr(title=MARK), '"x"').replace(b'"x"', b'"\xed\xa0\x80"'),
                                  "UTF-8"),
    "1,000 levels of nesting": ("pull_request", nested(1000), "nested"),
    "100 levels of nesting": ("pull_request", nested(100), "nested"),
    "100,000 levels of brackets": ("pull_request", b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
    "NUL in a key": ("pull_request", json.dumps(with_pr(labels={"a\u0000b": 1})).encode(), "NUL"),
}

FIELD_CASES = {
    "year-overflow created_at": ("pull_request", with_pr(created_at="9999-12-31T23:59:59-23:59"), "created_at"),
    "year-0001 updated_at with an offset": ("pull_request", with_pr(updated_at="0001-01-01T00:00:00+01:00"),
                                            "updated_at"),
    "updated_at in 1999": ("pull_request", with_pr(updated_at="1999-12-31T23:59:59Z"), "updated_at"),
    "updated_at next year": ("pull_request", with_pr(updated_at="2999-01-01T00:00:00Z"), "updated_at"),
    "merged_at not a time": ("pull_request", with_pr(merged_at="yesterday"), "merged_at"),
    "head.sha walking the API path": ("pull_request", with_head_sha("../../../../app/installations#"), "head.sha"),
    "head.sha too short": ("pull_request", with_head_sha("abc123"), "head.sha"),
    "head.sha upper case": ("pull_request", with_head_sha("A" * 40), "head.sha"),
    "head.sha of 41 characters": ("pull_request", with_head_sha("a" * 41), "head.sha"),
    "number of 2^53": ("pull_request", with_pr(number=2**53), "number"),
    "number zero": ("pull_request", with_pr(number=0), "number"),
    "number true": ("pull_request", with_pr(number=True), "number"),
    "repository '..'": ("pull_request", with_repo("octo/.."), "full_name"),
    "repository with a slash too many": ("pull_request", with_repo("octo/repo/../../app"), "full_name"),
    "repository with a space": ("pull_request", with_repo("octo/re po"), "full_name"),
    "owner starting with a hyphen": ("pull_request", with_repo("-octo/repo"), "full_name"),
    "installation id of 2^53": ("pull_request", {**opened(), "installation": {"id": 2**53}}, "installation.id"),
    "installation id negative": ("pull_request", {**opened(), "installation": {"id": -1}}, "installation.id"),
    "check_run head_sha walking the API path": ("check_run", check_run("../../app/installations#"), "head_sha"),
    "check_run id of 2^53": ("check_run", {**check_run("a" * 40),
                                           "check_run": {**check_run("a" * 40)["check_run"], "id": 2**53}},
                             "check_run.id"),
    "check_suite pull request number of 2^60": (
        "check_suite", {**example("check_suite", "rerequested"),
                        "check_suite": {**example("check_suite", "rerequested")["check_suite"],
                                        "pull_requests": [{"number": 2**60}]}}, "number"),
    "installation repository '..'": ("installation", {**example("installation", "created"),
                                                      "repositories": [{"full_name": "octo/.."}]}, "full_name"),
    "added repository with a path": ("installation_repositories",
                                     {**example("installation_repositories", "added"),
                                      "repositories_added": [{"full_name": "octo/x/../../y"}]}, "full_name"),
}


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_malformed_json_is_400_with_no_trace(webhook_client, webhook_store, case):
    event, body, phrase = RAW_CASES[case]
    response = send(webhook_client, event, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert phrase in response.json["error"]
    assert_no_trace(webhook_store, DELIVERY)


@pytest.mark.parametrize("case", list(FIELD_CASES))
def test_fields_outside_githubs_rules_are_400_with_no_trace(webhook_client, webhook_store, case):
    event, payload, phrase = FIELD_CASES[case]
    response = send(webhook_client, event, json.dumps(payload).encode())
    assert response.status_code == 400, response.get_data(as_text=True)
    assert phrase in response.json["error"]
    assert_no_trace(webhook_store, DELIVERY)


def test_a_redelivery_after_a_rejected_nan_payload_is_processed_at_once(webhook_client, webhook_store):
    # The NaN payload used to leave the delivery "processing" (409 for 60 s) and an installation row.
    assert send(webhook_client, "pull_request", RAW_CASES["NaN number"][1]).status_code == 400
    response = send(webhook_client, "pull_request", json.dumps(opened()).encode())
    assert (response.status_code, response.json["outcome"]) == (202, "accepted")
    assert webhook_store.prs.count() == 1


def test_githubs_own_shapes_stay_accepted(webhook_client, webhook_store):
    payload = opened()
    payload["pull_request"]["head"]["sha"] = "ab" * 32  # a SHA-256 repository
    payload["pull_request"]["base"]["repo"]["full_name"] = "octo-org/.github"
    payload["pull_request"]["title"] = "emoji \U0001f600 and escapes \u00e9"
    payload["pull_request"]["id"] = 2**53 - 1  # other ids are stored as sent; only those read are bounded
    response = send(webhook_client, "pull_request", json.dumps(payload).encode())
    assert (response.status_code, response.json["outcome"]) == (202, "accepted"), response.json
