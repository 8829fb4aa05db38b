"""Proxy-network parameters: validated by pydantic models, every problem with its field and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from network_helpers import PROXY_PARAMS as PARAMS

from gateway_planner.errors import InputError
from gateway_planner.network import proxy
from gateway_planner.network.proxy_params import (
    ProxyParams,
    load_proxy_params,
    proxy_params,
    validate_proxy_params,
)
from gateway_planner.pilot import load_pilot

ENDS_FIX = "give the crossing's end as [x, y] (longitude, latitude with crs = 'EPSG:4326')"
KEYS = (
    "['calibration', 'density_classes', 'detour_factor', 'drive_speed_kmh', 'land_tolerance_m', "
    "'link', 'max_edge_m', 'neighbours', 'source', 'walk_speed_kmh']"
)
LINK_KEYS = "['crs', 'detour_factor', 'drive_speed_kmh', 'from', 'name', 'to', 'walk']"


def _link(**change: Any) -> dict[str, Any]:
    return {"link": [{"from": [0, 0], "to": [1, 1], **change}]}


@pytest.mark.parametrize(
    ("change", "field", "message", "fix"),
    [
        (
            {"walk_speed_kmh": 0},
            "walk_speed_kmh",
            "greater than 0 (got 0)",
            "give a walking speed in km/h above 0, e.g. 4.8",
        ),
        (
            {"drive_speed_kmh": {"urban": -5.0}},
            "drive_speed_kmh.urban",
            "greater than 0 (got -5.0)",
            "give a driving speed in km/h above 0",
        ),
        (
            {"drive_speed_kmh": {}},
            "drive_speed_kmh",
            "at least 1 item",
            "write [drive_speed_kmh] with e.g. urban = 25.0, town = 35.0, rural = 55.0",
        ),
        (
            {"drive_speed_kmh": 30.0},
            "drive_speed_kmh",
            "a valid dictionary",
            "write [drive_speed_kmh] with e.g. urban = 25.0, town = 35.0, rural = 55.0",
        ),
        (
            {"detour_factor": 0.8},
            "detour_factor",
            "greater than or equal to 1 (got 0.8)",
            "use a detour factor of 1 or more, e.g. 1.3",
        ),
        (
            {"max_edge_m": "far"},
            "max_edge_m",
            "a valid number (got 'far')",
            "give the longest edge in metres, e.g. max_edge_m = 3000.0",
        ),
        (
            {"max_edge_m": float("inf")},
            "max_edge_m",
            "a finite number",
            "give the longest edge in metres, e.g. max_edge_m = 3000.0",
        ),
        (
            {"land_tolerance_m": True},
            "land_tolerance_m",
            "a valid number (got True)",
            "give a distance in metres, 0 or more",
        ),
        (
            {"neighbours": -1},
            "neighbours",
            "(got -1)",
            "give a whole number of nearest neighbours, 0 or more",
        ),
        (
            {"neighbours": 2.5},
            "neighbours",
            "a valid integer (got 2.5)",
            "give a whole number of nearest neighbours, 0 or more",
        ),
        (
            {"density_classes": {"urban": -1.0}},
            "density_classes.urban",
            "(got -1.0)",
            "give a density of 0 or more people per km²",
        ),
        ({"speed": 3}, "speed", "unknown key", f"remove it; allowed keys: {KEYS}"),
        ({"link": [{"from": [0, 0]}]}, "link[0].to", "Field required", ENDS_FIX),
        (_link(to=[1, "x"]), "link[0].to[1]", "a valid number (got 'x')", ENDS_FIX),
        (_link(to=[1, 2, 3]), "link[0].to", "at most 2 items", ENDS_FIX),
        (
            _link(walk="yes"),
            "link[0].walk",
            "a valid boolean (got 'yes')",
            "write walk = true or walk = false",
        ),
        (
            _link(drive_speed_kmh=0),
            "link[0].drive_speed_kmh",
            "(got 0)",
            "give a driving speed in km/h above 0",
        ),
        (
            _link(detour_factor=0.5),
            "link[0].detour_factor",
            "(got 0.5)",
            "use a detour factor of 1 or more",
        ),
        (
            _link(colour="red"),
            "link[0].colour",
            "unknown key",
            f"remove it; allowed keys in a [[link]]: {LINK_KEYS}",
        ),
        (
            {"link": {"name": "ferry"}},
            "link",
            "a valid list",
            "write each crossing as a [[link]] table",
        ),
        ({"link": ["ferry"]}, "link[0]", "(got 'ferry')", "write [[link]] with name, from and to"),
    ],
)
def test_bad_params_name_the_field_and_its_fix(
    change: dict[str, Any], field: str, message: str, fix: str
) -> None:
    with pytest.raises(InputError) as info:
        validate_proxy_params({**PARAMS, **change})
    error = info.value
    assert error.field == field
    assert error.fix == fix
    assert str(error).startswith(f"<proxy params>: {field}: ")
    assert message in str(error)


def test_several_problems_are_reported_together() -> None:
    bad = {
        **PARAMS,
        "walk_speed_kmh": 0,
        "speed": 3,
        "neighbours": -1,
        "link": [{"from": [0, 0], "walk": "yes"}],
    }
    del bad["max_edge_m"]
    with pytest.raises(InputError) as info:
        validate_proxy_params(bad, file="proxy.toml")
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("proxy.toml: 6 problems: (1) max_edge_m: Field required. Fix: give")
    problems = {p.field: p.fix for p in info.value.problems}
    assert problems == {
        "max_edge_m": "give the longest edge in metres, e.g. max_edge_m = 3000.0",
        "neighbours": "give a whole number of nearest neighbours, 0 or more",
        "walk_speed_kmh": "give a walking speed in km/h above 0, e.g. 4.8",
        "link[0].to": ENDS_FIX,
        "link[0].walk": "write walk = true or walk = false",
        "speed": f"remove it; allowed keys: {KEYS}",
    }


def test_the_old_km_h_spelling_is_named_with_its_new_key() -> None:
    old = {k: v for k, v in PARAMS.items() if k != "walk_speed_kmh"}
    with pytest.raises(InputError) as info:
        validate_proxy_params({**old, "walk_speed_kph": 4.8, **_link(drive_speed_kph=50.0)})
    problems = {p.field: p.fix for p in info.value.problems}
    assert problems == {
        "walk_speed_kph": "rename it walk_speed_kmh (speeds are in km/h, and their keys end in _kmh)",
        "link[0].drive_speed_kph": (
            "rename it drive_speed_kmh (speeds are in km/h, and their keys end in _kmh)"
        ),
    }


def test_missing_max_edge() -> None:
    params = {k: v for k, v in PARAMS.items() if k != "max_edge_m"}
    with pytest.raises(
        InputError,
        match=r"^<proxy params>: max_edge_m: Field required\. Fix: give the longest edge",
    ):
        validate_proxy_params(params)


def test_defaults_numbers_and_links_are_filled_in() -> None:
    raw = {
        "max_edge_m": 3000,
        "drive_speed_kmh": {"town": 40, "rural": 65.0},
        "density_classes": {"rural": 0, "urban": 2500, "town": 600},
        "link": [{"from": [0, 1], "to": [2, 3]}, {"name": "ferry", "from": [4, 5], "to": [6, 7]}],
    }
    params = validate_proxy_params(raw)
    assert params == {
        "source": "assumed: not stated",
        "max_edge_m": 3000.0,
        "neighbours": 8,
        "detour_factor": 1.3,
        "land_tolerance_m": 0.0,
        "walk_speed_kmh": 4.8,
        "drive_speed_kmh": {"town": 40.0, "rural": 65.0},
        "density_classes": {"urban": 2500.0, "town": 600.0, "rural": 0.0},
        "link": [
            {
                "name": "link[0]",
                "crs": None,
                "from": (0.0, 1.0),
                "to": (2.0, 3.0),
                "drive_speed_kmh": 40.0,  # the slowest drive speed
                "walk": True,
                "detour_factor": 1.0,
            },
            {
                "name": "ferry",
                "crs": None,
                "from": (4.0, 5.0),
                "to": (6.0, 7.0),
                "drive_speed_kmh": 40.0,
                "walk": True,
                "detour_factor": 1.0,
            },
        ],
        "calibration": None,
    }
    assert list(params["density_classes"]) == ["urban", "town", "rural"]  # densest first
    assert all(isinstance(v, float) for v in params["drive_speed_kmh"].values())
    assert validate_proxy_params(params) == params  # validated params are accepted unchanged
    model = proxy_params(raw)
    assert isinstance(model, ProxyParams) and proxy_params(model) is model
    assert validate_proxy_params(model) == params


def test_load_proxy_params_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "proxy.toml"
    path.write_text(
        "max_edge_m = 3000.0\nwalk_speed_kmh = 0.0\n[drive_speed_kmh]\nrural = 50.0\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match=r"proxy\.toml: walk_speed_kmh: .*Fix: give a walking speed"
    ):
        load_proxy_params(path)
    path.write_text("max_edge_m = \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"proxy\.toml: not valid TOML"):
        load_proxy_params(path)
    with pytest.raises(InputError, match=r"missing\.toml: .*file not found"):
        load_proxy_params(tmp_path / "missing.toml")


def test_pilot_params_load_with_defaults() -> None:
    swale = load_pilot("swale")
    params = load_proxy_params(swale.inputs["pilot.proxy_network"])
    assert params["walk_speed_kmh"] == 4.8
    assert params["density_classes"] == {"urban": 2500.0, "town": 600.0, "rural": 0.0}
    assert [link["walk"] for link in params["link"]] == [True, False]
    assert all(link["crs"] == "EPSG:4326" for link in params["link"])
    # validated params are accepted again unchanged
    assert validate_proxy_params(params) == params


def test_the_proxy_module_still_offers_the_parameter_functions() -> None:
    assert proxy.load_proxy_params is load_proxy_params
    assert proxy.validate_proxy_params is validate_proxy_params
    assert {"load_proxy_params", "validate_proxy_params"} <= set(proxy.__all__)


def _calibration(**after: Any) -> dict[str, Any]:
    """A [calibration] table fitting PARAMS (its speeds and detour factor as ``after``)."""
    figures = {"median_ratio": 1.2, "spearman": 0.7, "within_25pct": 0.5}
    return {
        "calibration": {
            "reference": "road times",
            "region": "a test region",
            "pairs": 10,
            "before": {"detour_factor": 1.3, "drive_speed_kmh": {"urban": 25.0}, **figures},
            "after": {
                "detour_factor": PARAMS["detour_factor"],
                "drive_speed_kmh": dict(PARAMS["drive_speed_kmh"]),
                **figures,
                **after,
            },
        }
    }


def test_a_calibration_table_is_kept() -> None:
    params = validate_proxy_params({**PARAMS, **_calibration()})
    calibration = params["calibration"]
    assert calibration["pairs"] == 10
    assert calibration["selection"] == "" and calibration["method"] == ""  # optional
    assert calibration["after"]["drive_speed_kmh"] == PARAMS["drive_speed_kmh"]
    assert calibration["before"]["median_ratio"] == 1.2
    assert validate_proxy_params(params) == params


@pytest.mark.parametrize(
    ("change", "field", "fix"),
    [
        (
            {"spearman": 1.5},
            "calibration.after.spearman",
            "give a rank correlation between -1 and 1",
        ),
        ({"within_25pct": -0.1}, "calibration.after.within_25pct", "give a share between 0 and 1"),
        (
            {"median_ratio": 0.0},
            "calibration.after.median_ratio",
            "give the median of proxy / reference times, above 0",
        ),
        ({"fit": 3}, "calibration.after.fit", "remove it; allowed keys in [calibration.after]: "),
    ],
)
def test_bad_calibration_figures_name_the_field_and_its_fix(
    change: dict[str, Any], field: str, fix: str
) -> None:
    with pytest.raises(InputError) as info:
        validate_proxy_params({**PARAMS, **_calibration(**change)})
    assert info.value.field == field
    assert info.value.fix is not None and info.value.fix.startswith(fix)


def test_bad_calibration_table_entries() -> None:
    raw = {**PARAMS, **_calibration()}
    raw["calibration"] |= {"pairs": 0, "colour": "red"}
    raw["calibration"]["before"]["drive_speed_kmh"] = {"urban": 0.0}
    with pytest.raises(InputError) as info:
        validate_proxy_params(raw)
    problems = {p.field: p.fix for p in info.value.problems}
    assert problems == {
        "calibration.pairs": "give the number of pairs compared, 1 or more",
        "calibration.colour": (
            "remove it; allowed keys in [calibration]: ['after', 'before', 'method', 'pairs', "
            "'reference', 'region', 'selection']"
        ),
        "calibration.before.drive_speed_kmh.urban": "give a driving speed in km/h above 0",
    }


def test_a_calibration_of_other_parameters_is_refused() -> None:
    # the file's speeds edited by hand while [calibration] still describes the fitted ones
    edited = {**PARAMS, **_calibration(), "drive_speed_kmh": {"urban": 30.0, "rural": 60.0}}
    with pytest.raises(InputError) as info:
        validate_proxy_params(edited)
    assert info.value.field == "calibration"
    assert "[calibration.after] describes detour_factor = 1.5 and drive_speed_kmh" in str(
        info.value
    )
    assert info.value.fix == (
        "refit the calibration, or remove the [calibration] table when the parameters are "
        "changed by hand"
    )
    with pytest.raises(InputError, match=r"calibration: \[calibration.after\] describes"):
        validate_proxy_params({**PARAMS, **_calibration(detour_factor=1.3)})
