"""County-scale benchmark: travel times, solve, evaluation and report on a Kent-sized case.

Run alone, with the project's virtualenv (about ten minutes on two cores)::

    .venv/bin/python benchmarks/county.py            # three sizes; the largest also on Dask
    .venv/bin/python benchmarks/county.py --quick    # the smallest size only, both ways

The benchmark writes its own seeded synthetic county: a road-like grid of 548 x 548 = 300,304
nodes 108 m apart (59 km square, about Kent's 3,500 km²), every tenth line an arterial at
60-80 km/h and local streets at 30-50 km/h with 5 % of them missing; populated 250 m cells
drawn around 25 towns of Zipf-like sizes (1.6 million people at 40,000 cells); candidate sites
at populated cells (weighted by population) of which the 5 in the most populated cells are the
existing sites; two customer groups travelling by car. The graph is built directly as arrays
and goes through the engine's own code: :class:`RoutingGraph` (reversed CSR in Z-order),
``travel_times`` (snapping, blocks of site searches with a 45-minute limit, each cut where
an existing site is at least as near -- ``kept_sites``, exact for the p-median -- kept sparse), the
p-median cost of ``gateway_planner.scenario`` (visit-weighted over groups),
``gateway_planner.locate.solve(method="auto")`` with 5 existing + 3 new sites,
``gateway_planner.evaluate.evaluate`` (today and proposed) and
``gateway_planner.report.write_report`` (exports, map and briefing).

Each run is a child process whose peak memory is the RSS of it and its Dask workers, sampled
every 50 ms. Sizes: 10,000 cells x 500 candidates, 20,000 x 1,000 and 40,000 x 2,000, each in
one process; the largest (or, with ``--quick``, the smallest) again with a local Dask cluster of
two worker processes, whose matrix, solution and figures must equal the single-process ones
(sha256 of the CSR arrays; open sites and objective; mean journeys). The bound is compared
apart: the solve has the scenario default of 60 s, and a solve stopped by it reports the bound
its Lagrangian reached by then, which depends on the machine's load.

The last line printed is one JSON object: ``seconds_total`` and ``peak_mb`` of the largest
single-process run (end to end: matrix, solve, evaluation, report; the synthetic inputs are
built before the clock starts), ``gap_pct`` of its solution and ``dask_equal``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import scipy
import shapely
from _memory import TreeMemory

from gateway_planner.cluster import dask_client
from gateway_planner.costs import group_costs
from gateway_planner.demand import face_to_face_weights
from gateway_planner.evaluate import evaluate
from gateway_planner.groups import CustomerGroup
from gateway_planner.locate import Problem, solve
from gateway_planner.network import Mode, Network, RoutingGraph, travel_times
from gateway_planner.report import ScenarioView, write_report

SEED = 20250301
CRS = "EPSG:27700"
SIDE = 548  # nodes per side: 300,304 nodes
SPACING = 108.0  # metres between nodes: a 59 km square, about 3,500 km²
CELL = 250.0
ORIGIN = np.array([550_000.0, 120_000.0])  # south-west corner, British National Grid (Kent)
LIMIT = 45.0
EXISTING = 5
NEW = 3
TOWNS = 25
PEOPLE_PER_CELL = 40.0  # 1.6 million people at 40,000 cells
SIZES = ((10_000, 500), (20_000, 1_000), (40_000, 2_000))
TIME_LIMIT = 60.0
TARGETS = {"seconds_total": 120.0, "peak_mb": 6144.0}


# ---------------------------------------------------------------------------- synthetic county


def _network(rng: np.random.Generator) -> Network:
    """The road grid as routing arrays (no networkx graph), wrapped as the drive Network."""
    ids = np.arange(SIDE * SIDE).reshape(SIDE, SIDE)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    row_of = np.concatenate(
        [np.repeat(np.arange(SIDE), SIDE - 1), np.repeat(np.arange(SIDE - 1), SIDE)]
    )
    col_of = np.concatenate(
        [np.tile(np.arange(SIDE - 1), SIDE), np.tile(np.arange(SIDE), SIDE - 1)]
    )
    horizontal = np.arange(u.size) < SIDE * (SIDE - 1)
    arterial = np.where(horizontal, row_of % 10 == 0, col_of % 10 == 0)
    keep = arterial | (rng.random(u.size) > 0.05)
    u, v, arterial = u[keep], v[keep], arterial[keep]
    length = SPACING * rng.uniform(1.0, 1.25, u.size)
    kmh = np.where(arterial, rng.uniform(60, 80, u.size), rng.uniform(30, 50, u.size))
    seconds = length / (kmh / 3.6)
    yy, xx = np.divmod(np.arange(SIDE * SIDE), SIDE)
    xy = np.column_stack([xx * SPACING, yy * SPACING]).astype(np.float64) + ORIGIN
    routing = RoutingGraph.from_arrays(  # nodes renumbered as RoutingGraph.from_graph does
        xy, np.concatenate([u, v]), np.concatenate([v, u]), np.tile(seconds, 2), crs=CRS
    )
    return Network.from_routing(  # no networkx graph: the routing arrays are the network
        routing,
        mode=Mode.DRIVE,
        kind="file",
        provenance={"kind": "file", "path": "synthetic county grid"},
    )


def _groups() -> list[CustomerGroup]:
    return [
        CustomerGroup(
            id="online_mostly",
            name="Online mostly",
            description="",
            channels={"face_to_face": 0.2, "phone": 0.3, "web": 0.5},
            visits_per_person_year=2.0,
            modes={"drive": 1.0},
            source="assumed: benchmark",
        ),
        CustomerGroup(
            id="assisted",
            name="Needs assistance",
            description="",
            channels={"face_to_face": 0.7, "phone": 0.3, "web": 0.0},
            visits_per_person_year=3.0,
            modes={"drive": 1.0},
            source="assumed: benchmark",
        ),
    ]


def _county(n_cells: int, n_sites: int, rng: np.random.Generator) -> dict:
    """Populated cells around towns, candidate and existing sites, weights."""
    extent = SPACING * (SIDE - 1)
    per_side = int(extent // CELL)
    cx, cy = np.meshgrid(np.arange(per_side), np.arange(per_side))
    centres = np.column_stack([cx.ravel(), cy.ravel()]) * CELL + CELL / 2
    towns = rng.uniform(0.08 * extent, 0.92 * extent, (TOWNS, 2))
    size = 1.0 / np.arange(1, TOWNS + 1) ** 0.9
    sigma = rng.uniform(1500, 4000, TOWNS)
    d2 = ((centres[:, None, :] - towns[None, :, :]) ** 2).sum(axis=2)
    density = (size * np.exp(-d2 / (2 * sigma**2))).sum(axis=1) + 0.01
    chosen = rng.choice(centres.shape[0], n_cells, replace=False, p=density / density.sum())
    chosen.sort()
    xy = centres[chosen] + ORIGIN
    people = density[chosen] * rng.lognormal(0.0, 0.3, n_cells)
    people *= PEOPLE_PER_CELL * n_cells / people.sum()
    boxes = shapely.box(
        xy[:, 0] - CELL / 2, xy[:, 1] - CELL / 2, xy[:, 0] + CELL / 2, xy[:, 1] + CELL / 2
    )
    cells = gpd.GeoDataFrame(
        {"population": people, "share__online_mostly": 0.75, "share__assisted": 0.25},
        geometry=boxes,
        index=[f"c{i}" for i in range(n_cells)],
        crs=CRS,
    )
    cells.index.name = "cell_id"
    at = rng.choice(n_cells, n_sites, replace=False, p=people / people.sum())
    # today's sites: the most populated candidate cell of each of the largest towns
    near = ((xy[at][:, None, :] - ORIGIN - towns[None, :, :]) ** 2).sum(axis=2)
    town = np.argmin(near, axis=1)
    existing = np.array([at[town == k][np.argmax(people[at][town == k])] for k in range(EXISTING)])
    site_xy = xy[at] + rng.uniform(-40, 40, (n_sites, 2))
    status = np.where(np.isin(at, existing), "existing", "candidate")
    sites = gpd.GeoDataFrame(
        {"name": [f"Site {i}" for i in range(n_sites)], "status": status, "capacity": np.nan},
        geometry=shapely.points(site_xy),
        index=[f"s{i}" for i in range(n_sites)],
        crs=CRS,
    )
    sites.index.name = "site_id"
    groups = _groups()
    weights = face_to_face_weights(cells, groups, source="benchmark")
    outline = shapely.box(*ORIGIN, *(ORIGIN + extent))
    boundary = gpd.GeoDataFrame({"name": ["Synthetic county"]}, geometry=[outline], crs=CRS)
    return {
        "cells": cells,
        "sites": sites,
        "groups": groups,
        "weights": weights,
        "boundary": boundary,
    }


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def run_case(n_cells: int, n_sites: int, workers: int) -> dict:
    """One end-to-end run (in this child process); returns its figures."""
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    network = _network(rng)
    data = _county(n_cells, n_sites, rng)
    cells, sites, groups, weights = data["cells"], data["sites"], data["groups"], data["weights"]
    inputs_s = time.perf_counter() - t0
    existing = tuple(s for s in sites.index if sites.loc[s, "status"] == "existing")
    out: dict = {"cells": n_cells, "candidates": n_sites, "workers": workers}
    out["nodes"] = network.routing.n_nodes
    out["inputs_s"] = inputs_s
    with TreeMemory() as memory:
        start = time.perf_counter()
        with dask_client(workers=workers) as client:
            out["cluster_s"] = time.perf_counter() - start
            t = time.perf_counter()
            times = travel_times(
                {"drive": network},
                cells,
                sites,
                groups=groups,
                limit_minutes=LIMIT,
                sparse=True,
                client=client,
                kept_sites=existing,
            )
            out["matrix_s"] = time.perf_counter() - t
        m = times.for_mode("drive")
        out["pairs_reachable_pct"] = 100.0 * m.nnz / (n_cells * n_sites)
        out["matrix_mb"] = (m.data.nbytes + m.indices.nbytes + m.indptr.nbytes) / 1e6
        out["dense_mb"] = n_cells * n_sites * 4 / 1e6
        out["matrix_sha256"] = _digest(m.indptr, m.indices, m.data)

        t = time.perf_counter()
        site_ids = tuple(sites.index)
        fixed = tuple(site_ids.index(s) for s in existing)
        problem = Problem(
            weights=weights.sum(axis=1),
            costs=group_costs(weights, times, [g.id for g in groups], kept=fixed),
            site_ids=site_ids,
            fixed=fixed,
            p=EXISTING + NEW,
            cell_ids=tuple(cells.index),
        )
        solution = solve(problem, method="auto", time_limit=TIME_LIMIT, seed=0)
        out["solve_s"] = time.perf_counter() - t
        out["solver"] = solution.solver
        out["status"] = solution.status
        out["gap_pct"] = 100.0 * solution.gap
        out["objective"] = solution.objective
        out["bound"] = solution.bound
        out["open_sites"] = list(solution.open_sites)

        t = time.perf_counter()
        by_group = {g.id: times.for_group(g.id) for g in groups}
        current = evaluate(cells, sites, groups, weights, by_group, existing, existing=existing)
        proposed = evaluate(
            cells, sites, groups, weights, by_group, solution.open_sites, existing=existing
        )
        out["evaluate_s"] = time.perf_counter() - t
        out["mean_minutes_today"] = float(current.groups.loc["all", "mean_minutes"])
        out["mean_minutes_proposed"] = float(proposed.groups.loc["all", "mean_minutes"])

        t = time.perf_counter()
        summary = {
            "sources": ["synthetic county (benchmarks/county.py)"],
            "network": {"kind": "file", "label": "synthetic grid", "limit_minutes": LIMIT},
            "solver": solution.summary(),
            "software": {"gateway_planner": "benchmark"},
            "assumptions": [],
        }
        with tempfile.TemporaryDirectory() as folder:
            view = ScenarioView(
                "county", "Synthetic county", current, proposed, groups, data["boundary"], summary
            )
            written = write_report(folder, view)
            out["report_mb"] = sum(Path(p).stat().st_size for p in written) / 1e6
        out["report_s"] = time.perf_counter() - t
        out["seconds_total"] = time.perf_counter() - start
    out["peak_mb"] = memory.peak / 2**20
    return out


# ---------------------------------------------------------------------------- driver


def _child(n_cells: int, n_sites: int, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--run", f"{n_cells},{n_sites}", "--workers", str(workers)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'cells':>7} {'cands':>6} {'wk':>3} {'pairs%':>7} {'CSR MB':>7} {'dense MB':>8} "
    f"{'cluster':>7} {'matrix':>7} {'solve':>7} {'eval':>6} {'report':>7} {'total':>7} "
    f"{'peak MB':>8} {'gap %':>7}  solver"
)


def _row(r: dict) -> str:
    return (
        f"{r['cells']:>7,} {r['candidates']:>6,} {r['workers']:>3} {r['pairs_reachable_pct']:>7.1f} "
        f"{r['matrix_mb']:>7.0f} {r['dense_mb']:>8.0f} {r['cluster_s']:>7.1f} {r['matrix_s']:>7.1f} "
        f"{r['solve_s']:>7.1f} {r['evaluate_s']:>6.1f} {r['report_s']:>7.1f} "
        f"{r['seconds_total']:>7.1f} {r['peak_mb']:>8,.0f} {r['gap_pct']:>7.3f}  {r['solver']}"
    )


def _same(a: dict, b: dict) -> dict[str, bool]:
    """What the Dask run shares with the single-process one.

    The bound is compared apart: a solve stopped by its time limit reports the bound its
    Lagrangian reached by then, which depends on the machine's speed, not on Dask.
    """
    return {
        "matrix": a["matrix_sha256"] == b["matrix_sha256"],
        "solution": all(a[k] == b[k] for k in ("open_sites", "objective")),
        "figures": all(a[k] == b[k] for k in ("mean_minutes_today", "mean_minutes_proposed")),
        "bound": a["bound"] == b["bound"],
    }


def _growth(rows: list[dict], key: str) -> str:
    small, large = rows[0], rows[-1]
    scale = large["candidates"] / small["candidates"]
    return f"x{large[key] / small[key]:.1f} for x{scale:.0f} cells and candidates"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the smallest size only")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        n_cells, n_sites = (int(x) for x in args.run.split(","))
        print(json.dumps(run_case(n_cells, n_sites, args.workers)))
        return

    sizes = SIZES[:1] if args.quick else SIZES
    print(
        f"python {platform.python_version()}, scipy {scipy.__version__}, numpy {np.__version__}; "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"synthetic county: {SIDE * SIDE:,} nodes {SPACING:.0f} m apart "
        f"({(SPACING * (SIDE - 1) / 1000) ** 2:,.0f} km²), {LIMIT:.0f}-minute limit, "
        f"{EXISTING} existing + {NEW} new sites; seconds are wall time"
    )
    print(HEADER, flush=True)
    rows = []
    for n_cells, n_sites in sizes:
        rows.append(_child(n_cells, n_sites, 1))
        print(_row(rows[-1]), flush=True)
    dask_row = _child(*sizes[-1], 2)
    print(_row(dask_row), flush=True)
    largest = rows[-1]
    same = _same(largest, dask_row)
    equal = same["matrix"] and same["solution"] and same["figures"]
    print(
        f"Dask (2 worker processes) against one process: same matrix {same['matrix']}, same "
        f"open sites and objective {same['solution']}, same figures {same['figures']}, same "
        f"bound {same['bound']} (solver status {largest['status']} / {dask_row['status']}); "
        f"matrix {dask_row['matrix_s']:.1f} s against {largest['matrix_s']:.1f} s "
        f"(+ {dask_row['cluster_s']:.1f} s to start the cluster)"
    )
    if len(rows) > 1:
        for key in ("matrix_s", "solve_s", "evaluate_s", "peak_mb", "matrix_mb"):
            print(f"  {key}: {_growth(rows, key)}")
    summary = {
        "seconds_total": largest["seconds_total"],
        "peak_mb": largest["peak_mb"],
        "gap_pct": largest["gap_pct"],
        "dask_equal": equal,
        "dask_same": same,
        "cells": largest["cells"],
        "candidates": largest["candidates"],
        "nodes": largest["nodes"],
        "matrix_s": largest["matrix_s"],
        "solve_s": largest["solve_s"],
        "evaluate_s": largest["evaluate_s"],
        "report_s": largest["report_s"],
        "dask_seconds_total": dask_row["seconds_total"],
        "dask_matrix_s": dask_row["matrix_s"],
        "dask_cluster_s": dask_row["cluster_s"],
        "dask_peak_mb": dask_row["peak_mb"],
        "load_avg_1min": os.getloadavg()[0],
        "targets_met": {
            "seconds_total": largest["seconds_total"] < TARGETS["seconds_total"],
            "peak_mb": largest["peak_mb"] < TARGETS["peak_mb"],
        },
    }
    print(
        json.dumps(
            {
                k: (round(v, 3) if isinstance(v, float) and math.isfinite(v) else v)
                for k, v in summary.items()
            }
        )
    )


if __name__ == "__main__":
    main()
