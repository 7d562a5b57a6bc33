"""pytest fixtures for the fake GitHub: import them into a test module or a conftest.py.

    from tests.fakes.fixtures import app_private_key, fake_github, github_settings  # noqa: F401
"""
from __future__ import annotations

import pytest

from prguard.github import RetryPolicy
from tests.fakes.fake_github import FakeGitHub, generate_private_key_pem

# Retries without real waiting: tests check which requests are retried, not how long a second is.
FAST_RETRIES = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, secondary_wait=0.01,
                           max_wait=5.0, min_write_interval=0.0, jitter=0.0)


@pytest.fixture(scope="session")
def app_private_key() -> str:
    """One RSA key per session (generating one takes ~0.1-1 s)."""
    return generate_private_key_pem()


@pytest.fixture
def fake_github(app_private_key):
    """A started fake GitHub; the test fails if any request was invalid against GitHub's API description.

    A test that sends invalid requests on purpose clears ``fake_github.violations`` after checking them.
    """
    fake = FakeGitHub(private_key_pem=app_private_key)
    fake.start()
    yield fake
    fake.stop()
    assert fake.violations == [], f"requests not valid against GitHub's API description: {fake.violations}"


@pytest.fixture
def github_settings(settings, fake_github):
    """Settings whose App credentials and API URL point at the fake."""
    return settings.replace(github_api_url=fake_github.base_url, github_app_id=str(fake_github.app_id),
                            github_app_private_key=fake_github.private_key_pem)
