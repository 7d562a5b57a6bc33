"""GET /healthz (alive), GET /readyz (store, secret and model state) and GET /metrics.

/readyz names a failing component and the exception's type, never its message: messages of store and
registry clients quote their URIs, passwords included, and the endpoint answers anyone who asks.
"""
from __future__ import annotations

import logging
import sys
import threading
from typing import Callable, TypeVar

from flask import Blueprint, Response, current_app, jsonify

from app import metrics

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

T = TypeVar("T")


def off_the_event_loop(call: Callable[[], T]) -> T:
    """``call()``, on a real OS thread when gevent has patched this process (gunicorn's gevent worker).

    There a ``threading.Thread`` is a greenlet, and the registry lookup imports MLflow (seconds of CPU)
    and may query SQLite in C: on the event loop that would stall every request of the worker.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return call()
    import gevent

    return gevent.get_hub().threadpool.apply(call)


class ModelState:
    """The champion's version as last read from the registry, refreshed by a background thread.

    /readyz must answer within a probe's timeout, and the first registry lookup (importing MLflow,
    reaching its server) can take seconds, so the request only reads the last result. Until the first
    lookup finishes the state is unknown and the service reports not ready.
    """

    def __init__(self, lookup: Callable[[], str | None], refresh_seconds: float):
        self._lookup = lookup
        self._refresh_seconds = max(float(refresh_seconds), 1.0)
        self._state: dict = {"known": False, "reason": "model registry not checked yet"}
        self._started = False
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __call__(self) -> dict:
        with self._lock:
            if not self._started:
                # Started on first use, not at construction: gunicorn forks after create_app may run.
                self._started = True
                threading.Thread(target=self._loop, name="prguard-model-state", daemon=True).start()
            return dict(self._state)

    def refresh(self) -> dict:
        try:
            version = off_the_event_loop(self._lookup)
            state = {"known": True, "version": version,
                     "reason": None if version else "no champion registered yet (check runs say so)"}
        except Exception as exc:  # any registry failure means "unknown", reported by its type only:
            # its message may quote MLFLOW_TRACKING_URI, user and password included.
            state = {"known": False, "reason": f"model registry unreachable: {type(exc).__name__}; "
                                               "check MLFLOW_TRACKING_URI and the tracking server"}
            log.warning("readiness: model registry unreachable: %s", type(exc).__name__)
        with self._lock:
            self._state = state
        return state

    def _loop(self) -> None:
        while not self._stop.is_set():
            state = self.refresh()
            # After a failure (registry starting, first-use migrations racing) look again soon.
            self._stop.wait(self._refresh_seconds if state["known"] else min(self._refresh_seconds, 2.0))

    def stop(self) -> None:
        self._stop.set()


def registry_model_state(settings) -> ModelState:
    """The default model-state source: the ``champion`` alias in the configured MLflow registry. Each
    lookup also exports the champion's version and registration time (the "champion too old" alert)."""
    def lookup() -> str | None:
        from prguard.model import registry  # MLflow is heavy: imported in the background thread only

        found = registry.champion(settings)
        metrics.set_champion(settings.model_name, found and found.version, found and found.registered_at)
        return found.version if found is not None else None

    return ModelState(lookup, settings.model_refresh_seconds)


@bp.get("/healthz")
def healthz():
    # Liveness only: no I/O, so a slow store never gets the pod restarted.
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    services = current_app.extensions["prguard"]
    checks: dict = {}
    reasons: list[str] = []
    try:
        services.store.ping()
        checks["store"] = "ok"
    except Exception as exc:
        checks["store"] = "unreachable"
        reasons.append(f"store unreachable: {type(exc).__name__}")
        log.warning("readiness: store unreachable: %s", type(exc).__name__)
    checks["webhook_secret"] = "set" if services.settings.github_webhook_secret else "missing"
    if not services.settings.github_webhook_secret:
        reasons.append("GITHUB_WEBHOOK_SECRET is not set; webhooks are refused")
    model = services.model_status()
    checks["model"] = model
    if not model.get("known"):
        reasons.append(model.get("reason") or "model state unknown")
    if reasons:
        return jsonify(status="not ready", reason="; ".join(reasons), checks=checks), 503
    return jsonify(status="ready", checks=checks)


@bp.get("/metrics")
def metrics_endpoint():
    store = current_app.extensions["prguard"].store
    body, content_type = metrics.render(store.jobs.stats)
    return Response(body, content_type=content_type)
