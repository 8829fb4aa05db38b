"""County-sized population raster -> cells and weights: time and peak memory against a peer.

Run alone, with the project's virtualenv::

    .venv/bin/python benchmarks/demand.py            # full run, 3 runs of each method
    .venv/bin/python benchmarks/demand.py --quick    # smoke run: a small raster, 2 runs

First, and apart from anything measured, the benchmark writes its inputs into a temporary
folder: a 100 m GeoTIFF of 120 km x 80 km (1200 x 800 = 960,000 pixels, British National Grid,
with a no-data "sea" and 10 % empty pixels), a wobbly county boundary, 1,000 zones (Voronoi
cells, as many as a county's LSOAs, with a vertex every 20 m like real boundaries) with a
shares table of four customer groups, and ``groups.toml`` (``--quick``: 300 x 200 pixels and
100 zones).

Then every method runs in a fresh child process per run (the runs interleaved: ours, the
peer, ours, ...); the clock and the peak memory cover only the work, from the files to the
cells and weights (imports, the boundary and the groups are read before), peak memory being
the RSS sampled every 50 ms during the work:

- *ours*: ``build_demand_cells`` (raster -> one cell per populated pixel whose centre lies in
  the county, shares joined by zone, area-weighted) plus ``face_to_face_weights``;
- *peer*: the same with rasterio, shapely and geopandas by hand: the raster read whole, the
  populated pixels inside the county as squares, the zones' spatial index queried for each
  square, intersection areas computed where a square meets more than one zone, shares
  averaged by area, weights = people x share x face-to-face share x visits;
- *zones* (for information, not compared): the 1,000 zones as population counts spread over
  250 m cells (``kind="zones"``, areal interpolation).

The two must agree: the same cells and people, shares within 1e-9, weights within 1e-9
relative. Targets: ours / peer at most 1.0 in CPU seconds and at most 1.0 in peak memory
(medians of the same number of runs).

The last line printed is one JSON object: the figures and ``targets`` (name -> value, op,
target, met, against) with ``targets_met``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _harness import Target, emit, median_of, ratio_targets
from _memory import TreeMemory

PIXEL = 100.0
X0, Y0 = 560_000.0, 200_000.0  # upper-left corner
#: (width, height, zones), full and --quick
SIZES = {False: (1200, 800, 1000), True: (300, 200, 100)}
GROUPS = ["older_low_income", "families", "digital_working_age", "assisted_support"]
RUNS, QUICK_RUNS = 3, 2
TARGETS = {"cpu_s": 1.0, "peak_mb": 1.0}
TOLERANCE = 1e-9
METHODS = ("ours", "peer", "zones")


def write_inputs(folder: Path, *, quick: bool) -> None:
    """Write the raster, the county, the zones, the shares and the groups."""
    import geopandas as gpd
    import pandas as pd
    import rasterio
    import shapely

    width, height, n_zones = SIZES[quick]
    rng = np.random.default_rng(0)
    # population: lognormal people per pixel, 10 % empty, a corner of sea (no data)
    pop = rng.lognormal(mean=1.5, sigma=1.2, size=(height, width)).astype("float32")
    pop[rng.random((height, width)) < 0.10] = 0.0
    rows, cols = np.mgrid[0:height, 0:width]
    pop[(cols > 0.85 * width) & (rows < 0.15 * height)] = -9999.0
    with rasterio.open(
        folder / "population_100m.tif",
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs="EPSG:27700",
        transform=rasterio.Affine(PIXEL, 0.0, X0, 0.0, -PIXEL, Y0),
        nodata=-9999.0,
        tiled=True,
        compress="deflate",
    ) as dst:
        dst.write(pop, 1)
    # county: the raster's extent cut by an ellipse with a wobbly edge (1,500 vertices)
    t = np.linspace(0, 2 * np.pi, 1500, endpoint=False)
    r = 1 + 0.05 * np.sin(7 * t) + 0.03 * np.sin(23 * t)
    cx, cy = X0 + width * PIXEL / 2, Y0 - height * PIXEL / 2
    ax, ay = 0.5667 * width * PIXEL, 0.575 * height * PIXEL  # 68 km x 46 km on the full raster
    ellipse = shapely.Polygon(np.column_stack([cx + ax * r * np.cos(t), cy + ay * r * np.sin(t)]))
    extent = shapely.box(X0, Y0 - height * PIXEL, X0 + width * PIXEL, Y0)
    county = shapely.intersection(ellipse, extent)
    gpd.GeoDataFrame({"name": ["county"]}, geometry=[county], crs=27700).to_file(
        folder / "county.gpkg"
    )
    # zones covering the raster, with shares of four groups
    seeds = shapely.points(
        rng.uniform(extent.bounds[0], extent.bounds[2], n_zones),
        rng.uniform(extent.bounds[1], extent.bounds[3], n_zones),
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=extent))
    # detailed boundaries like real LSOAs: a vertex every 20 m (about 600 per zone)
    cells = shapely.segmentize(shapely.intersection(cells, extent), 20.0)
    codes = [f"E01{i:06d}" for i in range(len(cells))]
    zones = gpd.GeoDataFrame({"zone_code": codes}, geometry=cells, crs=27700)
    zones.to_file(folder / "lsoa.gpkg")
    # the same zones as population counts, for the information row
    zones.assign(population=zones.area / 1e4 * 7.0).to_file(folder / "lsoa_population.gpkg")
    share = rng.dirichlet(np.ones(len(GROUPS)), size=len(codes))
    pd.DataFrame(
        {"zone_code": codes, **{f"share__{g}": share[:, i] for i, g in enumerate(GROUPS)}}
    ).to_csv(folder / "shares.csv", index=False)
    (folder / "groups.toml").write_text(
        "".join(
            f'[[group]]\nid = "{g}"\nname = "{g}"\nvisits_per_person_year = {1 + i / 2}\n'
            f"channels = {{ face_to_face = 0.4, phone = 0.3, web = 0.3 }}\n"
            f"modes = {{ drive = 0.5, walk = 0.5 }}\n\n"
            for i, g in enumerate(GROUPS)
        )
    )


# ---------------------------------------------------------------------------- the methods


def _peer(folder: Path, outline: Any, groups: list[Any]) -> dict[str, Any]:
    """Raster -> cells, shares and weights with rasterio, shapely and geopandas by hand."""
    import geopandas as gpd
    import pandas as pd
    import rasterio
    import shapely

    with rasterio.open(folder / "population_100m.tif") as src:
        people = src.read(1, masked=True)
        transform = src.transform
    valid = ~np.ma.getmaskarray(people) & (people.filled(0.0) > 0)
    rows, cols = np.nonzero(valid)
    x0 = transform.c + cols * transform.a  # lower-left corners
    y0 = transform.f + (rows + 1) * transform.e
    size = transform.a
    inside = shapely.contains_xy(outline, x0 + size / 2, y0 + size / 2)
    rows, cols, x0, y0 = rows[inside], cols[inside], x0[inside], y0[inside]
    squares = shapely.box(x0, y0, x0 + size, y0 + size)
    population = np.asarray(people[rows, cols], dtype=np.float64)
    ids = np.char.add(
        np.char.add(np.round(x0).astype(np.int64).astype(str), "_"),
        np.round(y0).astype(np.int64).astype(str),
    )
    zones = gpd.read_file(folder / "lsoa.gpkg")
    table = pd.read_csv(folder / "shares.csv").set_index("zone_code")
    zone_shares = table.loc[zones["zone_code"], [f"share__{g.id}" for g in groups]].to_numpy()
    cell_of, zone_of = zones.sindex.query(squares, predicate="intersects")
    count = np.bincount(cell_of, minlength=len(squares))
    area = np.full(cell_of.size, size * size)
    split = count[cell_of] > 1  # squares meeting several zones: intersection areas
    area[split] = shapely.area(
        shapely.intersection(squares[cell_of[split]], zones.geometry.to_numpy()[zone_of[split]])
    )
    weighted = np.zeros((len(squares), len(groups)))
    np.add.at(weighted, cell_of, zone_shares[zone_of] * area[:, None])
    shares = weighted / np.bincount(cell_of, weights=area, minlength=len(squares))[:, None]
    f2f = np.array([g.channels["face_to_face"] * g.visits_per_person_year for g in groups])
    weights = population[:, None] * shares * f2f[None, :]
    return {"ids": ids, "population": population, "shares": shares, "weights": weights}


def _cells(
    population: Path, folder: Path, outline: Any, groups: list[Any], crs: Any, **options: Any
) -> Any:
    """build_demand_cells with the county and the zones' shares."""
    from gateway_planner.demand import build_demand_cells

    return build_demand_cells(
        population, groups, crs=crs, boundary=outline, shares=folder / "shares.csv", **options
    )


