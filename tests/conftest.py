"""Fixtures shared by every test: isolated settings and a data directory per test."""
from __future__ import annotations

import pytest

from prguard.config import Settings

# The fake GitHub API and its fixtures (fake_github, app_private_key, github_settings).
pytest_plugins = ["tests.fakes.fixtures"]


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "var"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir) -> Settings:
    """Embedded-default settings rooted in a fresh temporary data directory."""
    return Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})


@pytest.fixture
def sqlite_store(settings):
    """A fresh SQLite store in the test's data directory."""
    from prguard.store.sqlite import SQLiteStore

    store = SQLiteStore(settings.sqlite_path)
    yield store
    store.close()
