"""End-to-end fixtures: a champion in MLflow, the fake GitHub API, and the service in subprocesses."""
from __future__ import annotations

import pytest

from prguard.store.sqlite import SQLiteStore
from tests.e2e.champion import register_champion
from tests.e2e.service import Service
from tests.fakes.fake_github import FakeGitHub

INSTALLATION_ID = 4242
REPO = "acme/api"


@pytest.fixture(scope="session")
def champion(tmp_path_factory):
    """(MLflow tracking URI, champion version) of a tiny model trained through the training code."""
    settings, version = register_champion(tmp_path_factory.mktemp("mlflow") / "var")
    return settings.tracking_uri, version


@pytest.fixture(scope="module")
def github():
    fake = FakeGitHub(app_id=31337)
    fake.start()
    fake.add_installation(INSTALLATION_ID, "acme", [REPO])
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory, champion, github):
    """Real gunicorn (`prguard serve --no-worker`) plus two `prguard worker` processes competing for
    jobs (exactly-once must hold with several workers), posting to the fake API."""
    data_dir = tmp_path_factory.mktemp("service") / "var"
    data_dir.mkdir()
    svc = Service(data_dir, champion[0], github)
    svc.start_server()
    svc.start_worker()
    svc.start_worker()
    yield svc
    svc.stop()


@pytest.fixture
def store(service):
    store = SQLiteStore(service.data_dir / "prguard.sqlite3")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def no_openapi_violations(request):
    """Every request the service sent to the fake GitHub must be valid against GitHub's OpenAPI."""
    yield
    if "github" in request.fixturenames:
        fake = request.getfixturevalue("github")
        assert fake.violations == [], fake.violations
