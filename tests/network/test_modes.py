import pytest

from gateway_planner.errors import InputError
from gateway_planner.network import DEFAULT_SPEEDS, Mode
from gateway_planner.network.modes import PROFILES


@pytest.mark.parametrize("name", ["walk", "Walk", "WALK", " walk "])
def test_lookup_is_case_insensitive(name):
    assert Mode(name) is Mode.WALK
    assert Mode.parse(name) is Mode.WALK


def test_modes_are_strings():
    assert Mode.DRIVE == "drive"
    assert f"{Mode.WALK}" == "walk"
    assert Mode.parse(Mode.DRIVE) is Mode.DRIVE


def test_unknown_mode_names_the_known_ones():
    with pytest.raises(InputError, match=r"unknown travel mode 'bus'.*Fix: use one of drive, walk"):
        Mode.parse("bus", field="networks")
    with pytest.raises(ValueError, match="bus"):
        Mode("bus")


def test_every_mode_has_a_profile_and_a_speed_table():
    assert set(PROFILES) == set(Mode)
    assert set(DEFAULT_SPEEDS) == set(Mode)
    assert all("default" in table for table in DEFAULT_SPEEDS.values())
    assert PROFILES[Mode.WALK].bidirectional and not PROFILES[Mode.DRIVE].bidirectional
