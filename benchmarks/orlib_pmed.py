"""Solve OR-Library p-median instances and compare with the proven optima (and with spopt).

Usage::

    .venv/bin/python benchmarks/orlib_pmed.py [--dir DIR] [--time-limit S] [--no-spopt]

Every ``pmedN.txt`` in DIR (default ``../shared/data/orlib-pmed`` next to the repository) is
solved with ``gateway_planner.locate.solve(model="pmedian", method="auto")``; ``pmedopt.txt``
gives the optima. The table shows instance, n, p, optimum, found, gap to the optimum (%), the
bound gap the solver reports (%), seconds and method. On the n = 100 and n = 200 instances the
same problems are also solved with PySAL spopt's ``PMedian`` (PuLP + CBC) when it is installed,
and the time ratio spopt / ours is printed. The last line is one JSON object mapping each
instance to {"n", "p", "optimum", "found", "bound_gap_pct", "seconds"}.

Targets: the optimum on every instance with n <= 400, within 0.5 % on larger ones, under 10 s
each.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

from gateway_planner.locate import Problem, read_optima, read_pmed, solve

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO.parent / "shared" / "data" / "orlib-pmed"


def _instances(folder: Path) -> list[Path]:
    found = [p for p in folder.glob("pmed*.txt") if re.fullmatch(r"pmed\d+\.txt", p.name)]
    return sorted(found, key=lambda p: int(re.sub(r"\D", "", p.stem)))


def _spopt_seconds(costs: np.ndarray, p: int) -> tuple[float, float] | None:
    try:
        import pulp
        from spopt.locate import PMedian as SpoptPMedian
    except ImportError:
        return None
    t0 = time.perf_counter()
    model = SpoptPMedian.from_cost_matrix(costs, np.ones(costs.shape[0]), p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - t0
    return float(pulp.value(model.problem.objective)), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="folder with pmedN.txt and pmedopt.txt"
    )
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="seconds per instance (default 10)"
    )
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    args = parser.parse_args(argv)
    folder: Path = args.dir
    paths = _instances(folder)
    if not paths:
        print(f"no pmedN.txt files in {folder}", file=sys.stderr)
        return 2
    optima = read_optima(folder / "pmedopt.txt") if (folder / "pmedopt.txt").exists() else {}
    header = (
        f"{'instance':<9} {'n':>4} {'p':>4} {'optimum':>8} {'found':>8} {'gap_opt%':>9} {'bound_gap%':>10} "
        f"{'seconds':>8} {'method':<9} {'status':<13} {'spopt_s':>8} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    record: dict[str, dict[str, float | int | None]] = {}
    ratios = []
    for path in paths:
        name = path.stem
        n, p, costs = read_pmed(path)
        problem = Problem(
            weights=np.ones(n), costs=costs, site_ids=tuple(str(i + 1) for i in range(n)), p=p
        )
        t0 = time.perf_counter()
        sol = solve(problem, model="pmedian", method="auto", time_limit=args.time_limit)
        seconds = time.perf_counter() - t0
        optimum = optima.get(name)
        gap_opt = None if optimum is None else 100.0 * (sol.objective - optimum) / optimum
        spopt = None
        if not args.no_spopt and n in (100, 200):
            spopt = _spopt_seconds(costs, p)
        spopt_s = ratio = ""
        if spopt is not None:
            spopt_s = f"{spopt[1]:8.2f}"
            ratio = f"{spopt[1] / seconds:7.1f}"
            ratios.append(spopt[1] / seconds)
            if optimum is not None and abs(spopt[0] - optimum) > 1e-6:
                spopt_s += "*"
        print(
            f"{name:<9} {n:>4} {p:>4} {'' if optimum is None else f'{optimum:8.0f}':>8} {sol.objective:8.0f} "
            f"{'' if gap_opt is None else f'{gap_opt:9.3f}':>9} {100 * sol.gap:10.3f} {seconds:8.2f} "
            f"{sol.method:<9} {sol.status:<13} {spopt_s:>8} {ratio:>7}",
            flush=True,
        )
        record[name] = {
            "n": n,
            "p": p,
            "optimum": optimum,
            "found": sol.objective,
            "bound_gap_pct": round(100 * sol.gap, 6),
            "seconds": round(seconds, 3),
        }
    if ratios:
        print(
            f"spopt (PuLP + CBC) / gateway_planner time ratio on n = 100, 200: "
            f"median {np.median(ratios):.1f}x, min {min(ratios):.1f}x, max {max(ratios):.1f}x"
        )
    elif not args.no_spopt:
        print("spopt comparison skipped (pip install spopt pulp, or no n = 100 / 200 instance)")
    print(json.dumps(record, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
