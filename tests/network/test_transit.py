"""The bus network: hand-checked journeys, the walk-if-faster rule, and the engine's forms.

The street runs along x with a node every 100 m, walked in 75 s (``STEP_S``); the cells and
sites sit on its nodes, so each journey below adds up by hand.
"""

import logging

import numpy as np
import pytest
from gtfs_helpers import STEP_S, X0, Y0, Feed, street
from network_helpers import make_points

from gateway_planner.errors import InputError
from gateway_planner.groups import CustomerGroup
from gateway_planner.minutes import dense_rows
from gateway_planner.network import Mode, Network, read_gtfs, transit_network, travel_times

pytest.importorskip("gtfs_kit")

DAY = "2024-03-12"
HOUR = ("09:00", "10:00")
NINE = 9 * 3600


@pytest.fixture(scope="module")
def walk() -> Network:
    return street(6000)


def _points(xs, prefix, **kw):
    return make_points([(X0 + x, Y0) for x in xs], prefix=prefix, **kw)


def _seconds(walk, feed, tmp_path, cells, sites, **options):
    read = read_gtfs(feed.folder(tmp_path / "feed"), date=DAY, window=HOUR)
    bus = transit_network(walk, read, **options)
    tt = travel_times({"bus": bus}, _points(cells, "c", square_m=1), _points(sites, "s"))
    return np.asarray(tt.by_mode["bus"], dtype=np.float64) * 60.0, bus


def _one_route() -> Feed:
    # every 20 minutes from 09:00 (three departures in the hour), 10 minutes from A to B
    return (
        Feed()
        .stop("A", 1000)
        .stop("B", 5000)
        .route("R", ["A", "B"], first=NINE, headway_s=1200, count=3, hop_s=[600])
    )


def test_one_route_adds_walk_wait_ride_walk(walk, tmp_path):
    seconds, _ = _seconds(walk, _one_route(), tmp_path, cells=[900], sites=[5200])
    walk_to_stop, wait, ride, walk_from_stop = STEP_S, 0.5 * 1200, 600, 2 * STEP_S
    assert seconds[0, 0] == pytest.approx(walk_to_stop + wait + ride + walk_from_stop, abs=0.05)


def test_wait_factor_scales_the_wait(walk, tmp_path):
    seconds, _ = _seconds(
        walk, _one_route(), tmp_path, cells=[1000], sites=[5000], wait_factor=0.25
    )
    assert seconds[0, 0] == pytest.approx(0.25 * 1200 + 600, abs=0.05)


def test_planned_removes_the_first_wait(walk, tmp_path):
    seconds, _ = _seconds(walk, _one_route(), tmp_path, cells=[900], sites=[5200], planned=True)
    assert seconds[0, 0] == pytest.approx(STEP_S + 600 + 2 * STEP_S, abs=0.05)


def _two_routes() -> Feed:
    # R1 A -> B every 20 min (wait 10 min), walk 100 m from B to C, R2 C -> D every 30 min
    return (
        Feed()
        .stop("A", 1000)
        .stop("B", 3000)
        .stop("C", 3100)
        .stop("D", 5500)
        .route("R1", ["A", "B"], first=NINE, headway_s=1200, count=3, hop_s=[300])
        .route("R2", ["C", "D"], first=NINE, headway_s=1800, count=2, hop_s=[400])
    )


def test_a_transfer_pays_its_wait_even_when_planned(walk, tmp_path):
    unplanned, _ = _seconds(walk, _two_routes(), tmp_path, cells=[1000], sites=[5500])
    planned, _ = _seconds(
        walk, _two_routes(), tmp_path / "p", cells=[1000], sites=[5500], planned=True
    )
    first_wait, ride1, transfer_walk, second_wait, ride2 = 600, 300, STEP_S, 900, 400
    assert unplanned[0, 0] == pytest.approx(
        first_wait + ride1 + transfer_walk + second_wait + ride2, abs=0.05
    )
    assert planned[0, 0] == pytest.approx(ride1 + transfer_walk + second_wait + ride2, abs=0.05)


def test_no_transfer_between_stops_farther_apart_than_max_walk(walk, tmp_path):
    # with max_walk_m = 50 neither the 100 m from B to C at a transfer nor the 2500 m from B
    # to the site may be walked after the bus: the journey is on foot all the way
    seconds, _ = _seconds(walk, _two_routes(), tmp_path, cells=[1000], sites=[5500], max_walk_m=50)
    assert seconds[0, 0] == pytest.approx(45 * STEP_S, abs=0.05)  # 4500 m on foot


def test_a_cell_next_to_the_site_walks(walk, tmp_path):
    seconds, _ = _seconds(walk, _one_route(), tmp_path, cells=[4900, 1000], sites=[5000])
    assert seconds[0, 0] == pytest.approx(STEP_S, abs=1e-3)  # 100 m on foot beats any bus
    assert seconds[1, 0] == pytest.approx(600 + 600, abs=0.05)  # the bus beats 4000 m on foot


