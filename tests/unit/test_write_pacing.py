"""Pacing arithmetic and the GitHub client's use of the store's pacer for installation writes."""
from __future__ import annotations

import dataclasses

import pytest

from prguard.github import GitHubApp
from prguard.store.pacing import PaceState, PaceTerms, reserve
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES

fake_github = fixtures.fake_github
app_private_key = fixtures.app_private_key


@pytest.mark.parametrize("per_hour, burst, emission", [(500, 100, 9.0), (80, 16, 56.25), (2, 1, 3600.0)])
def test_hourly_caps_turn_into_a_burst_and_a_spacing(per_hour, burst, emission):
    terms = PaceTerms.for_hourly_cap(per_hour)
    assert terms.emission == pytest.approx(emission)
    assert terms.tolerance == pytest.approx((burst - 1) * emission)


def test_an_hourly_cap_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        PaceTerms.for_hourly_cap(1)


def test_reserving_from_an_empty_schedule_starts_now():
    start, after = reserve(PaceState(), 100.0, 1.0, PaceTerms(emission=9.0, tolerance=0.0))
    assert (start, after) == (100.0, PaceState(next_at=101.0, arrival=109.0))
    start, _ = reserve(after, 100.5, 1.0, PaceTerms(emission=9.0, tolerance=0.0))
    assert start == 109.0  # no burst credit: the hourly spacing rules


class Pacer:
    """Stands in for store.pacing.reserve: records each reservation and asks for a fixed wait."""

    def __init__(self, wait: float):
        self.wait = wait
        self.calls: list[tuple] = []

    def __call__(self, installation_id, interval, per_hour, now):
        self.calls.append((installation_id, interval, per_hour))
        return self.wait


def test_installation_writes_wait_for_the_slot_the_store_reserves(fake_github):
    fake_github.add_installation(7, "acme", ["acme/web"])
    sleeps, pacer = [], Pacer(wait=0.75)
    policy = dataclasses.replace(FAST_RETRIES, min_write_interval=1.0, writes_per_hour=300)
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url, policy=policy,
                    sleep=sleeps.append, write_pacer=pacer)
    client = app.installation(7)
    body = {"name": "PRGuard", "head_sha": "c" * 40, "external_id": "acme/web#1@" + "c" * 40,
            "status": "completed", "conclusion": "success"}
    client.create_check_run("acme/web", body)       # the token mint POST is not content: unpaced
    client.list_check_runs_for_ref("acme/web", "c" * 40)  # a read: unpaced
    assert pacer.calls == [(7, 1.1, 300)]  # 1 s apart at GitHub: scheduled with the arrival guard
    # The store's wait, less the moments the reservation itself took (counted from the same clock).
    assert len(sleeps) == 1 and 0.7 < sleeps[0] <= 0.75
    client.close()
