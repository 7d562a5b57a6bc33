"""Repository profiles: what PRs usually look like in one repository, and the global norms behind them."""
from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any, Iterable

from prguard.features.summary import SHARE_FLAGS, Summary

PROFILE_VERSION = "1"
QUANTILE_POINTS = 21  # every 5th percentile, 0..100
# Per-PR values summarised by quantiles (all log1p of a heavy-tailed count).
QUANTILE_STATS = ("log_changed_files", "log_changed_lines", "log_commits", "log_directories",
                  "log_top_level_areas")
# Per-PR 0/1 flags summarised by how often they occur here.
SHARE_STATS = tuple(SHARE_FLAGS)
# Statistics that need the PR's file list; NaN in profile_stats when the files are not known.
FILE_STATS = ("log_directories", "log_top_level_areas") + SHARE_STATS
# A repository's own history counts fully only once it outweighs this many pseudo-PRs of global norms,
# so a repository with 5 PRs is judged mostly by global norms and one with 500 almost only by its own.
PRIOR_PRS = 10
# Robust scales below this (log units) would make a repository with identical PRs flag every change.
MIN_SCALE = 0.3


def profile_stats(s: Summary) -> dict[str, float]:
    """The per-PR raw values a repository profile is built from; NaN marks "files not known"."""
    stats = {
        "log_changed_files": math.log1p(s.changed_files),
        "log_changed_lines": math.log1p(s.changed_lines),
        "log_commits": math.log1p(s.commits),
        "files_known": 1.0 if s.files_known else 0.0,
    }
    if not s.files_known:
        stats.update({name: math.nan for name in FILE_STATS})
        return stats
    stats["log_directories"] = math.log1p(len(s.directories))
    stats["log_top_level_areas"] = math.log1p(len(s.top_levels))
    stats.update(s.share_flags())
    return stats


