import networkx as nx
import numpy as np
import pyproj
import pytest
from network_helpers import HELSINKI_CRS, TINY_CRS, make_graph, make_network, make_points

from gateway_planner.errors import GatewayPlannerWarning, InputError
from gateway_planner.groups import CustomerGroup
from gateway_planner.network import TravelTimes, travel_times

WALK_MPS = 4.8 / 3.6


def _line_network(mode="drive", crs=TINY_CRS, coords=None):
    coords = coords or {0: (0, 0), 1: (100, 0), 2: (150, 0)}
    return make_network(make_graph([(0, 1, 100.0), (1, 2, 50.0)], coords, crs=crs), mode)


def _group(gid, modes):
    channels = {"face_to_face": 1.0, "phone": 0.0, "web": 0.0}
    return CustomerGroup(
        id=gid, name=gid, description="", channels=channels, visits_per_person_year=1.0, modes=modes
    )


def test_access_network_and_egress_legs_add_up():
    cells = make_points([(0, 12), (150, 0)], prefix="c", square_m=10)
    sites = make_points([(100, 4)], prefix="s")
    tt = travel_times({"drive": _line_network()}, cells, sites)
    expected = np.array([[12 / WALK_MPS + 10 + 4 / WALK_MPS], [0 + 5 + 4 / WALK_MPS]]) / 60
    assert tt.by_mode["drive"].dtype == np.float32
    assert tt.by_mode["drive"] == pytest.approx(expected.astype(np.float32), abs=1e-5)
    assert tt.cell_ids == ("c0", "c1") and tt.site_ids == ("s0",)
    assert tt.shape == (2, 1)
    assert tt.kind == "file"


def test_journeys_go_to_the_site_on_one_way_streets():
    coords = {0: (0, 0), 1: (100, 0), 2: (100, 50)}
    g = make_graph(
        [(0, 1, 100.0), (1, 2, 50.0), (2, 0, 300.0)], coords, two_way=False
    )  # a one-way ring
    cells = make_points(list(coords.values()), prefix="c", square_m=1)
    sites = make_points([coords[0], coords[2]], prefix="s")
    minutes = travel_times({"drive": make_network(g)}, cells, sites).by_mode["drive"] * 60
    # to site at node 0: from 1 via 2 (5 + 30 s); to site at node 2: from 0 via 1 (10 + 5 s)
    assert minutes == pytest.approx(np.array([[0, 15], [35, 5], [30, 0]]), abs=1e-3)


def test_agrees_with_networkx_on_helsinki(helsinki_drive):
    graph = helsinki_drive.graph
    routing = helsinki_drive.routing
    rng = np.random.default_rng(7)
    usable = np.flatnonzero(routing.in_largest)
    cell_nodes = rng.choice(usable, 40, replace=False)
    site_nodes = rng.choice(usable, 8, replace=False)
    cells = make_points(routing.xy[cell_nodes], prefix="c", crs=HELSINKI_CRS, square_m=1)
    sites = make_points(routing.xy[site_nodes], prefix="s", crs=HELSINKI_CRS)
    got = travel_times({"drive": helsinki_drive}, cells, sites).by_mode["drive"]
    reverse = graph.reverse(copy=False)
    for j, site in enumerate(routing.node_ids[site_nodes]):
        lengths = nx.single_source_dijkstra_path_length(reverse, site, weight="travel_time")
        want = np.array([lengths.get(n, np.inf) for n in routing.node_ids[cell_nodes]]) / 60
        assert got[:, j] == pytest.approx(want, abs=1e-4)


def test_limit_turns_long_journeys_to_inf():
    cells = make_points([(0, 0), (150, 0)], prefix="c", square_m=1)
    sites = make_points([(150, 0)], prefix="s")
    tt = travel_times({"drive": _line_network()}, cells, sites, limit_minutes=10 / 60)
    assert np.isinf(tt.by_mode["drive"][0, 0])  # 15 s > 10 s
    assert tt.by_mode["drive"][1, 0] == 0.0
    assert tt.limit_minutes == pytest.approx(10 / 60)


def test_far_cells_and_sites_are_inf_and_reported():
    cells = make_points([(0, 0), (9000, 0)], prefix="c", square_m=10)
    sites = make_points([(100, 0), (0, -5000)], prefix="s")
    with pytest.warns(GatewayPlannerWarning) as record:
        tt = travel_times({"drive": _line_network()}, cells, sites)
    messages = [str(w.message) for w in record]
    assert messages == [
        "drive: 1 of 2 cells are more than 2,000 m from the drive network (1 outside its extent); their travel times are inf",
        "drive: 1 of 2 sites are more than 2,000 m from the drive network (1 outside its extent); their travel times are inf",
    ]
    m = tt.by_mode["drive"]
    assert np.isinf(m[1]).all() and np.isinf(m[:, 1]).all()
    assert np.isfinite(m[0, 0])
    snap = tt.snapping["drive"]
    assert snap["unreachable_cell_ids"] == ["c1"]
    assert snap["unreachable_site_ids"] == ["s1"]
    assert snap["cells_snapped"] == 1


