"""The metrics the alerts and the dashboard need: rate-limit hits by kind, the champion's age, flagged PRs
per repository with a bounded number of series."""
from __future__ import annotations

import dataclasses
import time

import pytest

from app import metrics
from prguard.github import GitHubApp
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES

app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github
REPO = "acme/web"
PULL = r"/repos/acme/web/pulls/1$"


def sample(name, **labels):
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_rate_limit_answers_are_counted_as_primary_or_secondary(fake_github):
    fake_github.add_installation(7, "acme", [REPO])
    fake_github.add_pull(REPO, 1, title="Hello")
    seen = []
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url,
                    policy=dataclasses.replace(FAST_RETRIES, secondary_wait=0.0, max_wait=60), sleep=lambda s: None,
                    timeout=(2.0, 2.0), limit_observer=seen.append)
    client = app.installation(7)
    fake_github.fail_next(PULL, 403)  # GitHub's secondary-limit message, no headers
    fake_github.fail_next(PULL, 429, headers={"retry-after": "1"})
    fake_github.fail_next(PULL, 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()))},
                          body={"message": "API rate limit exceeded for installation ID 7."})
    assert client.get_pull_request(REPO, 1)["title"] == "Hello"
    assert seen == ["secondary", "secondary", "primary"]
    client.close()


def test_a_forbidden_answer_is_not_a_rate_limit(fake_github):
    fake_github.add_installation(7, "acme", [REPO])
    fake_github.add_pull(REPO, 1)
    seen = []
    app = GitHubApp(fake_github.app_id, fake_github.private_key_pem, fake_github.base_url, policy=FAST_RETRIES,
                    sleep=lambda s: None, timeout=(2.0, 2.0), limit_observer=seen.append)
    client = app.installation(7)
    fake_github.fail_next(PULL, 403, body={"message": "Resource not accessible by integration"})
    with pytest.raises(Exception):
        client.get_pull_request(REPO, 1)
    assert seen == []
    client.close()


def test_rate_limit_counter_by_limit():
    before = sample("prguard_github_rate_limited_total", limit="secondary")
    metrics.count_rate_limited("secondary")
    assert sample("prguard_github_rate_limited_total", limit="secondary") == before + 1


def test_champion_version_and_registration_time_are_exported():
    metrics.set_champion("test-model", "4", 1_700_000_000.5)
    assert sample("prguard_model_version", model="test-model") == 4
    assert sample("prguard_champion_registered_timestamp_seconds", model="test-model") == 1_700_000_000.5
    metrics.set_champion("test-model", None, None)
    assert sample("prguard_model_version", model="test-model") == 0
    assert sample("prguard_champion_registered_timestamp_seconds", model="test-model") == 0


def test_flagged_prs_are_labelled_by_repository_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(metrics, "_labelled_repositories", set())
    monkeypatch.setattr(metrics, "MAX_REPOSITORY_LABELS", 2)
    for repository in ("a/one", "a/two", "a/three", "a/one", None):
        metrics.count_scored(True, "neutral", repository)
    metrics.count_scored(False, "success", "a/four")  # usual PRs are not flagged, and take no label
    assert metrics._labelled_repositories == {"a/one", "a/two"}
    assert sample("prguard_pull_requests_flagged_total", repository="a/three", conclusion="neutral") == 0
    assert sample("prguard_pull_requests_flagged_total", repository="other", conclusion="neutral") >= 2
