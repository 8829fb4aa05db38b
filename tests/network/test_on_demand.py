"""On-demand transport: road time x factor + wait inside a zone, unavailable outside it."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from network_helpers import TINY_CRS, make_graph, make_network, make_points

from gateway_planner.errors import GatewayPlannerWarning, InputError
from gateway_planner.groups import CustomerGroup
from gateway_planner.network import Mode, on_demand_network, travel_times

KMH = 36.0  # 10 m/s: 100 m in 10 s


@pytest.fixture(scope="module")
def drive():
    coords = {i: (i * 100.0, 0.0) for i in range(31)}  # 3 km road, a node every 100 m
    edges = [(i, i + 1, 100.0) for i in range(30)]
    return make_network(make_graph(edges, coords, speed_kmh=KMH), "drive")


#: the zone covers x from 0 to 1550 m
ZONE = shapely.box(-50, -500, 1550, 500)


def _cells(xs):
    return make_points([(x, 0) for x in xs], prefix="c", square_m=1)


def _sites(xs):
    return make_points([(x, 0) for x in xs], prefix="s")


def _group(modes):
    return CustomerGroup(
        id="g",
        name="g",
        description="",
        channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
        visits_per_person_year=1.0,
        modes=modes,
    )


def test_road_time_times_the_factor_plus_the_wait(drive):
    od = on_demand_network(drive, ZONE, time_factor=1.5, wait_minutes=12)
    tt = travel_times({"on_demand": od}, _cells([0, 1500]), _sites([1000]))
    seconds = np.asarray(tt.for_mode("on_demand"), np.float64) * 60
    assert seconds[:, 0] == pytest.approx([12 * 60 + 1.5 * 100, 12 * 60 + 1.5 * 50], abs=1e-3)
    assert od.mode is Mode.ON_DEMAND and od.kind == drive.kind


def test_unavailable_outside_the_zone_without_a_warning(drive, recwarn):
    od = on_demand_network(drive, ZONE)
    tt = travel_times({"on_demand": od}, _cells([100, 2500]), _sites([1000, 2000]))
    minutes = np.asarray(tt.for_mode("on_demand"))
    assert np.isfinite(minutes[0, 0])
    assert np.isinf(minutes[0, 1])  # the site lies outside the zone
    assert np.isinf(minutes[1]).all()  # the cell lies outside the zone
    assert not [w for w in recwarn if issubclass(w.category, GatewayPlannerWarning)]
    assert tt.snapping["on_demand"]["cells_unserved"] == 1
    assert tt.snapping["on_demand"]["sites_unserved"] == 1


def test_anywhere_takes_riders_out_of_the_zone(drive):
    od = on_demand_network(drive, ZONE, destinations="anywhere", wait_minutes=0)
    tt = travel_times({"on_demand": od}, _cells([100, 2500]), _sites([2000]))
    seconds = np.asarray(tt.for_mode("on_demand"), np.float64) * 60
    assert seconds[0, 0] == pytest.approx(1.3 * 190, abs=1e-3)
    assert np.isinf(seconds[1, 0])  # picked up only in the zone


def test_a_group_mix_falls_back_on_its_other_modes_outside_the_zone(drive):
    od = on_demand_network(drive, ZONE, time_factor=2.0, wait_minutes=10)
    networks = {"drive": drive, "on_demand": od}
    groups = [_group({"drive": 0.5, "on_demand": 0.5})]
    cells, sites = _cells([100, 2500]), _sites([1000])
    dense = travel_times(networks, cells, sites, groups=groups)
    drive_min = np.asarray(dense.for_mode("drive"), np.float64)
    od_min = np.asarray(dense.for_mode("on_demand"), np.float64)
    mixed = np.asarray(dense.for_group("g"), np.float64)
    assert mixed[0, 0] == pytest.approx(0.5 * drive_min[0, 0] + 0.5 * od_min[0, 0], rel=1e-6)
    assert mixed[1, 0] == pytest.approx(drive_min[1, 0], rel=1e-6)  # on-demand unavailable
    sparse = travel_times(networks, cells, sites, groups=groups, sparse=True)
    np.testing.assert_array_equal(sparse.for_group("g").toarray(), dense.for_group("g"))


def test_a_group_with_no_other_mode_cannot_travel_outside_the_zone(drive):
    od = on_demand_network(drive, ZONE)
    tt = travel_times(
        {"on_demand": od}, _cells([100, 2500]), _sites([1000]), groups=[_group({"on_demand": 1.0})]
    )
    minutes = np.asarray(tt.for_group("g"))
    assert np.isfinite(minutes[0, 0]) and np.isinf(minutes[1, 0])


def test_over_the_limit_inside_the_zone_stays_unreachable(drive):
    od = on_demand_network(drive, ZONE, wait_minutes=30)
    tt = travel_times(
        {"drive": drive, "on_demand": od},
        _cells([100]),
        _sites([1000]),
        groups=[_group({"drive": 0.5, "on_demand": 0.5})],
        limit_minutes=20,
    )
    assert np.isfinite(tt.for_mode("drive")[0, 0])
    assert np.isinf(tt.for_group("g")[0, 0])  # available but too slow: not a fallback


def test_the_zone_from_a_file_in_another_crs(drive, tmp_path):
    path = tmp_path / "zone.gpkg"
    gpd.GeoDataFrame(geometry=[ZONE], crs=TINY_CRS).to_crs("EPSG:4326").to_file(path)
    od = on_demand_network(drive, path)
    assert od.provenance["zone"]["path"] == str(path)
    assert od.provenance["zone"]["area_km2"] == pytest.approx(1.6, rel=1e-3)
    assert od.provenance["parameters"] == "assumed"
    assert od.provenance["source"].startswith("assumed:")


def test_measured_figures_say_so(drive):
    od = on_demand_network(drive, ZONE, source="measured: operator's 2024 trip log")
    assert od.provenance["parameters"] == "measured"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"time_factor": 0.9}, "network.on_demand.time_factor: time_factor is 0.9"),
        ({"wait_minutes": -1.0}, "network.on_demand.wait_minutes: wait_minutes is -1.0"),
        ({"destinations": "town"}, "network.on_demand.destinations"),
        ({"source": "guess"}, 'network.on_demand.source.*start it with "assumed:"'),
    ],
)
def test_bad_parameters(drive, options, message):
    with pytest.raises(InputError, match=message):
        on_demand_network(drive, ZONE, **options)


def test_a_zone_without_roads(drive):
    with pytest.raises(InputError, match="the on-demand zone holds no road of the drive network"):
        on_demand_network(drive, shapely.box(10_000, 10_000, 11_000, 11_000))


def test_built_on_the_drive_network(drive):
    walk = make_network(drive.graph, "walk")
    with pytest.raises(InputError, match="built on the drive network, not on walk"):
        on_demand_network(walk, ZONE)


@pytest.fixture(scope="module")
def walk():
    coords = {i: (i * 100.0, 0.0) for i in range(31)}
    edges = [(i, i + 1, 100.0) for i in range(30)]
    return make_network(make_graph(edges, coords, speed_kmh=4.8), "walk")  # 100 m in 75 s


def test_walkers_book_the_minibus_where_it_is_faster(drive, walk):
    od = on_demand_network(drive, ZONE, time_factor=1.0, wait_minutes=5)
    networks = {"walk": walk, "on_demand": od}
    cells, sites = _cells([100, 900, 2500]), _sites([1000, 2000])
    plain = travel_times(networks, cells, sites)
    both = travel_times(
        networks, cells, sites, groups=[_group({"walk": 1.0})], fallbacks={"walk": ["on_demand"]}
    )
    walked = np.asarray(plain.for_mode("walk"), np.float64)
    fastest = np.asarray(both.for_mode("walk"), np.float64)
    # 900 m on foot is 11.25 min; the minibus 5 + 1.5 min: booked
    assert walked[0, 0] == pytest.approx(11.25, abs=1e-3)
    assert fastest[0, 0] == pytest.approx(5 + 1.5, abs=1e-3)
    assert fastest[1, 0] == pytest.approx(1.25, abs=1e-3)  # 100 m: walking is faster
    assert fastest[0, 1] == walked[0, 1]  # the site lies outside the zone: no minibus
    assert np.array_equal(fastest[2], walked[2])  # the cell lies outside the zone
    np.testing.assert_array_equal(both.for_group("g"), both.for_mode("walk"))
    np.testing.assert_array_equal(both.for_mode("on_demand"), plain.for_mode("on_demand"))
    sparse = travel_times(
        networks, cells, sites, sparse=True, limit_minutes=120, fallbacks={"walk": ["on_demand"]}
    )
    np.testing.assert_array_equal(sparse.for_mode("walk").toarray(), fastest.astype(np.float32))


def test_a_fallback_needs_a_network(drive, walk):
    with pytest.raises(InputError, match=r"fallbacks name mode.*on_demand without a network"):
        travel_times(
            {"walk": walk}, _cells([100]), _sites([1000]), fallbacks={"walk": ["on_demand"]}
        )
