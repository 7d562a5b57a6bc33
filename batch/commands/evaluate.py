"""`prguard evaluate`: AUROC, AUPRC, precision/recall and alert rate of the champion and a baseline."""
from __future__ import annotations


import click

from prguard.configured import configured
from prguard.data.jsonlines import BadLine, read_objects


@click.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--featureset", "featureset_id",
              help="Feature set to fit the baseline on (default: the one the champion was trained on).")
@configured("train")
def evaluate(settings, file, featureset_id) -> None:
    """Evaluate the champion on labelled PR JSON lines in FILE ('-' for stdin).

    A PR whose `prguard_label` says {"anomaly": true} (or holds any other non-empty label) counts as an
    anomaly. Reports AUROC, AUPRC, precision and
    recall at the threshold and the realised alert rate, beside an IsolationForest baseline fit on the
    same training features, and logs them to MLflow.
    """
    from prguard.data.featureset import FeatureSetNotFound
    from prguard.model.bundle import BundleError
    from prguard.model.registry import NoChampion

    from batch.evaluate import EvaluationError, evaluate as run_evaluation
    from batch.train import TrainingError

    try:
        docs = list(read_objects(file, "stdin" if file.name == "<stdin>" else file.name))
        evaluation = run_evaluation(settings, docs, featureset_id, echo=click.echo)
    except (BadLine, NoChampion, BundleError, FeatureSetNotFound, EvaluationError, TrainingError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(evaluation.table())
