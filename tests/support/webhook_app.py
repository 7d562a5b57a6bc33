"""Fixtures for the webhook receiver's tests (import them into a test module): an app on a fresh SQLite store."""
from __future__ import annotations

import sqlite3

import pytest

from prguard.store.sqlite import SQLiteStore

from tests.support.webhooks import SECRET

READY_MODEL = {"known": True, "version": "3", "reason": None}


@pytest.fixture
def webhook_settings(settings):
    return settings.replace(github_webhook_secret=SECRET)


@pytest.fixture
def webhook_store(webhook_settings):
    store = SQLiteStore(webhook_settings.sqlite_path)
    yield store
    store.close()


@pytest.fixture
def webhook_client(webhook_settings, webhook_store):
    from app.factory import create_app

    app = create_app(webhook_settings, webhook_store, {"TESTING": True}, model_status=lambda: dict(READY_MODEL))
    return app.test_client()


class _Down:
    """A store part whose every method raises ``down``'s error."""

    def __init__(self, down):
        self._down = down

    def __getattr__(self, name):
        return self._down


class UnreachableStore(SQLiteStore):
    """The SQLite store with its database gone away, as during an outage."""

    def _down(self, *args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    accept_delivery = ping = _down

    def __init__(self, path):
        super().__init__(path)
        self.jobs = self.prs = self.deliveries = self.installations = _Down(self._down)
