"""What one wrk run measured, from the WRK_REPORT line that deliveries.lua prints."""
from __future__ import annotations

import dataclasses
import json
import statistics

MARKER = "WRK_REPORT "


@dataclasses.dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int  # socket errors, timeouts and answers outside 2xx/3xx
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(output: str) -> LoadResult:
    """The result in wrk's output; ValueError (with the output) when the script printed none."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER):])
            errors = sum(raw[name] for name in ("connect", "read", "write", "status", "timeout"))
            return LoadResult(raw["requests"], raw["duration_us"] / 1e6, errors, raw["p50_us"] / 1000,
                              raw["p99_us"] / 1000, raw["max_us"] / 1000)
    raise ValueError(f"wrk printed no {MARKER.strip()} line:\n{output[-2000:]}")


def spread(values: list[float], decimals: int | None = None) -> str:
    """``min/median/max`` of several runs, as the closing notes quote them (whole numbers from 100 on,
    one decimal below, unless ``decimals`` says)."""
    def shown(value: float) -> str:
        places = decimals if decimals is not None else (0 if abs(value) >= 100 else 1)
        return f"{value:,.{places}f}"

    return "/".join(shown(v) for v in (min(values), statistics.median(values), max(values)))
