"""A tiny champion model registered in a local MLflow store, trained through the real training code."""
from __future__ import annotations

from batch.train import TrainConfig, train
from prguard.config import Settings
from prguard.model import registry
from tests.support.training_data import make_prs, write_feature_set

REPOS = ("acme/api", "acme/web")


def register_champion(data_dir) -> tuple[Settings, str]:
    """Train on a small synthetic history of ``REPOS`` and make the result the champion.

    Returns the settings (their ``tracking_uri``) and the champion version. The gates may decline a
    model trained on so little data; the test still needs a champion, so it is promoted explicitly.
    """
    settings = Settings.from_env({"PRGUARD_DATA_DIR": str(data_dir)})
    featureset_id = write_feature_set(settings, make_prs(160, seed=11, repos=REPOS, anomalies=4))
    outcome = train(settings, featureset_id, TrainConfig(epochs=8, patience=3), echo=lambda line: None)
    if registry.champion_version(settings) != outcome.version:
        registry.promote(settings, outcome.version)
    return settings, str(outcome.version)
