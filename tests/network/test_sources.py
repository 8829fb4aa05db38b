"""What load_network does to every graph: arguments, speeds, cropping, projection, checks."""

import networkx as nx
import numpy as np
import pytest
import shapely
from network_helpers import HELSINKI_CRS, TINY_CRS, make_graph, proxy_inputs

import gateway_planner.network._graph_readers as readers
from gateway_planner.errors import InputError, NetworkError
from gateway_planner.network import load_graph, load_network


def test_pbf_cropped_to_the_study_area(helsinki_drive, helsinki_pbf, monkeypatch):
    import gateway_planner.network.sources as sources

    monkeypatch.setattr(sources, "CLIP_BUFFER_M", 200.0)
    xy = helsinki_drive.routing.xy
    centre = shapely.Point(np.median(xy, axis=0))
    area = centre.buffer(300)
    net = load_network("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf, boundary=area)
    kept = np.array([(d["x"], d["y"]) for _, d in net.graph.nodes(data=True)])
    assert 0 < len(kept) < len(xy)
    assert shapely.contains_xy(area.buffer(200.1), kept[:, 0], kept[:, 1]).all()


def test_walk_speed_overrides(helsinki_walk, helsinki_pbf):
    slow = load_network(
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
    drive = load_network("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml, speeds=speeds)
    walk = load_network("file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds=speeds)
    assert drive.graph.edges[2, 3, 0]["speed_kph"] == 20.0
    assert drive.graph.edges[1, 2, 0]["speed_kph"] == 30.0  # tagged maxspeed wins
    assert {s for *_, s in walk.graph.edges(data="speed_kph")} == {4.0}
    assert drive.provenance["speeds_kmh"]["residential"] == 20.0
    with pytest.raises(InputError, match=r"speeds: speeds mixes km/h values and tables by mode"):
        load_network(
            "file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds={"drive": {}, "steps": 3.0}
        )
    with pytest.raises(InputError, match=r"speeds: unknown travel mode 'tram'"):
        load_network(
            "file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds={"tram": {"default": 20}}
        )
    with pytest.raises(InputError, match=r"speeds: no speed table for bus.*drive and walk only"):
        load_network(
            "file", mode="walk", crs=HELSINKI_CRS, path=osm_xml, speeds={"bus": {"default": 20}}
        )


def test_bus_and_on_demand_are_not_read_from_a_source(osm_xml):
    with pytest.raises(
        InputError, match=r"mode: the bus network is not read from a source.*transit_network"
    ):
        load_network("file", mode="bus", crs=HELSINKI_CRS, path=osm_xml)
    with pytest.raises(InputError, match=r"on_demand network is not read.*on_demand_network"):
        load_network("file", mode="on_demand", crs=HELSINKI_CRS, path=osm_xml)


def test_bad_arguments(tmp_path, osm_xml):
    with pytest.raises(
        InputError, match=r"unknown network source 'web'.*use one of osm, file, graphml, proxy"
    ):
        load_network("web", mode="walk", crs=HELSINKI_CRS)
    with pytest.raises(InputError, match=r"unknown travel mode 'cycle'"):
        load_network("file", mode="cycle", crs=HELSINKI_CRS, path=osm_xml)
    with pytest.raises(InputError, match=r"crs: the network CRS EPSG:4326 is geographic"):
        load_network("file", mode="walk", crs="EPSG:4326", path=osm_xml)
    with pytest.raises(InputError, match=r"missing\.osm: network file not found"):
        load_network("file", mode="walk", crs=HELSINKI_CRS, path=tmp_path / "missing.osm")
    with pytest.raises(InputError, match=r"speeds\.walk\.default: .* is -1 km/h"):
        load_network(
            "file",
            mode="walk",
            crs=HELSINKI_CRS,
            path=tmp_path / "missing.osm",
            speeds={"default": -1},
        )
    odd = tmp_path / "roads.shp"
    odd.write_text("x")
    with pytest.raises(InputError, match=r"roads\.shp: unknown network file type"):
        load_network("file", mode="walk", crs=HELSINKI_CRS, path=odd)
    with pytest.raises(InputError, match=r"network source 'file' needs a file"):
        load_network("file", mode="walk", crs=HELSINKI_CRS)


def test_proxy_graph_in_another_crs_is_projected(fake_proxy):
    cells, sites, boundary = proxy_inputs()
    net = load_network(
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


def test_proxy_with_bad_times(fake_proxy, monkeypatch):
    cells, sites, boundary = proxy_inputs()
    with pytest.raises(
        NetworkError, match=r"proxy network: 4 edges have no travel_time of 0 s or more"
    ):
        load_network(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=cells,
            sites=sites,
            boundary=boundary,
            proxy_params={"speed": -4.8},
        )


def test_proxy_without_edges(monkeypatch):
    monkeypatch.setattr(
        readers, "build_proxy_graph", lambda *a, **k: make_graph([], {0: (0.0, 0.0)})
    )
    cells, sites, boundary = proxy_inputs()
    with pytest.raises(NetworkError, match=r"the walk proxy network has no edges"):
        load_network(
            "proxy",
            mode="walk",
            crs=TINY_CRS,
            cells=cells,
            sites=sites,
            boundary=boundary,
            proxy_params={},
        )


def test_load_graph_is_a_deprecated_alias_of_load_network(osm_xml):
    with pytest.warns(FutureWarning) as caught:
        old = load_graph("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml)
    assert len(caught) == 1
    assert str(caught[0].message) == (
        "gateway_planner.network.load_graph is deprecated and will be removed in 0.3.0; "
        "use gateway_planner.network.load_network(...) instead"
    )
    assert load_graph.__name__ == "load_graph"
    assert caught[0].filename == __file__  # stacklevel=2: the warning points at the caller
    new = load_network("file", mode="drive", crs=HELSINKI_CRS, path=osm_xml)
    assert old.kind == new.kind and old.provenance == new.provenance
    assert nx.utils.edges_equal(old.graph.edges(keys=True), new.graph.edges(keys=True))
