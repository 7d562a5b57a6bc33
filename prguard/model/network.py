"""The autoencoder's shape and its forward pass in numpy: scoring needs the weights, not torch.

Training (batch/train.py) uses the torch module in prguard.model.autoencoder; a worker only multiplies a
few small matrices per PR, and importing torch for that costs ~180 MB of resident memory per process.
The layer names and order here are the torch module's ``state_dict`` keys, so a bundle's weights run
the same network in both; tests/unit/test_model.py checks the two agree.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

import numpy as np

# The torch module's linear layers in forward order; each but the last is followed by an exact GELU
# (dropout, the other layer kind, is the identity when scoring).
LINEAR_LAYERS = ("encoder.0", "encoder.3", "decoder.1", "decoder.3")

_erf = np.frompyfunc(math.erf, 1, 1)


def default_bottleneck(n_features: int) -> int:
    """A modest bottleneck: about a fifth of the inputs, at least 2, at most 8.

    Too wide and the network learns the identity (every PR reconstructs well); too narrow and routine
    variety reads as anomaly.
    """
    return max(2, min(8, math.ceil(n_features / 5)))


def default_hidden(n_features: int) -> int:
    return max(16, min(64, 2 * n_features))


@dataclasses.dataclass(frozen=True)
class AutoencoderConfig:
    """Shape of the network; everything needed to rebuild it from a state_dict."""

    n_features: int
    hidden: int = 32
    bottleneck: int = 6
    dropout: float = 0.0

    @classmethod
    def for_features(cls, n_features: int, dropout: float = 0.0) -> "AutoencoderConfig":
        return cls(n_features=n_features, hidden=default_hidden(n_features),
                   bottleneck=default_bottleneck(n_features), dropout=dropout)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AutoencoderConfig":
        return cls(n_features=int(data["n_features"]), hidden=int(data["hidden"]),
                   bottleneck=int(data["bottleneck"]), dropout=float(data.get("dropout", 0.0)))

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter in a state_dict of this network (torch's (out, in) layout)."""
        sizes = (self.n_features, self.hidden, self.bottleneck, self.hidden, self.n_features)
        shapes: dict[str, tuple[int, ...]] = {}
        for layer, (inputs, outputs) in zip(LINEAR_LAYERS, zip(sizes, sizes[1:])):
            shapes[f"{layer}.weight"] = (outputs, inputs)
            shapes[f"{layer}.bias"] = (outputs,)
        return shapes


def check_weights(config: AutoencoderConfig, weights: Mapping[str, np.ndarray]) -> None:
    """Raise ValueError unless ``weights`` holds exactly this network's parameters, finite, in shape."""
    expected = config.weight_shapes()
    if set(weights) != set(expected):
        missing, extra = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
        raise ValueError(f"weights do not match the network: missing {missing}, unexpected {extra}")
    for name, shape in expected.items():
        array = weights[name]
        if array.shape != shape:
            raise ValueError(f"weight {name} has shape {array.shape}, the network needs {shape}")
        if not np.issubdtype(array.dtype, np.floating) or not np.isfinite(array).all():
            raise ValueError(f"weight {name} must be finite floating-point numbers")


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU as torch computes it by default (the exact erf form, not the tanh approximation)."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def squared_errors(weights: Mapping[str, np.ndarray], scaled: np.ndarray) -> np.ndarray:
    """Per-row, per-feature squared reconstruction error of scaled rows (the score is its row mean)."""
    x = np.asarray(scaled, dtype=np.float64)
    out = x
    for position, layer in enumerate(LINEAR_LAYERS):
        out = out @ weights[f"{layer}.weight"].astype(np.float64).T + weights[f"{layer}.bias"]
        if position < len(LINEAR_LAYERS) - 1:
            out = _gelu(out)
    return ((out - x) ** 2).astype(np.float32)
