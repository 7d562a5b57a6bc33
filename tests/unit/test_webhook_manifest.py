"""The GitHub App manifest asks for exactly what PRGuard uses and subscribes to what the receiver handles."""
from __future__ import annotations

import json
from pathlib import Path

from app.handlers import HANDLERS

MANIFEST = Path(__file__).resolve().parents[2] / "app" / "github_app_manifest.json"


def test_manifest_asks_for_least_privilege():
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["default_permissions"] == {"checks": "write", "pull_requests": "read", "contents": "read",
                                               "metadata": "read"}


def test_manifest_events_are_the_ones_the_receiver_handles():
    manifest = json.loads(MANIFEST.read_text())
    # installation and installation_repositories reach every App without a subscription; ping is
    # sent when the webhook is created.
    implicit = {"installation", "installation_repositories", "ping"}
    assert set(manifest["default_events"]) == set(HANDLERS) - implicit
    assert manifest["hook_attributes"]["url"].endswith("/webhooks/github")
    assert manifest["hook_attributes"]["active"] is True
    assert set(manifest) <= {"name", "url", "hook_attributes", "redirect_url", "callback_urls", "setup_url",
                             "description", "public", "default_events", "default_permissions",
                             "request_oauth_on_install", "setup_on_update"}
