"""County-sized population raster -> cells and weights: time and peak memory.

Writes a 100 m GeoTIFF of 120 km x 80 km (1200 x 800 = 960,000 pixels, British National Grid,
with a no-data "sea" and empty pixels), a wobbly county boundary, 1,000 zones (Voronoi cells, as
many as a county's LSOAs, with a vertex every 20 m like real boundaries) with a shares table of
four customer groups, then times
``build_demand_cells`` (raster -> cells, clipped to the county, shares joined by zone,
area-weighted) plus ``face_to_face_weights``. Target: under 20 s and 2 GB peak on the 2-core machine.

Run alone: ``.venv/bin/python benchmarks/demand.py``. The last line is one JSON object
``{"cells": N, "seconds": S, "peak_mb": M}``.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

from gateway_planner.demand import build_demand_cells, face_to_face_weights, load_groups

WIDTH, HEIGHT, PIXEL = 1200, 800, 100.0
X0, Y0 = 560_000.0, 200_000.0  # upper-left corner
GROUPS = ["older_low_income", "families", "digital_working_age", "assisted_support"]


def _write_inputs(folder: Path, rng: np.random.Generator) -> dict[str, Path]:
    # population: lognormal people per pixel, 10 % empty, a corner of sea (no data)
    pop = rng.lognormal(mean=1.5, sigma=1.2, size=(HEIGHT, WIDTH)).astype("float32")
    pop[rng.random((HEIGHT, WIDTH)) < 0.10] = 0.0
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    pop[(cols > 0.85 * WIDTH) & (rows < 0.15 * HEIGHT)] = -9999.0
    raster = folder / "population_100m.tif"
    with rasterio.open(
        raster,
        "w",
        driver="GTiff",
        width=WIDTH,
        height=HEIGHT,
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
    cx, cy = X0 + WIDTH * PIXEL / 2, Y0 - HEIGHT * PIXEL / 2
    ellipse = shapely.Polygon(
        np.column_stack([cx + 68_000 * r * np.cos(t), cy + 46_000 * r * np.sin(t)])
    )
    extent = shapely.box(X0, Y0 - HEIGHT * PIXEL, X0 + WIDTH * PIXEL, Y0)
    county = shapely.intersection(ellipse, extent)
    boundary = folder / "county.gpkg"
    gpd.GeoDataFrame({"name": ["county"]}, geometry=[county], crs=27700).to_file(boundary)
    # 1,000 zones covering the raster, with shares of four groups
    seeds = shapely.points(
        rng.uniform(extent.bounds[0], extent.bounds[2], 1000),
        rng.uniform(extent.bounds[1], extent.bounds[3], 1000),
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=extent))
    # detailed boundaries like real LSOAs: a vertex every 20 m (about 600 per zone)
    cells = shapely.segmentize(shapely.intersection(cells, extent), 20.0)
    codes = [f"E01{i:06d}" for i in range(len(cells))]
    zones = folder / "lsoa.gpkg"
    gpd.GeoDataFrame({"zone_code": codes}, geometry=cells, crs=27700).to_file(zones)
    share = rng.dirichlet(np.ones(len(GROUPS)), size=len(codes))
    shares = folder / "shares.csv"
    pd.DataFrame(
        {"zone_code": codes, **{f"share__{g}": share[:, i] for i, g in enumerate(GROUPS)}}
    ).to_csv(shares, index=False)
    groups = folder / "groups.toml"
    groups.write_text(
        "".join(
            f'[[group]]\nid = "{g}"\nname = "{g}"\nvisits_per_person_year = {1 + i / 2}\n'
            f"channels = {{ face_to_face = 0.4, phone = 0.3, web = 0.3 }}\nmodes = {{ drive = 0.5, walk = 0.5 }}\n\n"
            for i, g in enumerate(GROUPS)
        )
    )
    return {
        "raster": raster,
        "boundary": boundary,
        "zones": zones,
        "shares": shares,
        "groups": groups,
    }


def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        files = _write_inputs(Path(tmp), rng)
        boundary = gpd.read_file(files["boundary"])
        outline = shapely.union_all(boundary.geometry.to_numpy())
        groups = load_groups(files["groups"])
        base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        demand = build_demand_cells(
            files["raster"],
            groups,
            crs=boundary.crs,
            boundary=outline,
            shares=files["shares"],
            zones=files["zones"],
        )
        t1 = time.perf_counter()
        weights = face_to_face_weights(demand.cells, groups)
        t2 = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # for information: the same 1,000 zones as population counts, spread over 250 m cells
        gpd.read_file(files["zones"]).assign(population=lambda z: z.area / 1e4 * 7.0).to_file(
            files["zones"]
        )
        t3 = time.perf_counter()
        zoned = build_demand_cells(
            files["zones"],
            groups,
            crs=boundary.crs,
            boundary=outline,
            kind="zones",
            cell_size=250.0,
            shares=files["shares"],
        )
        t4 = time.perf_counter()
    s = demand.summary
    rows = [
        ("pixels in the raster", f"{WIDTH * HEIGHT:,}"),
        ("cells kept", f"{s.cells:,}"),
        ("population kept / read", f"{s.population:,.0f} / {s.population_read:,.0f}"),
        ("dropped", ", ".join(f"{k} {d.count:,}" for k, d in s.dropped.items())),
        ("raster -> cells + shares (1,000 zones)", f"{t1 - t0:.2f} s"),
        ("face-to-face weights", f"{t2 - t1:.2f} s"),
        ("total", f"{t2 - t0:.2f} s"),
        ("peak memory (RSS) before / after", f"{base_mb:,.0f} MB / {peak_mb:,.0f} MB"),
        ("weights", f"{weights.shape}, {weights.sum():,.0f} visits/year"),
        (
            "(info) 1,000 zones -> 250 m cells",
            f"{zoned.summary.cells:,} cells in {t4 - t3:.2f} s (tobler import included)",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'demand benchmark':<{width}}  value")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    sys.stdout.flush()
    print(json.dumps({"cells": s.cells, "seconds": round(t2 - t0, 2), "peak_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
