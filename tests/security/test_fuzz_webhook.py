"""A fuzzer of the webhook endpoint with valid signatures: GitHub's own example deliveries of every event
PRGuard handles, mutated by hypothesis (values swapped for hostile ones, keys dropped, raw JSON tokens
such as NaN or lone surrogates spliced in, bodies cut short). At least 5,000 signed deliveries per run;
none may get a 5xx, a rejected one must leave no trace, and the service must be healthy afterwards.
The counts are printed for the record."""
from __future__ import annotations

import collections
import json
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.webhooks import example, headers

DELIVERIES_PER_EXAMPLE = 5
EXAMPLES = 1_050  # 5,250 deliveries
ANSWERED = {200, 202, 400}  # ping/duplicate, accepted/ignored, rejected: nothing else for signed JSON bodies

BASES = [
    ("pull_request", example("pull_request", "opened", index=1)),
    ("pull_request", example("pull_request", "synchronize")),
    ("pull_request", example("pull_request", "closed")),
    ("check_suite", example("check_suite", "rerequested")),
    ("check_suite", example("check_suite", "requested")),
    ("check_run", example("check_run", "rerequested")),
    ("check_run", example("check_run", "requested_action")),
    ("installation", example("installation", "created")),
    ("installation_repositories", example("installation_repositories", "added")),
    ("ping", example("ping", installation=False)),
    ("push", example("push")),
]


def paths(node, prefix=(), depth=0):
    """Every key path of a payload, to depth 7 (deep enough for pull_request.base.repo.owner.id)."""
    if depth > 7:
        return
    items = node.items() if isinstance(node, dict) else enumerate(node[:2]) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from paths(value, prefix + (key,), depth + 1)


PATHS = [sorted(paths(payload), key=repr) for _, payload in BASES]
TEXTS = [json.dumps(payload) for _, payload in BASES]
# The fields the handlers read are mutated more often than the rest of the payload.
READ = [("action",), ("installation", "id"), ("pull_request", "number"), ("pull_request", "head", "sha"),
        ("pull_request", "updated_at"), ("pull_request", "created_at"), ("pull_request", "base", "repo", "full_name"),
        ("repository", "full_name"), ("check_suite", "head_sha"), ("check_suite", "pull_requests"),
        ("check_run", "id"), ("check_run", "head_sha"), ("check_run", "pull_requests"),
        ("requested_action", "identifier"), ("repositories",), ("repositories_added",), ("sender", "login")]

hostile_text = st.text(st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Lu", "Ll", "Nd", "Po", "So"]), max_size=40)
times = st.builds(lambda y, mo, d, off: f"{y:04d}-{mo:02d}-{d:02d}T12:00:00{off}",
                  st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28),
                  st.sampled_from(["Z", "+23:59", "-23:59", "", "+00:00", "z"]))
values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**53 - 1, 2**53, 2**63]),
    st.floats(), hostile_text, times, st.from_regex(r"[0-9a-fA-F./#%]{0,70}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9._/\-]{0,24}", fullmatch=True),
    st.lists(st.integers(-5, 2**60), max_size=3), st.dictionaries(hostile_text, st.integers(), max_size=3),
    st.lists(st.fixed_dictionaries({"number": st.integers(-5, 2**60), "full_name": hostile_text}), max_size=3),
)
RAW_TOKENS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", str(2**63), "9" * 400, '"\\ud800"', '"\\udfff x"',
              '{"\\ud800": 1}', '"\\u0000"', '{"a":' * 200 + "1" + "}" * 200, "[" * 2000 + "]" * 2000, "01", "tru"]
MARK = "__fuzz_raw__"

mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10**6), values),
    st.tuples(st.just("set-read"), st.sampled_from(READ), values),
    st.tuples(st.just("drop"), st.integers(0, 10**6), st.none()),
    st.tuples(st.just("raw"), st.integers(0, 10**6), st.sampled_from(RAW_TOKENS)),
    st.tuples(st.just("cut"), st.integers(1, 10**6), st.none()),
    st.tuples(st.just("bytes"), st.integers(0, 10**6), st.binary(min_size=1, max_size=4)),
)


