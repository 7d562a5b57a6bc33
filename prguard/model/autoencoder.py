"""The autoencoder and its robust scaler: pure numpy/torch, no I/O (a bundle carries them to disk)."""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import torch
from torch import nn

# Features are clipped to this many robust scales from the median: one absurd PR (a 50k-file vendoring)
# must not dominate the loss, and beyond ~8 scales "very unusual" needs no finer resolution.
DEFAULT_CLIP = 8.0
# IQR / 1.349 is the standard deviation of a normal distribution with that IQR: scaled values then read
# as "standard deviations" for well-behaved features.
_IQR_TO_SIGMA = 1.349
# A constant-in-training feature gets this scale, so a new value still registers without exploding.
_FLOOR_SCALE = 1e-3


@dataclasses.dataclass
class RobustScaler:
    """(x - median) / robust scale, clipped. The scale is IQR/1.349, or the std when the IQR is zero
    (rare binary flags: a PR touching CI is then as unusual as its rarity says), or 1 when constant."""

    center: list[float]
    scale: list[float]
    clip: float = DEFAULT_CLIP

    @classmethod
    def fit(cls, rows: np.ndarray, clip: float = DEFAULT_CLIP) -> "RobustScaler":
        rows = np.nan_to_num(np.asarray(rows, dtype=np.float64))
        if rows.ndim != 2 or len(rows) == 0:
            raise ValueError("RobustScaler.fit needs a non-empty 2-D array of feature rows")
        q25, median, q75 = np.percentile(rows, [25, 50, 75], axis=0)
        scale = (q75 - q25) / _IQR_TO_SIGMA
        std = rows.std(axis=0)
        scale = np.where(scale > _FLOOR_SCALE, scale, std)
        scale = np.where(scale > _FLOOR_SCALE, scale, 1.0)
        return cls(center=median.tolist(), scale=scale.tolist(), clip=float(clip))

    def transform(self, rows: np.ndarray) -> np.ndarray:
        rows = np.nan_to_num(np.asarray(rows, dtype=np.float64))
        scaled = (rows - np.asarray(self.center)) / np.asarray(self.scale)
        return np.clip(scaled, -self.clip, self.clip).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"center": list(self.center), "scale": list(self.scale), "clip": self.clip}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RobustScaler":
        return cls(center=[float(v) for v in data["center"]], scale=[float(v) for v in data["scale"]],
                   clip=float(data.get("clip", DEFAULT_CLIP)))


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


class Autoencoder(nn.Module):
    """Feedforward autoencoder: inputs -> hidden -> bottleneck -> hidden -> inputs (linear output,
    since scaled features are unbounded in sign)."""

    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        self.encoder = nn.Sequential(
            nn.Linear(config.n_features, config.hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.bottleneck),
        )
        self.decoder = nn.Sequential(
            nn.GELU(),
            nn.Linear(config.bottleneck, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.n_features),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    @torch.no_grad()
    def squared_errors(self, x: torch.Tensor) -> torch.Tensor:
        """Per-row, per-feature squared reconstruction error (the contributions); the score is its mean."""
        was_training = self.training
        self.eval()
        try:
            return (self(x) - x).pow(2)
        finally:
            self.train(was_training)
