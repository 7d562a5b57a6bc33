"""`prguard train`: train the autoencoder on a feature set, register it, and promote it if it passes."""
from __future__ import annotations

import dataclasses

import click

from prguard.configured import configured


@click.command()
@click.option("--featureset", "featureset_id", help="Feature set id (default: the newest).")
@click.option("--epochs", type=click.IntRange(min=1), help="Maximum epochs (early stopping may end sooner).")
@click.option("--seed", type=int, help="Random seed; the same seed and data give the same model.")
@click.option("--threshold-k", type=click.FloatRange(min=0), help="Threshold = mean + K x std of "
              "the validation reconstruction error (default 2).")
@click.option("--min-alert-rate", type=click.FloatRange(0, 1), help="Gate: lowest acceptable validation "
              "alert rate (default 0.005).")
@click.option("--max-alert-rate", type=click.FloatRange(0, 1), help="Gate: highest acceptable validation "
              "alert rate (default 0.15).")
@click.option("--tolerance", type=click.FloatRange(min=0), help="Gate: how much worse (relative) than the "
              "champion on the same validation rows a new model may be (default 0.10).")
@configured("train")
def train(settings, featureset_id, epochs, seed, threshold_k, min_alert_rate, max_alert_rate,
          tolerance) -> None:
    """Train the autoencoder on the newest (or a named) feature set and register it in MLflow.

    The alias 'champion' moves to the new version only when it passes its gates; the decision and its
    reason are recorded on the MLflow run.
    """
    from prguard.data.featureset import FeatureSetNotFound

    from batch.train import TrainConfig, TrainingError, train as run_training

    overrides = {"epochs": epochs, "seed": seed, "threshold_k": threshold_k, "alert_rate_min": min_alert_rate,
                 "alert_rate_max": max_alert_rate, "champion_tolerance": tolerance}
    config = dataclasses.replace(TrainConfig(), **{k: v for k, v in overrides.items() if v is not None})
    try:
        outcome = run_training(settings, featureset_id, config, echo=click.echo)
    except (FeatureSetNotFound, TrainingError) as exc:
        raise click.ClickException(str(exc)) from None
    if not outcome.decision.promote:
        click.echo("the champion is unchanged", err=True)
