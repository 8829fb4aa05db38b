"""Solve OR-Library p-median instances and compare with the proven optima and with spopt.

Usage::

    .venv/bin/python benchmarks/orlib_pmed.py            # every instance, 3 runs of each method
    .venv/bin/python benchmarks/orlib_pmed.py --quick    # smoke run: pmed1 and pmed2, 2 runs
    .venv/bin/python benchmarks/orlib_pmed.py [--dir DIR] [--time-limit S] [--runs N] [--no-spopt]
    .venv/bin/python benchmarks/orlib_pmed.py --generated [--gen-dir DIR] [--quick]

Every ``pmedN.txt`` in DIR (default ``../shared/data/orlib-pmed`` next to the repository) is
solved with ``gateway_planner.locate.solve(model="pmedian", method="auto")``; ``pmedopt.txt``
gives the optima. On the n = 100 and n = 200 instances the same problems are also solved with
PySAL spopt's ``PMedian`` (PuLP + CBC) when it is installed. Both methods run ``--runs`` times
per instance (the same number; the runs interleaved: ours, spopt, ours, ...) and the median
wall seconds of each is reported (CBC runs in a child process of its own, so CPU seconds of
this process would leave it out).

The table shows instance, n, p, optimum, found, gap to the optimum (%), the bound gap the
solver reports (%), seconds, method, status, spopt's seconds (``*`` when spopt missed the
optimum) and the ratio spopt / ours.

Targets: the optimum found on every instance with n <= 400 (share of them at 1.0); within
0.5 % of it on larger ones (the largest gap); spopt / ours at least 10 in median seconds over
the instances both solve (the median of the per-instance ratios).

``--generated`` solves, instead, graphs of the same kind with n = 500 to 900, generated seeded
in the OR-Library format (into ``--gen-dir``, default a temporary folder; files already there
are read, not rewritten) as Beasley (1990) made pmed21-pmed40: a cycle through the n vertices,
then random edges until there are n^2 / 50 edge lines (a pair may repeat: the last line wins),
costs uniform integers in [1, 100]; p = 5, 10, n / 10, n / 5 and n / 3 where the original set
has them (500: 5, 10, 50, 100, 167; 600: 5, 10, 60, 120, 200; 700: 5, 10, 70, 140; 800: 5, 10,
80; 900: 5, 10, 90). Their optima are not published: the figure is the bound gap, and the
target is every one proven optimal (bound gap 0) within the time limit (``--quick``: n = 500
and 900 with p = 5 and n / 10).

The last line printed is one JSON object: ``instances`` mapping each instance to {"n", "p",
"optimum", "found", "gap_opt_pct", "bound_gap_pct", "seconds", "spopt_seconds"}, and
``targets`` (name -> value, op, target, met, against) with ``targets_met``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _harness import Target, emit, median_of

from gateway_planner.locate import Problem, Solution, read_optima, read_pmed, solve

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO.parent / "shared" / "data" / "orlib-pmed"
RUNS, QUICK_RUNS = 3, 2
QUICK_INSTANCES = ("pmed1", "pmed2")
SPOPT_SIZES = (100, 200)
TARGETS = {
    "optimum_share_n_le_400": 1.0,
    "max_gap_pct_n_gt_400": 0.5,
    "spopt_ratio": 10.0,
    "proven_share_generated": 1.0,
}
#: (n, p) of the generated instances, as pmed21-pmed40
GENERATED = (
    (500, 5), (500, 10), (500, 50), (500, 100), (500, 167),
    (600, 5), (600, 10), (600, 60), (600, 120), (600, 200),
    (700, 5), (700, 10), (700, 70), (700, 140),
    (800, 5), (800, 10), (800, 80),
    (900, 5), (900, 10), (900, 90),
)  # fmt: skip
QUICK_GENERATED = ((500, 5), (500, 50), (900, 5), (900, 90))
GENERATED_SEED = 2026


def generated_text(n: int, p: int, seed: int = GENERATED_SEED) -> str:
    """One generated instance in the OR-Library pmed format (see the module docstring)."""
    rng = np.random.default_rng([seed, n, p])
    lines = n * n // 50
    cycle = [(i, i % n + 1) for i in range(1, n + 1)]
    extra = lines - len(cycle)
    ends = rng.integers(1, n + 1, size=(extra, 2))
    ends[:, 1] = np.where(ends[:, 1] == ends[:, 0], ends[:, 1] % n + 1, ends[:, 1])
    pairs = cycle + [(int(a), int(b)) for a, b in ends]
    costs = rng.integers(1, 101, size=len(pairs))
    body = [f" {i} {j} {c} " for (i, j), c in zip(pairs, costs, strict=True)]
    return "\n".join([f" {n} {lines} {p} ", *body]) + "\n"


def generated_files(folder: Path, sizes: tuple[tuple[int, int], ...]) -> list[Path]:
    """Write (where missing) and list the generated instances ``gen<n>_p<p>.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, p in sizes:
        path = folder / f"gen{n}_p{p}.txt"
        if not path.exists():
            path.write_text(generated_text(n, p))
        paths.append(path)
    return paths


