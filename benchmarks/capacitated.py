"""Capacitated p-median on generated instances in the style of Osman & Christofides (1994).

Usage::

    .venv/bin/python benchmarks/capacitated.py            # every instance, 1 run each
    .venv/bin/python benchmarks/capacitated.py --quick    # smoke run: two small instances
    .venv/bin/python benchmarks/capacitated.py [--dir DIR] [--time-limit S] [--runs N]
                                               [--sizes 50,100] [--split-only|--single-only]

Instances are generated, seeded, into DIR (default: a temporary folder; existing files are
read, not rewritten) as in Osman & Christofides, "Capacitated clustering problems by hybrid
simulated annealing and tabu search" (1994), whose 20 instances (50 and 100 customers) are the
usual capacitated p-median test set, extended to 150 and 200 customers as in Lorena & Senne:

- customers at uniform integer points of [1, 100]^2, each also a candidate site;
- demands uniform integers in [1, 20];
- one capacity for every site, ``Q = ceil(total demand / (p x u))`` with the utilisation ``u``
  drawn from {0.80, 0.85, 0.90, 0.95}: the p open sites can hold 5-25 % more than the demand,
  so the capacities bind;
- costs are Euclidean distances, and the objective is Osman & Christofides' total distance
  ``sum_ij d_ij x_ij`` (each customer's distance counted once, whatever its demand): the
  problem's minutes are ``d_ij / demand_i``, so that weight x minutes is the distance while
  the demand fills the capacities. ``--objective weighted`` solves the planner's objective
  instead, the demand-weighted distance ``sum_ij demand_i d_ij x_ij``.

File format (``capN.txt``, one instance per file, OR-Library ``capmed`` style)::

    <instance number> 0
    <n> <p> <Q>
    <i> <x> <y> <demand>        (n lines, i = 1..n)

The sizes: 50 customers with p = 5, 100 with p = 10, 150 with p = 15, 200 with p = 20 (and
p = 5 and 10 at 100 and 200 customers); every instance is solved single-source (each customer
served by one site: the classical problem) and with split demand, with
``gateway_planner.locate.solve(model="pmedian", method="auto", time_limit=60)``.

The table shows instance, n, p, utilisation, variant, objective, bound, the reported gap (%),
wall seconds (median of ``--runs``), status and path.

Targets: every instance with at most 100 customers proven optimal within the time limit (gap 0,
share 1.0); the largest reported gap at 150-200 customers under 1 %.

Where the process may use two cores, the solve probes its bound in a second thread beside the
incumbent search (:mod:`gateway_planner.locate._capacity_probe`); the table's title (and the
JSON's ``machine``) gives the cores. ``taskset -c 0 .venv/bin/python benchmarks/capacitated.py``
measures one core, where probing takes its turn.

The last line printed is one JSON object: ``instances`` mapping ``<name>/<variant>`` to {"n",
"p", "utilisation", "objective", "bound", "bound_gap_pct", "seconds", "status", "path"}, and
``targets`` with ``targets_met``.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import Target, emit, median_of

from gateway_planner.locate import Problem, Solution, solve
from gateway_planner.locate.base import usable_cores

#: (customers, p) of the generated instances, in order; each gets SEEDS_PER_SIZE instances
SIZES = ((50, 5), (100, 5), (100, 10), (150, 15), (200, 10), (200, 20))
SEEDS_PER_SIZE = 3
QUICK_SIZES = ((50, 5), (100, 10))
QUICK_SEEDS = 1
UTILISATIONS = (0.80, 0.85, 0.90, 0.95)
VARIANTS = ("single", "split")
TIME_LIMIT = 60.0
TARGETS = {"proven_share_n_le_100": 1.0, "max_gap_pct_n_gt_100": 1.0}


def generate(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Points, demands, capacity and utilisation of one seeded instance."""
    rng = np.random.default_rng([n, p, seed])
    xy = rng.integers(1, 101, size=(n, 2))
    demand = rng.integers(1, 21, size=n)
    util = float(rng.choice(UTILISATIONS))
    cap = math.ceil(int(demand.sum()) / (p * util))
    return xy, demand, cap, util


def write_instance(path: Path, number: int, n: int, p: int, seed: int) -> None:
    """Write one instance in the format of the module docstring."""
    xy, demand, cap, _ = generate(n, p, seed)
    lines = [f"{number} 0", f"{n} {p} {cap}"]
    lines += [f"{i + 1} {x} {y} {d}" for i, ((x, y), d) in enumerate(zip(xy, demand, strict=True))]
    path.write_text("\n".join(lines) + "\n")


def read_instance(path: Path) -> tuple[int, int, float, np.ndarray, np.ndarray]:
    """Read ``n, p, Q``, the points and the demands of an instance file."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n, p, cap = int(rows[1][0]), int(rows[1][1]), float(rows[1][2])
    body = np.array([[float(v) for v in r[1:4]] for r in rows[2 : 2 + n]])
    return n, p, cap, body[:, :2], body[:, 2]


def instance_files(folder: Path, sizes: tuple[tuple[int, int], ...], seeds: int) -> list[Path]:
    """Generate (where missing) and list the instance files, in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    number = 0
    for n, p in sizes:
        for seed in range(seeds):
            number += 1
            path = folder / f"cap_n{n}_p{p}_s{seed}.txt"
            if not path.exists():
                write_instance(path, number, n, p, seed)
            paths.append(path)
    return paths