def _place(payload: dict, path: tuple, value, drop: bool = False) -> None:
    node = payload
    for key in path[:-1]:
        if isinstance(node, dict) and key in node or isinstance(node, list) and isinstance(key, int) \
                and key < len(node):
            node = node[key]
        else:
            return
    last = path[-1]
    if isinstance(node, dict):
        if drop:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = value


def mutated_body(base: int, changes) -> tuple[str, bytes]:
    event = BASES[base][0]
    payload = json.loads(TEXTS[base])  # a fresh copy, faster than deepcopy
    raw, cut, spliced = None, None, None
    for kind, where, value in changes:
        if kind == "set":
            _place(payload, PATHS[base][where % len(PATHS[base])], value)
        elif kind == "set-read":
            _place(payload, where, value)
        elif kind == "drop":
            _place(payload, PATHS[base][where % len(PATHS[base])], None, drop=True)
        elif kind == "raw":
            _place(payload, PATHS[base][where % len(PATHS[base])], MARK)
            raw = value
        elif kind == "cut":
            cut = where
        else:
            spliced = (where, value)
    body = json.dumps(payload).encode()  # floats('nan') and surrogates come out as NaN and \ud800 escapes
    if raw is not None:
        body = body.replace(json.dumps(MARK).encode(), raw.encode())
    if spliced is not None:
        at = spliced[0] % (len(body) + 1)
        body = body[:at] + spliced[1] + body[at:]
    if cut is not None:
        body = body[:cut % len(body)]
    return event, body


def test_5000_signed_malformed_deliveries_get_no_5xx_and_rejected_ones_leave_no_trace(webhook_client, webhook_store,
                                                                                      capsys):
    statuses: collections.Counter = collections.Counter()
    store = webhook_store

    def footprint():
        jobs = store.jobs.stats()
        return store.prs.count(), len(store.installations.list()), jobs.pending, jobs.running, jobs.dead

    last = [footprint()]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.integers(0, len(BASES) - 1), st.lists(mutation, min_size=0, max_size=3)),
                    min_size=DELIVERIES_PER_EXAMPLE, max_size=DELIVERIES_PER_EXAMPLE))
    def deliver(batch):
        for base, changes in batch:
            event, body = mutated_body(base, changes)
            delivery = str(uuid.uuid4())
            response = webhook_client.post("/webhooks/github", data=body,
                                           headers=headers(event, body, delivery_id=delivery))
            statuses[response.status_code] += 1
            assert response.status_code in ANSWERED, (response.status_code, body[:300])
            assert response.is_json
            now = footprint()
            if response.status_code == 400:
                assert response.json["error"]
                assert store.deliveries.get(delivery) is None, body[:300]
                assert now == last[0], body[:300]
            last[0] = now

    deliver()
    total = sum(statuses.values())
    with capsys.disabled():
        print(f"\nfuzz: {total} signed deliveries; statuses " +
              ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())) +
              f"; 5xx: {sum(c for s, c in statuses.items() if s >= 500)}")
    assert total >= 5_000
    assert statuses[400] > 1_000 and statuses[202] > 100  # the fuzzer reaches both sides of the checks
    # Healthy afterwards: alive, ready, metrics render, and a valid delivery is still accepted.
    assert webhook_client.get("/healthz").status_code == 200
    assert webhook_client.get("/readyz").status_code == 200
    assert webhook_client.get("/metrics").status_code == 200
    fresh = example("pull_request", "opened", index=1)
    fresh["pull_request"]["number"] = 999_999
    body = json.dumps(fresh).encode()
    response = webhook_client.post("/webhooks/github", data=body, headers=headers("pull_request", body))
    assert (response.status_code, response.json["outcome"]) == (202, "accepted")
