"""Scenarios with the bus and on-demand modes: the [network.transit] and [network.on_demand]
tables, their paths, and a Swale pilot run with a hand-made feed of the Sheerness trunk route."""

import datetime as dt
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from gateway_planner.config import load_scenario, scenario_from_dict
from gateway_planner.errors import InputError
from gateway_planner.scenario import run_scenario, validate_scenario

pytest.importorskip("gtfs_kit")

_WGS84 = pyproj.Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
#: Sheerness -> Sittingbourne in British National Grid metres (the pilot's site points)
ROUTE = [
    ("sheerness", 591999.0, 174904.0),
    ("halfway", 591738.0, 174500.0),
    ("queenborough", 591178.0, 171719.0),
    ("sittingbourne", 591825.0, 163916.0),
]


def _feed(folder: Path) -> Path:
    """Every 30 minutes each way, 10 minutes between stops (a made-up timetable)."""
    folder.mkdir(parents=True, exist_ok=True)
    stops = []
    for stop_id, x, y in ROUTE:
        lon, lat = _WGS84.transform(x, y)
        stops.append(f"{stop_id},{stop_id},{lat:.9f},{lon:.9f}\n")
    trips, times = [], []
    for direction, order in ((0, ROUTE), (1, ROUTE[::-1])):
        for k in range(14):
            trip = f"t{direction}-{k}"
            trips.append(f"334,WK,{trip},{direction}\n")
            for seq, (stop_id, _, _) in enumerate(order, start=1):
                s = 9 * 3600 + k * 1800 + (seq - 1) * 600
                hhmm = f"{s // 3600:02d}:{s % 3600 // 60:02d}:00"
                times.append(f"{trip},{hhmm},{hhmm},{stop_id},{seq}\n")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "A,Test,https://example.invalid,Europe/London\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nWK,1,1,1,1,1,0,0,20240101,20241231\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n334,A,334,3\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(stops),
        "trips.txt": "route_id,service_id,trip_id,direction_id\n" + "".join(trips),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "".join(times),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _zone(path: Path) -> Path:
    """The Isle of Sheppey, roughly: everything north of y = 169 km."""
    gpd.GeoDataFrame(
        geometry=[shapely.box(585_000, 169_000, 605_000, 180_000)], crs="EPSG:27700"
    ).to_file(path)
    return path


def test_relative_paths_are_read_from_the_scenario_folder(tmp_path):
    _feed(tmp_path / "feeds" / "swale")
    _zone(tmp_path / "sheppey.gpkg")
    scenario_file = tmp_path / "bus.toml"
    scenario_file.write_text(
        textwrap.dedent(
            """
            name = "bus"
            [area]
            pilot = "swale"
            [network]
            modes = ["drive", "walk", "bus", "on_demand"]
            [network.transit]
            gtfs = "feeds/swale"
            date = 2024-03-12
            window = ["09:00", "16:00"]
            planned = true
            [network.on_demand]
            zone = "sheppey.gpkg"
            """
        ),
        encoding="utf-8",
    )
    scenario = validate_scenario(load_scenario(scenario_file))
    transit = scenario.network.transit
    assert transit is not None and transit.gtfs == (tmp_path / "feeds" / "swale").resolve()
    assert transit.date == dt.date(2024, 3, 12) and transit.planned is True
    assert transit.wait_factor == 0.5 and transit.max_walk_m == 800.0
    assert scenario.network.on_demand is not None
    assert scenario.network.on_demand.source.startswith("assumed:")
    files = scenario.input_files()
    assert files["network.transit.gtfs"] == transit.gtfs
    assert files["network.on_demand.zone"] == (tmp_path / "sheppey.gpkg").resolve()


def test_a_missing_feed_is_reported_before_anything_runs(tmp_path):
    scenario = scenario_from_dict(
        {
            "name": "bus",
            "area": {"pilot": "swale"},
            "network": {
                "modes": ["walk", "bus"],
                "transit": {"gtfs": "nowhere.zip", "date": "2024-03-12"},
            },
        },
        base=tmp_path,
    )
    with pytest.raises(InputError, match=r"network\.transit\.gtfs: input file .* not found"):
        validate_scenario(scenario)


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ({"modes": ["walk", "bus"]}, r"mode 'bus' needs a \[network\.transit\] table"),
        ({"modes": ["drive", "on_demand"]}, r"mode 'on_demand' needs a \[network\.on_demand\]"),
        (
            {
                "modes": ["bus"],
                "transit": {"gtfs": "f.zip", "date": "2024-03-12", "window": ["16:00", "09:00"]},
            },
            "the end after the start",
        ),
        ({"modes": ["tram"]}, "tram"),
        ({"speeds": {"bus": {"default": 20}}}, "speeds"),
        (
            {"modes": ["on_demand"], "on_demand": {"zone": "z.gpkg", "source": "a guess"}},
            "source",
        ),
    ],
)
def test_bad_network_tables(network, message):
    with pytest.raises(InputError, match=message):
        scenario_from_dict({"name": "bus", "area": {"pilot": "swale"}, "network": network})


