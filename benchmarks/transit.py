"""Bus-mode benchmark: the frequency-based bus matrix against the drive matrix, and RAPTOR.

Run alone, with the project's virtualenv::

    .venv/bin/python benchmarks/transit.py            # a town of ~400 stops and 20 routes
    .venv/bin/python benchmarks/transit.py --quick    # a small town, for development

The feed is generated: the Cairns feed that ships in gtfs-kit's source distribution (not in
its wheel) carries no licence of its own there (the sdist's MIT licence covers gtfs-kit's
code; the feed's terms are the Queensland transport department's and are not stated), so it
is not used. The generated town is a square grid of streets (a node every 80 m, 12 km across:
22,500 nodes) written as an ``.osm.pbf`` and read back with ``load_network`` as the walk and the
drive network; 20 bus routes (10 across, 10 down, both ways) stop every 560 m (~430 stops)
every 10 to 30 minutes from 08:00 to 17:00. Cells are the 200 m squares of the town (3,600),
sites 100 seeded nodes.

It times (wall seconds, best of three, in this process) ``travel_times`` for the bus network
alone and for the drive network alone on the same cells and sites (the target: bus within 3x
of drive), the bus network's build (``read_gtfs`` + ``transit_network``) apart, and the peak
memory of the bus run. Then it cross-checks the bus mode against ferrobus's schedule-based
RAPTOR on the same ``.osm.pbf`` and feed: 80 cells x 10 sites, departures every 5 minutes from
09:00 to 10:00, journeys where the schedule takes a bus; the frequency model should sit within
about half a headway (5-15 minutes here).

The last line printed is one JSON object: ``bus_seconds``, ``drive_seconds``,
``bus_vs_drive_ratio``, ``peak_mb``, ``median_abs_diff_minutes`` and more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from _memory import TreeMemory
from pyrosm.pbf_export import write_pbf_from_records

from gateway_planner.network import load_network, read_gtfs, transit_network, travel_times
from gateway_planner.network.raptor import schedule_minutes, walking_speed_kmh

LAT0, LON0 = 60.17, 24.94
CRS = "EPSG:3067"
DAY = dt.date(2024, 3, 12)
WINDOW = ("09:00", "16:00")
MAX_WALK_M = 800.0


class Town:
    """A square grid of streets and its bus routes, in WGS84."""

    def __init__(self, *, nodes: int, step_m: float, routes: int, stop_every: int) -> None:
        self.n, self.step, self.stop_every = nodes, step_m, stop_every
        self.dlat = step_m / 111_195.0
        self.dlon = step_m / (111_195.0 * math.cos(math.radians(LAT0)))
        rng = np.random.default_rng(2024)
        half = routes // 2
        rows = np.linspace(nodes * 0.05, nodes * 0.95, half).astype(int)
        columns = np.linspace(nodes * 0.08, nodes * 0.92, routes - half).astype(int)
        self.lines = {
            f"A{k}": [(int(r), j) for j in range(0, nodes, stop_every)] for k, r in enumerate(rows)
        }
        self.lines |= {
            f"D{k}": [(i, int(c)) for i in range(0, nodes, stop_every)]
            for k, c in enumerate(columns)
        }
        self.headway = {name: int(rng.choice([600, 900, 1200, 1800])) for name in self.lines}

    def lonlat(self, i: np.ndarray | int, j: np.ndarray | int) -> np.ndarray:
        return np.column_stack([LON0 + np.asarray(j) * self.dlon, LAT0 + np.asarray(i) * self.dlat])

    def write_pbf(self, path: Path) -> Path:
        n = self.n
        ii, jj = np.divmod(np.arange(n * n), n)
        ll = self.lonlat(ii, jj)
        nodes = {
            "id": np.arange(n * n, dtype=np.int64) + 1,
            "lat": ll[:, 1],
            "lon": ll[:, 0],
            "tags": np.array([{}] * (n * n), dtype=object),
        }
        grid = np.arange(n * n).reshape(n, n) + 1
        tags = {"highway": "residential"}
        ways = [{"id": k + 1, "refs": grid[k].tolist(), "tags": tags} for k in range(n)]
        ways += [{"id": n + k + 1, "refs": grid[:, k].tolist(), "tags": tags} for k in range(n)]
        bounds = (ll[:, 0].min(), ll[:, 1].min(), ll[:, 0].max(), ll[:, 1].max())
        write_pbf_from_records(nodes, ways, [], str(path), bounds)
        return path

    def write_feed(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        stops = sorted({p for line in self.lines.values() for p in line})
        ll = self.lonlat(np.array([p[0] for p in stops]), np.array([p[1] for p in stops]))
        stop_rows = [
            f"s{i}_{j},{i} {j},{lat:.9f},{lon:.9f}\n"
            for (i, j), (lon, lat) in zip(stops, ll, strict=True)
        ]
        hop_s = self.step * self.stop_every / (18 / 3.6)  # 18 km/h, the stops included
        trips, times = [], []
        for name, line in self.lines.items():
            for direction, calls in ((0, line), (1, line[::-1])):
                for k in range(int(9 * 3600 / self.headway[name])):  # 08:00 to 17:00
                    start = 8 * 3600 + k * self.headway[name] + 113 * direction
                    trip = f"{name}-{direction}-{k}"
                    trips.append(f"{name},WK,{trip},{direction}\n")
                    for seq, (i, j) in enumerate(calls):
                        t = round(start + seq * hop_s)
                        hhmmss = f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"
                        times.append(f"{trip},{hhmmss},{hhmmss},s{i}_{j},{seq + 1}\n")
        files = {
            "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Generated,https://example.invalid,Europe/Helsinki\n",
            "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20241231\n",
            "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
            + "".join(f"{r},A,{r},3\n" for r in self.lines),
            "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(stop_rows),
            "trips.txt": "route_id,service_id,trip_id,direction_id\n" + "".join(trips),
            "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            + "".join(times),
        }
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        self.n_stops = len(stops)
        return folder


def _frame(lonlat: np.ndarray, prefix: str, square_m: float | None = None) -> gpd.GeoDataFrame:
    x, y = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True).transform(
        lonlat[:, 0], lonlat[:, 1]
    )
    points = shapely.points(np.column_stack([x, y]))
    geometry = (
        points if square_m is None else shapely.buffer(points, square_m / 2, cap_style="square")
    )
    return gpd.GeoDataFrame(
        geometry=geometry, index=[f"{prefix}{k}" for k in range(len(x))], crs=CRS
    )


def _best_of(runs: int, work):
    best, out = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small town, for development")
    args = parser.parse_args()
    if args.quick:
        town = Town(nodes=60, step_m=80.0, routes=6, stop_every=6)
        n_sites, cell_m, runs = 20, 400.0, 1
    else:
        town = Town(nodes=150, step_m=80.0, routes=20, stop_every=7)
        n_sites, cell_m, runs = 100, 200.0, 3
    with tempfile.TemporaryDirectory() as tmp:
        pbf = town.write_pbf(Path(tmp) / "town.osm.pbf")
        feed = town.write_feed(Path(tmp) / "feed")
        speed = walking_speed_kmh(
            pbf, feed, start=town.lonlat(0, 0)[0], end=town.lonlat(0, 20)[0], metres=20 * town.step
        )
        walk = load_network("file", mode="walk", crs=CRS, path=pbf, speeds={"default": speed})
        drive = load_network("file", mode="drive", crs=CRS, path=pbf)
        extent = (town.n - 1) * town.step
        per_side = int(extent // cell_m)
        centres = (np.arange(per_side) + 0.5) * cell_m / town.step
        ci, cj = np.meshgrid(centres, centres, indexing="ij")
        cells = _frame(town.lonlat(ci.ravel(), cj.ravel()), "c", square_m=cell_m)
        rng = np.random.default_rng(7)
        site_ij = rng.integers(0, town.n, (n_sites, 2))
        sites = _frame(town.lonlat(site_ij[:, 0], site_ij[:, 1]), "s")

        build_start = time.perf_counter()
        bus = transit_network(
            walk,
            read_gtfs(feed, date=DAY, window=WINDOW),
            max_walk_m=MAX_WALK_M,
            walk_speed_kmh=speed,
        )
        build_seconds = time.perf_counter() - build_start
        drive.routing  # noqa: B018 - the CSR of both built before timing, as the bus one is
        bus.routing  # noqa: B018
        drive_seconds, _ = _best_of(runs, lambda: travel_times({"drive": drive}, cells, sites))
        with TreeMemory() as memory:
            bus_seconds, bus_times = _best_of(
                runs, lambda: travel_times({"bus": bus}, cells, sites, walk_speed_kmh=speed)
            )
        walk_times = travel_times({"walk": walk}, cells, sites, walk_speed_kmh=speed)

        # the cross-check: a sample of cells and sites, departures every 5 minutes for an hour
        pick_cells = rng.choice(len(cells), 80, replace=False)
        pick_sites = rng.choice(n_sites, 10, replace=False)
        to_wgs84 = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
        cx, cy = to_wgs84.transform(
            cells.geometry.centroid.x.to_numpy(), cells.geometry.centroid.y.to_numpy()
        )
        raptor = schedule_minutes(
            pbf,
            feed,
            date=DAY,
            departures=list(range(9 * 3600, 10 * 3600, 300)),
            origins=np.column_stack([cx, cy])[pick_cells],
            destinations=town.lonlat(site_ij[pick_sites, 0], site_ij[pick_sites, 1]),
            max_walk_s=MAX_WALK_M / (speed / 3.6),
        )
    frequency = np.asarray(bus_times.for_mode("bus"), np.float64)[np.ix_(pick_cells, pick_sites)]
    on_foot = np.asarray(walk_times.for_mode("walk"), np.float64)[np.ix_(pick_cells, pick_sites)]
    schedule = np.minimum(raptor, on_foot)
    by_bus = schedule < on_foot - 0.5
    diff = np.abs(frequency - schedule)[by_bus]
    summary = {
        "machine": platform.machine(),
        "walk_nodes": walk.routing.n_nodes,
        "bus_nodes": bus.routing.n_nodes,
        "stops": bus.provenance["stops_used"],
        "routes": len(town.lines),
        "cells": len(cells),
        "sites": n_sites,
        "bus_build_seconds": build_seconds,
        "bus_seconds": bus_seconds,
        "drive_seconds": drive_seconds,
        "bus_vs_drive_ratio": bus_seconds / drive_seconds,
        "peak_mb": memory.peak / 1e6,
        "crosscheck_journeys_by_bus": int(by_bus.sum()),
        "median_abs_diff_minutes": float(np.median(diff)) if diff.size else None,
        "p90_abs_diff_minutes": float(np.quantile(diff, 0.9)) if diff.size else None,
        "half_headway_minutes": [
            min(town.headway.values()) / 120,
            max(town.headway.values()) / 120,
        ],
    }
    print(
        f"town: {summary['walk_nodes']:,} street nodes, {summary['stops']} stops, "
        f"{summary['routes']} routes; {summary['cells']:,} cells x {n_sites} sites"
    )
    print(f"bus network built in {build_seconds:.2f} s ({summary['bus_nodes']:,} nodes)")
    print(
        f"matrix (best of {runs}): bus {bus_seconds:.2f} s, drive {drive_seconds:.2f} s, "
        f"ratio {summary['bus_vs_drive_ratio']:.2f} (target <= 3); peak {summary['peak_mb']:.0f} MB"
    )
    print(
        f"RAPTOR cross-check on {summary['crosscheck_journeys_by_bus']} journeys by bus: median "
        f"{summary['median_abs_diff_minutes']:.2f} min, p90 {summary['p90_abs_diff_minutes']:.2f} "
        "min apart (half a headway: 5-15 min)"
    )
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items()}))


if __name__ == "__main__":
    main()