def quantiles(values: list[float], points: int = QUANTILE_POINTS) -> list[float]:
    """Evenly spaced quantiles (linear interpolation) of a non-empty list."""
    ordered = sorted(values)
    last = len(ordered) - 1
    grid = []
    for i in range(points):
        position = last * i / (points - 1)
        low = int(math.floor(position))
        high = min(low + 1, last)
        grid.append(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
    return grid


@dataclasses.dataclass(frozen=True)
class RepoProfile:
    """Quantiles of the size and diffusion statistics and shares of the sensitive-path flags."""

    repo: str
    pr_count: int
    quantiles: dict[str, list[float]]
    shares: dict[str, float]
    counts: dict[str, int]  # how many PRs each statistic was computed from
    version: str = PROFILE_VERSION

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RepoProfile":
        return cls(repo=str(data["repo"]), pr_count=int(data["pr_count"]),
                   quantiles={k: [float(x) for x in v] for k, v in data["quantiles"].items()},
                   shares={k: float(v) for k, v in data["shares"].items()},
                   counts={k: int(v) for k, v in data["counts"].items()},
                   version=str(data.get("version", PROFILE_VERSION)))

    def blended(self) -> "RepoProfile":
        """This profile pulled toward GLOBAL_PROFILE in proportion to how thin its history is.

        Computed once per profile object (profiles are frozen and treated as read-only): every PR of a
        repository is featurised against the same blend, and building it cost more than the features.
        """
        cached = self.__dict__.get("_blended")
        if cached is None:
            cached = self._blend()
            object.__setattr__(self, "_blended", cached)
        return cached

    def _blend(self) -> "RepoProfile":
        quantile_grid, shares = {}, {}
        for stat in QUANTILE_STATS:
            n = self.counts.get(stat, 0)
            own = self.quantiles.get(stat)
            base = GLOBAL_PROFILE.quantiles[stat]
            weight = n / (n + PRIOR_PRS) if own and len(own) == QUANTILE_POINTS else 0.0
            quantile_grid[stat] = [weight * a + (1 - weight) * b for a, b in zip(own or base, base)]
        for stat in SHARE_STATS:
            n = self.counts.get(stat, 0)
            share = self.shares.get(stat, 0.0)
            shares[stat] = (share * n + GLOBAL_PROFILE.shares[stat] * PRIOR_PRS) / (n + PRIOR_PRS)
        return dataclasses.replace(self, quantiles=quantile_grid, shares=shares)

    # ---- where a value sits in this profile ------------------------------------------------------
    def median(self, stat: str) -> float:
        return self.quantiles[stat][QUANTILE_POINTS // 2]

    def typical(self, stat: str) -> float:
        """The median as a raw count (undoing log1p)."""
        return math.expm1(self.median(stat))

    def scale(self, stat: str) -> float:
        """A robust standard deviation: the larger of IQR/1.349 and the 10-90 range/2.563."""
        q = self.quantiles[stat]
        iqr = q[15] - q[5]
        wide = q[18] - q[2]
        return max(iqr / 1.349, wide / 2.563, MIN_SCALE)

    def robust_z(self, stat: str, value: float) -> float:
        return (value - self.median(stat)) / self.scale(stat)


def build_profile(repo: str, stats: Iterable[dict[str, float]]) -> RepoProfile:
    """A repository profile from ``profile_stats`` rows (e.g. one Spark group per repository)."""
    columns: dict[str, list[float]] = {name: [] for name in QUANTILE_STATS + SHARE_STATS}
    pr_count = 0
    for row in stats:
        pr_count += 1
        if hasattr(row, "asDict"):  # a Spark Row, when a job hands its grouped rows over directly
            row = row.asDict()
        for name, values in columns.items():
            value = row.get(name) if isinstance(row, dict) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                values.append(float(value))
    return RepoProfile(
        repo=repo,
        pr_count=pr_count,
        quantiles={name: quantiles(columns[name]) for name in QUANTILE_STATS if columns[name]},
        shares={name: statistics.fmean(columns[name]) for name in SHARE_STATS if columns[name]},
        counts={name: len(values) for name, values in columns.items()},
    )


def _lognormal_quantiles(median: float, p99: float, floor: float) -> list[float]:
    """log1p quantiles of a lognormal count with the given median and 99th percentile, floored."""
    sigma = (math.log(p99) - math.log(median)) / statistics.NormalDist().inv_cdf(0.99)
    grid = []
    for i in range(QUANTILE_POINTS):
        p = min(max(i / (QUANTILE_POINTS - 1), 0.001), 0.999)
        value = math.exp(math.log(median) + sigma * statistics.NormalDist().inv_cdf(p))
        grid.append(math.log1p(max(value, floor)))
    return grid


# Global norms for repositories without history, from published GitHub-wide PR statistics: changed files
# median 2 / p99 ~180; changed lines median ~40 / p99 ~5000; most PRs have one commit and stay in one or
# two directories. Shares are rough GitHub-wide rates of PRs touching each kind of sensitive path.
GLOBAL_PROFILE = RepoProfile(
    repo="*",
    pr_count=0,
    quantiles={
        "log_changed_files": _lognormal_quantiles(2, 180, 1),
        "log_changed_lines": _lognormal_quantiles(40, 5000, 1),
        "log_commits": _lognormal_quantiles(1.2, 30, 1),
        "log_directories": _lognormal_quantiles(1.3, 60, 1),
        "log_top_level_areas": _lognormal_quantiles(1.1, 8, 1),
    },
    shares={"touches_ci": 0.04, "touches_build": 0.06, "touches_manifest": 0.10,
            "lockfile_without_manifest": 0.02, "has_binary": 0.01, "touches_policy": 0.005},
    counts={},
)


def effective_profile(profile: RepoProfile | None) -> RepoProfile:
    """The profile features are computed against: global norms without history, else blended."""
    return GLOBAL_PROFILE if profile is None else profile.blended()
