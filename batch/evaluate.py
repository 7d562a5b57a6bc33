"""The evaluation job: the champion autoencoder and an IsolationForest baseline on labelled PRs."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score

from prguard import findings
from prguard.data import featureset, objectstore

from batch.evaluate_content import Breakdown, breakdown

from batch.train import TrainConfig, alert_rate, threshold_for, training_data

METRICS = ("auroc", "auprc", "precision", "recall", "alert_rate")


class EvaluationError(ValueError):
    """The labelled data cannot be evaluated on; the message says why."""


@dataclasses.dataclass
class Evaluation:
    rows: int
    anomalies: int
    model_version: str | None
    featureset_id: str
    results: dict[str, dict[str, float]]  # detector -> metric -> value
    content: Breakdown | None = None  # per archetype: findings alone, the model alone, both

    def table(self) -> str:
        header = f"{'detector':<18}" + "".join(f"{name:>12}" for name in METRICS)
        lines = [header, "-" * len(header)]
        for detector, values in self.results.items():
            lines.append(f"{detector:<18}" + "".join(f"{values[name]:>12.3f}" for name in METRICS))
        if self.content is not None:
            lines += ["", self.content.table()]
        return "\n".join(lines)


def is_anomaly(doc: dict[str, Any]) -> bool:
    """The ground truth: ``prguard_label`` is the demo data's ``{"anomaly": bool, "archetype": ...}``;
    any other present, non-empty label (an archetype name) also marks an anomaly."""
    label = doc.get("prguard_label")
    if isinstance(label, dict):
        return bool(label.get("anomaly"))
    return label not in (None, "", False, [])


def detector_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    flagged = scores > threshold
    return {
        "auroc": float(roc_auc_score(labels, scores)),
        "auprc": float(average_precision_score(labels, scores)),
        "precision": float(precision_score(labels, flagged, zero_division=0)),
        "recall": float(recall_score(labels, flagged, zero_division=0)),
        "alert_rate": alert_rate(scores, threshold),
    }


def isolation_forest(train_rows: np.ndarray, val_rows: np.ndarray, seed: int, k: float):
    """The baseline, fit on the same (scaled) training rows; its threshold follows the same rule."""
    forest = IsolationForest(n_estimators=200, random_state=seed, n_jobs=1).fit(train_rows)
    threshold = threshold_for(-forest.score_samples(val_rows), k)
    return forest, threshold


def evaluate(settings, docs: list[dict[str, Any]], featureset_id: str | None = None,
             config: TrainConfig = TrainConfig(), echo: Callable[[str], None] = print) -> Evaluation:
    from prguard.model import registry  # MLflow is heavy: imported only when an evaluation runs

    labels = np.asarray([is_anomaly(doc) for doc in docs], dtype=int)
    if len(set(labels.tolist())) < 2:
        raise EvaluationError(f"{len(docs)} PRs with {int(labels.sum())} labelled anomalies: "
                              "evaluation needs both labelled anomalies (prguard_label) and normal PRs")
    bundle = registry.load_champion(settings)
    bundle.check_compatible()
    featureset_id = featureset_id or bundle.train_config.get("featureset_id")
    store = objectstore.for_uri(settings.feature_store, endpoint_url=settings.s3_endpoint_url)
    feature_set = featureset.read(store, featureset_id)
    data = training_data(feature_set, config.validation_fraction)
    echo(f"scoring {len(docs)} labelled PRs ({int(labels.sum())} anomalies) with model version "
         f"{bundle.model_version}; baseline fit on feature set {feature_set.id}")

    rows = bundle.vectors(docs)
    model_scores = bundle.row_scores(rows)
    results = {"autoencoder": detector_metrics(labels, model_scores, bundle.threshold)}
    scale = bundle.scaler.transform
    forest, forest_threshold = isolation_forest(scale(data.rows[data.train_index]),
                                                scale(data.rows[data.validation_index]), config.seed,
                                                config.threshold_k)
    forest_scores = -forest.score_samples(scale(rows))
    results["isolation_forest"] = detector_metrics(labels, forest_scores, forest_threshold)
    echo(f"checking the content of {len(docs)} PRs (findings, as the service computes them)")
    content = breakdown(docs, [{"anomalous": bool(s > bundle.threshold)} for s in model_scores],
                        findings.Severity.parse(settings.finding_severity))
    evaluation = Evaluation(len(docs), int(labels.sum()), bundle.model_version, feature_set.id, results,
                            content)

    run_name = f"evaluate-v{bundle.model_version}"
    with registry.TrackedRun(settings, registry.EVALUATION_EXPERIMENT, run_name=run_name) as run:
        run.log_params({"model_version": bundle.model_version, "featureset_id": feature_set.id,
                        "rows": evaluation.rows, "anomalies": evaluation.anomalies,
                        "threshold_k": config.threshold_k})
        run.log_metrics({f"{detector}_{name}": value for detector, values in results.items()
                         for name, value in values.items()})
        content_rates = {"alert_rate": content.alert_rate, "lookalikes_flagged": content.lookalikes_flagged}
        run.log_metrics({f"content_{detector}_{what}": value for what, by in content_rates.items()
                         for detector, value in by.items()})
    return evaluation
