"""The two listeners of `prguard serve --metrics-bind`, and the worker's metrics listener."""
from __future__ import annotations

import click
import pytest
import requests
from werkzeug.test import Client

from app import metrics
from app.commands.bind import BindAddress, bind_port, format_bind
from app.factory import Services, flask_app
from app.listeners import ListenerDispatch, local_port
from app.metrics_server import MetricsServer
from tests.support import webhook_app
from tests.support.webhooks import example, post

webhook_settings, webhook_store = webhook_app.webhook_settings, webhook_app.webhook_store
WEBHOOK_PORT, METRICS_PORT = 8080, 9090


class AcceptedSocket:
    """What gunicorn puts in environ["gunicorn.socket"]: the connection, bound to the listener's port."""

    def __init__(self, port):
        self.port = port

    def getsockname(self):
        return ("10.0.0.7", self.port)


@pytest.fixture
def dispatch(webhook_settings, webhook_store):
    services = Services(webhook_settings, webhook_store, lambda: dict(webhook_app.READY_MODEL))
    return ListenerDispatch(flask_app(services, "public", {"TESTING": True}),
                            flask_app(services, "ops", {"TESTING": True}), METRICS_PORT)


def on_port(port, **extra):
    return {"gunicorn.socket": AcceptedSocket(port), **extra}


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/readyz"])
def test_the_webhook_port_does_not_answer_metrics_or_probes(dispatch, path):
    client = Client(dispatch)
    # Not even when the client claims the metrics port in its Host header.
    response = client.get(path, headers={"Host": f"prguard.example.com:{METRICS_PORT}"},
                          environ_overrides=on_port(WEBHOOK_PORT, SERVER_PORT=str(METRICS_PORT)))
    assert response.status_code == 404


def test_the_metrics_port_answers_metrics_and_probes_but_no_webhook(dispatch):
    client = Client(dispatch)
    assert client.get("/metrics", environ_overrides=on_port(METRICS_PORT)).status_code == 200
    assert client.get("/healthz", environ_overrides=on_port(METRICS_PORT)).status_code == 200
    assert client.get("/readyz", environ_overrides=on_port(METRICS_PORT)).status_code == 200
    assert client.post("/webhooks/github", environ_overrides=on_port(METRICS_PORT)).status_code == 404


def test_the_webhook_port_accepts_deliveries_and_only_post(dispatch):
    response = post(Client(dispatch), "pull_request", example("pull_request", "opened"))
    assert response.status_code == 202, response.json
    # GET on the route is 405 from the app itself: the Ingress forwards every method on this one path.
    assert Client(dispatch).get("/webhooks/github", environ_overrides=on_port(WEBHOOK_PORT)).status_code == 405


def test_a_request_without_a_known_listener_goes_to_the_public_app(dispatch):
    # The test client sets no gunicorn.socket, as when the app runs under any other server.
    assert local_port({}) is None
    assert Client(dispatch).get("/metrics").status_code == 404


@pytest.mark.parametrize("value, expected", [("0.0.0.0:9090", ("0.0.0.0", 9090)), ("[::1]:9100", ("::1", 9100)),
                                             ("localhost:1", ("localhost", 1))])
def test_bind_addresses_parse(value, expected):
    assert BindAddress().convert(value, None, None) == expected
    assert BindAddress().convert(format_bind(expected), None, None) == expected


@pytest.mark.parametrize("value", ["9090", ":9090", "host:", "host:0", "host:70000", "host:http"])
def test_bad_bind_addresses_say_what_is_expected(value):
    with pytest.raises(click.BadParameter, match="HOST:PORT"):
        BindAddress().convert(value, None, None)


def test_bind_port_of_gunicorn_binds():
    assert bind_port("0.0.0.0:8080") == 8080 and bind_port("unix:/tmp/s.sock") is None


def test_worker_metrics_server_serves_metrics_and_health_only():
    alive = {"value": True}
    metrics.count_github_call("POST", 201)
    server = MetricsServer(("127.0.0.1", 0), alive=lambda: alive["value"]).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        body = requests.get(f"{base}/metrics", timeout=5).text
        assert 'prguard_github_api_calls_total{method="POST",status="201"}' in body
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        assert requests.get(f"{base}/webhooks/github", timeout=5).status_code == 404
        assert requests.post(f"{base}/metrics", timeout=5).status_code == 405
        alive["value"] = False
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 503
    finally:
        server.close()


def test_serve_refuses_one_port_for_both_listeners(monkeypatch, data_dir):
    from click.testing import CliRunner

    from app.commands.serve import serve

    monkeypatch.setenv("PRGUARD_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(serve, ["--bind", "0.0.0.0:9090", "--metrics-bind", "127.0.0.1:9090"])
    assert result.exit_code == 2
    assert "--metrics-bind needs a port of its own" in result.output
