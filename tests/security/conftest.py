"""Fixtures of the security suite: the webhook app on a fresh SQLite store, and what "no trace" means."""
from __future__ import annotations

import pytest

from tests.support import webhook_app

webhook_settings, webhook_store, webhook_client = (webhook_app.webhook_settings, webhook_app.webhook_store,
                                                   webhook_app.webhook_client)


def assert_no_trace(store, delivery_id: str) -> None:
    """A rejected delivery left nothing behind: no delivery claim, no PR, installation or job."""
    assert store.deliveries.get(delivery_id) is None, "the delivery was claimed"
    assert store.prs.count() == 0
    assert store.installations.list() == []
    assert store.jobs.list() == []


@pytest.fixture
def no_trace(webhook_store):
    return lambda delivery_id: assert_no_trace(webhook_store, delivery_id)
