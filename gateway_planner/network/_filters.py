"""Which OpenStreetMap ways a mode may use, for graphs read from XML or GraphML files.

The rules follow osmnx's download filters (``osmnx._overpass._get_network_filter``) written out
as tag values, the same rules pyrosm applies to ``.osm.pbf`` files, so a mode gets the same ways
whichever source the data comes from. Access follows OSM's hierarchy: the most specific tag the
way carries decides (``foot=yes`` reopens a way with ``access=private`` for walking).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from .modes import Mode

__all__ = ["FILTER_TAGS", "filter_graph", "usable_by"]

_ALWAYS_EXCLUDED = {
    "abandoned",
    "construction",
    "no",
    "planned",
    "platform",
    "proposed",
    "raceway",
    "razed",
    "rest_area",
    "services",
}
_EXCLUDED_HIGHWAY: dict[Mode, set[str]] = {
    Mode.DRIVE: _ALWAYS_EXCLUDED
    | {
        "bridleway",
        "bus_guideway",
        "busway",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "ladder",
        "path",
        "pedestrian",
        "service",
        "steps",
        "track",
        "trail",
    },
    Mode.WALK: _ALWAYS_EXCLUDED
    | {"bus_guideway", "cycleway", "motor", "motorway", "motorway_link"},
}
_EXCLUDED_SERVICE: dict[Mode, set[str]] = {
    Mode.DRIVE: {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"},
    Mode.WALK: {"private"},
}
#: access tags from the most specific to the general one
_ACCESS_KEYS: dict[Mode, tuple[str, ...]] = {
    Mode.DRIVE: ("motorcar", "motor_vehicle", "vehicle", "access"),
    Mode.WALK: ("foot", "access"),
}
_CLOSED = {"no", "private"}
_SIDEWALK_KEYS = ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")

#: way tags a graph needs as edge attributes: those :func:`usable_by` reads (from the rules
#: above), and those the speeds and one-way rules read
FILTER_TAGS: tuple[str, ...] = (
    *sorted(
        {"area", "highway", "service", "junction", "maxspeed", "name", "oneway"}
        | {key for keys in _ACCESS_KEYS.values() for key in keys}
    ),
    *_SIDEWALK_KEYS,
)


def _values(value: Any) -> set[str]:
    """Tag values as a set: lists (simplified graphs) and ``a;b`` multi-values split."""
    items: Iterable[Any] = value if isinstance(value, (list, tuple, set)) else [value]
    out: set[str] = set()
    for item in items:
        if item is None:
            continue
        out.update(part.strip() for part in str(item).split(";"))
    return out


def usable_by(tags: Mapping[str, Any], mode: Mode) -> bool:
    """Whether a way (its tags, as edge attributes) is part of ``mode``'s network.

    Parameters
    ----------
    tags
        The way's tags; ``highway`` must be present.
    mode
        The travel mode.

    Returns
    -------
    bool
        True when the mode may use the way.
    """
    highway = _values(tags.get("highway"))
    if not highway or highway & _EXCLUDED_HIGHWAY[mode]:
        return False
    if "yes" in _values(tags.get("area")):
        return False
    if _values(tags.get("service")) & _EXCLUDED_SERVICE[mode]:
        return False
    for key in _ACCESS_KEYS[mode]:
        if tags.get(key) is not None:
            if _values(tags[key]) & _CLOSED:
                return False
            break
    return not (
        mode is Mode.WALK and any("separate" in _values(tags.get(k)) for k in _SIDEWALK_KEYS)
    )


def filter_graph(graph: nx.MultiDiGraph, mode: Mode) -> int:
    """Remove, in place, edges the mode may not use and the nodes left without edges.

    Parameters
    ----------
    graph
        osmnx-style graph whose edges carry way tags.
    mode
        The travel mode.

    Returns
    -------
    int
        Number of edges removed.
    """
    drop = [
        (u, v, k)
        for u, v, k, data in graph.edges(keys=True, data=True)
        if not usable_by(data, mode)
    ]
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n, degree in graph.degree() if degree == 0])
    return len(drop)
