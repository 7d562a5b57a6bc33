"""Real nginx, configured from k8s/ingress.yaml and the controller values, in front of `prguard serve`
with its two listeners: the webhook is reachable through the route, /metrics and the probes are not."""
from __future__ import annotations

import copy

import pytest
import requests
import yaml

from prguard.demo.replay import Delivery, post_delivery
from tests.deploy import checks, exposure_checks
from tests.support import ingress_nginx
from tests.support.nginx import nginx_binary, running_nginx
from tests.support.service import free_port, running_service
from tests.support.tls import self_signed

SECRET = "ingress-route-secret"
CONTROLLER_VALUES = checks.ROOT / "k8s" / "platform" / "ingress-nginx.values.yaml"


def _ingress(docs):
    return next(d for d in docs if d["kind"] == "Ingress")


def _controller_config():
    return yaml.safe_load(CONTROLLER_VALUES.read_text())["controller"]["config"]


def _upstream_for(docs, local_ports):
    """Backend -> the 127.0.0.1 port its Service port ends on, via the container port's name."""
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}

    def upstream(backend):
        service = services[backend["service"]["name"]]
        port = next(p for p in service["spec"]["ports"] if p.get("name") == backend["service"]["port"].get("name")
                    or p["port"] == backend["service"]["port"].get("number"))
        return f"127.0.0.1:{local_ports[exposure_checks._target_port_name(service, port, docs)]}"

    return upstream


@pytest.fixture(scope="module")
def route(rendered, tmp_path_factory):
    """``(https_url, http_url, metrics_url, host, ca_file)`` of nginx + prguard serve, torn down after."""
    nginx_binary()  # installs nginx-light or skips, before anything starts
    work = tmp_path_factory.mktemp("ingress")
    data_dir = work / "var"
    data_dir.mkdir()
    ingress = _ingress(rendered)
    host = ingress["spec"]["rules"][0]["host"]
    certificate, key = self_signed(work, host)
    metrics_port = free_port()
    with running_service(data_dir, SECRET, workers=1, metrics_port=metrics_port) as (base_url, _):
        local_ports = {"http": int(base_url.rsplit(":", 1)[1]), "metrics": metrics_port}
        listeners = ingress_nginx.Listeners(free_port(), free_port(), certificate, key)
        config = ingress_nginx.render(ingress, _controller_config(), _upstream_for(rendered, local_ports),
                                      listeners, work)
        http_url = f"http://127.0.0.1:{listeners.http_port}"
        with running_nginx(config, work / "nginx", f"{http_url}/"):
            yield (f"https://127.0.0.1:{listeners.https_port}", http_url, f"http://127.0.0.1:{metrics_port}",
                   host, str(certificate))


def _get(route, path, **kwargs):
    https_url, _, _, host, ca = route
    return requests.get(f"{https_url}{path}", headers={"Host": host, **kwargs.pop("headers", {})}, verify=ca,
                        timeout=10, allow_redirects=False, **kwargs)


def test_a_signed_delivery_reaches_the_webhook_through_the_route(route):
    https_url, _, metrics_url, host, ca = route
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the test's own CA
    session.verify = ca
    session.headers["Host"] = host
    result = post_delivery(session, f"{https_url}/webhooks/github", Delivery("ping", {"zen": "Route it."}), SECRET)
    assert result.status == 200, result.body
    # Counted where Prometheus looks: the metrics listener, reached inside the cluster only.
    assert 'prguard_webhook_deliveries_total{action="",event="ping",outcome="pong"} 1.0' in requests.get(
        f"{metrics_url}/metrics", timeout=5).text


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/readyz", "/", "/webhooks/github/", "/webhooks/githubx",
                                  "/webhooks/github/../../metrics", "//metrics", "/webhooks/%2e%2e/metrics",
                                  "/webhooks/github/metrics"])
def test_nothing_but_the_webhook_path_is_routed(route, path):
    response = _get(route, path)
    assert response.status_code == 404, (path, response.status_code, response.text[:200])
    assert "prguard_" not in response.text


def test_metrics_are_not_reached_by_pretending_to_be_the_metrics_port(route):
    _, _, metrics_url, _, _ = route
    port = metrics_url.rsplit(":", 1)[1]
    response = _get(route, "/metrics", headers={"Host": f"127.0.0.1:{port}"})
    assert response.status_code == 404 and "prguard_" not in response.text


def test_the_route_answers_only_post_with_the_app(route):
    assert _get(route, "/webhooks/github").status_code == 405


def test_plain_http_is_redirected_to_https(route):
    _, http_url, _, host, _ = route
    response = requests.post(f"{http_url}/webhooks/github", headers={"Host": host}, data=b"{}", timeout=10,
                             allow_redirects=False)
    assert response.status_code == 308
    assert response.headers["Location"] == f"https://{host}/webhooks/github"


def test_a_body_over_githubs_25_mb_cap_is_refused_by_nginx(route):
    https_url, _, _, host, ca = route
    response = requests.post(f"{https_url}/webhooks/github", headers={"Host": host, "Content-Type": "application/json"},
                             data=b"x" * (25 * 1024 * 1024 + 1), verify=ca, timeout=30)
    assert response.status_code == 413
    assert "nginx" in response.text  # refused at the edge, before gunicorn read a byte


def test_the_renderer_refuses_what_it_cannot_reproduce(rendered, tmp_path):
    ingress = copy.deepcopy(_ingress(rendered))
    ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/configuration-snippet"] = "allow all;"
    listeners = ingress_nginx.Listeners(1, 2, tmp_path / "c", tmp_path / "k")
    with pytest.raises(ingress_nginx.Unsupported, match="disabled on the controller"):
        ingress_nginx.render(ingress, _controller_config(), lambda backend: "127.0.0.1:1", listeners, tmp_path)
    ingress = copy.deepcopy(_ingress(rendered))
    ingress["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "ImplementationSpecific"
    with pytest.raises(ingress_nginx.Unsupported, match="pathType"):
        ingress_nginx.render(ingress, _controller_config(), lambda backend: "127.0.0.1:1", listeners, tmp_path)
