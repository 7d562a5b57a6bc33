"""`prguard evaluate`: AUROC, AUPRC, precision/recall and alert rate of the champion and a baseline."""
from __future__ import annotations

import json
import os

import click

from prguard.config import ConfigError
from prguard.secrets import settings_for


def _read(file) -> list[dict]:
    docs = []
    for number, line in enumerate(file, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"line {number} is not JSON ({exc.msg})") from None
        if not isinstance(doc, dict):
            raise click.ClickException(f"line {number} is not a JSON object")
        docs.append(doc)
    return docs


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--featureset", "featureset_id",
              help="Feature set to fit the baseline on (default: the one the champion was trained on).")
def evaluate(file, featureset_id) -> None:
    """Evaluate the champion on labelled PR JSON lines in FILE ('-' for stdin).

    A PR whose `prguard_label` field is set counts as an anomaly. Reports AUROC, AUPRC, precision and
    recall at the threshold and the realised alert rate, beside an IsolationForest baseline fit on the
    same training features, and logs them to MLflow.
    """
    from prguard.featureset import FeatureSetNotFound
    from prguard.registry import NoChampion
    from prguard.scoring import BundleError

    from batch.evaluate import EvaluationError, evaluate as run_evaluation
    from batch.train import TrainingError

    try:
        settings = settings_for("train", os.environ)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        evaluation = run_evaluation(settings, _read(file), featureset_id, echo=click.echo)
    except (NoChampion, BundleError, FeatureSetNotFound, EvaluationError, TrainingError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(evaluation.table())
