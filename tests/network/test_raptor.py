"""The frequency-based bus mode against a schedule-based RAPTOR router (ferrobus) on the same
street network and feed: within about half a headway, departures averaged over an hour."""

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from gtfs_helpers import hhmmss

from gateway_planner.network import load_network, read_gtfs, transit_network, travel_times
from gateway_planner.network.raptor import schedule_minutes, walking_speed_kmh

ferrobus = pytest.importorskip("ferrobus")
pbf_export = pytest.importorskip("pyrosm.pbf_export")
pytest.importorskip("gtfs_kit")

LAT0, LON0 = 60.17, 24.94
CRS = "EPSG:3067"
N, STEP = 25, 100.0  # a 2.4 km square grid of streets, a node every 100 m
DLAT = STEP / 111_195.0
DLON = STEP / (111_195.0 * math.cos(math.radians(LAT0)))
HEADWAYS = {"E": 600, "W": 900, "N": 720, "S": 1200}  # seconds
DAY = dt.date(2024, 3, 12)


def _node(i: int, j: int) -> tuple[float, float]:
    """Longitude, latitude of the grid node in row ``i``, column ``j``."""
    return LON0 + j * DLON, LAT0 + i * DLAT


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    folder = tmp_path_factory.mktemp("raptor")
    ids = np.arange(N * N, dtype=np.int64) + 1
    lon = np.array([_node(i, j)[0] for i in range(N) for j in range(N)])
    lat = np.array([_node(i, j)[1] for i in range(N) for j in range(N)])
    nodes = {"id": ids, "lat": lat, "lon": lon, "tags": np.array([{}] * ids.size, dtype=object)}
    rows = [[1 + i * N + j for j in range(N)] for i in range(N)]
    ways = [
        {"id": k + 1, "refs": r, "tags": {"highway": "residential"}} for k, r in enumerate(rows)
    ]
    ways += [
        {"id": N + j + 1, "refs": [r[j] for r in rows], "tags": {"highway": "residential"}}
        for j in range(N)
    ]
    pbf = folder / "grid.osm.pbf"
    pbf_export.write_pbf_from_records(
        nodes, ways, [], str(pbf), (lon.min(), lat.min(), lon.max(), lat.max())
    )
    # two lines each way: along row 8 (E, W) and column 16 (N, S), a stop every 300 m
    lines = {
        "E": [(8, j) for j in range(0, N, 3)],
        "N": [(i, 16) for i in range(0, N, 3)],
    }
    lines["W"] = lines["E"][::-1]
    lines["S"] = lines["N"][::-1]
    stops = sorted({p for line in lines.values() for p in line})
    stop_id = {p: f"s{i}-{j}" for i, j in stops for p in [(i, j)]}
    trips, times = [], []
    for route, line in lines.items():
        for k in range(int(3 * 3600 / HEADWAYS[route])):  # 08:30 to 11:30
            start = 8.5 * 3600 + k * HEADWAYS[route] + 37 * (route in "WS")
            trip = f"{route}{k}"
            trips.append(f"{route},WK,{trip}\n")
            for seq, p in enumerate(line):
                t = hhmmss(start + seq * 75)  # 300 m in 75 s: 14.4 km/h with the stops
                times.append(f"{trip},{t},{t},{stop_id[p]},{seq + 1}\n")
    feed = folder / "feed"
    feed.mkdir()
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,A,https://example.invalid,Europe/Helsinki\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20241231\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n"
        + "".join(f"{r},A,{r},3\n" for r in lines),
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        + "".join(
            f"{stop_id[p]},{stop_id[p]},{_node(*p)[1]:.9f},{_node(*p)[0]:.9f}\n" for p in stops
        ),
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(trips),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "".join(times),
    }
    for name, text in files.items():
        (feed / name).write_text(text, encoding="utf-8")
    return pbf, feed


def test_the_frequency_model_sits_within_half_a_headway_of_raptor(town):
    pbf, feed = town
    speed = walking_speed_kmh(
        pbf, feed, start=np.array(_node(2, 0)), end=np.array(_node(2, 20)), metres=20 * STEP
    )
    assert 3.0 < speed < 7.0
    walk = load_network("file", mode="walk", crs=CRS, path=pbf, speeds={"default": speed})
    read = read_gtfs(feed, date=DAY, window=("09:00", "10:00"))
    max_walk_m = 600.0
    bus = transit_network(walk, read, max_walk_m=max_walk_m, walk_speed_kmh=speed)
    rng = np.random.default_rng(11)
    cells_ij = rng.integers(0, N, (60, 2))
    sites_ij = np.array([(8, 24), (24, 16), (0, 16), (8, 0), (12, 12)])
    cells_ll = np.array([_node(i, j) for i, j in cells_ij])
    sites_ll = np.array([_node(i, j) for i, j in sites_ij])
    to_crs = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

    def frame(lonlat, prefix):
        x, y = to_crs.transform(lonlat[:, 0], lonlat[:, 1])
        return gpd.GeoDataFrame(
            geometry=shapely.points(np.column_stack([x, y])),
            index=[f"{prefix}{k}" for k in range(len(lonlat))],
            crs=CRS,
        )

    ours = travel_times(
        {"bus": bus, "walk": walk}, frame(cells_ll, "c"), frame(sites_ll, "s"), walk_speed_kmh=speed
    )
    frequency = np.asarray(ours.for_mode("bus"), np.float64)
    on_foot = np.asarray(ours.for_mode("walk"), np.float64)
    raptor = schedule_minutes(
        pbf,
        feed,
        date=DAY,
        departures=list(range(9 * 3600, 10 * 3600, 60)),
        origins=cells_ll,
        destinations=sites_ll,
        max_walk_s=max_walk_m / (speed / 3.6),
    )
    schedule = np.minimum(raptor, on_foot)  # the walk-if-faster rule, as the bus mode applies
    by_bus = schedule < on_foot - 0.5
    assert by_bus.sum() >= 40  # the comparison is about journeys that take a bus
    diff = np.abs(frequency - schedule)[by_bus]
    half_headway = 0.5 * np.mean(list(HEADWAYS.values())) / 60.0
    assert np.median(diff) <= half_headway / 2  # 0.4 min when written, against 7.1
    assert np.quantile(diff, 0.9) <= half_headway  # 2.2 min when written
