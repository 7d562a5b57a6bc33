"""The robust feature scaler the autoencoder is trained and scored in: median/IQR, clipped; numpy only."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

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
