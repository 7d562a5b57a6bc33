"""Which workflow steps send secrets, the token or the environment to a network command, and where to."""
from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from prguard.findings import hosts
from prguard.findings.finding import Severity

_SECRET_EXPR = re.compile(r"\$\{\{[^}]*?\b(secrets\.[A-Za-z_][\w-]*|secrets\[[^\]]+\]|github\.token|"
                          r"toJSON\(\s*secrets\s*\)|toJSON\(\s*github\s*\))", re.IGNORECASE)
_NETWORK = re.compile(r"\b(curl|wget|nc|ncat|netcat|socat|invoke-webrequest|invoke-restmethod|iwr|irm|"
                      r"openssl\s+s_client|nslookup|dig|scp|sftp|ftp|telnet)\b|/dev/(?:tcp|udp)/|"
                      r"\b(?:requests\.(?:post|put|get)|urllib\.request|http\.client|fetch\()", re.IGNORECASE)
_ENV_DUMP = re.compile(r"(?:^|[;&|(]\s*|\$\()\s*(?:env|printenv|set|export\s+-p)\s*(?:\||>|\)|$)|"
                       r"/proc/[\w$]+/environ|"
                       r"/proc/[\w$]+/mem\b|Runner\.Worker|get-childitem\s+env:|\bgci\s+env:|os\.environ\b",
                       re.IGNORECASE)
# SaaS APIs that CI legitimately sends tokens to (deploys, coverage, chat): a new one is worth a look, not
# an alarm.
KNOWN_SERVICES = ("api.vercel.com", "api.netlify.com", "hooks.slack.com", "slack.com", "api.cloudflare.com",
                  "codecov.io", "sonarcloud.io", "coveralls.io", "hub.docker.com", "registry.npmjs.org",
                  "upload.pypi.org", "api.heroku.com", "sentry.io", "api.datadoghq.com", "app.snyk.io",
                  "api.fly.io", "api.render.com", "api.pagerduty.com", "api.honeycomb.io", "amazonaws.com",
                  "azurewebsites.net", "googleapis.com", "api.digitalocean.com", "readthedocs.org")


@dataclasses.dataclass(frozen=True)
class Send:
    step: str
    line: int
    what: str
    destination: str
    command: str
    severity: Severity
    why: str
    identity: str


def secret_names(workflow, step) -> set[str]:
    """Secret expressions the step's script can read: written in it, or bound to env vars it uses."""
    names = set()
    script = step.run.text if step.run else ""
    names.update(m.group(1) for m in _SECRET_EXPR.finditer(script))
    for var, value in workflow.env_for(step).items():
        bound = {m.group(1) for m in _SECRET_EXPR.finditer(value)}
        name = re.escape(var)
        if bound and re.search(rf"\$\{{?{name}\b|\$env:{name}\b|\b{name}\b", script):
            names.update(bound)
    return names


def hosts_in(texts: Iterable[str]) -> set[str]:
    return {host for text in texts for host, _ in hosts.urls(text)}


def _within(host: str, known: Iterable[str]) -> bool:
    return any(host == k or host.endswith("." + k) for k in known)


def _judge(script_hosts: list[tuple[str, str]], known_hosts: set[str]) -> tuple[Severity, str, str] | None:
    """(severity, destination, why) for data leaving through a network command; None when it stays home."""
    outside = [(h, p) for h, p in script_hosts if not hosts.is_github(h)]
    if not script_hosts:
        return Severity.MEDIUM, "a URL held in a variable", ""
    if not outside:
        return None  # GitHub's own API: the token used for what it is for
    for host, path in outside:
        if hosts.is_exfiltration_service(host, path):
            return Severity.HIGH, host, ", a service that collects whatever is sent to it"
    fresh = [h for h, _ in outside if h not in known_hosts]
    if not fresh:
        return None  # this repository's workflows already talk to these hosts
    if all(_within(h, KNOWN_SERVICES) for h in fresh):
        return Severity.MEDIUM, fresh[0], ", a known CI service no workflow here used before"
    return Severity.HIGH, fresh[0], ", a host no workflow in this repository talks to"


def _lines_sending(script: str) -> list[tuple[int, str]]:
    return [(i, line) for i, line in enumerate(script.split("\n")) if _NETWORK.search(line)]


def sends(workflow, known_hosts: set[str]) -> list[Send]:
    found = []
    for step in workflow.steps():
        if not step.run:
            continue
        script = step.run.text
        network = _lines_sending(script)
        if not network:
            continue
        secrets = secret_names(workflow, step)
        dump = _ENV_DUMP.search(script)
        if not secrets and not dump:
            continue
        judged = _judge(hosts.urls(script), known_hosts)
        if judged is None:
            continue
        severity, destination, why = judged
        what = ("all secrets" if any("tojson" in s.lower() for s in secrets) else
                ", ".join(sorted(secrets)[:3]) if secrets else "the environment")
        offset, command = network[0]
        found.append(Send(step.label, step.run.line_of(offset), what, destination, command.strip()[:100],
                          severity, why, f"{step.job}:{destination}:{','.join(sorted(secrets)) or 'env'}"))
    return found


def sends_in_lines(lines, known_hosts: set[str]) -> list[Send]:
    """The same judgement for added patch lines when the file's contents are not known."""
    found = []
    for line in lines:
        secrets = {m.group(1) for m in _SECRET_EXPR.finditer(line.text)}
        if not _NETWORK.search(line.text) or not (secrets or _ENV_DUMP.search(line.text)):
            continue
        judged = _judge(hosts.urls(line.text), known_hosts)
        if judged is None:
            continue
        severity, destination, why = judged
        what = ", ".join(sorted(secrets)[:3]) or "the environment"
        found.append(Send(f"line {line.number}", line.number, what, destination, line.text.strip()[:100],
                          severity, why, f"line:{destination}:{','.join(sorted(secrets)) or 'env'}"))
    return found
