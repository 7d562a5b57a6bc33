"""The autoencoder, the robust scaler, the time split, reproducible fitting, the threshold and the gates."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from batch.gates import GateInputs, alert_rate_interval, decide
from batch.train import TrainConfig, alert_rate, fit, threshold_for
from prguard.model import network
from prguard.model.autoencoder import Autoencoder
from prguard.model.network import AutoencoderConfig
from prguard.model.scaler import RobustScaler

SMALL = TrainConfig(epochs=8, patience=3, seed=3)


def rows(n: int, d: int = 6, seed: int = 0, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 2))
    mix = rng.normal(size=(2, d))
    return base @ mix + 0.1 * rng.normal(size=(n, d)) + shift


def test_autoencoder_maps_rows_to_rows_through_a_narrow_bottleneck():
    config = AutoencoderConfig.for_features(36)
    model = Autoencoder(config)
    x = torch.zeros(5, 36)
    assert model(x).shape == (5, 36)
    assert model.encoder(x).shape == (5, config.bottleneck)
    assert 2 <= config.bottleneck < 36 / 3
    assert model.squared_errors(x).shape == (5, 36)


def test_numpy_forward_pass_gives_the_torch_modules_errors():
    torch.manual_seed(0)
    config = AutoencoderConfig.for_features(12)
    model = Autoencoder(config)
    x = torch.from_numpy(np.random.default_rng(5).normal(scale=3.0, size=(64, 12)).astype(np.float32))
    weights = {name: tensor.numpy() for name, tensor in model.state_dict().items()}
    network.check_weights(config, weights)
    ours = network.squared_errors(weights, x.numpy())
    np.testing.assert_allclose(ours, model.squared_errors(x).numpy(), rtol=1e-4, atol=1e-6)


def test_weights_of_another_shape_are_refused():
    config = AutoencoderConfig.for_features(12)
    weights = {name: tensor.numpy() for name, tensor in Autoencoder(config).state_dict().items()}
    with pytest.raises(ValueError, match="shape"):
        network.check_weights(AutoencoderConfig.for_features(13), weights)
    with pytest.raises(ValueError, match="missing"):
        network.check_weights(config, {k: v for k, v in weights.items() if k != "decoder.3.bias"})
    with pytest.raises(ValueError, match="finite"):
        network.check_weights(config, {**weights, "encoder.0.bias": weights["encoder.0.bias"] * np.nan})


def test_scaler_centres_on_the_median_scales_robustly_and_clips_outliers():
    data = np.array([[1.0, 0.0, 5.0]] * 51 + [[3.0, 0.0, 5.0]] * 48 + [[1000.0, 1.0, 5.0]])
    scaler = RobustScaler.fit(data, clip=8.0)
    assert scaler.center == [1.0, 0.0, 5.0]
    scaled = scaler.transform(np.array([[1000.0, 1.0, 6.0]]))[0]
    assert scaled[0] == 8.0  # the absurd outlier saturates instead of dominating the loss
    assert scaled[1] == pytest.approx(min(8.0, 1 / np.std(data[:, 1])))  # a rare flag counts by its rarity
    assert scaled[2] == pytest.approx(1.0)  # a constant feature gets unit scale


def test_scaler_is_fit_on_training_rows_only():
    train_rows, val_rows = rows(200), rows(50, shift=100.0)
    fitted = fit(train_rows, val_rows, SMALL)
    assert fitted.scaler.center == pytest.approx(np.median(train_rows, axis=0).tolist())


def test_training_twice_gives_identical_weights_and_scores():
    train_rows, val_rows = rows(300), rows(60, seed=1)
    first, second = fit(train_rows, val_rows, SMALL), fit(train_rows, val_rows, SMALL)
    assert first.history == second.history
    for name, tensor in first.state_dict.items():
        assert torch.equal(tensor, second.state_dict[name]), name
    other_seed = fit(train_rows, val_rows, dataclasses.replace(SMALL, seed=4))
    assert other_seed.history != first.history


def test_early_stopping_keeps_the_best_epoch():
    fitted = fit(rows(300), rows(60, seed=1), TrainConfig(epochs=200, patience=2, learning_rate=0.05))
    losses = [val for _, val in fitted.history]
    assert len(fitted.history) < 200
    assert min(losses) == losses[fitted.best_epoch - 1]


def test_threshold_is_mean_plus_k_std_and_the_alert_rate_is_realised():
    errors = np.array([1.0] * 90 + [2.0] * 9 + [50.0])
    threshold = threshold_for(errors, 2.0)
    assert threshold == pytest.approx(errors.mean() + 2 * errors.std())
    assert alert_rate(errors, threshold) == pytest.approx(0.01)
    assert threshold_for(errors, 0.0) == pytest.approx(errors.mean())


def gate(**changes) -> GateInputs:
    values = dict(losses=[0.5, 0.4], feature_version="1", code_feature_version="1", alert_rate=0.03,
                  alert_rate_bounds=(0.005, 0.15), validation_rows=2000, validation_loss=0.40, champion_validation_loss=None)
    values.update(changes)
    return GateInputs(**values)


def test_a_good_first_model_becomes_champion():
    decision = decide(gate())
    assert decision.promote and "no current champion" in decision.reason


@pytest.mark.parametrize("changes, reason", [
    ({"losses": [0.5, math.nan]}, "not finite"),
    ({"losses": [0.5, math.inf]}, "not finite"),
    ({"feature_version": "0"}, "feature version 0"),
    ({"alert_rate": 0.30}, "alert rate"),
    ({"alert_rate": 0.0}, "alert rate"),
    ({"champion_validation_loss": 0.30}, "worse than the champion"),
])
def test_gates_refuse_the_champion_alias(changes, reason):
    decision = decide(gate(**changes))
    assert not decision.promote
    assert reason in decision.reason


@pytest.mark.parametrize("alert_rate, rows, promote", [
    (0.0, 30, True),  # no alert among 30 PRs is what a 2% alert rate often gives: not evidence
    (1 / 30, 30, True),
    (0.0, 2000, False),  # no alert among 2000 is: the interval lies below the 0.5% bound
    (0.003, 20000, False),
    (0.006, 20000, True),
    (0.20, 100, True),  # 20 of 100 may still be 15%
    (0.30, 100, False),
])
def test_the_alert_rate_gate_allows_for_the_sampling_error_of_small_validation_splits(alert_rate, rows, promote):
    decision = decide(gate(alert_rate=alert_rate, validation_rows=rows))
    assert decision.promote is promote, decision.reason
    if not promote:
        assert f"over {rows} rows" in decision.reason


def test_the_alert_rate_interval_is_wilsons():
    low, high = alert_rate_interval(0.02, 1000)
    assert low == pytest.approx(0.01298, abs=1e-4) and high == pytest.approx(0.03069, abs=1e-4)
    assert alert_rate_interval(0.5, 0) == (0.0, 1.0)


def test_a_model_within_tolerance_of_the_champion_replaces_it():
    assert decide(gate(validation_loss=0.42, champion_validation_loss=0.40)).promote
    assert decide(gate(validation_loss=0.30, champion_validation_loss=0.40)).promote
