"""What several features are computed from, once per PR and profile: log sizes, flags, z-scores, rarity."""
from __future__ import annotations

import dataclasses
import math

from prguard.features.profile import SHARE_STATS, RepoProfile
from prguard.features.summary import Summary

Z_CLIP = (-4.0, 10.0)  # a 3000-file PR is "very unusual"; letting z reach 40 would swamp every other feature
ENTROPY_UNKNOWN = 0.5  # neutral spread for a PR whose files are not known yet
RARITY_FLOOR = 1e-3  # a share of 0.1% or less counts as "never happens here" (rarity 1.0)


@dataclasses.dataclass(frozen=True)
class Measures:
    """Values more than one feature reads."""

    sizes: dict[str, float]  # log1p of each profile quantile statistic (prguard.features.profile)
    flags: dict[str, float]  # Summary.share_flags()


def measure(s: Summary, profile: RepoProfile) -> Measures:
    sizes = {"log_changed_files": math.log1p(s.changed_files),
             "log_changed_lines": math.log1p(s.changed_lines), "log_commits": math.log1p(s.commits)}
    if s.files_known:
        sizes["log_directories"] = math.log1p(len(s.directories))
        sizes["log_top_level_areas"] = math.log1p(len(s.top_levels))
    else:  # unknown: sit at this repository's median, and let files_known = 0 say why
        sizes["log_directories"] = profile.median("log_directories")
        sizes["log_top_level_areas"] = profile.median("log_top_level_areas")
    return Measures(sizes=sizes, flags=s.share_flags())


def clip(value: float, bounds: tuple[float, float] = Z_CLIP) -> float:
    return min(max(value, bounds[0]), bounds[1])


def relative(profile: RepoProfile, m: Measures, stat: str) -> float:
    """Where this PR's ``stat`` sits in the repository's profile: a robust z, clipped."""
    return clip(profile.robust_z(stat, m.sizes[stat]))


def rarity(flags: dict[str, float], profile: RepoProfile) -> float:
    """How rare, here, the rarest sensitive kind of change this PR makes is: -log(share)/log(1000)."""
    rarest = min((profile.shares[stat] for stat in SHARE_STATS if flags.get(stat)), default=None)
    if rarest is None:
        return 0.0
    return clip(math.log(max(rarest, RARITY_FLOOR)) / math.log(RARITY_FLOOR), (0.0, 1.0))


def flag(value: bool) -> float:
    return 1.0 if value else 0.0


def hour_angle(s: Summary) -> float | None:
    """The opening time of day as an angle, so 23:00 and 01:00 are neighbours; None when unknown."""
    if s.created_at is None:
        return None
    return 2 * math.pi * ((s.created_at.hour + s.created_at.minute / 60) / 24)


def weekday_angle(s: Summary) -> float | None:
    """The opening time of week as an angle (Monday 00:00 at 0); None when unknown."""
    if s.created_at is None:
        return None
    hour = (s.created_at.hour + s.created_at.minute / 60) / 24
    return 2 * math.pi * ((s.created_at.weekday() + hour) / 7)


def on_circle(trig, angle: float | None) -> float:
    """sin or cos of an angle; a missing time sits at the centre (0, 0)."""
    return 0.0 if angle is None else trig(angle)
