"""Shared by the benchmark scripts: timing every method the same way, targets, the JSON last line.

Not a benchmark itself (``make bench`` skips files starting with ``_``).

Every benchmark times each method it compares the same number of times and reports the same
statistic for all of them: the median of ``runs`` runs, the runs interleaved (A, B, C, A, B,
C, ...) so that a change of load on the shared machine falls on every method alike. Targets are
ratios against a peer measured in the same run, never absolute times; each is evaluated in the
JSON object printed as the last line::

    "targets": {"<name>": {"value": 0.8, "op": "<=", "target": 1.3, "met": true,
                           "against": "what the ratio compares"}, ...},
    "targets_met": true
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gateway_planner.locate.base import usable_cores

__all__ = [
    "STATISTIC",
    "Target",
    "Timing",
    "emit",
    "machine",
    "median_of",
    "ratio_targets",
    "time_methods",
]

#: how every benchmark summarises its runs
STATISTIC = "median"

Op = Literal["<=", ">=", "=="]


@dataclass(frozen=True)
class Timing:
    """The runs of one method: CPU and wall seconds of each run, and their medians."""

    cpu_runs: tuple[float, ...]
    wall_runs: tuple[float, ...]

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_runs)

    @property
    def wall(self) -> float:
        return statistics.median(self.wall_runs)

    @property
    def runs(self) -> int:
        return len(self.cpu_runs)


def time_methods(
    methods: Mapping[str, Callable[[], Any]], runs: int
) -> tuple[dict[str, Timing], dict[str, Any]]:
    """Run every method ``runs`` times, interleaved, and time each run.

    Parameters
    ----------
    methods
        Name -> a call without arguments.
    runs
        How many times each method runs (the same for all).

    Returns
    -------
    tuple
        The timing of each method and the result of its last run.
    """
    cpu: dict[str, list[float]] = {name: [] for name in methods}
    wall: dict[str, list[float]] = {name: [] for name in methods}
    results: dict[str, Any] = {}
    for _ in range(runs):
        for name, fn in methods.items():
            t0, c0 = time.perf_counter(), time.process_time()
            results[name] = fn()
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - t0)
    timings = {name: Timing(tuple(cpu[name]), tuple(wall[name])) for name in methods}
    return timings, results


def median_of(values: list[float]) -> float:
    """The benchmarks' statistic over a list of runs."""
    return statistics.median(values)


@dataclass(frozen=True)
class Target:
    """A ratio against a peer measured in the same run, and the bound it should keep."""

    value: float | bool
    op: Op
    target: float | bool
    against: str

    @property
    def met(self) -> bool:
        if self.op == "==":
            return self.value == self.target
        if isinstance(self.value, bool) or not math.isfinite(self.value):
            return False
        if self.op == "<=":
            return self.value <= self.target
        return self.value >= self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "op": self.op,
            "target": self.target,
            "met": self.met,
            "against": self.against,
        }


#: what each figure a ratio target may compare is
MEASURES = {
    "cpu_s": "CPU seconds",
    "wall_s": "wall seconds",
    "seconds": "wall seconds",
    "peak_mb": "peak RSS",
}


def ratio_targets(
    ours: Mapping[str, float],
    peer: Mapping[str, float],
    bounds: Mapping[str, float],
    *,
    peer_name: str,
    against: str,
    prefix: str = "",
) -> dict[str, Target]:
    """One target per key of ``bounds``: ``ours[key] / peer[key]`` at most the bound.

    Named ``<prefix><key>_vs_<peer_name>``; ``against`` says what is compared.
    """
    return {
        f"{prefix}{key}_vs_{peer_name}": Target(
            ours[key] / peer[key], "<=", bound, f"{against}, {MEASURES[key]}"
        )
        for key, bound in bounds.items()
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on (the machine is shared: the load matters)."""
    return {
        "python": platform.python_version(),
        "cores": usable_cores(),
        "load_avg_1min": os.getloadavg()[0],
    }


def _plain(value: Any) -> Any:
    """JSON-ready: floats rounded to 6 significant digits, non-finite floats as null."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return str(value)


def emit(
    benchmark: str,
    *,
    quick: bool,
    runs: int,
    figures: Mapping[str, Any],
    targets: Mapping[str, Target],
) -> None:
    """Print the target table, then the one-line JSON summary (always the last line)."""
    if targets:
        width = max(len(name) for name in targets)
        print(f"\n{'target':<{width}}  {'value':>9} {'op':>2} {'target':>7}  met    against")
        for name, t in targets.items():
            value = t.value if isinstance(t.value, bool) else f"{t.value:.3g}"
            print(
                f"{name:<{width}}  {value!s:>9} {t.op:>2} {t.target!s:>7}  {t.met!s:<5}  {t.against}"
            )
    summary = {
        "benchmark": benchmark,
        "quick": quick,
        "runs": runs,
        "statistic": STATISTIC,
        **figures,
        "machine": machine(),
        "targets": {name: t.as_json() for name, t in targets.items()},
        "targets_met": all(t.met for t in targets.values()),
    }
    print(json.dumps(_plain(summary), allow_nan=False), flush=True)
