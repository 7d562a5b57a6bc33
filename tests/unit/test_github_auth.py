"""GitHub App auth: JWT claims, installation tokens cached across threads, refresh, 401 handling."""
from __future__ import annotations

import logging
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from prguard.github import GitHubApp, GitHubAuthError, TokenClient
from prguard.github.auth import AppJwt, InstallationTokens
from tests.fakes import fixtures
from tests.fakes.fixtures import FAST_RETRIES

# The fake GitHub's fixtures (tests/fakes/fixtures.py), used by the tests below.
app_private_key = fixtures.app_private_key
fake_github = fixtures.fake_github

REPO = "acme/web"


@pytest.fixture
def installed(fake_github):
    fake_github.add_installation(7, "acme", [REPO])
    fake_github.add_pull(REPO, 1, title="Hello")
    return fake_github


def make_app(fake, **kwargs) -> GitHubApp:
    return GitHubApp(fake.app_id, fake.private_key_pem, fake.base_url, policy=FAST_RETRIES, **kwargs)


def test_jwt_claims_follow_githubs_rules(app_private_key):
    now = 1_700_000_000.0
    token = AppJwt(123, app_private_key, clock=lambda: now).token()
    public = load_pem_private_key(app_private_key.encode(), None).public_key()
    claims = jwt.decode(token, public, algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims["iss"] == "123"
    assert claims["iat"] == now - 60
    assert now < claims["exp"] <= now + 600 and claims["exp"] - claims["iat"] <= 600


def test_unreadable_private_key_says_how_to_fix_it():
    with pytest.raises(GitHubAuthError, match="GITHUB_APP_PRIVATE_KEY"):
        AppJwt(1, "not a key")


def test_the_fake_accepts_our_jwt_and_rejects_a_foreign_key(installed):
    assert [i["id"] for i in make_app(installed).list_installations()] == [7]
    from tests.fakes.fake_github import generate_private_key_pem

    stranger = GitHubApp(installed.app_id, generate_private_key_pem(), installed.base_url, policy=FAST_RETRIES)
    with pytest.raises(GitHubAuthError, match="GITHUB_APP_ID"):
        stranger.list_installations()
    assert installed.request_count("/app/installations") == 2  # a 401 on a JWT is not retried


def test_installation_token_is_minted_once_for_many_threads(installed):
    app = make_app(installed)
    client = app.installation(7)
    results, errors = [], []

    def call():
        try:
            results.append(client.get_pull_request(REPO, 1)["title"])
        except Exception as exc:  # collected so the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app.close()
    assert errors == [] and results == ["Hello"] * 8
    assert installed.request_count(r"/access_tokens$") == 1


def test_token_is_refreshed_shortly_before_it_expires():
    now = [1000.0]
    minted = []

    def mint(installation_id):
        minted.append(installation_id)
        return f"token-{len(minted)}", now[0] + 3600  # GitHub's usual hour, not assumed by the cache

    tokens = InstallationTokens(mint, clock=lambda: now[0])
    assert tokens.get(7) == "token-1"
    now[0] += 3600 - 301
    assert tokens.get(7) == "token-1"
    now[0] += 2  # now within five minutes of expires_at
    assert tokens.get(7) == "token-2"
    assert tokens.get(8) == "token-3"  # one cache entry per installation


def test_short_lived_tokens_are_refreshed_without_assuming_an_hour(app_private_key):
    from tests.fakes.fake_github import FakeGitHub

    with FakeGitHub(private_key_pem=app_private_key, token_ttl=2) as fake:
        fake.add_installation(7, "acme", [REPO])
        fake.add_pull(REPO, 1)
        client = make_app(fake).installation(7)
        client.get_pull_request(REPO, 1)
        time.sleep(1.2)  # past half the 2 s lifetime: refresh instead of sending a token about to expire
        client.get_pull_request(REPO, 1)
        client.close()
        assert fake.request_count(r"/access_tokens$") == 2
        assert fake.request_count(r"/pulls/1$") == 2 and fake.violations == []


def test_a_401_refreshes_the_token_once_and_retries(installed):
    client = make_app(installed).installation(7)
    client.get_pull_request(REPO, 1)
    installed.revoke_tokens()  # GitHub no longer accepts the cached token

    assert client.get_pull_request(REPO, 1)["number"] == 1
    assert [r["status"] for r in installed.requests if r["path"].endswith("/pulls/1")] == [200, 401, 200]
    assert installed.request_count(r"/access_tokens$") == 2

    installed.fail_next(r"/pulls/1$", 401, count=5)
    with pytest.raises(GitHubAuthError):
        client.get_pull_request(REPO, 1)
    assert installed.request_count(r"/pulls/1$") == 5  # 3 before, then one refresh and one retry only
    client.close()


def test_plain_token_auth_for_development(installed):
    installed.add_token("ghp_dev")
    client = TokenClient("ghp_dev", installed.base_url, policy=FAST_RETRIES)
    assert client.get_pull_request(REPO, 1)["title"] == "Hello"
    bad = TokenClient("ghp_wrong", installed.base_url, policy=FAST_RETRIES)
    with pytest.raises(GitHubAuthError, match="GITHUB_TOKEN"):
        bad.get_pull_request(REPO, 1)
    assert installed.request_count(r"/pulls/1$") == 2
    client.close()
    bad.close()


def test_every_call_carries_the_user_agent_and_no_log_holds_a_secret(installed, caplog):
    caplog.set_level(logging.DEBUG)
    installed.fail_next(r"/pulls/1$", 502)
    client = make_app(installed).installation(7)
    client.get_pull_request(REPO, 1)
    token = client.credential.token()
    client.close()
    assert installed.requests and all(r["user_agent"].startswith("PRGuard/") for r in installed.requests)
    assert "retrying GitHub GET" in caplog.text
    assert token not in caplog.text and "BEGIN RSA PRIVATE KEY" not in caplog.text
    assert "eyJ" not in caplog.text  # no JWT either