def test_walks_to_and_from_stops_are_bounded(walk, tmp_path):
    # 1000 m to the stop is more than max_walk_m = 800: the cell at x = 0 walks all the way
    seconds, _ = _seconds(walk, _one_route(), tmp_path, cells=[0, 300], sites=[5000])
    assert seconds[0, 0] == pytest.approx(50 * STEP_S, abs=1e-3)
    assert seconds[1, 0] == pytest.approx(7 * STEP_S + 600 + 600, abs=0.05)


def test_buses_only_go_their_way(walk, tmp_path):
    seconds, _ = _seconds(walk, _one_route(), tmp_path, cells=[5000], sites=[1000])
    assert seconds[0, 0] == pytest.approx(40 * STEP_S, abs=1e-3)  # no bus from B to A


def test_frequencies_txt_gives_the_same_times(walk, tmp_path):
    listed, _ = _seconds(walk, _one_route(), tmp_path / "a", cells=[900], sites=[5200])
    by_frequency = (
        Feed()
        .stop("A", 1000)
        .stop("B", 5000)
        .route("R", ["A", "B"], first=NINE, headway_s=1200, count=3, hop_s=[600], frequencies=True)
    )
    frequency, _ = _seconds(walk, by_frequency, tmp_path / "b", cells=[900], sites=[5200])
    assert frequency == pytest.approx(listed, abs=1e-3)


def test_mean_running_time_in_the_window(walk, tmp_path):
    feed = Feed().stop("A", 1000).stop("B", 5000)
    feed.route("R", ["A", "B"], first=NINE, headway_s=1800, count=1, hop_s=[500])
    feed.route("R", ["A", "B"], first=NINE + 1800, headway_s=1800, count=1, hop_s=[700])
    feed.route("R", ["A", "B"], first=NINE + 3600, headway_s=1800, count=1, hop_s=[9000])
    feed.trips = [(r, s, f"{t}-{i}", d) for i, (r, s, t, d) in enumerate(feed.trips)]
    feed.stop_times = [
        (f"{t}-{i // 2}", a, b, stop, q) for i, (t, a, b, stop, q) in enumerate(feed.stop_times)
    ]
    seconds, _ = _seconds(walk, feed, tmp_path, cells=[1000], sites=[5000])
    # two departures in the hour (the 10:00 one is outside it): wait 0.5 x 30 min, ride 600 s
    assert seconds[0, 0] == pytest.approx(900 + 600, abs=0.05)


def test_stops_outside_the_walk_network_are_left_out(walk, tmp_path, caplog):
    feed = (
        _one_route()
        .stop("FAR", 40_000)
        .route("X", ["B", "FAR"], first=NINE, headway_s=3600, count=1, hop_s=[900])
    )
    with caplog.at_level(logging.WARNING, logger="gateway_planner.network.transit"):
        seconds, bus = _seconds(walk, feed, tmp_path, cells=[900], sites=[5200])
    assert bus.provenance["stops_used"] == 2 and bus.provenance["stops_outside"] == 1
    assert bus.provenance["flagged_routes"] == []  # X keeps one stop: no ride, no departure
    assert seconds[0, 0] == pytest.approx(STEP_S + 600 + 600 + 2 * STEP_S, abs=0.05)


def test_routes_with_few_departures_are_flagged(walk, tmp_path, caplog):
    feed = _one_route().route("H", ["A", "B"], first=NINE, headway_s=3600, count=1, hop_s=[700])
    with caplog.at_level(logging.WARNING, logger="gateway_planner.network.transit"):
        _, bus = _seconds(walk, feed, tmp_path, cells=[900], sites=[5200], min_departures=3)
    assert bus.provenance["flagged_routes"] == [
        {"route": "H", "name": "H", "direction": 0, "departures": 1}
    ]
    assert "bus route H (direction 0): 1 departures in the window" in caplog.text


def test_the_network_says_what_it_is(walk, tmp_path):
    _, bus = _seconds(walk, _one_route(), tmp_path, cells=[900], sites=[5200], planned=True)
    assert bus.mode is Mode.BUS and bus.kind == walk.kind
    p = bus.provenance
    assert p["planned"] is True and p["wait_factor"] == 0.5 and p["max_walk_m"] == 800.0
    assert p["gtfs"]["date"] == DAY and p["built_on"]["mode"] == "walk"
    assert bus.graph.number_of_nodes() == 0  # routes with its arrays alone


