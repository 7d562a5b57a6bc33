"""Pinned npm packages the tests read (GitHub's example payloads and API descriptions), fetched and cached."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PRGUARD_TEST_CACHE", ROOT / ".cache" / "npm"))

# name -> (version, npm "dist.integrity"); a changed tarball fails the checksum instead of the tests.
PINNED = {
    "@octokit/webhooks-examples": (
        "7.6.1",
        "sha512-De6U3XB6O3DtCa7bKgCMzTHdeopqqZ6SNivMYJnK65ierKL1AnNIA0tkRYCRS7lwGT792d+Ps1WbfHlso6MynQ==",
    ),
    "@octokit/openapi": (
        "23.0.2",
        "sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg==",
    ),
    "@octokit/graphql-schema": (
        "15.26.1",
        "sha512-RFDC2MpRBd4AxSRvUeBIVeBU7ojN/SxDfALUd7iVYOSeEK3gZaqR2MGOysj4Zh2xj2RY5fQAUT+Oqq7hWTraMA==",
    ),
}


class ChecksumMismatch(RuntimeError):
    pass


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def package_dir(name: str) -> Path:
    """Directory of the unpacked, checksum-verified package ``name`` (downloaded once, then cached)."""
    version, integrity = PINNED[name]
    target = CACHE / f"{name.replace('/', '__')}-{version}"
    marker = target / ".verified"
    if marker.exists():
        return target / "package"
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        out = subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--json", "--silent", "--pack-destination", tmp],
            check=True, capture_output=True, text=True, timeout=600,
        )
        filename = json.loads(out.stdout)[0]["filename"]
        tarball = Path(tmp) / Path(filename).name
        data = tarball.read_bytes()
        if _integrity(data) != integrity:
            raise ChecksumMismatch(f"{name}@{version}: tarball checksum differs from the pinned integrity")
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(target, filter="data")
    marker.write_text(integrity)
    return target / "package"


def webhook_examples() -> list[dict]:
    """GitHub's own example webhook deliveries: ``[{"name": event, "examples": [payload, ...]}, ...]``."""
    return json.loads((package_dir("@octokit/webhooks-examples") / "api.github.com" / "index.json").read_text())


def examples_for(event: str, action: str | None = None) -> list[dict]:
    """Example payloads of one event (and action, when given)."""
    for entry in webhook_examples():
        if entry["name"] == event:
            return [e for e in entry["examples"] if action is None or e.get("action") == action]
    return []


def openapi_description() -> Path:
    """Path of GitHub's REST OpenAPI description (api.github.com, JSON)."""
    return package_dir("@octokit/openapi") / "generated" / "api.github.com.json"


def graphql_schema() -> Path:
    """Path of GitHub's public GraphQL schema (SDL)."""
    return package_dir("@octokit/graphql-schema") / "schema.graphql"