def _ours(folder: Path, outline: Any, groups: list[Any], crs: Any) -> dict[str, Any]:
    from gateway_planner.demand import face_to_face_weights

    demand = _cells(
        folder / "population_100m.tif", folder, outline, groups, crs, zones=folder / "lsoa.gpkg"
    )
    weights = face_to_face_weights(demand.cells, groups)
    cells = demand.cells
    return {
        "ids": np.asarray(cells.index, dtype=str),
        "population": cells["population"].to_numpy(dtype=np.float64),
        "shares": cells[[f"share__{g.id}" for g in groups]].to_numpy(dtype=np.float64),
        "weights": weights,
        "summary": demand.summary,
    }


def _zones(folder: Path, outline: Any, groups: list[Any], crs: Any) -> dict[str, Any]:
    zoned = _cells(
        folder / "lsoa_population.gpkg", folder, outline, groups, crs, kind="zones", cell_size=250.0
    )
    return {"cells": len(zoned.cells)}


def run_method(method: str, folder: Path) -> dict[str, Any]:
    """One run of one method in this fresh child process; saves its cells for the check."""
    import geopandas as gpd
    import rasterio  # noqa: F401  (imported before the clock by every method)
    import shapely

    from gateway_planner.demand import load_groups  # every method: the same imports

    boundary = gpd.read_file(folder / "county.gpkg")
    outline = shapely.union_all(boundary.geometry.to_numpy())
    groups = load_groups(folder / "groups.toml")
    with TreeMemory() as memory:
        t0, c0 = time.perf_counter(), time.process_time()
        if method == "ours":
            out = _ours(folder, outline, groups, boundary.crs)
        elif method == "peer":
            out = _peer(folder, outline, groups)
        else:
            out = _zones(folder, outline, groups, boundary.crs)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    record: dict[str, Any] = {"cpu_s": cpu, "wall_s": wall, "peak_mb": memory.peak / 2**20}
    if method == "zones":
        record["cells"] = out["cells"]
        return record
    order = np.argsort(out["ids"])
    np.savez(
        folder / f"{method}.npz",
        **{k: out[k][order] for k in ("ids", "population", "shares", "weights")},
    )
    record["cells"] = len(order)
    if "summary" in out:
        s = out["summary"]
        record["population_kept"] = s.population
        record["population_read"] = s.population_read
        record["dropped"] = {k: d.count for k, d in s.dropped.items()}
    return record


