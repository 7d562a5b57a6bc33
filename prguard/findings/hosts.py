"""Hosts in command lines: where a download comes from or data goes, and which hosts are well known."""
from __future__ import annotations

import re

_URL = re.compile(r"\b(?:https?|ftp)://([A-Za-z0-9.-]+)(?::\d+)?(/[^\s\"'`|;)]*)?", re.IGNORECASE)

# Official installers that projects' own docs tell CI to pipe into a shell (host, path prefix). A download
# from any other host into a shell is what the Codecov and tj-actions payloads looked like.
KNOWN_INSTALLERS = (
    ("sh.rustup.rs", ""), ("static.rust-lang.org", ""), ("astral.sh", ""), ("install.python-poetry.org", ""),
    ("bootstrap.pypa.io", ""), ("get.docker.com", ""), ("deb.nodesource.com", ""),
    ("rpm.nodesource.com", ""), ("get.pnpm.io", ""), ("bun.sh", ""), ("deno.land", ""), ("deno.com", ""),
    ("sdk.cloud.google.com", ""), ("install.determinate.systems", ""), ("nixos.org", "/nix/install"),
    ("get.helm.sh", ""), ("get.k3s.io", ""), ("getcomposer.org", ""), ("install.julialang.org", ""),
    ("get.sdkman.io", ""), ("foundry.paradigm.xyz", ""), ("cli.github.com", ""), ("sh.vector.dev", ""),
    # raw.githubusercontent.com serves anyone's files: only these projects' own install scripts count.
    ("raw.githubusercontent.com", "/golangci/golangci-lint/"),
    ("raw.githubusercontent.com", "/nvm-sh/nvm/"),
    ("raw.githubusercontent.com", "/Homebrew/install/"),
    ("raw.githubusercontent.com", "/helm/helm/"),
    ("raw.githubusercontent.com", "/ohmyzsh/ohmyzsh/"),
    ("raw.githubusercontent.com", "/pyenv/pyenv-installer/"),
    ("raw.githubusercontent.com", "/python-poetry/poetry/"),
    ("raw.githubusercontent.com", "/creationix/nvm/"),
    ("raw.githubusercontent.com", "/rhysd/actionlint/"),
    ("raw.githubusercontent.com", "/anchore/"),
    ("raw.githubusercontent.com", "/aquasecurity/trivy/"),
    ("raw.githubusercontent.com", "/sigstore/"),
    ("pyenv.run", ""), ("get.rvm.io", ""), ("tailscale.com", "/install.sh"), ("fly.io", "/install.sh"),
    ("mise.run", ""), ("starship.rs", ""), ("just.systems", ""), ("dot.net", ""),
    ("dotnet.microsoft.com", ""),
)
# GitHub's own API and upload hosts: a workflow sending its token there is using it, not leaking it.
GITHUB_HOSTS = ("api.github.com", "uploads.github.com", "github.com", "ghcr.io",
                "pipelines.actions.githubusercontent.com")
# Request catchers and paste/tunnel services: data sent here is read by whoever made the URL.
EXFILTRATION_HOSTS = (
    "webhook.site", "requestbin.", "pipedream.net", "ngrok.io", "ngrok-free.app", "ngrok.app", "interact.sh",
    "oast.", "burpcollaborator.net", "pastebin.com", "transfer.sh", "hookbin.com", "beeceptor.com",
    "requestcatcher.com", "canarytokens.", "trycloudflare.com", "serveo.net", "localtunnel.me", "loca.lt",
    "discord.com/api/webhooks", "api.telegram.org",
)


def urls(text: str) -> list[tuple[str, str]]:
    """(host, path) of every literal URL in ``text``, hosts lower-cased."""
    return [(m.group(1).lower().rstrip("."), m.group(2) or "") for m in _URL.finditer(text)]


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def is_known_installer(host: str, path: str) -> bool:
    return any(_within(host, known) and path.startswith(prefix) for known, prefix in KNOWN_INSTALLERS)


def is_github(host: str) -> bool:
    return any(_within(host, known) for known in GITHUB_HOSTS)


def is_exfiltration_service(host: str, path: str = "") -> bool:
    where = host + path
    return any(where.startswith(known) or ("." + known) in where or _within(host, known.rstrip("."))
               for known in EXFILTRATION_HOSTS)
