"""prguard.validation: the strict JSON reader agrees with json.loads on GitHub's payloads and refuses the rest;
the field rules accept GitHub's shapes and nothing that could walk an API path or overflow a reader."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prguard import validation
from tests.support.npm_packages import examples_for

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("event", ["pull_request", "check_run", "check_suite", "installation",
                                   "installation_repositories", "ping"])
def test_githubs_example_payloads_read_as_json_loads_reads_them(event):
    for payload in examples_for(event):
        for body in (json.dumps(payload), json.dumps(payload, ensure_ascii=False)):
            assert validation.loads(body.encode()) == json.loads(body)


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "1e400", "-1e400",
                                  str(2**63), str(-2**63 - 1), "1" * 30, '"\\ud800"', '{"\\udc00": 1}',
                                  '"\\ude00\\ud83d"', "[" * 65 + "]" * 65, "[" * 5000 + "]" * 5000,
                                  '{"a\\u0000": 1}', "", "{", "\ufeff{}"])
def test_loads_refuses_what_no_store_or_reader_can_hold(text):
    with pytest.raises(validation.InvalidJSON):
        validation.loads(text)


def test_loads_refuses_bytes_that_are_not_utf8_with_the_position():
    with pytest.raises(validation.InvalidJSON, match="not UTF-8 \\(byte 7\\)"):
        validation.loads(b'{"a": "\xed\xa0\x80"}')


@pytest.mark.parametrize("text,value", [(str(2**63 - 1), 2**63 - 1), (str(-2**63 + 1), -2**63 + 1),
                                        ("1e308", 1e308), ('"\\ud83d\\ude00"', "\U0001f600"),
                                        ("[" * 64 + "]" * 64, None), ('"a\\u0000b"', "a\x00b")])
def test_loads_keeps_every_value_a_store_can_hold(text, value):
    parsed = validation.loads(text)
    if value is not None:
        assert parsed == value


def test_loads_never_raises_anything_but_invalid_json():
    for text in ("[1,]", "{'a': 1}", "01", "tru", "[1] [2]", "\x00"):
        with pytest.raises(validation.InvalidJSON, match="line 1 column"):
            validation.loads(text)


@pytest.mark.parametrize("sha", ["a" * 40, "0123456789abcdef" * 4])
def test_sha_accepts_sha1_and_sha256_object_names(sha):
    assert validation.sha(sha, "head.sha") == sha


@pytest.mark.parametrize("sha", ["", "a" * 39, "a" * 41, "A" * 40, "g" * 40, "a" * 40 + "\n", None, 1,
                                 "../../../../app/installations#"])
def test_sha_refuses_anything_else_naming_the_field(sha):
    with pytest.raises(ValueError, match="'head.sha' must be a commit SHA"):
        validation.sha(sha, "head.sha")


@pytest.mark.parametrize("name", ["octo/repo", "Octo-Org/.github", "a/b", "x" * 39 + "/" + "y" * 100,
                                  "octo/repo.js", "octo/_under", "octo/..."])
def test_full_name_accepts_githubs_names(name):
    assert validation.full_name(name, "repository.full_name") == name


@pytest.mark.parametrize("name", ["octo", "octo/", "/repo", "octo/..", "octo/.", "octo/a/b", "-octo/repo",
                                  "x" * 40 + "/repo", "octo/" + "y" * 101, "octo/re po", "octo/repo\n",
                                  "octo/rep%2e", None, 7])
def test_full_name_refuses_what_is_not_a_repository(name):
    with pytest.raises(ValueError, match="'repository.full_name' must be a repository name"):
        validation.full_name(name, "repository.full_name")


@pytest.mark.parametrize("value", [1, 2**53 - 1])
def test_github_id_accepts_javascript_safe_positive_integers(value):
    assert validation.github_id(value, "number") == value and validation.is_github_id(value)


@pytest.mark.parametrize("value", [0, -1, 2**53, True, 1.0, "1", None])
def test_github_id_refuses_the_rest(value):
    assert not validation.is_github_id(value)
    with pytest.raises(ValueError, match="'number' must be a positive integer below 2\\^53"):
        validation.github_id(value, "number")


@pytest.mark.parametrize("text,expected", [
    ("2024-05-01T12:00:00Z", dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)),
    ("2024-05-01T14:00:00+02:00", dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)),
    ("2024-05-01T12:00:00", dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone.utc)),
    ("2000-01-01T00:00:00Z", validation.EARLIEST_TIME),
    ("2026-06-01T23:59:59Z", dt.datetime(2026, 6, 1, 23, 59, 59, tzinfo=dt.timezone.utc)),
])
def test_timestamp_reads_githubs_times_as_utc(text, expected):
    assert validation.timestamp(text, "updated_at", now=NOW) == expected


@pytest.mark.parametrize("text", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00",
                                  "1999-12-31T23:59:59Z", "2026-06-02T00:00:01Z", "yesterday", "", None,
                                  1714564800, "2024-05-01T12:00:00Z" + " " * 40])
def test_timestamp_refuses_times_outside_the_range_and_never_overflows(text):
    with pytest.raises(ValueError, match="'updated_at' must be"):
        validation.timestamp(text, "updated_at", now=NOW)


# ---- the fast path (orjson) answers exactly as the reference reader -----------------------------------
_json_values = st.recursive(
    st.none() | st.booleans() | st.text() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-2**66, max_value=2**66) | st.sampled_from([2**63 - 1, 2**63, 2**64, -2**63]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=25)


def _answer(read, data):
    try:
        return "value", read(data)
    except validation.InvalidJSON as exc:
        return "refused", str(exc)


@settings(max_examples=400, deadline=None)
@given(value=_json_values, ascii_only=st.booleans(), as_bytes=st.booleans())
def test_loads_answers_as_the_reference_reader_on_any_json(value, ascii_only, as_bytes):
    text = json.dumps(value, ensure_ascii=ascii_only)
    data = text.encode("utf-8", "surrogatepass") if as_bytes else text
    assert _answer(validation.loads, data) == _answer(validation._strict_loads, data)


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet='[]{}",:0123456789.eE-+ \\untrufalsd\ud800\x00', max_size=40))
def test_loads_answers_as_the_reference_reader_on_any_text(text):
    for data in (text, text.encode("utf-8", "surrogatepass")):
        assert _answer(validation.loads, data) == _answer(validation._strict_loads, data)


@pytest.mark.parametrize("text", ["[" * 64 + "]" * 64, "[" * 65 + "]" * 65, str(2**63 - 1), str(2**63),
                                  str(2**64), str(-2**63), "1e19", "-1e19", '{"a\\u0000": 1}', '"\\u00e9"'])
def test_loads_at_every_limit_answers_as_the_reference_reader(text):
    assert _answer(validation.loads, text.encode()) == _answer(validation._strict_loads, text.encode())


@pytest.mark.parametrize("event", ["pull_request", "check_run", "installation"])
def test_githubs_example_payloads_are_read_by_the_fast_path(event):
    # The fast path is the point: a GitHub delivery must not fall through to the reference reader.
    for payload in examples_for(event):
        body = json.dumps(payload, ensure_ascii=False).encode()
        assert validation._fast_loads(body) is not validation._UNSETTLED
