"""Workers scale with the queue: the KEDA ScaledObject validates, targets the worker Deployment sensibly,
and a broken copy fails each check."""
from __future__ import annotations

import copy

import pytest

from tests.deploy import checks, scaling_checks


def _one(docs, kind, name=None):
    return next(d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name))


def test_the_worker_scales_on_queue_depth_and_age_between_sensible_bounds(rendered):
    assert scaling_checks.scaled_object_problems(rendered) == []
    spec = _one(rendered, "ScaledObject")["spec"]
    assert (spec["scaleTargetRef"]["name"], spec["minReplicaCount"], spec["maxReplicaCount"]) == (
        "prguard-worker", 2, 10)
    queries = {t["name"]: t["metadata"]["query"] for t in spec["triggers"]}
    assert queries == {"queue-depth": 'max(prguard_jobs{state="pending"})',
                       "oldest-job-age": "max(prguard_oldest_pending_job_age_seconds)"}


def test_the_scaled_object_validates_and_a_broken_one_does_not(rendered, validators):
    scaled = _one(rendered, "ScaledObject")
    assert checks.custom_kind_problems([scaled], validators) == []
    broken = copy.deepcopy(scaled)
    broken["spec"]["minReplicaCount"] = "two"
    assert any("minReplicaCount" in p for p in checks.custom_kind_problems([broken], validators))


@pytest.mark.parametrize("breakage, expected", [
    (lambda docs: _one(docs, "ScaledObject")["spec"]["scaleTargetRef"].update(name="prguard-workers"),
     "'prguard-workers', which is not a Deployment here"),
    (lambda docs: _one(docs, "Deployment", "prguard-worker")["spec"].update(replicas=2), "sets replicas"),
    (lambda docs: _one(docs, "ScaledObject")["spec"].update(minReplicaCount=1), "no pod could ever be evicted"),
    (lambda docs: _one(docs, "ScaledObject")["spec"].update(minReplicaCount=12), "is not a range"),
    (lambda docs: _one(docs, "ScaledObject")["spec"].update(triggers=[]), "no Prometheus trigger"),
])
def test_the_scaling_check_finds_each_breakage(rendered, breakage, expected):
    docs = copy.deepcopy(rendered)
    breakage(docs)
    assert expected in "\n".join(scaling_checks.scaled_object_problems(docs))
