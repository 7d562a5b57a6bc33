"""Retries and rate limits against the fake GitHub: what is retried, how long it waits, what is not."""
from __future__ import annotations

import dataclasses
import time

import pytest

from prguard.github import GitHubApp, GitHubError, RateLimitWaitTooLong, graphql_url
from tests.fakes.fake_github import FakeGitHub
from tests.fakes.graphql_api import github_schema
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES

# The fake GitHub's fixtures (tests/fakes/fixtures.py), used by the tests below.
app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github

REPO = "acme/web"
PULL = r"/repos/acme/web/pulls/1$"


class Sleeps(list):
    """Records the waits the client asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def installed(fake_github):
    github_schema()  # built before any client timeout is running (~2 s, once per session)
    fake_github.add_installation(7, "acme", [REPO])
    fake_github.add_pull(REPO, 1, title="Hello", files=[{"filename": f"f{i}.py"} for i in range(250)])
    return fake_github


def client_for(fake, sleeps=None, **policy):
    app = GitHubApp(fake.app_id, fake.private_key_pem, fake.base_url,
                    policy=dataclasses.replace(FAST_RETRIES, **policy), sleep=Sleeps() if sleeps is None else sleeps,
                    timeout=(2.0, 0.5))
    client = app.installation(7)
    client.get_pull_request(REPO, 1)  # mint the token up front so counts below are about the call itself
    fake.clear_log()
    return client


def statuses(fake, path=PULL):
    return [r["status"] for r in fake.requests if r["path"].endswith(path.strip("$").split("/")[-1])]


def test_server_errors_are_retried_with_growing_backoff(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps)
    installed.fail_next(PULL, 500, count=2)
    assert client.get_pull_request(REPO, 1)["title"] == "Hello"
    assert installed.request_count(PULL) == 3
    assert sleeps == [0.01, 0.02]
    client.close()


def test_secondary_rate_limit_waits_for_retry_after(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps)
    installed.fail_next(PULL, 403, headers={"retry-after": "3"})
    assert client.get_pull_request(REPO, 1)["number"] == 1
    assert sleeps == [3.0] and installed.request_count(PULL) == 2
    client.close()


def test_secondary_limit_message_without_headers_waits_the_default(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps, secondary_wait=1.5)
    installed.fail_next(PULL, 403)  # body: "You have exceeded a secondary rate limit..."
    installed.fail_next(PULL, 429, headers={"retry-after": "2"})
    client.get_pull_request(REPO, 1)
    assert sleeps == [1.5, 2.0]
    client.close()


def test_exhausted_primary_limit_waits_until_reset(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps, max_wait=60)
    reset = int(time.time()) + 20
    installed.fail_next(PULL, 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                        body={"message": "API rate limit exceeded for installation ID 7."})
    client.get_pull_request(REPO, 1)
    assert len(sleeps) >= 1 and 18 <= sleeps[0] <= 22
    client.close()


def test_a_wait_beyond_the_bound_fails_fast(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps, max_wait=5)
    installed.fail_next(PULL, 403, headers={"retry-after": "120"})
    with pytest.raises(RateLimitWaitTooLong) as caught:
        client.get_pull_request(REPO, 1)
    assert caught.value.wait_seconds == 120 and sleeps == []
    client.close()


@pytest.mark.parametrize("status", [404, 422, 403])
def test_other_client_errors_are_not_retried(installed, status):
    client = client_for(installed)
    installed.fail_next(PULL, status, body={"message": "nope"})
    with pytest.raises(GitHubError) as caught:
        client.get_pull_request(REPO, 1)
    assert caught.value.status == status and installed.request_count(PULL) == 1
    client.close()


def test_a_rejected_check_run_is_not_retried(installed):
    client = client_for(installed)
    with pytest.raises(GitHubError) as caught:  # completed without a conclusion: GitHub answers 422
        client.create_check_run(REPO, {"name": "PRGuard", "head_sha": "a" * 40, "status": "completed"})
    assert caught.value.status == 422 and installed.request_count("/check-runs") == 1
    client.close()


def test_gives_up_after_the_attempt_budget(installed):
    client = client_for(installed)
    installed.fail_next(PULL, 503, count=10)
    with pytest.raises(GitHubError, match="503"):
        client.get_pull_request(REPO, 1)
    assert installed.request_count(PULL) == FAST_RETRIES.max_attempts
    client.close()


def test_timeouts_are_retried_until_an_answer_arrives(installed):
    client = client_for(installed)
    installed.slow_next(PULL, 0.8, count=2)
    assert client.get_pull_request(REPO, 1)["number"] == 1
    assert installed.request_count(PULL) == 3
    client.close()


def test_a_timed_out_check_run_creation_is_not_duplicated(installed):
    client = client_for(installed)
    body = {"name": "PRGuard", "head_sha": "b" * 40, "external_id": "acme/web#1@" + "b" * 40,
            "status": "in_progress"}
    installed.slow_next(r"/check-runs$", 0.8, method="POST")  # GitHub applies it; we never see the answer
    run = client.create_check_run(REPO, body)
    assert [r["id"] for r in installed.check_runs] == [run["id"]]
    assert run["external_id"] == body["external_id"]
    assert installed.request_count(r"/check-runs$", method="POST") == 1
    client.close()


def test_files_are_paged_and_capped_at_3000(installed):
    client = client_for(installed)
    assert len(client.list_pull_request_files(REPO, 1)) == 250
    assert installed.request_count(r"/files$") == 3
    installed.update_pull(REPO, 1, files=[{"filename": f"g{i}"} for i in range(3100)])
    assert len(client.list_pull_request_files(REPO, 1)) == 3000
    client.close()


def test_graphql_rate_limit_error_waits_for_the_reset(installed):
    sleeps = Sleeps()
    client = client_for(installed, sleeps, max_wait=60)
    reset = int(time.time()) + 10
    installed.fail_next(r"/graphql$", 200, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                        body={"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]})
    page, _ = client.pull_request_page_and_budget(REPO, 10)
    assert page["pullRequests"]["nodes"][0]["number"] == 1
    assert len(sleeps) == 1 and 8 <= sleeps[0] <= 12
    client.close()


def test_enterprise_server_urls(app_private_key):
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
    with FakeGitHub(private_key_pem=app_private_key, enterprise=True) as fake:
        fake.add_installation(7, "acme", [REPO])
        fake.add_pull(REPO, 1)
        assert fake.base_url.endswith("/api/v3")
        client = GitHubApp(fake.app_id, fake.private_key_pem, fake.base_url, policy=FAST_RETRIES).installation(7)
        assert client.get_pull_request(REPO, 1)["number"] == 1
        assert client.pull_request_page_and_budget(REPO, 5)[0]["pullRequests"]["totalCount"] == 1
        client.close()
        assert fake.request_count(r"^/api/graphql$") == 1 and fake.violations == []


def test_fake_rejects_requests_outside_githubs_api(installed):
    client = client_for(installed)
    with pytest.raises(GitHubError) as caught:
        client.core.json("GET", "/repos/acme/web/pulls/1/files", client.credential, params={"per_pag": 5})
    assert caught.value.status == 422
    with pytest.raises(GitHubError):
        client.core.graphql("{ repository(owner: \"acme\", name: \"web\") { pullRequestz { totalCount } } }",
                            {}, client.credential)
    assert [v["path"] for v in installed.violations] == ["/repos/acme/web/pulls/1/files", "/graphql"]
    installed.violations.clear()
    client.close()
