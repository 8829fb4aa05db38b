import pytest

from gateway_planner.errors import InputError
from gateway_planner.network import DEFAULT_SPEEDS, Mode
from gateway_planner.network.modes import BUILT_ON, PROFILES


@pytest.mark.parametrize("name", ["walk", "Walk", "WALK", " walk "])
def test_lookup_is_case_insensitive(name):
    assert Mode(name) is Mode.WALK
    assert Mode.parse(name) is Mode.WALK


def test_modes_are_strings():
    assert Mode.DRIVE == "drive"
    assert f"{Mode.WALK}" == "walk"
    assert Mode.parse(Mode.DRIVE) is Mode.DRIVE


def test_unknown_mode_names_the_known_ones():
    with pytest.raises(
        InputError, match=r"unknown travel mode 'tram'.*Fix: use one of drive, walk, bus, on_demand"
    ):
        Mode.parse("tram", field="networks")
    with pytest.raises(ValueError, match="tram"):
        Mode("tram")


def test_bus_and_on_demand_are_modes():
    assert Mode.parse("Bus") is Mode.BUS
    assert Mode.parse("ON_DEMAND") is Mode.ON_DEMAND


def test_every_road_mode_has_a_profile_and_a_speed_table():
    assert set(PROFILES) == set(DEFAULT_SPEEDS) == {Mode.DRIVE, Mode.WALK}
    assert all("default" in table for table in DEFAULT_SPEEDS.values())
    assert PROFILES[Mode.WALK].bidirectional and not PROFILES[Mode.DRIVE].bidirectional


def test_every_other_mode_is_built_on_a_road_mode():
    assert set(BUILT_ON) | set(PROFILES) == set(Mode)
    assert not set(BUILT_ON) & set(PROFILES)
    assert BUILT_ON == {Mode.BUS: Mode.WALK, Mode.ON_DEMAND: Mode.DRIVE}
