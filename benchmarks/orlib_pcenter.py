"""Solve the p-center on OR-Library p-median graphs and on generated ones up to n = 900.

Usage::

    .venv/bin/python benchmarks/orlib_pcenter.py            # every instance, 3 runs each
    .venv/bin/python benchmarks/orlib_pcenter.py --quick    # smoke run: pmed1, pmed2, one n = 500
    .venv/bin/python benchmarks/orlib_pcenter.py [--dir DIR] [--time-limit S] [--runs N]
        [--seed N] [--no-generated] [--weighted]

Every ``pmedN.txt`` in DIR (default ``../shared/data/orlib-pmed`` next to the repository) is
read with :func:`gateway_planner.locate.read_pmed` and solved with
``solve(model="pcenter", method="auto")``: every vertex a cell of weight 1 and a candidate, p
from the file. Beside them, graphs of the same kind are generated from ``--seed`` and written in
the OR-Library format (Beasley 1985, "A note on solving large p-median problems", EJOR 21: a
ring through every vertex, then random edges up to ``n^2 / 50`` in all, lengths uniform in
1..100; a pair given twice keeps its last length), with the sizes and p of OR-Library's
pmed21-pmed40 (n = 500 ... 900, p = 5, 10, n/10, n/5, n/3 as there), then read back like the
others. ``--weighted`` adds the weighted p-center of every instance (vertex weights drawn in
1..9 from the seed).

The table shows instance, n, p, the optimum in the literature (unweighted OR-Library instances
only: the values listed by Pullan 2008, "A memetic genetic algorithm for the vertex p-center
problem", Evolutionary Computation 16(3)), the radius found, the bound gap the solver reports
(%: 0 is a proof of optimality), the median wall seconds of ``--runs`` runs, the number of open
sites, the second stage's total journey (exactly p sites of least total at the optimal radius)
and its gap (%), and the status.

Targets: every instance proven optimal (bound gap 0) within 10 s (the time limit; the share of
instances, 1.0), exactly p sites open on every instance (share, 1.0), and the radius found
equal to the literature's wherever there is one (share, 1.0).

The last line printed is one JSON object: ``instances`` mapping each instance to {"n", "p",
"found", "bound_gap_pct", "seconds", "open_sites", "optimum", "second_objective",
"second_gap_pct", "status"}, and ``targets`` (name -> value, op, target, met, against) with
``targets_met``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import Target, emit, median_of

from gateway_planner.locate import Problem, Solution, read_pmed, solve

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO.parent / "shared" / "data" / "orlib-pmed"
RUNS, QUICK_RUNS = 3, 2
QUICK_INSTANCES = ("pmed1", "pmed2", "gen500-5")
#: OR-Library pmed21-pmed40: the sizes and p of the generated instances
GENERATED = {
    500: (5, 10, 50, 100, 167),
    600: (5, 10, 60, 120, 200),
    700: (5, 10, 70, 140),
    800: (5, 10, 80),
    900: (5, 10, 90),
}
#: Optimal unweighted p-center radii of OR-Library pmed1-pmed40, as listed by W. Pullan (2008),
#: "A memetic genetic algorithm for the vertex p-center problem", Evolutionary Computation 16(3)
LITERATURE = dict(
    zip(
        [f"pmed{i}" for i in range(1, 41)],
        [
            *(127, 98, 93, 74, 48, 84, 64, 55, 37, 20, 59, 51, 36, 26, 18, 47, 39, 28, 18, 13),
            *(40, 38, 22, 15, 11, 38, 32, 18, 13, 9, 30, 29, 15, 11, 30, 27, 15, 29, 23, 13),
        ],
        strict=True,
    )
)
TARGET_SECONDS = 10.0


def _instances(folder: Path) -> list[Path]:
    found = [p for p in folder.glob("pmed*.txt") if re.fullmatch(r"pmed\d+\.txt", p.name)]
    return sorted(found, key=lambda p: int(re.sub(r"\D", "", p.stem)))


def write_instance(path: Path, n: int, p: int, seed: int) -> None:
    """Write a random graph in the OR-Library pmed format (see the module docstring).

    Parameters
    ----------
    path
        The file to write.
    n
        Vertices.
    p
        Centres (the third number of the header).
    seed
        Seed of the lengths and the random edges.
    """
    rng = np.random.default_rng(seed)
    m = n * n // 50
    length = rng.integers(1, 101, m)
    a = rng.integers(1, n + 1, m - n)
    b = rng.integers(1, n, m - n)
    b = np.where(b >= a, b + 1, b)  # no loops
    lines = [f" {n} {m} {p} "]
    lines += [f" {i + 1} {(i + 1) % n + 1} {length[i]} " for i in range(n)]
    lines += [f" {x} {y} {c} " for x, y, c in zip(a, b, length[n:], strict=True)]
    path.write_text("\n".join(lines) + "\n")


def _generated(folder: Path, seed: int) -> list[Path]:
    paths = []
    for n, ps in GENERATED.items():
        for p in ps:
            path = folder / f"gen{n}-{p}.txt"
            write_instance(path, n, p, seed=seed * 1_000_003 + n * 1000 + p)
            paths.append(path)
    return paths


def _run(problem: Problem, time_limit: float, runs: int) -> tuple[Solution, list[float]]:
    seconds: list[float] = []
    sol: Solution | None = None
    for _ in range(runs):
        t0 = time.perf_counter()
        sol = solve(problem, model="pcenter", method="auto", time_limit=time_limit)
        seconds.append(time.perf_counter() - t0)
    assert sol is not None
    return sol, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder with pmedN.txt")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=TARGET_SECONDS,
        help=f"solver seconds per instance (default {TARGET_SECONDS:g})",
    )
    parser.add_argument("--runs", type=int, help=f"runs of each instance (default {RUNS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated graphs")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: " + ", ".join(QUICK_INSTANCES)
    )
    parser.add_argument("--no-generated", action="store_true", help="only the files in --dir")
    parser.add_argument("--weighted", action="store_true", help="also the weighted p-center")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    with tempfile.TemporaryDirectory(prefix="orlib-pcenter-") as tmp:
        paths = _instances(args.dir)
        if not args.no_generated:
            paths += _generated(Path(tmp), args.seed)
        if args.quick:
            paths = [p for p in paths if p.stem in QUICK_INSTANCES]
        if not paths:
            print(f"no pmedN.txt files in {args.dir}", file=sys.stderr)
            return 2
        record = _solve_all(paths, args, runs)
    emit(
        "orlib_pcenter",
        quick=args.quick,
        runs=runs,
        figures={"time_limit": args.time_limit, "seed": args.seed, "instances": record},
        targets=_targets(record),
    )
    return 0


def _solve_all(
    paths: list[Path], args: argparse.Namespace, runs: int
) -> dict[str, dict[str, float | int | str | None]]:
    header = (
        f"{'instance':<13} {'n':>4} {'p':>4} {'optimum':>8} {'found':>8} {'bound_gap%':>10} "
        f"{'seconds':>8} {'open':>5} {'total':>9} {'total_gap%':>10}  status"
    )
    print(f"median wall seconds of {runs} runs, time limit {args.time_limit:g} s")
    print(header)
    print("-" * len(header))
    record: dict[str, dict[str, float | int | str | None]] = {}
    for path in paths:
        n, p, costs = read_pmed(path)
        variants = [(path.stem, np.ones(n), False)]
        if args.weighted:
            weights = np.random.default_rng(args.seed + n).integers(1, 10, n).astype(np.float64)
            variants.append((f"{path.stem}-w", weights, True))
        for name, weights, weighted in variants:
            problem = Problem(
                weights=weights,
                costs=costs,
                site_ids=tuple(str(i + 1) for i in range(n)),
                p=p,
                weighted_center=weighted,
            )
            sol, seconds = _run(problem, args.time_limit, runs)
            optimum = None if weighted else LITERATURE.get(name)
            second_gap = None if sol.second_gap is None else 100 * sol.second_gap
            record[name] = {
                "n": n,
                "p": p,
                "found": sol.objective,
                "bound_gap_pct": 100 * sol.gap,
                "seconds": median_of(seconds),
                "open_sites": int(sol.open_index.size),
                "optimum": optimum,
                "second_objective": sol.second_objective,
                "second_gap_pct": second_gap,
                "status": sol.status,
            }
            print(
                f"{name:<13} {n:>4} {p:>4} {'' if optimum is None else optimum:>8} "
                f"{sol.objective:8.6g} {100 * sol.gap:10.3f} {median_of(seconds):8.2f} "
                f"{sol.open_index.size:>5} {sol.second_objective or 0:9.6g} "
                f"{'' if second_gap is None else f'{second_gap:10.3f}':>10}  {sol.status}",
                flush=True,
            )
    return record


def _targets(record: dict[str, dict[str, float | int | str | None]]) -> dict[str, Target]:
    rows = list(record.values())
    if not rows:
        return {}
    proven = sum(
        float(r["bound_gap_pct"] or 0.0) == 0.0 and float(r["seconds"] or 0.0) <= TARGET_SECONDS
        for r in rows
    )
    exact_p = sum(r["open_sites"] == r["p"] for r in rows)
    targets = {
        "proven_within_10s_share": Target(
            proven / len(rows),
            ">=",
            1.0,
            f"share of the {len(rows)} instances proven optimal (bound gap 0) within "
            f"{TARGET_SECONDS:g} s (median of the runs)",
        ),
        "exactly_p_share": Target(
            exact_p / len(rows), ">=", 1.0, f"share of the {len(rows)} instances with p sites open"
        ),
    }
    known = [r for r in rows if r["optimum"] is not None]
    if known:
        hits = sum(float(r["found"] or 0.0) == float(r["optimum"] or 0.0) for r in known)
        targets["literature_share"] = Target(
            hits / len(known),
            ">=",
            1.0,
            f"share of the {len(known)} OR-Library instances whose radius equals the "
            "literature's (Pullan 2008)",
        )
    return targets


if __name__ == "__main__":
    raise SystemExit(main())
