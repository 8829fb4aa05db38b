"""The pilot's proxy network: on land, bridges only where parametrised, osmnx-shaped."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from network_helpers import PROXY_PARAMS as PARAMS

from gateway_planner.contracts import Area
from gateway_planner.errors import InputError, NetworkError
from gateway_planner.network.proxy import build_proxy_graph
from gateway_planner.network.proxy_params import validate_proxy_params
from gateway_planner.pilot import load_pilot

CRS = "EPSG:27700"


@pytest.fixture(scope="module")
def swale() -> Area:
    return load_pilot("swale")


@pytest.fixture(scope="module")
def swale_graphs(swale: Area) -> dict[str, nx.MultiDiGraph]:
    return {
        m: build_proxy_graph(swale.cells, swale.sites, swale.boundary, swale.proxy_params, mode=m)
        for m in ("drive", "walk")
    }


@pytest.fixture(scope="module")
def saint_omer_drive() -> tuple[Area, nx.MultiDiGraph]:
    area = load_pilot("saint-omer")
    return area, build_proxy_graph(
        area.cells, area.sites, area.boundary, area.proxy_params, mode="drive"
    )


def _edge_lines(g: nx.MultiDiGraph, *, links: bool) -> np.ndarray:
    xy = np.array([[g.nodes[n]["x"], g.nodes[n]["y"]] for n in range(g.number_of_nodes())])
    uv = np.array([(u, v) for u, v, c in g.edges(data="proxy_class") if (c == "link") == links])
    return shapely.linestrings(np.stack([xy[uv[:, 0]], xy[uv[:, 1]]], axis=1))


def _sheppey_and_mainland(area: Area) -> tuple[Any, Any]:
    land = shapely.union_all(area.boundary.geometry.to_numpy())
    mainland, sheppey = sorted(land.geoms, key=lambda g: -g.area)[:2]
    return mainland, sheppey


# ------------------------------------------------------------------------------ pilot graphs


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_graph_is_osmnx_shaped(
    swale: Area, swale_graphs: dict[str, nx.MultiDiGraph], mode: str
) -> None:
    ox = pytest.importorskip("osmnx")
    g = swale_graphs[mode]
    ox.convert.validate_graph(g, strict=True)
    assert g.graph["kind"] == "proxy"
    assert g.graph["mode"] == mode
    assert g.graph["crs"] == swale.cells.crs
    n_cells = len(swale.cells)
    assert list(g.nodes) == list(range(n_cells + len(swale.sites)))
    assert [g.nodes[i]["ref"] for i in range(n_cells)] == list(swale.cells.index)
    assert [g.nodes[n_cells + j]["ref"] for j in range(len(swale.sites))] == list(swale.sites.index)
    # every edge exists in both directions with the same length
    for u, v, data in g.edges(data=True):
        assert g.has_edge(v, u)
        assert g[v][u][0]["length"] == data["length"]


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_strongly_connected(swale_graphs: dict[str, nx.MultiDiGraph], mode: str) -> None:
    assert nx.is_strongly_connected(swale_graphs[mode])


def test_saint_omer_connected_and_on_land(
    saint_omer_drive: tuple[Area, nx.MultiDiGraph],
) -> None:
    area, g = saint_omer_drive
    assert nx.is_strongly_connected(g)
    assert not any(c == "link" for *_, c in g.edges(data="proxy_class"))
    tolerance = area.proxy_params["land_tolerance_m"]
    zone = shapely.union_all(area.boundary.geometry.to_numpy()).buffer(tolerance + 1e-6)
    assert shapely.covers(zone, _edge_lines(g, links=False)).all()


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_no_edge_leaves_the_land_except_links(
    swale: Area, swale_graphs: dict[str, nx.MultiDiGraph], mode: str
) -> None:
    tolerance = swale.proxy_params["land_tolerance_m"]
    zone = shapely.union_all(swale.boundary.geometry.to_numpy()).buffer(tolerance + 1e-6)
    lines = _edge_lines(swale_graphs[mode], links=False)
    assert shapely.covers(zone, lines).all()
    # and the links do cross water: they are not on land
    assert not shapely.covers(zone, _edge_lines(swale_graphs[mode], links=True)).any()


@pytest.mark.parametrize(
    ("mode", "names"),
    [
        ("drive", {"Kingsferry Bridge (B2231)", "Sheppey Crossing (A249)"}),
        ("walk", {"Kingsferry Bridge (B2231)"}),
    ],
)
def test_sheppey_joins_the_mainland_only_by_the_bridges(
    swale: Area, swale_graphs: dict[str, nx.MultiDiGraph], mode: str, names: set[str]
) -> None:
    g = swale_graphs[mode]
    mainland, sheppey = _sheppey_and_mainland(swale)
    pts = shapely.points([(g.nodes[n]["x"], g.nodes[n]["y"]) for n in range(g.number_of_nodes())])
    on_sheppey = shapely.covers(sheppey, pts)
    on_mainland = shapely.covers(mainland, pts)
    assert on_sheppey.sum() > 100  # Sheerness, Minster, Queenborough, Leysdown...
    crossing = [(u, v, d) for u, v, d in g.edges(data=True) if on_sheppey[u] != on_sheppey[v]]
    assert crossing, "Sheppey must be reachable"
    assert all(d["proxy_class"] == "link" for *_, d in crossing)
    assert {d["name"] for *_, d in crossing} == names
    assert all(on_sheppey[u] or on_mainland[u] for u, _, _ in crossing)
    # the crossings are near 51.39 N, 0.74 E
    bridge = gpd.GeoSeries(shapely.points([(0.74, 51.395)]), crs="EPSG:4326").to_crs(CRS).iloc[0]
    for u, v, _ in crossing:
        for n in (u, v):
            assert bridge.distance(shapely.Point(g.nodes[n]["x"], g.nodes[n]["y"])) < 3000


def test_travel_times_follow_the_params(
    swale: Area, swale_graphs: dict[str, nx.MultiDiGraph]
) -> None:
    params = validate_proxy_params(swale.proxy_params)
    speeds = params["drive_speed_kmh"]
    detour = params["detour_factor"]
    g = swale_graphs["drive"]
    for u, v, d in g.edges(data=True):
        if d["proxy_class"] == "link":
            link = next(lk for lk in params["link"] if lk["name"] == d["name"])
            assert d["speed_kph"] == link["drive_speed_kmh"]
            assert d["travel_time"] == pytest.approx(
                d["length"] * link["detour_factor"] / (d["speed_kph"] / 3.6)
            )
            continue
        slower = min(speeds[g.nodes[u]["density_class"]], speeds[g.nodes[v]["density_class"]])
        assert d["speed_kph"] == slower
        assert speeds[d["proxy_class"]] == slower
        assert d["length"] == pytest.approx(
            np.hypot(g.nodes[u]["x"] - g.nodes[v]["x"], g.nodes[u]["y"] - g.nodes[v]["y"])
        )
        assert d["length"] <= params["max_edge_m"]
        assert d["travel_time"] == pytest.approx(d["length"] * detour / (slower / 3.6))
    for *_, d in swale_graphs["walk"].edges(data=True):
        if d["proxy_class"] != "link":
            assert d["travel_time"] == pytest.approx(d["length"] * detour / (4.8 / 3.6))


# ------------------------------------------------------------------------------ synthetic cases


def _cells(points: list[tuple[float, float]], density: list[str] | None = None) -> gpd.GeoDataFrame:
    data: dict[str, Any] = {"population": [10.0] * len(points), "share__a": [1.0] * len(points)}
    if density is not None:
        data["density_class"] = density
    squares = [shapely.box(x - 50, y - 50, x + 50, y + 50) for x, y in points]
    return gpd.GeoDataFrame(
        data, index=[f"c{i}" for i in range(len(points))], geometry=squares, crs=CRS
    )


def _sites(points: list[tuple[float, float]], status: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"s{i}" for i in range(len(points))], "status": status},
        index=[f"s{i}" for i in range(len(points))],
        geometry=shapely.points(points),
        crs=CRS,
    )


def test_two_islands_need_a_link() -> None:
    west, east = shapely.box(0, 0, 1000, 1000), shapely.box(1100, 0, 2100, 1000)
    boundary = gpd.GeoDataFrame(
        {"code": ["w", "e"], "name": ["W", "E"]}, geometry=[west, east], crs=CRS
    )
    cells = _cells(
        [(200, 500), (800, 500), (1300, 500), (1900, 500)], ["urban", "rural", "rural", "rural"]
    )
    sites = _sites([(500, 500)], ["existing"])
    params = {
        **PARAMS,
        "land_tolerance_m": 60.0,
    }  # the buffered islands overlap, the parts rule holds
    with pytest.raises(
        NetworkError,
        match=r"2 cell\(s\) and 0 site\(s\) cannot reach 's0'.*c2, c3.*add a \[\[link\]\]",
    ):
        build_proxy_graph(cells, sites, boundary, params, mode="drive")
    link = {"name": "ferry", "from": [950.0, 500.0], "to": [1150.0, 500.0], "drive_speed_kmh": 10.0}
    g = build_proxy_graph(cells, sites, boundary, {**params, "link": [link]}, mode="drive")
    assert nx.is_strongly_connected(g)
    crossing = [
        d for u, v, d in g.edges(data=True) if (g.nodes[u]["x"] < 1050) != (g.nodes[v]["x"] < 1050)
    ]
    assert [d["name"] for d in crossing] == ["ferry", "ferry"]
    # node c1 (800) -> link ends (950, 1150) -> node c2 (1300)
    assert crossing[0]["length"] == pytest.approx(500.0)
    assert crossing[0]["travel_time"] == pytest.approx(500.0 / (10.0 / 3.6))
    # walking may not use a drive-only link
    walk_only_drive = {**link, "walk": False}
    with pytest.raises(NetworkError, match="cannot reach"):
        build_proxy_graph(
            cells, sites, boundary, {**params, "link": [walk_only_drive]}, mode="walk"
        )


def test_edges_do_not_cross_a_bay() -> None:
    # a U-shaped coast: the two arms are 400 m apart across water, 2 km apart by land
    land = shapely.union_all(
        [
            shapely.box(0, 0, 300, 1000),
            shapely.box(700, 0, 1000, 1000),
            shapely.box(0, 0, 1000, 300),
        ]
    )
    cells = _cells(
        [(150, 900), (850, 900), (150, 600), (850, 600), (150, 150), (500, 150), (850, 150)]
    )
    sites = _sites([(150, 500)], ["existing"])
    g = build_proxy_graph(cells, sites, land, PARAMS, mode="walk")
    assert nx.is_strongly_connected(g)
    assert not g.has_edge(0, 1)
    assert not g.has_edge(2, 3)
    assert shapely.covers(land, _edge_lines(g, links=False)).all()


def test_density_classes_from_population_when_no_column() -> None:
    cells = _cells([(0, 0), (300, 0), (600, 0)])
    cells["population"] = [500.0, 1.0, 1.0]  # 50,000 and 100 people per km² of a 100 m cell
    g = build_proxy_graph(
        cells,
        _sites([(300, 100)], ["existing"]),
        shapely.box(-100, -100, 700, 200),
        PARAMS,
        mode="drive",
    )
    assert [g.nodes[i]["density_class"] for i in range(4)] == ["urban", "rural", "rural", "rural"]
    assert g[0][1][0]["speed_kph"] == 20.0
    assert g[1][2][0]["speed_kph"] == 60.0


def test_site_on_a_cell_centre_is_joined() -> None:
    cells = _cells([(0, 0), (300, 0)], ["rural", "rural"])
    sites = _sites([(0, 0), (0, 0)], ["existing", "candidate"])
    g = build_proxy_graph(cells, sites, shapely.box(-100, -100, 400, 100), PARAMS, mode="walk")
    assert nx.is_strongly_connected(g)
    assert min(d for *_, d in g.edges(data="length")) == 1.0


def test_unknown_mode_and_missing_speed() -> None:
    cells = _cells([(0, 0), (300, 0)], ["urban", "suburban"])
    sites = _sites([(0, 0)], ["existing"])
    box = shapely.box(-100, -100, 400, 100)
    with pytest.raises(InputError, match="mode 'bike' is not available on the proxy network"):
        build_proxy_graph(cells, sites, box, PARAMS, mode="bike")
    with pytest.raises(
        InputError, match=r"drive_speed_kmh: density classes \['suburban'\] have no drive speed"
    ):
        build_proxy_graph(cells, sites, box, PARAMS, mode="drive")
    with pytest.raises(InputError, match="projected CRS"):
        build_proxy_graph(
            cells.set_crs("EPSG:4326", allow_override=True), sites, box, PARAMS, mode="walk"
        )
