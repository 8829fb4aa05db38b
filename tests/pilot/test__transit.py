"""The pilot's bus feeds and on-demand zones: valid GTFS, rebuilt byte for byte from the committed
cells, every route sourced, and pilot runs in which the bus is never slower than walking."""

from __future__ import annotations

import csv
import functools
import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from gateway_planner.config import load_scenario
from gateway_planner.pilot import data_dir
from gateway_planner.pilot._areas import AreaBuild
from gateway_planner.pilot._bus_routes import FEEDS
from gateway_planner.pilot._params import AREAS
from gateway_planner.pilot._transit import GTFS_FOLDER, NOTICE, ZONE_FILE, build_transit
from gateway_planner.scenario import RunResult, run_scenario

pytest.importorskip("gtfs_kit")
from gateway_planner.network import read_gtfs

ROOT = Path(__file__).resolve().parents[2]
DATE = "2024-03-12"  # the scenarios' service day, a Tuesday
WINDOW = ("09:00", "16:00")
SCENARIOS = {"swale": "sheerness", "saint-omer": "fauquembergues"}


def _committed_build(area: str) -> AreaBuild:
    """The committed boundary units and cells of an area, as the build hands them over."""
    units = gpd.read_file(data_dir() / "boundaries" / f"{area}.geojson")
    cells = pd.read_csv(data_dir() / "pilot" / area / "cells.csv")
    return AreaBuild(
        units=pd.DataFrame(
            {
                "code": units["code"].astype(str),
                "name": units["name"].astype(str),
                "geometry": np.asarray(units.geometry.values, dtype=object),
            }
        ),
        cells=cells,
        sites=pd.DataFrame(),
        sources=[],
        assumptions=[],
    )


def _table(area: str, name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir() / "pilot" / area / GTFS_FOLDER / name, dtype=str)


@pytest.mark.parametrize("area", list(FEEDS))
def test_the_feed_is_rebuilt_byte_for_byte_from_the_committed_cells(area: str) -> None:
    built = build_transit(area, _committed_build(area), str(AREAS[area]["crs"]))
    folder = data_dir() / "pilot" / area
    assert sorted(built.files) == sorted(
        str(p.relative_to(folder)) for p in [*(folder / GTFS_FOLDER).iterdir(), folder / ZONE_FILE]
    )
    for name, text in built.files.items():
        assert (folder / name).read_bytes() == text.encode("utf-8"), name
    # the area carries the notice every output shows, and the counts
    area_toml = (folder / "area.toml").read_text(encoding="utf-8")
    assert f"Public transport: {NOTICE}." in area_toml
    for key, value in built.counts.items():
        assert f"{key} = {value}\n" in area_toml