def test_the_bus_network_is_built_on_the_walk_network(tmp_path):
    drive = street(1000)
    drive = Network(mode=Mode.DRIVE, graph=drive.graph, kind="file", provenance={})
    read = read_gtfs(_one_route().folder(tmp_path / "f"), date=DAY, window=HOUR)
    with pytest.raises(InputError, match="built on the walk network, not on drive"):
        transit_network(drive, read)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("wait_factor", -0.1),
        ("max_walk_m", 0.0),
        ("walk_speed_kmh", float("nan")),
        ("min_departures", 0),
    ],
)
def test_bad_options(walk, tmp_path, option, value):
    read = read_gtfs(_one_route().folder(tmp_path / "f"), date=DAY, window=HOUR)
    with pytest.raises(InputError, match=f"network.transit.{option}: {option} is"):
        transit_network(walk, read, **{option: value})


def test_a_feed_far_from_the_study_area(tmp_path):
    read = read_gtfs(_one_route().folder(tmp_path / "f"), date=DAY, window=HOUR)
    small = street(300)  # its last node is 700 m from the first stop
    with pytest.raises(InputError, match="none of the feed's 2 stops lies within 500 m"):
        transit_network(small, read, max_walk_m=500)


# ---------------------------------------------------------------------------- the engine's forms


@pytest.fixture(scope="module")
def grid_case(tmp_path_factory):
    """A 3 km x 3 km street grid, two crossing routes, 60 cells and 7 sites."""
    import networkx as nx
    from network_helpers import make_graph, make_network

    step, n = 150.0, 21
    coords = {i * n + j: (X0 + j * step, Y0 + i * step) for i in range(n) for j in range(n)}
    edges = [(i * n + j, i * n + j + 1, step) for i in range(n) for j in range(n - 1)]
    edges += [(i * n + j, (i + 1) * n + j, step) for i in range(n - 1) for j in range(n)]
    walk_grid = make_network(make_graph(edges, coords, speed_kmh=4.8), "walk")
    assert isinstance(walk_grid.graph, nx.MultiDiGraph)
    feed = Feed()
    east = [f"E{k}" for k in range(6)]
    north = [f"N{k}" for k in range(6)]
    for k in range(6):
        feed.stop(east[k], 300 + k * 500, 1500).stop(north[k], 1500 + 50, 300 + k * 500)
    feed.route("E", east, first=NINE, headway_s=600, count=6, hop_s=[90] * 5)
    feed.route("E", east[::-1], first=NINE, headway_s=600, count=6, hop_s=[90] * 5, direction=1)
    feed.route("N", north, first=NINE + 120, headway_s=900, count=4, hop_s=[100] * 5)
    read = read_gtfs(feed.folder(tmp_path_factory.mktemp("grid")), date=DAY, window=HOUR)
    bus = transit_network(walk_grid, read)
    rng = np.random.default_rng(3)
    cells = make_points(
        [(X0 + x, Y0 + y) for x, y in rng.uniform(0, 3000, (60, 2))], prefix="c", square_m=50
    )
    sites = make_points([(X0 + x, Y0 + y) for x, y in rng.uniform(0, 3000, (7, 2))], prefix="s")
    groups = [
        CustomerGroup(
            id="g",
            name="g",
            description="",
            channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
            visits_per_person_year=1.0,
            modes={"walk": 0.4, "bus": 0.6},
        )
    ]
    return {"bus": bus, "walk": walk_grid}, cells, sites, groups


def test_the_bus_never_loses_to_walking_and_helps_somewhere(grid_case):
    networks, cells, sites, _ = grid_case
    tt = travel_times(networks, cells, sites)
    bus, walking = tt.for_mode("bus"), tt.for_mode("walk")
    assert np.all(bus <= walking + 1e-4)
    assert (bus < walking - 1.0).sum() > 20  # the bus saves over a minute for many pairs


def test_dense_sparse_workers_and_dask_agree(grid_case, dask_client):
    networks, cells, sites, groups = grid_case
    dense = travel_times(networks, cells, sites, groups=groups, limit_minutes=45)
    sparse = travel_times(networks, cells, sites, groups=groups, limit_minutes=45, sparse=True)
    pooled = travel_times(networks, cells, sites, groups=groups, limit_minutes=45, workers=2)
    dasked = travel_times(
        networks, cells, sites, groups=groups, limit_minutes=45, client=dask_client
    )
    for key in ("bus", "walk"):
        reference = np.asarray(dense.by_mode[key])
        assert np.isfinite(reference).any() and np.isinf(reference).any()
        np.testing.assert_array_equal(dense_rows(sparse.by_mode[key], slice(0, 60)), reference)
        np.testing.assert_array_equal(pooled.by_mode[key], reference)
        np.testing.assert_array_equal(dasked.by_mode[key], reference)
    np.testing.assert_array_equal(
        dense_rows(sparse.for_group("g"), slice(0, 60)), dense.for_group("g")
    )
    expected = 0.4 * np.asarray(dense.by_mode["walk"], np.float64) + 0.6 * np.asarray(
        dense.by_mode["bus"], np.float64
    )
    np.testing.assert_allclose(dense.for_group("g"), expected.astype(np.float32))
