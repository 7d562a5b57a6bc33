"""The worker's Protocols describe the real parts and the test fakes alike: same members, same parameters."""
from __future__ import annotations

import inspect

import pytest

from app.contracts import CheckRunWriter, GitHubReader, InstallationClient, Scorer
from prguard.github.api import GitHubClient
from prguard.model.bundle import ScorerBundle
from tests.support.worker_fakes import FakeBundle, FakeInstallationClient


def members(protocol) -> dict[str, object]:
    names = set()
    for klass in protocol.__mro__:
        if klass is object or klass.__name__ == "Protocol" or klass.__module__ == "typing":
            continue
        names |= {n for n in vars(klass) if not n.startswith("_")} | set(getattr(klass, "__annotations__", {}))
    return {name: getattr(protocol, name, None) for name in sorted(names)}


def parameters(function) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


@pytest.mark.parametrize("protocol, implementation", [
    (Scorer, ScorerBundle), (Scorer, FakeBundle),
    (InstallationClient, GitHubClient), (InstallationClient, FakeInstallationClient),
])
def test_each_part_has_the_protocols_members_with_its_parameters(protocol, implementation):
    assert len(members(protocol)) >= 3  # the protocol's members were found: the check is not vacuous
    for name, member in members(protocol).items():
        if callable(member):
            found = getattr(implementation, name, None)
            assert callable(found), f"{implementation.__name__} lacks {name}()"
            # The implementation may take more (optional) parameters, never fewer or others first.
            expected = parameters(member)
            assert parameters(found)[:len(expected)] == expected, (implementation.__name__, name)
        else:  # a data member: set on instances, so declared on the class or set in __init__
            source = inspect.getsource(implementation)
            assert name in getattr(implementation, "__annotations__", {}) or f"self.{name}" in source, name


def test_the_fakes_are_instances_of_the_protocols():
    assert isinstance(FakeBundle(), Scorer)
    fake = FakeInstallationClient()
    assert isinstance(fake, GitHubReader) and isinstance(fake, CheckRunWriter)
