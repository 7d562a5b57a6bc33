"""Promotion gates: whether a freshly trained model may take the champion alias, and why (or why not)."""
from __future__ import annotations

import dataclasses
import math

from scipy.stats import binomtest


@dataclasses.dataclass(frozen=True)
class GateInputs:
    losses: list[float]  # every train and validation loss of the run
    feature_version: str  # what the model was trained on
    code_feature_version: str  # what the scoring code computes today
    alert_rate: float  # realised on the validation split at the model's threshold
    alert_rate_bounds: tuple[float, float]
    validation_rows: int  # how many rows the alert rate was measured on
    validation_loss: float  # mean reconstruction error of the new model on the validation split
    champion_validation_loss: float | None  # the champion's on the SAME rows; None: no comparable champion
    champion_note: str = ""  # why there is no comparable champion, when there is none
    tolerance: float = 0.10  # relative: the new model may be this much worse and still win


@dataclasses.dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def alert_rate_interval(rate: float, rows: int) -> tuple[float, float]:
    """The Wilson 95% interval of an alert rate measured on ``rows`` rows."""
    if rows <= 0:
        return 0.0, 1.0  # nothing measured: any rate is possible
    interval = binomtest(round(rate * rows), rows).proportion_ci(confidence_level=0.95, method="wilson")
    return float(interval.low), float(interval.high)


def decide(inputs: GateInputs) -> Decision:
    """Apply the gates in order; the first that fails gives the reason."""
    if not inputs.losses or not all(math.isfinite(x) for x in inputs.losses):
        return Decision(False, "training diverged: a loss is not finite")
    if str(inputs.feature_version) != str(inputs.code_feature_version):
        return Decision(False, f"feature version {inputs.feature_version} does not match the code's "
                               f"{inputs.code_feature_version}; rebuild the feature set with "
                               "`prguard preprocess`")
    low, high = inputs.alert_rate_bounds
    interval_low, interval_high = alert_rate_interval(inputs.alert_rate, inputs.validation_rows)
    # A small repository's validation split (say 30 PRs) often has no alert at all by chance; its
    # rate only fails the gate when even the 95% interval around it misses the bounds.
    if interval_high < low or interval_low > high:
        return Decision(False, f"validation alert rate {inputs.alert_rate:.2%} (95% interval "
                               f"{interval_low:.2%}-{interval_high:.2%} over {inputs.validation_rows} rows) "
                               f"is outside [{low:.2%}, {high:.2%}]")
    champion = inputs.champion_validation_loss
    if champion is None:
        note = inputs.champion_note or "no current champion"
        return Decision(True, f"{note}; gates passed (alert rate {inputs.alert_rate:.2%})")
    limit = champion * (1 + inputs.tolerance)
    if inputs.validation_loss > limit:
        return Decision(False, f"validation loss {inputs.validation_loss:.4f} is worse than the champion's "
                               f"{champion:.4f} beyond the {inputs.tolerance:.0%} tolerance")
    return Decision(True, f"validation loss {inputs.validation_loss:.4f} vs champion {champion:.4f} "
                          f"(tolerance {inputs.tolerance:.0%}); alert rate {inputs.alert_rate:.2%}")
