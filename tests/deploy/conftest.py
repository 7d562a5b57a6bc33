"""Session fixtures for the deploy checks: the rendered base and the pinned npm validators, made once."""
from __future__ import annotations

import pytest

from tests.deploy import checks
from tests.support.npm_validators import node_modules


@pytest.fixture(scope="session")
def rendered() -> list[dict]:
    return checks.render(checks.ROOT / "k8s")


@pytest.fixture(scope="session")
def argo_apps() -> list[dict]:
    return checks.load_yaml(sorted((checks.ROOT / "argo-apps").glob("*.yaml")))


@pytest.fixture(scope="session")
def validators() -> "object":
    return node_modules()