def problem_of(path: Path, *, single: bool, weighted: bool = False) -> tuple[Problem, int, float]:
    """The location problem of an instance file, with n and the utilisation."""
    n, p, cap, xy, demand = read_instance(path)
    costs = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    if not weighted:
        costs = costs / demand[:, None]
    problem = Problem(
        weights=demand,
        costs=costs,
        site_ids=tuple(str(i + 1) for i in range(n)),
        p=p,
        capacities=np.full(n, cap),
        single_source=single,
    )
    return problem, n, float(demand.sum()) / (p * cap)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--dir", type=Path, help="folder of the instances (default: temporary)")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per solve")
    parser.add_argument("--runs", type=int, default=1, help="runs per instance (default 1)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 and 100 customers")
    parser.add_argument("--sizes", help="only these customer counts, e.g. 50,100")
    parser.add_argument("--variant", choices=VARIANTS, help="only this variant")
    parser.add_argument(
        "--objective",
        choices=("distance", "weighted"),
        default="distance",
        help="total distance (Osman & Christofides, default) or demand-weighted distance",
    )
    args = parser.parse_args(argv)
    sizes, seeds = (QUICK_SIZES, QUICK_SEEDS) if args.quick else (SIZES, SEEDS_PER_SIZE)
    if args.sizes:
        keep = {int(v) for v in args.sizes.split(",")}
        sizes = tuple(s for s in sizes if s[0] in keep)
    variants = (args.variant,) if args.variant else VARIANTS
    with tempfile.TemporaryDirectory(prefix="capacitated-") as tmp:
        folder = args.dir or Path(tmp)
        paths = instance_files(folder, sizes, seeds)
        record = _run(paths, variants, args.time_limit, args.runs, args.objective == "weighted")
    emit(
        "capacitated",
        quick=args.quick,
        runs=args.runs,
        figures={"time_limit": args.time_limit, "objective": args.objective, "instances": record},
        targets=_targets(record),
    )
    return 0


def _run(
    paths: list[Path], variants: tuple[str, ...], time_limit: float, runs: int, weighted: bool
) -> dict[str, dict[str, float | int | str]]:
    header = (
        f"{'instance':<16} {'n':>4} {'p':>3} {'util':>5} {'variant':<7} {'objective':>11} "
        f"{'bound':>11} {'gap%':>7} {'seconds':>8} {'status':<11} path"
    )
    print(
        f"median wall seconds of {runs} run(s), time limit {time_limit:g} s, "
        f"{usable_cores()} core(s)"
    )
    print(header)
    print("-" * len(header))
    record: dict[str, dict[str, float | int | str]] = {}
    for path in paths:
        for variant in variants:
            problem, n, util = problem_of(path, single=variant == "single", weighted=weighted)
            seconds = []
            sol: Solution | None = None
            for _ in range(runs):
                t0 = time.perf_counter()
                sol = solve(problem, model="pmedian", method="auto", time_limit=time_limit)
                seconds.append(time.perf_counter() - t0)
            assert sol is not None
            name = re.sub(r"^cap_", "", path.stem)
            print(
                f"{name:<16} {n:>4} {problem.p:>3} {util:5.2f} {variant:<7} {sol.objective:11.2f} "
                f"{sol.bound:11.2f} {100 * sol.gap:7.3f} {median_of(seconds):8.2f} "
                f"{sol.status:<11} {sol.path}",
                flush=True,
            )
            record[f"{name}/{variant}"] = {
                "n": n,
                "p": int(problem.p or 0),
                "utilisation": util,
                "objective": sol.objective,
                "bound": sol.bound,
                "bound_gap_pct": 100 * sol.gap,
                "seconds": median_of(seconds),
                "status": sol.status,
                "path": sol.path,
            }
    return record


def _targets(record: dict[str, dict[str, float | int | str]]) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    small = [r for r in record.values() if int(r["n"]) <= 100]
    large = [r for r in record.values() if int(r["n"]) > 100]
    if small:
        proven = sum(float(r["bound_gap_pct"]) == 0.0 for r in small)
        targets["proven_share_n_le_100"] = Target(
            proven / len(small),
            ">=",
            TARGETS["proven_share_n_le_100"],
            f"share of the {len(small)} solves with at most 100 customers proven optimal "
            "within the time limit",
        )
    if large:
        targets["max_gap_pct_n_gt_100"] = Target(
            max(float(r["bound_gap_pct"]) for r in large),
            "<=",
            TARGETS["max_gap_pct_n_gt_100"],
            f"largest reported gap (%) over the {len(large)} solves with 150-200 customers",
        )
    return targets


if __name__ == "__main__":
    sys.exit(main())
