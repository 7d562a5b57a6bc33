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

# Which routes an app answers: everything on one port (development, the demo), or the two halves of
# `prguard serve --metrics-bind`: the public webhook listener and the private metrics/probe listener.
ROUTES = {
    "all": (webhook.bp, health.bp),
    "public": (webhook.bp,),
    "ops": (health.bp,),
}


@dataclasses.dataclass(frozen=True)
class Services:
    """What request handlers need, kept in ``app.extensions["prguard"]``."""

    settings: Settings
    store: Store
    model_status: Callable[[], dict]


def build_services(settings: Settings | None = None, store: Store | None = None,
                   model_status: Callable[[], dict] | None = None) -> Services:
    """Settings, store and model state; with no arguments it reads the environment (gunicorn's entrypoint)
    and configures logging. ``model_status`` follows the registry's champion alias by default."""
    if settings is None:
        settings = settings_for("webhook", os.environ)
        configure_logging(settings.log_level, settings.log_format)
    if store is None:
        store = open_store(settings)
    if model_status is None:
        model_status = health.registry_model_state(settings)
    return Services(settings, store, model_status)


def flask_app(services: Services, routes: str = "all", test_config: dict[str, Any] | None = None) -> Flask:
    """A Flask app answering the ``routes`` set (a key of ROUTES) with ``services``."""
    if routes not in ROUTES:
        raise ValueError(f"unknown route set {routes!r}; expected one of {', '.join(ROUTES)}")
    app = Flask(__name__)
    app.config.update(test_config or {})
    app.extensions["prguard"] = services
    for blueprint in ROUTES[routes]:
        app.register_blueprint(blueprint)
    return app


def create_app(settings: Settings | None = None, store: Store | None = None,
               test_config: dict[str, Any] | None = None,
               model_status: Callable[[], dict] | None = None, routes: str = "all") -> Flask:
    """The WSGI app. With no arguments (gunicorn's ``app.factory:create_app()``) it is the entrypoint:
    it reads the environment, configures logging and opens the store the settings select.

    ``model_status`` returns ``{"known": bool, "version": str | None, "reason": str | None}`` for
    /readyz; by default it follows the registry's champion alias in a background thread.
    """
    return flask_app(build_services(settings, store, model_status), routes, test_config)
