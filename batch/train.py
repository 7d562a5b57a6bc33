"""The training job: feature set -> scaled, time-split rows -> autoencoder -> threshold -> MLflow -> gates."""
from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any, Callable

import numpy as np
import torch
from matplotlib.figure import Figure

from prguard.data import featureset, objectstore
from prguard.features import extraction
from prguard.model.autoencoder import Autoencoder
from prguard.model.network import AutoencoderConfig
from prguard.model.scaler import DEFAULT_CLIP, RobustScaler
from prguard.model.bundle import ScorerBundle

from batch.gates import Decision, GateInputs, decide


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    # data: the newest PRs (by created_at) validate, like the PRs the model will meet next
    validation_fraction: float = 0.2
    clip: float = DEFAULT_CLIP
    # model: None picks a modest size from the number of features (see prguard.model.network)
    hidden: int | None = None
    bottleneck: int | None = None
    dropout: float = 0.0
    # optimisation: weight decay and early stopping keep the network from memorising the history
    epochs: int = 60
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    patience: int = 6
    min_delta: float = 1e-4
    # robustness: after warm-up, each batch ignores its worst rows (histories contain a few attacks);
    # rows a maintainer marked "expected" are never ignored, they are normal by definition
    trim_fraction: float = 0.01
    warmup_epochs: int = 3
    # reproducibility: same seed + one thread + deterministic kernels = same weights, same scores
    seed: int = 1337
    threads: int = 1
    # threshold and promotion gates
    threshold_k: float = 2.0
    alert_rate_min: float = 0.005
    alert_rate_max: float = 0.15
    champion_tolerance: float = 0.10

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class TrainingError(RuntimeError):
    """The feature set cannot be trained on; the message says why and what to do."""


@dataclasses.dataclass
class TrainingData:
    rows: np.ndarray  # raw feature rows, oldest first
    expected: np.ndarray  # bool per row
    train_index: np.ndarray
    validation_index: np.ndarray


@dataclasses.dataclass
class Fitted:
    scaler: RobustScaler
    model_config: AutoencoderConfig
    state_dict: dict[str, torch.Tensor]
    history: list[tuple[float, float]]  # (train loss, validation loss) per epoch
    best_epoch: int


@dataclasses.dataclass
class TrainOutcome:
    version: str
    decision: Decision
    metrics: dict[str, float]
    bundle: ScorerBundle


def feature_rows(table) -> np.ndarray:
    """The ``features`` list column as a float matrix (rows x features)."""
    column = table.column("features").combine_chunks()
    if len(column) == 0:
        return np.zeros((0, 0))
    flat = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
    return flat.reshape(len(column), -1)


def training_data(feature_set, validation_fraction: float) -> TrainingData:
    """Rows ordered by creation time (ties by repo and number, so the order is reproducible) and split:
    the newest ``validation_fraction`` validate. ``label`` is never read."""
    table = feature_set.table
    created, repos, numbers = (table.column(name).to_pylist() for name in ("created_at", "repo", "number"))
    order = sorted(range(table.num_rows), key=lambda i: (created[i] or "", repos[i], numbers[i]))
    rows = feature_rows(table)[order] if order else np.zeros((0, len(feature_set.feature_names)))
    expected = np.asarray(table.column("expected").to_pylist(), dtype=bool)
    expected = expected[order] if order else np.zeros(0, bool)
    n_val = int(round(len(order) * validation_fraction))
    if len(order) < 20 or n_val < 5:
        raise TrainingError(f"feature set {feature_set.id} has {len(order)} rows; training needs at least 20 "
                            "(fetch more history with `prguard fetch`, then `prguard preprocess`)")
    index = np.arange(len(order))
    return TrainingData(rows, expected, index[:-n_val], index[-n_val:])