@pytest.mark.parametrize("area", list(FEEDS))
def test_the_feed_is_valid_gtfs_for_the_scenarios_day_and_window(
    area: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = data_dir() / "pilot" / area / GTFS_FOLDER
    with caplog.at_level(logging.WARNING):
        feed = read_gtfs(folder, date=DATE, window=WINDOW)
    assert not caplog.records  # nothing to warn about
    routes, stops, trips = (
        _table(area, "routes.txt"),
        _table(area, "stops.txt"),
        _table(area, "trips.txt"),
    )
    times, agencies = _table(area, "stop_times.txt"), _table(area, "agency.txt")
    calendar = _table(area, "calendar.txt")
    assert feed.provenance["routes"] == len(routes) == len(FEEDS[area].routes)
    assert feed.provenance["stops"] == len(stops)
    # references resolve, ids are unique
    for table, key in ((routes, "route_id"), (stops, "stop_id"), (trips, "trip_id")):
        assert table[key].is_unique
    assert set(routes["agency_id"]) <= set(agencies["agency_id"])
    assert set(trips["route_id"]) == set(routes["route_id"])
    assert set(trips["service_id"]) <= set(calendar["service_id"])
    assert set(times["stop_id"]) == set(stops["stop_id"])
    assert set(times["trip_id"]) == set(trips["trip_id"])
    # every trip's times go forward; coordinates lie in the area
    calls = feed.stop_times
    same = calls["trip_id"].to_numpy()[1:] == calls["trip_id"].to_numpy()[:-1]
    assert np.all(np.diff(calls["departure_s"].to_numpy())[same] > 0)
    assert set(routes["route_type"]) <= {"2", "3"}
    to_area = pyproj.Transformer.from_crs("EPSG:4326", str(AREAS[area]["crs"]), always_xy=True)
    x, y = to_area.transform(stops["stop_lon"].astype(float), stops["stop_lat"].astype(float))
    boundary = gpd.read_file(data_dir() / "boundaries" / f"{area}.geojson").union_all()
    assert shapely.distance(boundary, shapely.points(x, y)).max() < 50.0


@pytest.mark.parametrize("area", list(FEEDS))
def test_every_route_cites_its_sources_and_marks_its_figures(area: str) -> None:
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    routes = _table(area, "routes.txt").set_index("route_id")
    for route in FEEDS[area].routes:
        desc = routes.loc[route.route_id, "route_desc"]
        assert route.sources and routes.loc[route.route_id, "route_url"] == route.sources[0].url
        for source in route.sources:
            assert f"{source.url} ({source.date})" in desc
            assert source.url in readme, (route.route_id, source.url)
        for figure in (route.headway, route.running):
            assert figure.status in {"confirmed", "derived", "assumed"}
            assert f"{figure.minutes:g} min ({figure.status.upper()}: " in desc
        assert NOTICE in desc
        assert re.search(rf"\| `?{re.escape(route.short_name)}`? \|", readme), route.short_name


@pytest.mark.parametrize("area", list(FEEDS))
def test_the_on_demand_zone_follows_its_rule(area: str) -> None:
    folder = data_dir() / "pilot" / area
    zone = gpd.read_file(folder / ZONE_FILE)
    stops = _table(area, "stops.txt")
    bus_routes = set(_table(area, "routes.txt").query("route_type == '3'")["route_id"])
    trips = _table(area, "trips.txt")
    bus_trips = set(trips.loc[trips["route_id"].isin(bus_routes), "trip_id"])
    times = _table(area, "stop_times.txt")
    bus_stops = stops.loc[
        stops["stop_id"].isin(times.loc[times["trip_id"].isin(bus_trips), "stop_id"])
    ]
    to_area = pyproj.Transformer.from_crs("EPSG:4326", zone.crs, always_xy=True)
    points = shapely.points(
        *to_area.transform(bus_stops["stop_lon"].astype(float), bus_stops["stop_lat"].astype(float))
    )
    rule = FEEDS[area].on_demand
    if rule.rule == "communes_without_stop":
        # no commune of the zone holds a bus stop; every other commune does
        assert not shapely.contains(zone.union_all(), points).any()
        assert 0 < len(zone) < 53
    else:
        cells = pd.read_csv(folder / "cells.csv")
        centres = shapely.points(cells["x"], cells["y"])
        far = shapely.distance(shapely.multipoints(points), centres) > rule.distance_m + 2.0
        inside = shapely.contains(zone.union_all(), centres)
        assert inside.any() and np.array_equal(inside[far], np.ones(far.sum(), dtype=bool))
        near = shapely.distance(shapely.multipoints(points), centres) < rule.distance_m - 2.0
        assert not inside[near].any()


@functools.cache
def _run(area: str) -> RunResult:
    """The area's pilot scenario, run once for this module."""
    return run_scenario(load_scenario(ROOT / "scenarios" / f"{SCENARIOS[area]}.toml"), write=False)


@pytest.fixture(params=list(SCENARIOS))
def pilot_run(request: pytest.FixtureRequest) -> tuple[str, RunResult]:
    return request.param, _run(request.param)


def test_pilot_runs_use_the_feed_and_nobody_walks_where_a_bus_is_faster(pilot_run) -> None:
    _, run = pilot_run
    modes = run.summary["network"]["modes"]
    assert set(modes) == {"drive", "walk", "bus", "on_demand"}
    bus_provenance = modes["bus"]["provenance"]
    assert bus_provenance["flagged_routes"] == []
    assert bus_provenance["stops_outside"] == 0
    assert bus_provenance["gtfs"]["date"] == DATE
    assert bus_provenance["gtfs"]["window"] == list(WINDOW)
    assert modes["on_demand"]["provenance"]["parameters"] == "assumed"
    assert any(NOTICE in line for line in run.summary["assumptions"])
    times = run.times
    bus, walk = np.asarray(times.for_mode("bus")), np.asarray(times.for_mode("walk"))
    assert np.all(bus <= walk + 1e-3)  # the engine's min(walk, walk + bus + walk)
    # the bus saves half an hour or more on the way to the focus site (the scenario's first
    # existing site: Sheerness Gateway, the Maison des Services) for a third of residents
    focus = times.site_ids.index(run.area.existing[0])
    people = run.area.cells["population"].to_numpy()
    saved = (walk[:, focus] - bus[:, focus]) >= 30.0
    assert people[saved].sum() / people.sum() > 0.3
    for group in run.area.groups:
        assert group.modes["bus"] > 0 and group.modes["walk"] <= 0.05
        assert group.modes["on_demand"] > 0


def test_sheerness_to_sittingbourne_by_bus_takes_a_plausible_time() -> None:
    """From the cell at Sittingbourne's stop to the Sheerness Gateway: 25 to 60 minutes.

    The train (hourly: a 30-minute wait, 18 minutes' ride) or the 334 (every 30 minutes: a
    15-minute wait, 50 minutes' ride), plus the walks at each end.
    """
    run = _run("swale")
    stops = _table("swale", "stops.txt").set_index("stop_id")
    to_area = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_area.transform(
        float(stops.loc["sittingbourne", "stop_lon"]), float(stops.loc["sittingbourne", "stop_lat"])
    )
    cells = run.area.cells.geometry.centroid
    cell = int(np.argmin(np.hypot(cells.x.to_numpy() - x, cells.y.to_numpy() - y)))
    site = run.times.site_ids.index("sheerness-gateway")
    bus = float(np.asarray(run.times.for_mode("bus"))[cell, site])
    walk = float(np.asarray(run.times.for_mode("walk"))[cell, site])
    drive = float(np.asarray(run.times.for_mode("drive"))[cell, site])
    assert 25.0 <= bus <= 60.0
    assert drive < bus < walk / 2


def test_the_groups_file_and_its_text_in_the_build_agree() -> None:
    from gateway_planner.pilot._params import GROUPS_TOML

    assert (data_dir() / "pilot" / "groups.toml").read_text(encoding="utf-8") == GROUPS_TOML
    for area in FEEDS:
        calendar = (data_dir() / "pilot" / area / GTFS_FOLDER / "calendar.txt").read_text()
        rows = list(csv.reader(calendar.splitlines()))
        assert rows[1][-2] <= DATE.replace("-", "") <= rows[1][-1]
