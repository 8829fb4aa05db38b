"""OSM downloads with osmnx's HTTP layer replaced: no network access."""

from pathlib import Path

import pytest
import requests
import shapely
from network_helpers import HELSINKI_CRS

import gateway_planner.settings as gps
from gateway_planner.errors import InputError, NetworkError
from gateway_planner.network import load_network

ox = pytest.importorskip("osmnx")

# a small square of streets and one footway in central Helsinki (lon, lat)
NODES = {
    1: (24.9400, 60.1700),
    2: (24.9420, 60.1700),
    3: (24.9420, 60.1710),
    4: (24.9400, 60.1710),
    5: (24.9400, 60.1720),
}
WAYS = [
    (10, [1, 2, 3], {"highway": "residential", "maxspeed": "30"}),
    (11, [3, 4, 1], {"highway": "residential"}),
    (12, [4, 5], {"highway": "footway"}),
]
AREA = shapely.box(385_000, 6_671_000, 387_000, 6_673_000)  # EPSG:3067 around the nodes


def overpass_json(ways=WAYS):
    elements = [{"type": "node", "id": n, "lon": x, "lat": y} for n, (x, y) in NODES.items()]
    elements += [{"type": "way", "id": i, "nodes": nodes, "tags": tags} for i, nodes, tags in ways]
    return {"version": 0.6, "elements": elements}


@pytest.fixture
def overpass(monkeypatch):
    """Replace osmnx's Overpass HTTP request; record the queries it would have sent."""
    calls = []

    def fake(data):
        calls.append(data["data"])
        if isinstance(fake.response, Exception):
            raise fake.response
        return fake.response

    fake.response = overpass_json()
    monkeypatch.setattr(ox._overpass, "_overpass_request", fake)
    fake.calls = calls
    return fake


def _cache_files():
    folder = Path(gps.cache_dir) / "osm"
    return sorted(p.suffix for p in folder.iterdir()) if folder.exists() else []


def test_download_by_polygon_is_cached(overpass):
    net = load_network("osm", mode="walk", crs=HELSINKI_CRS, boundary=AREA)
    assert len(overpass.calls) == 1
    assert (
        'way["highway"]' in overpass.calls[0] and 'foot"!~"no"' in overpass.calls[0]
    )  # osmnx's walk filter
    assert net.kind == "osm"
    assert net.provenance["by"] == "polygon" and net.provenance["cache"] == "miss"
    assert net.provenance["osmnx_version"] == ox.__version__
    assert sorted(net.graph.nodes) == [1, 2, 3, 4, 5]
    assert net.graph.graph["crs"] == HELSINKI_CRS
    assert _cache_files() == [".graphml", ".json"]

    overpass.response = RuntimeError("the cache must answer first")
    again = load_network("osm", mode="walk", crs=HELSINKI_CRS, boundary=AREA)
    assert len(overpass.calls) == 1
    assert again.provenance["cache"] == "hit"
    assert again.provenance["date"] == net.provenance["date"]
    assert again.graph.number_of_edges() == net.graph.number_of_edges()


def test_failure_is_never_cached(overpass):
    overpass.response = requests.ConnectionError("no route to host")
    with pytest.raises(
        NetworkError,
        match=r"could not download the drive network for the study-area polygon from OpenStreetMap \(ConnectionError: no route to host\)\. Fix: check the connection",
    ):
        load_network("osm", mode="drive", crs=HELSINKI_CRS, boundary=AREA)
    assert _cache_files() == []
    overpass.response = overpass_json()
    net = load_network("osm", mode="drive", crs=HELSINKI_CRS, boundary=AREA)
    assert len(overpass.calls) == 2
    assert net.provenance["cache"] == "miss"
    # the footway is dropped by our drive rules even when the server sends it
    assert sorted(net.graph.nodes) == [1, 2, 3, 4]
    assert net.graph.has_edge(1, 2) and net.graph.has_edge(2, 1)


def test_download_by_place(overpass, monkeypatch):
    seen = []

    def nominatim(params, request_type="search", **kwargs):
        seen.append(params["q"])
        ring = [[24.93, 60.165], [24.95, 60.165], [24.95, 60.175], [24.93, 60.175], [24.93, 60.165]]
        return [
            {
                "place_id": 1,
                "osm_type": "relation",
                "osm_id": 1,
                "lat": "60.17",
                "lon": "24.94",
                "display_name": "Kluuvi, Helsinki",
                "importance": 0.6,
                "boundingbox": ["60.165", "60.175", "24.93", "24.95"],
                "geojson": {"type": "Polygon", "coordinates": [ring]},
            }
        ]

    monkeypatch.setattr(ox._nominatim, "_nominatim_request", nominatim)
    net = load_network("osm", mode="walk", crs=HELSINKI_CRS, query=" Kluuvi, Helsinki ")
    assert seen == ["Kluuvi, Helsinki"]
    assert net.provenance["by"] == "place" and net.provenance["query"] == "Kluuvi, Helsinki"
    assert net.graph.number_of_nodes() == 5


def test_download_by_bbox_and_the_osmnx_version_in_the_key(overpass, monkeypatch):
    bbox = (24.93, 60.165, 24.95, 60.175)
    first = load_network("osm", mode="walk", crs=HELSINKI_CRS, bbox=bbox)
    assert first.provenance["bbox"] == list(bbox)
    load_network("osm", mode="walk", crs=HELSINKI_CRS, bbox=bbox)
    assert len(overpass.calls) == 1
    monkeypatch.setattr(ox, "__version__", "99.0")
    load_network("osm", mode="walk", crs=HELSINKI_CRS, bbox=bbox)
    assert len(overpass.calls) == 2


def test_cache_off_downloads_every_time_and_writes_nothing(overpass, monkeypatch):
    monkeypatch.setattr(gps, "use_cache", False)
    for _ in range(2):
        net = load_network("osm", mode="walk", crs=HELSINKI_CRS, boundary=AREA)
    assert len(overpass.calls) == 2
    assert net.provenance["cache"] == "off"
    assert _cache_files() == []


def test_osmnx_settings_are_restored(overpass):
    before = (ox.settings.cache_folder, ox.settings.use_cache, ox.settings.requests_timeout)
    load_network("osm", mode="walk", crs=HELSINKI_CRS, boundary=AREA)
    assert (ox.settings.cache_folder, ox.settings.use_cache, ox.settings.requests_timeout) == before


def test_download_arguments():
    with pytest.raises(InputError, match=r"network\.query: an OSM download needs a place name"):
        load_network("osm", mode="walk", crs=HELSINKI_CRS)
    with pytest.raises(
        InputError,
        match=r"network\.bbox: bbox \[25\.0, 60\.0, 24\.0, 61\.0\] is not \[left, bottom, right, top\]",
    ):
        load_network("osm", mode="walk", crs=HELSINKI_CRS, bbox=(25, 60, 24, 61))
    with pytest.raises(InputError, match=r"boundary: the boundary is a LineString, not a polygon"):
        load_network(
            "osm", mode="walk", crs=HELSINKI_CRS, boundary=shapely.LineString([(0, 0), (1, 1)])
        )