def test_group_times_are_the_expected_value_over_the_mode_mix():
    cells = make_points([(0, 30), (150, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    drive = _line_network("drive")
    walk = make_network(
        make_graph(
            [(0, 1, 100.0), (1, 2, 50.0)], {0: (0, 0), 1: (100, 0), 2: (150, 0)}, speed_kmh=4.8
        ),
        "walk",
    )
    groups = [
        _group("mixed", {"drive": 0.25, "Walk": 0.75}),
        _group("drivers", {"drive": 1.0, "walk": 0.0}),
    ]
    tt = travel_times({"drive": drive, "walk": walk}, cells, sites, groups=groups)
    want = 0.25 * tt.by_mode["drive"].astype(float) + 0.75 * tt.by_mode["walk"].astype(float)
    assert tt.for_group("mixed") == pytest.approx(want.astype(np.float32), rel=1e-6)
    assert np.array_equal(tt.for_group("drivers"), tt.by_mode["drive"])
    assert tt.for_mode("WALK") is tt.by_mode["walk"]
    with pytest.raises(InputError, match=r"no travel times for customer group 'nobody'"):
        tt.for_group("nobody")


def test_group_needing_a_missing_network_names_group_mode_and_fix():
    cells = make_points([(0, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    groups = [_group("older", {"drive": 0.4, "walk": 0.6})]
    with pytest.raises(
        InputError,
        match=r"group\[older\]\.modes\.walk: customer group 'older' travels by 'walk' \(share 0\.6\) but no walk network was given .*Fix: add a walk network",
    ):
        travel_times({"drive": _line_network()}, cells, sites, groups=groups)


def test_matrices_are_read_only():
    cells = make_points([(0, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    tt = travel_times(
        {"drive": _line_network()}, cells, sites, groups=[_group("g", {"drive": 1.0})]
    )
    assert isinstance(tt, TravelTimes)
    with pytest.raises(ValueError, match="read-only"):
        tt.by_mode["drive"][0, 0] = 1.0


def test_sites_in_another_crs_and_a_geographic_graph_are_reprojected():
    cells = make_points([(530000, 180012), (530150, 180000)], prefix="c", square_m=10)
    sites = make_points([(530100, 180004)], prefix="s")
    coords = {0: (530000, 180000), 1: (530100, 180000), 2: (530150, 180000)}
    projected = travel_times({"drive": _line_network(coords=coords)}, cells, sites).by_mode["drive"]

    to_wgs = pyproj.Transformer.from_crs(TINY_CRS, "EPSG:4326", always_xy=True)
    lonlat = {n: to_wgs.transform(*xy) for n, xy in coords.items()}
    geographic = _line_network(crs="EPSG:4326", coords=lonlat)
    moved_sites = sites.to_crs("EPSG:3857")
    mixed = travel_times({"drive": geographic}, cells, moved_sites).by_mode["drive"]
    assert mixed == pytest.approx(projected, abs=1e-4)


def test_kind_is_mixed_when_networks_differ():
    cells = make_points([(0, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    walk = make_network(_line_network().graph, "walk", kind="proxy")
    tt = travel_times({"drive": _line_network(), "walk": walk}, cells, sites)
    assert tt.kind == "mixed"
    assert set(tt.provenance) == {"drive", "walk"}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda c, s: (c.to_crs("EPSG:4326"), s), r"cells\.crs: cells are in the geographic CRS"),
        (lambda c, s: (c.set_axis(["a", "a"]), s), r"cells ids repeat \(1 duplicates\)"),
        (lambda c, s: (c.iloc[:0], s), r"no cells given"),
        (lambda c, s: (c, s.set_crs(None, allow_override=True)), r"sites\.crs: sites have no CRS"),
    ],
)
def test_bad_cells_and_sites(change, match):
    cells = make_points([(0, 0), (10, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    cells, sites = change(cells, sites)
    with pytest.raises(InputError, match=match):
        travel_times({"drive": _line_network()}, cells, sites)


def test_bad_options_and_networks():
    cells = make_points([(0, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0)], prefix="s")
    with pytest.raises(InputError, match=r"limit_minutes: limit_minutes is -1"):
        travel_times({"drive": _line_network()}, cells, sites, limit_minutes=-1)
    with pytest.raises(InputError, match=r"walk_speed_kmh is 0"):
        travel_times({"drive": _line_network()}, cells, sites, walk_speed_kmh=0)
    with pytest.raises(InputError, match=r"the network given for walk was built for drive"):
        travel_times({"walk": _line_network("drive")}, cells, sites)
    with pytest.raises(InputError, match=r"no network given"):
        travel_times({}, cells, sites)
