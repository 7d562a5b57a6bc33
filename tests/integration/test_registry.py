"""The model bundle through a real `mlflow server`: register, load by alias, and hot-swap the champion."""
from __future__ import annotations

import dataclasses
import time

import mlflow
import pandas as pd
import pytest

from batch.train import TrainConfig, train
from prguard.config import Settings
from prguard.model import registry
from tests.support.mlflow_server import MlflowServer
from tests.support.training_data import make_prs, write_feature_set

pytestmark = pytest.mark.slow
CONFIG = TrainConfig(epochs=15, seed=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = MlflowServer(tmp_path_factory.mktemp("mlflow-server")).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def trained(server, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir), "MLFLOW_TRACKING_URI": server.url,
                                  "PRGUARD_MODEL_REFRESH_SECONDS": "0"})
    docs = make_prs(300, seed=3, anomalies=6)
    featureset_id = write_feature_set(settings, docs)
    outcome = train(settings, featureset_id, CONFIG, echo=lambda _: None)
    return settings, docs, featureset_id, outcome


def test_the_champion_loads_by_alias_from_the_server_and_scores_identically(trained, server):
    settings, docs, _, outcome = trained
    assert outcome.decision.promote
    bundle = registry.load_bundle(settings, f"models:/{settings.model_name}@champion")
    assert [r["score"] for r in bundle.score(docs)] == [r["score"] for r in outcome.bundle.score(docs)]
    assert bundle.threshold == outcome.bundle.threshold
    assert bundle.profiles == outcome.bundle.profiles and bundle.feature_names == outcome.bundle.feature_names
    as_pyfunc = mlflow.pyfunc.load_model(f"models:/{settings.model_name}@champion")
    assert [r["score"] for r in as_pyfunc.predict(pd.DataFrame(docs[:3]))] == [
        r["score"] for r in outcome.bundle.score(docs[:3])]
    assert not (settings.data_dir / "mlartifacts").exists()  # artifacts went through the server
    assert any((server.root / "artifacts").rglob("weights.npz"))


def test_the_watcher_picks_up_an_alias_move_without_a_restart(trained):
    settings, docs, featureset_id, first = trained
    watcher = registry.ChampionWatcher(settings)
    assert watcher.current().model_version == first.version
    second = train(settings, featureset_id, dataclasses.replace(CONFIG, seed=6), echo=lambda _: None)
    registry.promote(settings, second.version)  # whatever the gates said: an operator's move
    deadline = time.monotonic() + 30
    while watcher.current().model_version != second.version and time.monotonic() < deadline:
        time.sleep(0.2)
    bundle = watcher.current()
    assert bundle.model_version == second.version
    assert [r["model_version"] for r in bundle.score(docs[:3])] == [second.version] * 3
    registry.promote(settings, first.version)  # leave the registry as the other tests expect


def test_the_watcher_keeps_the_old_model_when_loading_fails(trained):
    settings, docs, _, first = trained
    loaded = registry.load_champion(settings)
    calls = []

    def flaky_loader(version):
        calls.append(version)
        if len(calls) > 1:
            raise OSError("artifact store unreachable")
        return loaded

    watcher = registry.ChampionWatcher(settings, loader=flaky_loader)
    assert watcher.current() is loaded
    watcher._version = "previous"  # pretend the alias moved since, so the next check loads again
    deadline = time.monotonic() + 10
    while len(calls) < 2 and time.monotonic() < deadline:
        assert watcher.current() is loaded  # never fails the caller, never drops the model
        time.sleep(0.05)
    assert len(calls) >= 2
    assert watcher.current() is loaded


def test_no_champion_is_none_not_an_error(server, tmp_path):
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": server.url,
                                  "PRGUARD_MODEL_NAME": "prguard-nothing-yet"})
    assert registry.champion_version(settings) is None
    assert registry.ChampionWatcher(settings).current() is None
    with pytest.raises(registry.NoChampion, match="prguard train"):
        registry.load_champion(settings)


def test_the_champion_carries_its_registration_time(trained):
    settings, _, _, _ = trained
    found = registry.champion(settings)
    assert found is not None and found.version == registry.champion_version(settings)
    # Registered by the module's training a few seconds (a loaded machine: minutes) ago, in Unix seconds.
    assert time.time() - 3600 < found.registered_at <= time.time()