def _instances(folder: Path) -> list[Path]:
    """The ``pmedN.txt`` files of a folder, in instance order."""
    found = [p for p in folder.glob("pmed*.txt") if re.fullmatch(r"pmed\d+\.txt", p.name)]
    return sorted(found, key=lambda p: int(re.sub(r"\D", "", p.stem)))


def _spopt(costs: np.ndarray, p: int) -> float | None:
    """Objective spopt (PuLP + CBC) reaches, or None when spopt is not installed."""
    try:
        import pulp
        from spopt.locate import PMedian as SpoptPMedian
    except ImportError:
        return None
    model = SpoptPMedian.from_cost_matrix(costs, np.ones(costs.shape[0]), p_facilities=p)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective))


def _timed_runs(
    ours: Callable[[], Solution], spopt: Callable[[], float | None] | None, runs: int
) -> tuple[Solution, list[float], float | None, list[float]]:
    """Both methods ``runs`` times, interleaved; wall seconds of every run."""
    ours_s: list[float] = []
    spopt_s: list[float] = []
    sol: Solution | None = None
    spopt_obj: float | None = None
    for _ in range(runs):
        t0 = time.perf_counter()
        sol = ours()
        ours_s.append(time.perf_counter() - t0)
        if spopt is not None:
            t0 = time.perf_counter()
            spopt_obj = spopt()
            spopt_s.append(time.perf_counter() - t0)
            if spopt_obj is None:  # not installed
                spopt, spopt_s = None, []
    assert sol is not None
    return sol, ours_s, spopt_obj, spopt_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="folder with pmedN.txt and pmedopt.txt"
    )
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="solver seconds per instance (default 10)"
    )
    parser.add_argument("--runs", type=int, help=f"runs of each method (default {RUNS})")
    parser.add_argument("--quick", action="store_true", help="smoke run: pmed1, pmed2, 2 runs")
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    parser.add_argument(
        "--generated", action="store_true", help="generated graphs with n = 500-900 instead"
    )
    parser.add_argument("--gen-dir", type=Path, help="folder of the generated instances")
    args = parser.parse_args(argv)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    with tempfile.TemporaryDirectory(prefix="pmed-generated-") as tmp:
        if args.generated:
            sizes = QUICK_GENERATED if args.quick else GENERATED
            return _main(args, generated_files(args.gen_dir or Path(tmp), sizes), {}, runs)
        folder: Path = args.dir
        paths = _instances(folder)
        if args.quick:
            paths = [p for p in paths if p.stem in QUICK_INSTANCES]
        if not paths:
            print(f"no pmedN.txt files in {folder}", file=sys.stderr)
            return 2
        optima = read_optima(folder / "pmedopt.txt") if (folder / "pmedopt.txt").exists() else {}
        return _main(args, paths, optima, runs)