def _agreement(folder: Path) -> dict[str, Any]:
    ours, peer = np.load(folder / "ours.npz"), np.load(folder / "peer.npz")
    same_cells = np.array_equal(ours["ids"], peer["ids"])
    if not same_cells:
        return {"same_cells": False, "max_share_diff": None, "max_weight_rel_diff": None}
    scale = np.maximum(np.abs(peer["weights"]), 1e-300)
    return {
        "same_cells": True,
        "max_population_diff": float(np.max(np.abs(ours["population"] - peer["population"]))),
        "max_share_diff": float(np.max(np.abs(ours["shares"] - peer["shares"]))),
        "max_weight_rel_diff": float(np.max(np.abs(ours["weights"] - peer["weights"]) / scale)),
    }


def _child(method: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--method", method, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: a small raster, 2 runs")
    parser.add_argument("--runs", type=int, help=f"runs of every method (default {RUNS})")
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        print(json.dumps(run_method(args.method, args.folder)))
        return

    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    width, height, n_zones = SIZES[args.quick]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        write_inputs(folder, quick=args.quick)
        print(f"inputs written in {time.perf_counter() - t0:.1f} s (before anything is measured)")
        results: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
        for _ in range(runs):  # interleaved, a fresh process per run
            for method in METHODS:
                results[method].append(_child(method, folder))
        agree = _agreement(folder)
    med = {
        m: {k: median_of([r[k] for r in results[m]]) for k in ("cpu_s", "wall_s", "peak_mb")}
        for m in METHODS
    }
    ours = results["ours"][0]
    rows = [
        ("pixels in the raster", f"{width * height:,}"),
        ("cells kept", f"{ours['cells']:,}"),
        (
            "population kept / read",
            f"{ours['population_kept']:,.0f} / {ours['population_read']:,.0f}",
        ),
        ("dropped", ", ".join(f"{k} {n:,}" for k, n in ours["dropped"].items())),
        ("agreement with the peer", json.dumps(agree)),
    ]
    width_ = max(len(k) for k, _ in rows)
    print(f"\n{'demand benchmark':<{width_}}  value")
    for key, value in rows:
        print(f"{key:<{width_}}  {value}")
    labels = {
        "ours": f"ours: raster -> cells + shares ({n_zones:,} zones) + weights",
        "peer": "peer: rasterio + shapely + geopandas by hand",
        "zones": f"(info) {n_zones:,} zones -> 250 m cells",
    }
    print(f"\nmedian of {runs} runs, each in a fresh process")
    print(f"{'method':<52} {'CPU s':>7} {'wall s':>7} {'peak MB':>8}")
    for m, label in labels.items():
        print(
            f"{label:<52} {med[m]['cpu_s']:>7.2f} {med[m]['wall_s']:>7.2f} {med[m]['peak_mb']:>8,.0f}"
        )
    agreed = (
        agree["same_cells"]
        and agree["max_population_diff"] == 0.0
        and agree["max_share_diff"] <= TOLERANCE
        and agree["max_weight_rel_diff"] <= TOLERANCE
    )
    targets = ratio_targets(
        med["ours"],
        med["peer"],
        TARGETS,
        peer_name="peer",
        against=f"ours / the rasterio + shapely + geopandas peer, median of {runs} runs each",
    )
    targets |= {
        "agreement": Target(
            bool(agreed), "==", True, "same cells and people, shares and weights within 1e-9"
        ),
    }
    figures = {
        "pixels": width * height,
        "zones": n_zones,
        "cells": ours["cells"],
        "seconds": med["ours"]["wall_s"],
        "cpu_seconds": med["ours"]["cpu_s"],
        "peak_mb": med["ours"]["peak_mb"],
        "peer_seconds": med["peer"]["wall_s"],
        "peer_cpu_seconds": med["peer"]["cpu_s"],
        "peer_peak_mb": med["peer"]["peak_mb"],
        "zones_cells": results["zones"][0]["cells"],
        "zones_seconds": med["zones"]["wall_s"],
        "zones_peak_mb": med["zones"]["peak_mb"],
        "agreement": agree,
    }
    emit("demand", quick=args.quick, runs=runs, figures=figures, targets=targets)


if __name__ == "__main__":
    main()
