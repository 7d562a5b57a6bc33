"""Per-installation pacing of GitHub's content-creating requests, shared by every process through the store.

GitHub's secondary limits count content-creating requests per installation, not per process: about 80
per minute and 500 per hour, and its best practices ask for at least a second between them. Each worker
process pacing itself would let N workers send N times that, so the schedule lives in the store and
every write first reserves its slot there in one atomic operation.

The schedule is a generic cell rate algorithm (GCRA) plus a minimum spacing: writes go at most one per
``interval``; a burst of up to ``burst`` writes may go at that spacing, after which writes are spaced
``emission`` seconds apart, so that no window of an hour holds more than the hourly cap.
"""
from __future__ import annotations

import abc
import dataclasses
import time


@dataclasses.dataclass(frozen=True)
class PaceTerms:
    """GCRA terms: one write per ``emission`` seconds on average, ``tolerance`` seconds of burst credit."""

    emission: float
    tolerance: float

    @classmethod
    def for_hourly_cap(cls, per_hour: int) -> "PaceTerms":
        """Terms under which no 3600 s window holds more than ``per_hour`` writes.

        A fifth of the cap may go as a burst (100 of GitHub's 500: a Dependabot run is answered
        quickly); the rest is spread over the hour. GCRA admits at most ``(W + tolerance) / emission + 1``
        writes in any window W, which for W = 3600 s is exactly ``per_hour``.
        """
        if per_hour < 2:
            raise ValueError(f"an hourly cap needs at least 2 writes, got {per_hour}")
        burst = max(1, per_hour // 5)
        emission = 3600.0 / (per_hour - burst)
        return cls(emission=emission, tolerance=(burst - 1) * emission)


@dataclasses.dataclass(frozen=True)
class PaceState:
    """An installation's schedule: the earliest time of its next write (spacing) and GCRA's
    theoretical arrival time (hourly budget). Both are epoch seconds."""

    next_at: float = float("-inf")
    arrival: float = float("-inf")


def reserve(state: PaceState, now: float, interval: float, terms: PaceTerms) -> tuple[float, PaceState]:
    """The time the next write may go and the schedule after reserving it."""
    arrival = max(state.arrival, now)
    start = max(now, state.next_at, arrival - terms.tolerance)
    return start, PaceState(next_at=start + interval, arrival=max(arrival, start) + terms.emission)


class WritePacing(abc.ABC):
    """Reserves content-creating request slots per installation, atomically across processes."""

    def reserve(self, installation_id: int, interval: float, per_hour: int,
                now: float | None = None) -> float:
        """Reserve the next write slot of ``installation_id``; returns the seconds to wait before it."""
        now = time.time() if now is None else now
        start = self._reserve(int(installation_id), now, interval, PaceTerms.for_hourly_cap(per_hour))
        return max(0.0, start - now)

    def wait(self, installation_id: int, interval: float, per_hour: int, now: float | None = None) -> float:
        """Seconds until the next write slot of ``installation_id``, reserving nothing: a worker asks
        before taking a job on, so that a job which would only sleep goes back to the queue instead."""
        now = time.time() if now is None else now
        terms = PaceTerms.for_hourly_cap(per_hour)
        start, _ = reserve(self._state(int(installation_id)), now, interval, terms)
        return max(0.0, start - now)

    @abc.abstractmethod
    def _state(self, installation_id: int) -> PaceState:
        """The stored schedule of ``installation_id`` (an empty one when it has none)."""

    @abc.abstractmethod
    def _reserve(self, installation_id: int, now: float, interval: float, terms: PaceTerms) -> float:
        """Apply :func:`reserve` to the stored state in one atomic step; return the slot's start time."""
