"""The content-addressed cache in gateway_planner._cache."""

from pathlib import Path

import pytest

import gateway_planner.settings as gps
from gateway_planner import _cache


def test_key_follows_file_content_and_config(tmp_path):
    a = tmp_path / "a.osm"
    a.write_text("one")
    k1 = _cache.cache_key(files=[a], config={"mode": "walk"})
    assert len(k1) == 64
    assert _cache.cache_key(files=[a], config={"mode": "walk"}) == k1
    assert _cache.cache_key(files=[a], config={"mode": "drive"}) != k1
    moved = tmp_path / "b.osm"
    a.rename(moved)
    assert _cache.cache_key(files=[moved], config={"mode": "walk"}) == k1  # content, not name
    moved.write_text("two")
    assert _cache.cache_key(files=[moved], config={"mode": "walk"}) != k1


def test_store_then_lookup_in_the_folder_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setattr(gps, "cache_dir", str(tmp_path / "later"))
    assert _cache.lookup("osm", "k", ".txt") is None
    path = _cache.store("osm", "k", ".txt", lambda tmp: tmp.write_text("data"))
    assert path == tmp_path / "later" / "osm" / "k.txt"
    assert _cache.lookup("osm", "k", ".txt") == path
    assert [p.name for p in path.parent.iterdir()] == ["k.txt"]  # no temporary left behind


def test_failed_writer_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(gps, "cache_dir", str(tmp_path))

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _cache.store("osm", "k", ".txt", broken)
    assert _cache.lookup("osm", "k", ".txt") is None
    assert list((tmp_path / "osm").iterdir()) == []


def test_json_side_cars_and_the_off_switch(tmp_path, monkeypatch):
    monkeypatch.setattr(gps, "cache_dir", str(tmp_path))
    _cache.store_json("osm", "k", {"date": "2024-01-01", "n": 1.5})
    assert _cache.load_json("osm", "k") == {"date": "2024-01-01", "n": 1.5}
    (tmp_path / "osm" / "bad.json").write_text("{not json")
    assert _cache.load_json("osm", "bad") is None
    monkeypatch.setattr(gps, "use_cache", False)
    assert _cache.load_json("osm", "k") is None
    assert _cache.store("osm", "x", ".txt", lambda tmp: tmp.write_text("x")) is None
    assert not (tmp_path / "osm" / "x.txt").exists()
