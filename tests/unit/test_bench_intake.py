"""The intake benchmark's parts that can be checked without load: its report parsing and its bodies."""
from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from perf.bench_intake import write_bodies
from perf.intake.report import parse_wrk, spread
from tests.support.webhooks import SECRET

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8000
  2 threads and 16 connections
WRK_REPORT {"requests": 30000, "duration_us": 15000000, "connect": 0, "read": 1, "write": 0, "status": 2, \
"timeout": 0, "p50_us": 8250, "p99_us": 41000, "max_us": 90500}
"""


def test_the_wrk_report_line_gives_rate_latencies_and_every_kind_of_error():
    result = parse_wrk(WRK_OUTPUT)
    assert (result.requests, result.per_second, result.errors) == (30000, 2000.0, 3)
    assert (result.p50_ms, result.p99_ms, result.max_ms) == (8.25, 41.0, 90.5)


def test_output_without_a_report_is_an_error_that_shows_it():
    with pytest.raises(ValueError, match="unable to connect"):
        parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused")


def test_spread_is_min_median_max():
    assert spread([3.0, 1.0, 2.0]) == "1.0/2.0/3.0"
    assert spread([1500.4, 980.0, 2061.2]) == "980/1,500/2,061"
    assert spread([0.141, 0.5, 0.18], 2) == "0.14/0.18/0.50"


def test_each_body_is_a_different_pr_signed_over_its_own_bytes(tmp_path):
    size = write_bodies(tmp_path / "bodies.txt", 3)
    lines = (tmp_path / "bodies.txt").read_bytes().splitlines()
    assert len(lines) == 3 and size > 20_000
    numbers = set()
    for line in lines:
        signature, body = line.split(b"\t", 1)
        assert signature.decode() == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        payload = json.loads(body)
        assert payload["number"] == payload["pull_request"]["number"]
        numbers.add((payload["number"], payload["pull_request"]["head"]["sha"]))
    assert {number for number, _ in numbers} == {1, 2, 3} and len({sha for _, sha in numbers}) == 3