def fit(train_rows: np.ndarray, val_rows: np.ndarray, config: TrainConfig,
        train_expected: np.ndarray | None = None,
        on_epoch: Callable[[int, float, float], None] | None = None) -> Fitted:
    """Fit scaler (training rows only) and autoencoder with early stopping on the validation loss."""
    threads = torch.get_num_threads()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    torch.use_deterministic_algorithms(True)
    try:
        scaler = RobustScaler.fit(train_rows, clip=config.clip)
        x_train = torch.from_numpy(scaler.transform(train_rows))
        x_val = torch.from_numpy(scaler.transform(val_rows))
        keep_always = torch.from_numpy(np.zeros(len(train_rows), bool) if train_expected is None
                                       else np.asarray(train_expected, bool))
        base = AutoencoderConfig.for_features(train_rows.shape[1], dropout=config.dropout)
        model_config = dataclasses.replace(base, hidden=config.hidden or base.hidden,
                                           bottleneck=config.bottleneck or base.bottleneck)
        model = Autoencoder(model_config)
        optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate,
                                      weight_decay=config.weight_decay)
        generator = torch.Generator().manual_seed(config.seed)
        history: list[tuple[float, float]] = []
        best, best_state, best_epoch, stale = math.inf, copy.deepcopy(model.state_dict()), 0, 0
        # Small histories still get ~16 optimiser steps per epoch, or early stopping would end the run
        # before the network has learnt anything.
        batch_size = max(16, min(config.batch_size, len(x_train) // 16))
        for epoch in range(1, config.epochs + 1):
            trim = config.trim_fraction if epoch > config.warmup_epochs else 0.0
            train_loss = _epoch(model, optimiser, x_train, keep_always, batch_size, trim, generator)
            val_loss = float(model.squared_errors(x_val).mean())
            history.append((train_loss, val_loss))
            if on_epoch:
                on_epoch(epoch, train_loss, val_loss)
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                break  # diverged: the gates refuse this run
            if val_loss < best - config.min_delta:
                best, best_state, best_epoch, stale = val_loss, copy.deepcopy(model.state_dict()), epoch, 0
            else:
                stale += 1
                if stale >= config.patience:
                    break
        return Fitted(scaler, model_config, best_state, history, best_epoch)
    finally:
        torch.use_deterministic_algorithms(False)
        torch.set_num_threads(threads)


def _epoch(model, optimiser, x, keep_always, batch_size, trim, generator) -> float:
    model.train()
    total, count = 0.0, 0
    for batch in torch.randperm(len(x), generator=generator).split(batch_size):
        inputs = x[batch]
        per_row = (model(inputs) - inputs).pow(2).mean(dim=1)
        if trim > 0 and len(batch) >= 20:
            cutoff = torch.quantile(per_row.detach(), 1 - trim)
            mask = (per_row.detach() <= cutoff) | keep_always[batch]
            loss = per_row[mask].mean()
        else:
            loss = per_row.mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        total += float(per_row.detach().sum())
        count += len(batch)
    return total / max(count, 1)


def threshold_for(errors: np.ndarray, k: float) -> float:
    """The blueprint's rule: mean + k standard deviations of the validation reconstruction error."""
    return float(np.mean(errors) + k * np.std(errors))


def alert_rate(errors: np.ndarray, threshold: float) -> float:
    return float(np.mean(errors > threshold)) if len(errors) else 0.0


def loss_curve_figure(history: list[tuple[float, float]], best_epoch: int) -> Figure:
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    epochs = range(1, len(history) + 1)
    axes.plot(epochs, [h[0] for h in history], label="train")
    axes.plot(epochs, [h[1] for h in history], label="validation")
    axes.axvline(best_epoch, color="grey", linestyle=":", label=f"best epoch {best_epoch}")
    axes.set(xlabel="epoch", ylabel="mean squared reconstruction error", yscale="log", title="Loss curve")
    axes.legend()
    figure.tight_layout()
    return figure


def error_histogram_figure(errors: np.ndarray, threshold: float, rate: float) -> Figure:
    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    # Log-spaced bins: reconstruction errors span orders of magnitude.
    low = max(float(np.min(errors)), 1e-6)
    bins = np.geomspace(low, max(float(np.max(errors)), threshold, low * 10), 50)
    axes.hist(np.clip(errors, low, None), bins=bins, color="steelblue")
    axes.axvline(threshold, color="red", label=f"threshold {threshold:.3f} (alert rate {rate:.1%})")
    axes.set(xscale="log", xlabel="validation reconstruction error", ylabel="PRs",
             title="Validation error distribution")
    axes.legend()
    figure.tight_layout()
    return figure


def train(settings, featureset_id: str | None = None, config: TrainConfig = TrainConfig(),
          echo: Callable[[str], None] = print) -> TrainOutcome:
    """Train on a feature set, log everything to MLflow, register the model and apply the gates."""
    from prguard.model import registry  # MLflow is heavy: imported only when a training actually runs

    store = objectstore.for_uri(settings.feature_store, endpoint_url=settings.s3_endpoint_url)
    feature_set = featureset.read(store, featureset_id)
    data = training_data(feature_set, config.validation_fraction)
    train_rows, val_rows = data.rows[data.train_index], data.rows[data.validation_index]
    echo(f"feature set {feature_set.id}: {len(train_rows)} training rows, {len(val_rows)} validation rows, "
         f"{train_rows.shape[1]} features")
    with registry.TrackedRun(settings, run_name=f"train-{feature_set.id}") as run:
        run.log_params({**config.to_dict(), "featureset_id": feature_set.id,
                        "feature_version": feature_set.manifest.get("feature_version"),
                        "train_rows": len(train_rows), "validation_rows": len(val_rows)})

        def progress(epoch, train_loss, val_loss):
            run.log_metrics({"train_loss": train_loss, "validation_loss": val_loss}, step=epoch)
            echo(f"epoch {epoch:3d}/{config.epochs}  train loss {train_loss:.4f}  "
                 f"validation loss {val_loss:.4f}")

        fitted = fit(train_rows, val_rows, config, data.expected[data.train_index], on_epoch=progress)
        bundle = ScorerBundle(
            feature_names=feature_set.feature_names,
            feature_version=str(feature_set.manifest.get("feature_version")),
            scaler=fitted.scaler, model_config=fitted.model_config, state_dict=fitted.state_dict,
            threshold=0.0, profiles=feature_set.profiles,
            train_config={**config.to_dict(), "featureset_id": feature_set.id,
                          "best_epoch": fitted.best_epoch},
        )
        val_errors = bundle.row_scores(val_rows)
        bundle.threshold = threshold_for(val_errors, config.threshold_k)
        metrics = {
            "best_epoch": fitted.best_epoch, "epochs_run": len(fitted.history),
            "validation_loss": float(np.mean(val_errors)), "threshold": bundle.threshold,
            "validation_alert_rate": alert_rate(val_errors, bundle.threshold),
            "train_alert_rate": alert_rate(bundle.row_scores(train_rows), bundle.threshold),
        }
        run.log_metrics(metrics)
        run.log_figure(loss_curve_figure(fitted.history, fitted.best_epoch), "loss_curve.png")
        run.log_figure(error_histogram_figure(val_errors, bundle.threshold, metrics["validation_alert_rate"]),
                       "error_histogram.png")
        champion_loss, note = _champion_loss(settings, registry, val_rows, bundle.feature_names)
        if champion_loss is not None:
            metrics["champion_validation_loss"] = champion_loss
            run.log_metrics({"champion_validation_loss": champion_loss})
        decision = decide(GateInputs(
            losses=[x for pair in fitted.history for x in pair], feature_version=bundle.feature_version,
            code_feature_version=str(extraction.FEATURE_VERSION), alert_rate=metrics["validation_alert_rate"],
            alert_rate_bounds=(config.alert_rate_min, config.alert_rate_max),
            validation_rows=len(val_rows), validation_loss=metrics["validation_loss"],
            champion_validation_loss=champion_loss,
            champion_note=note, tolerance=config.champion_tolerance))
        version = run.log_bundle(bundle)
        bundle.model_version = version
        if decision.promote:
            registry.promote(settings, version)
        run.record_decision(decision.promote, decision.reason)
    echo(f"threshold {bundle.threshold:.4f}; validation alert rate {metrics['validation_alert_rate']:.2%}; "
         f"training alert rate {metrics['train_alert_rate']:.2%}")
    echo(f"registered {settings.model_name} version {version}: "
         f"{'now champion' if decision.promote else 'not promoted'} ({decision.reason})")
    return TrainOutcome(version, decision, metrics, bundle)


def _champion_loss(settings, registry, val_rows, feature_names) -> tuple[float | None, str]:
    """The current champion's mean error on the new validation rows, when it can score them."""
    version = registry.champion_version(settings)
    if version is None:
        return None, "no current champion"
    try:
        champion = registry.load_champion(settings)
    except Exception as exc:  # the service cannot load it either: a model that loads should replace it
        return None, f"champion version {version} could not be loaded ({type(exc).__name__}: {exc})"
    if list(champion.feature_names) != list(feature_names):
        return None, f"champion version {version} uses other features; it cannot score this data"
    return float(np.mean(champion.row_scores(val_rows))), ""
