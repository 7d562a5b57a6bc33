"""Renders an Ingress (plus the controller's ConfigMap settings) into nginx configuration the way
ingress-nginx does for the features PRGuard's Ingress uses; anything else is refused, not ignored."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

PREFIX = "nginx.ingress.kubernetes.io/"


class Unsupported(ValueError):
    """An Ingress feature this renderer (and so the test built on it) does not reproduce."""


def _seconds(value: str) -> str:
    if not str(value).isdigit():
        raise Unsupported(f"timeout {value!r}: ingress-nginx wants whole seconds")
    return f"{value}s"


# annotation -> nginx directive inside the path's location (ingress-nginx's own mapping).
LOCATION_ANNOTATIONS: dict[str, Callable[[str], str]] = {
    "proxy-body-size": lambda v: f"client_max_body_size {v};",
    "proxy-request-buffering": lambda v: f"proxy_request_buffering {v};",
    "proxy-connect-timeout": lambda v: f"proxy_connect_timeout {_seconds(v)};",
    "proxy-send-timeout": lambda v: f"proxy_send_timeout {_seconds(v)};",
    "proxy-read-timeout": lambda v: f"proxy_read_timeout {_seconds(v)};",
}
SERVER_ANNOTATIONS = {"force-ssl-redirect"}
# controller ConfigMap key -> nginx directive in the http block.
CONTROLLER_CONFIG: dict[str, Callable[[str], str]] = {
    "client-header-timeout": lambda v: f"client_header_timeout {_seconds(v)};",
    "client-body-timeout": lambda v: f"client_body_timeout {_seconds(v)};",
    "server-tokens": lambda v: f"server_tokens {'on' if v == 'true' else 'off'};",
    "allow-snippet-annotations": lambda v: "",
}


@dataclasses.dataclass(frozen=True)
class Listeners:
    http_port: int
    https_port: int
    certificate: Path
    key: Path


def _location(path: dict) -> str:
    kind = path.get("pathType")
    if kind == "Exact":
        return f"location = {path['path']}"
    if kind == "Prefix":
        return f"location {path['path'].rstrip('/')}/"
    raise Unsupported(f"pathType {kind!r}")


def render(ingress: dict, controller_config: dict, upstream: Callable[[dict], str], listeners: Listeners,
           workdir: Path) -> str:
    """nginx.conf for ``ingress``; ``upstream(backend)`` gives the HOST:PORT a backend service port ends on."""
    annotations = {k[len(PREFIX):]: str(v) for k, v in ingress["metadata"].get("annotations", {}).items()
                   if k.startswith(PREFIX)}
    unknown = set(annotations) - set(LOCATION_ANNOTATIONS) - SERVER_ANNOTATIONS
    if any(name.endswith("snippet") for name in unknown) and controller_config.get(
            "allow-snippet-annotations") == "false":
        raise Unsupported(f"snippet annotations {sorted(unknown)} are disabled on the controller")
    if unknown:
        raise Unsupported(f"annotations {sorted(unknown)}")
    unknown_config = set(controller_config) - set(CONTROLLER_CONFIG)
    if unknown_config:
        raise Unsupported(f"controller settings {sorted(unknown_config)}")
    http = [CONTROLLER_CONFIG[k](str(v)) for k, v in controller_config.items()]
    location_directives = "\n".join(f"      {LOCATION_ANNOTATIONS[k](v)}" for k, v in annotations.items()
                                    if k in LOCATION_ANNOTATIONS)
    redirect = annotations.get("force-ssl-redirect") == "true"
    tls_hosts = {h for entry in ingress["spec"].get("tls", []) for h in entry.get("hosts", [])}
    ssl = (f"ssl_certificate {listeners.certificate};\n    ssl_certificate_key {listeners.key};\n"
           "    ssl_protocols TLSv1.2 TLSv1.3;")
    servers = [
        # The controller's default server: unknown hosts get 404 from its default backend.
        f"""  server {{
    listen 127.0.0.1:{listeners.http_port} default_server;
    listen 127.0.0.1:{listeners.https_port} ssl default_server;
    {ssl}
    location / {{ return 404; }}
  }}"""]
    for rule in ingress["spec"]["rules"]:
        host = rule["host"]
        locations = []
        for path in rule["http"]["paths"]:
            locations.append(f"""    {_location(path)} {{
{location_directives}
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_http_version 1.1;
      proxy_pass http://{upstream(path['backend'])};
    }}""")
        body = "\n".join(locations)
        if host in tls_hosts:
            servers.append(f"""  server {{
    listen 127.0.0.1:{listeners.https_port} ssl;
    server_name {host};
    {ssl}
    location / {{ return 404; }}
{body}
  }}""")
        plain = ("    location / { return 308 https://$host$request_uri; }" if redirect and host in tls_hosts
                 else f"    location / {{ return 404; }}\n{body}")
        servers.append(f"""  server {{
    listen 127.0.0.1:{listeners.http_port};
    server_name {host};
{plain}
  }}""")
    temp = "\n".join(f"  {name}_temp_path {workdir / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""daemon off;
worker_processes 1;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
  access_log {workdir / 'access.log'};
{temp}
  {' '.join(d for d in http if d)}
{chr(10).join(servers)}
}}
"""
