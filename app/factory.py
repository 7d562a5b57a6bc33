"""create_app: builds the Flask GitHub App from settings, a store and a model-state source."""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable

from flask import Flask

from app import health, webhook
from prguard.config import Settings
from prguard.logs import configure_logging
from prguard.secrets import settings_for
from prguard.store import Store, open_store


@dataclasses.dataclass(frozen=True)
class Services:
    """What request handlers need, kept in ``app.extensions["prguard"]``."""

    settings: Settings
    store: Store
    model_status: Callable[[], dict]


def create_app(settings: Settings | None = None, store: Store | None = None,
               test_config: dict[str, Any] | None = None,
               model_status: Callable[[], dict] | None = None) -> Flask:
    """The WSGI app. With no arguments (gunicorn's ``app.factory:create_app()``) it is the entrypoint:
    it reads the environment, configures logging and opens the store the settings select.

    ``model_status`` returns ``{"known": bool, "version": str | None, "reason": str | None}`` for
    /readyz; by default it follows the registry's champion alias in a background thread.
    """
    if settings is None:
        settings = settings_for("webhook", os.environ)
        configure_logging(settings.log_level, settings.log_format)
    if store is None:
        store = open_store(settings)
    if model_status is None:
        model_status = health.registry_model_state(settings)

    app = Flask(__name__)
    app.config.update(test_config or {})
    app.extensions["prguard"] = Services(settings, store, model_status)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    return app