def _main(args: argparse.Namespace, paths: list[Path], optima: dict[str, float], runs: int) -> int:
    """Solve every instance of ``paths``; print the table and the JSON line."""
    header = (
        f"{'instance':<9} {'n':>4} {'p':>4} {'optimum':>8} {'found':>8} {'gap_opt%':>9} {'bound_gap%':>10} "
        f"{'seconds':>8} {'method':<9} {'status':<13} {'spopt_s':>8} {'ratio':>7}"
    )
    print(f"median wall seconds of {runs} runs of each method")
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

        def ours(problem: Problem = problem) -> Solution:
            return solve(problem, model="pmedian", method="auto", time_limit=args.time_limit)

        def spopt(costs: np.ndarray = costs, p: int = p) -> float | None:
            return _spopt(costs, p)

        with_spopt = not args.no_spopt and n in SPOPT_SIZES
        sol, ours_runs, spopt_obj, spopt_runs = _timed_runs(
            ours, spopt if with_spopt else None, runs
        )
        seconds = median_of(ours_runs)
        optimum = optima.get(name)
        gap_opt = None if optimum is None else 100.0 * (sol.objective - optimum) / optimum
        spopt_seconds = median_of(spopt_runs) if spopt_runs else None
        spopt_col = ratio_col = ""
        if spopt_seconds is not None:
            spopt_col = f"{spopt_seconds:8.2f}"
            ratio_col = f"{spopt_seconds / seconds:7.1f}"
            ratios.append(spopt_seconds / seconds)
            if optimum is not None and spopt_obj is not None and abs(spopt_obj - optimum) > 1e-6:
                spopt_col += "*"
        print(
            f"{name:<9} {n:>4} {p:>4} {'' if optimum is None else f'{optimum:8.0f}':>8} {sol.objective:8.0f} "
            f"{'' if gap_opt is None else f'{gap_opt:9.3f}':>9} {100 * sol.gap:10.3f} {seconds:8.2f} "
            f"{sol.method:<9} {sol.status:<13} {spopt_col:>8} {ratio_col:>7}",
            flush=True,
        )
        record[name] = {
            "n": n,
            "p": p,
            "optimum": optimum,
            "found": sol.objective,
            "gap_opt_pct": gap_opt,
            "bound_gap_pct": 100 * sol.gap,
            "seconds": seconds,
            "spopt_seconds": spopt_seconds,
        }
    if ratios:
        print(
            f"spopt (PuLP + CBC) / gateway_planner time ratio on n = 100, 200: "
            f"median {np.median(ratios):.1f}x, min {min(ratios):.1f}x, max {max(ratios):.1f}x"
        )
    elif not args.no_spopt:
        print("spopt comparison skipped (pip install spopt pulp, or no n = 100 / 200 instance)")
    targets = _targets(record, ratios, runs)
    if args.generated:
        proven = sum(float(r["bound_gap_pct"] or 0.0) == 0.0 for r in record.values())
        targets["proven_share_generated"] = Target(
            proven / len(record),
            ">=",
            TARGETS["proven_share_generated"],
            f"share of the {len(record)} generated instances (n = 500-900) proven optimal "
            f"within {args.time_limit:g} s",
        )
    emit(
        "orlib_pmed" + ("_generated" if args.generated else ""),
        quick=args.quick,
        runs=runs,
        figures={"time_limit": args.time_limit, "instances": record},
        targets=targets,
    )
    return 0


def _targets(
    record: dict[str, dict[str, float | int | None]], ratios: list[float], runs: int
) -> dict[str, Target]:
    targets: dict[str, Target] = {}
    small = [r for r in record.values() if r["gap_opt_pct"] is not None and int(r["n"] or 0) <= 400]
    large = [r for r in record.values() if r["gap_opt_pct"] is not None and int(r["n"] or 0) > 400]
    if small:
        hits = sum(abs(float(r["gap_opt_pct"] or 0.0)) < 1e-9 for r in small)
        targets["optimum_share_n_le_400"] = Target(
            hits / len(small),
            ">=",
            TARGETS["optimum_share_n_le_400"],
            f"share of the {len(small)} instances with n <= 400 solved to the published optimum",
        )
    if large:
        targets["max_gap_pct_n_gt_400"] = Target(
            max(float(r["gap_opt_pct"] or 0.0) for r in large),
            "<=",
            TARGETS["max_gap_pct_n_gt_400"],
            f"largest gap (%) to the published optimum over the {len(large)} instances with n > 400",
        )
    if ratios:
        targets["spopt_ratio"] = Target(
            float(np.median(ratios)),
            ">=",
            TARGETS["spopt_ratio"],
            f"spopt (PuLP + CBC) / ours, median wall seconds of {runs} runs each, median over "
            f"the {len(ratios)} instances with n in {SPOPT_SIZES}",
        )
    return targets


if __name__ == "__main__":
    raise SystemExit(main())
