"""Edge speeds and travel times per mode, from explicit tables.

Driving uses the tagged ``maxspeed`` of a way where there is one and otherwise the speed of its
``highway`` class from :data:`DEFAULT_SPEEDS` (the scenario may override any class, and the
``"default"`` key used for classes not in the table). Walking ignores ``maxspeed``: every way is
walked at the table speed of its class, 4.8 km/h unless overridden (``steps = 3.0`` slows stairs).
Both wrap :func:`osmnx.routing.add_edge_speeds` / :func:`osmnx.routing.add_edge_travel_times`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from .._optional import import_optional_dependency
from ..errors import InputError
from .modes import PROFILES, Mode

__all__ = ["DEFAULT_SPEEDS", "add_speeds", "speed_table"]

logger = logging.getLogger(__name__)

#: Speeds in km/h by OSM ``highway`` class; ``"default"`` covers classes not listed.
DEFAULT_SPEEDS: dict[Mode, dict[str, float]] = {
    Mode.DRIVE: {
        "motorway": 100.0,
        "motorway_link": 60.0,
        "trunk": 80.0,
        "trunk_link": 50.0,
        "primary": 60.0,
        "primary_link": 45.0,
        "secondary": 55.0,
        "secondary_link": 40.0,
        "tertiary": 45.0,
        "tertiary_link": 35.0,
        "unclassified": 40.0,
        "residential": 30.0,
        "living_street": 15.0,
        "service": 20.0,
        "road": 30.0,
        "default": 30.0,
    },
    Mode.WALK: {"default": 4.8},
}


def speed_table(mode: Mode | str, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Return the speed table of ``mode`` with the scenario's overrides applied.

    Parameters
    ----------
    mode
        The travel mode.
    overrides
        Speeds in km/h by ``highway`` class (and ``"default"``); each must be a number above 0.

    Returns
    -------
    dict
        Class → km/h, always with a ``"default"`` entry, keys sorted.

    Raises
    ------
    InputError
        When an override is not a number above 0.
    """
    mode = Mode.parse(mode)
    table = dict(DEFAULT_SPEEDS[mode])
    for key, value in (overrides or {}).items():
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            msg = f"the {mode.value} speed for highway class {key!r} is {value!r} km/h"
            raise InputError(
                msg, field=f"speeds.{mode.value}.{key}", fix="give a speed above 0 in km/h"
            )
        table[str(key)] = float(value)
    return dict(sorted(table.items()))


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def add_speeds(
    graph: nx.MultiDiGraph, mode: Mode | str, *, speeds: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Set ``speed_kph`` (osmnx's name, km/h) and ``travel_time`` (s) on every edge, in place.

    Parameters
    ----------
    graph
        An osmnx-style graph whose edges have ``length`` (m) and, for OSM data, ``highway``.
    mode
        The travel mode; it decides whether ``maxspeed`` tags count.
    speeds
        Overrides of the mode's speed table (see :func:`speed_table`).

    Returns
    -------
    dict
        The speed table used, for provenance.
    """
    ox = import_optional_dependency("osmnx", "osm")
    mode = Mode.parse(mode)
    table = speed_table(mode, speeds)
    fallback = table["default"]
    by_class = {k: v for k, v in table.items() if k != "default"}
    if PROFILES[mode].use_maxspeed:
        ox.routing.add_edge_speeds(graph, hwy_speeds=by_class, fallback=fallback)
    else:
        values = {
            (u, v, k): by_class.get(_first(hwy), fallback)
            for u, v, k, hwy in graph.edges(keys=True, data="highway")
        }
        nx.set_edge_attributes(graph, values=values, name="speed_kph")
    _repair_speeds(graph, by_class, fallback)
    ox.routing.add_edge_travel_times(graph)
    return table


def _repair_speeds(graph: nx.MultiDiGraph, by_class: Mapping[str, float], fallback: float) -> None:
    """Replace unusable tagged speeds (0, negative, missing) by the class speed."""
    repaired = 0
    for _, _, data in graph.edges(data=True):
        speed = data.get("speed_kph")
        try:
            ok = speed is not None and math.isfinite(float(speed)) and float(speed) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            data["speed_kph"] = by_class.get(_first(data.get("highway")), fallback)
            repaired += 1
    if repaired:
        logger.warning(
            "%d edges had an unusable speed (0, negative or missing); used the class speed",
            repaired,
        )
