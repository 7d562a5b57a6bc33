"""Whether PRGuard has seen enough of a repository to judge it by its own history, said in a check run."""
from __future__ import annotations

import dataclasses

from prguard.features.profile import RepoProfile


@dataclasses.dataclass(frozen=True)
class HistoryNote:
    """What "typical" in a check run is based on: ``prs_seen`` PRs of history, under ``min_prs`` is
    still learning; ``profile_version`` is the stored profile's version (None: the model's snapshot or
    none at all)."""

    prs_seen: int
    min_prs: int
    has_profile: bool
    profile_version: int | None = None

    @classmethod
    def of(cls, profile: RepoProfile | None, profile_version: int | None, stored_prs: int,
           min_prs: int) -> "HistoryNote":
        seen = profile.pr_count if profile is not None else stored_prs
        return cls(int(seen), int(min_prs), profile is not None, profile_version)

    @property
    def learning(self) -> bool:
        return not self.has_profile or self.prs_seen < self.min_prs

    def summary(self) -> str | None:
        """The sentence a check run's summary opens with while learning; None once it has enough."""
        if not self.learning:
            return None
        seen = f"{self.prs_seen:,} pull request{'s' if self.prs_seen != 1 else ''} seen"
        return (f"PRGuard is still learning this repository: {seen}; compared with general norms "
                f"until it has {self.min_prs:,}.")

    def typical_heading(self) -> str:
        """The key-values table's heading for the "typical" column: where typical comes from."""
        if not self.has_profile:
            return "Typical (general norms: no history of this repository yet)"
        source = f"profile v{self.profile_version}" if self.profile_version else "the model's snapshot"
        if self.learning:
            return f"Typical (general norms blended with {self.prs_seen:,} PRs here, {source})"
        return f"Typical in this repository ({self.prs_seen:,} PRs, {source})"