@pytest.fixture(scope="module")
def bus_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("swale-bus")
    scenario = scenario_from_dict(
        {
            "name": "bus",
            "area": {"pilot": "swale"},
            "network": {
                "modes": ["drive", "walk", "bus", "on_demand"],
                "transit": {"gtfs": str(_feed(folder / "feed")), "date": "2024-03-12"},
                "on_demand": {"zone": str(_zone(folder / "zone.gpkg")), "wait_minutes": 20},
            },
        }
    )
    return run_scenario(scenario, write=False)


def test_a_pilot_run_with_the_bus(bus_run):
    times = bus_run.times
    bus, walk = np.asarray(times.for_mode("bus")), np.asarray(times.for_mode("walk"))
    assert np.all(bus <= walk + 1e-3)  # nobody waits for a bus where walking is faster
    sheerness = times.site_ids.index("sheerness-gateway")
    helped = bus[:, sheerness] < walk[:, sheerness] - 30  # half an hour saved, or more
    assert helped.sum() >= 5
    modes = bus_run.summary["network"]["modes"]
    assert set(modes) == {"bus", "drive", "on_demand", "walk"}
    assert modes["bus"]["provenance"]["gtfs"]["date"] == "2024-03-12"
    assert modes["bus"]["provenance"]["stops_used"] == 4
    assert modes["on_demand"]["provenance"]["parameters"] == "assumed"
    assert set(bus_run.networks) == {"bus", "drive", "on_demand", "walk"}
    # the sizes are the routing graph's: the walk network plus one node per route, direction
    # and stop for the bus (its networkx graph stays empty)
    for mode, net in bus_run.networks.items():
        assert modes[mode]["nodes"] == net.routing.n_nodes > 0
        assert modes[mode]["edges"] == net.routing.n_edges > 0
    assert modes["bus"]["nodes"] > modes["walk"]["nodes"]


def test_on_demand_is_offered_in_its_zone_only(bus_run):
    times = bus_run.times
    od = np.asarray(times.for_mode("on_demand"))
    drive = np.asarray(times.for_mode("drive"))
    cells = bus_run.area.cells.geometry.centroid
    in_zone = (cells.y >= 169_000).to_numpy()
    sheerness = times.site_ids.index("sheerness-gateway")
    assert np.isinf(od[~in_zone]).all()
    reached = np.isfinite(od[in_zone, sheerness])
    assert reached.mean() > 0.9
    gap = od[in_zone, sheerness][reached] - 1.3 * drive[in_zone, sheerness][reached]
    assert gap == pytest.approx(20.0, abs=1e-3)  # the wait, once per journey


def test_open_to_needs_its_modes():
    network = {
        "modes": ["drive", "on_demand"],
        "on_demand": {"zone": "z.gpkg", "open_to": ["bus"]},
    }
    with pytest.raises(InputError, match=r"on_demand\.open_to needs modes \['bus'\]"):
        scenario_from_dict({"name": "od", "area": {"pilot": "swale"}, "network": network})


def test_open_to_lets_bus_riders_book_the_minibus(bus_run, tmp_path):
    folder = tmp_path / "od"
    folder.mkdir()
    scenario = scenario_from_dict(
        {
            "name": "bus",
            "area": {"pilot": "swale"},
            "network": {
                "modes": ["drive", "walk", "bus", "on_demand"],
                "transit": {"gtfs": str(_feed(folder / "feed")), "date": "2024-03-12"},
                "on_demand": {
                    "zone": str(_zone(folder / "zone.gpkg")),
                    "wait_minutes": 20,
                    "open_to": ["bus"],
                },
            },
        }
    )
    run = run_scenario(scenario, write=False)
    before, after = bus_run.times, run.times
    bus, booked = np.asarray(before.for_mode("bus")), np.asarray(after.for_mode("bus"))
    od = np.asarray(after.for_mode("on_demand"))
    np.testing.assert_array_equal(booked, np.fmin(bus, od))  # inf outside the zone
    assert (booked < bus - 10).sum() >= 5  # some save ten minutes or more
    np.testing.assert_array_equal(after.for_mode("walk"), before.for_mode("walk"))
    note = run.summary["figures"]["by_mode"]["modes"]["bus"]
    assert "open_to" in note["time"] and "minibus" in note["pct_riding"]
