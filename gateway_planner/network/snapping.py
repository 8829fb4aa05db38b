"""Snap cell centroids and sites to the nearest usable node of a mode's network.

Usable nodes are those of the largest strongly connected component, so every snapped point can
both leave and reach every other. Points farther than ``max_snap_m`` from any usable node are
not snapped: they are reported unreachable (``inf`` minutes), never moved silently.

On a layered graph (:class:`~._routing.JourneyEnds`: the bus and on-demand networks) points
snap to the nodes the layers name, journeys to a site end at its node's twin, and journeys
from a cell begin with its node's start legs (added by the searches); points outside the mode's service area (an on-demand zone) are *unserved*: not
snapped, by design rather than by distance.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pyproj
import shapely

from ._routing import RoutingGraph

__all__ = ["Snap", "snap_points", "snap_summary"]

logger = logging.getLogger(__name__)

_QUANTILES = {"p50": 0.5, "p90": 0.9, "p99": 0.99, "max": 1.0}


@dataclass(frozen=True)
class Snap:
    """Where points join the network.

    Parameters
    ----------
    node
        Node index (into the routing arrays) per point; ``-1`` where not snapped.
    distance_m
        Straight-line distance to the nearest usable node, metres.
    snapped
        True where ``distance_m <= max_snap_m``.
    outside
        True for points outside the bounding box of the network's nodes.
    unserved
        True for points outside the mode's service area (not snapped, by design); None when
        the mode serves everywhere.
    """

    node: np.ndarray
    distance_m: np.ndarray
    snapped: np.ndarray
    outside: np.ndarray
    unserved: np.ndarray | None = None


def snap_points(
    routing: RoutingGraph,
    xy: np.ndarray,
    *,
    crs: pyproj.CRS,
    max_snap_m: float,
    end: Literal["origin", "destination"] = "origin",
) -> Snap:
    """Snap points to the nearest node of the largest strongly connected component.

    Parameters
    ----------
    routing
        Routing arrays of the mode's network.
    xy
        Point coordinates ``(n, 2)`` in ``crs``.
    crs
        Projected CRS of the points (metres); the network's nodes are brought into it.
    max_snap_m
        Farthest a point may be from its node, metres.
    end
        Whether journeys start at the points (cells) or end there (sites); only layered
        graphs (``routing.ends``) tell them apart.

    Returns
    -------
    Snap
        Nodes, distances and flags per point.
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    usable, tree = routing.snap_tree(crs)
    if usable.size == 0 or xy.shape[0] == 0:
        n = xy.shape[0]
        return Snap(
            node=np.full(n, -1, dtype=np.int64),
            distance_m=np.full(n, np.inf),
            snapped=np.zeros(n, dtype=bool),
            outside=np.ones(n, dtype=bool),
        )
    distance, nearest = tree.query(xy, k=1)
    snapped = distance <= max_snap_m
    unserved = _unserved(routing, xy, crs, end)
    if unserved is not None:
        snapped &= ~unserved
    node = np.where(snapped, usable[nearest], -1).astype(np.int64)
    if routing.ends is not None and end == "destination":
        twins = routing.ends.destination
        node = np.where(snapped, twins[np.maximum(node, 0)], -1).astype(np.int64)
    lo, hi = tree.mins, tree.maxes
    outside = ((xy < lo) | (xy > hi)).any(axis=1)
    return Snap(node=node, distance_m=distance, snapped=snapped, outside=outside, unserved=unserved)


def _unserved(
    routing: RoutingGraph, xy: np.ndarray, crs: pyproj.CRS, end: str
) -> np.ndarray | None:
    """Flag points outside the service area of a layered graph's ``end`` (None: serves all)."""
    if routing.ends is None:
        return None
    area = routing.ends.origin_area if end == "origin" else routing.ends.destination_area
    if area is None:
        return None
    if not crs.equals(routing.crs):
        transformer = pyproj.Transformer.from_crs(crs, routing.crs, always_xy=True)
        xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
        xy = np.column_stack([xs, ys])
    inside: np.ndarray = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    return ~inside


def _quantiles(values: np.ndarray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return dict.fromkeys(_QUANTILES)
    found = np.quantile(finite, list(_QUANTILES.values()))
    return {k: float(v) for k, v in zip(_QUANTILES, found, strict=True)}


def snap_summary(
    routing: RoutingGraph,
    cells: Snap,
    sites: Snap,
    *,
    cell_ids: Sequence[str],
    site_ids: Sequence[str],
    max_snap_m: float,
) -> dict[str, Any]:
    """Summarise one mode's snapping: counts, quantiles of snapped distances, unreachable ids.

    Parameters
    ----------
    routing
        Routing arrays of the mode's network.
    cells, sites
        Snapping results.
    cell_ids, site_ids
        Ids in the same order as the snapping results.
    max_snap_m
        The snapping threshold used.

    Returns
    -------
    dict
        Plain JSON-ready values.
    """
    usable = int(routing.in_largest.sum())
    return {
        "nodes": routing.n_nodes,
        "largest_component_nodes": usable,
        "largest_component_share": usable / routing.n_nodes if routing.n_nodes else 0.0,
        "max_snap_m": float(max_snap_m),
        **_side_summary("cell", cells, cell_ids),
        **_side_summary("site", sites, site_ids),
    }


def _side_summary(name: str, snap: Snap, ids: Sequence[str]) -> dict[str, Any]:
    """Count, snapped distances and unreachable ids of the cells or of the sites."""
    unreachable = np.flatnonzero(~snap.snapped)
    summary: dict[str, Any] = {
        f"{name}s": len(ids),
        f"{name}s_snapped": int(snap.snapped.sum()),
        f"{name}s_unreachable": int(unreachable.size),
        f"{name}s_outside_extent": int(snap.outside.sum()),
        f"{name}_snap_m": _quantiles(snap.distance_m[snap.snapped]),
        f"unreachable_{name}_ids": [ids[int(i)] for i in unreachable],
    }
    if snap.unserved is not None:  # only modes with a service area say so
        summary[f"{name}s_unserved"] = int(snap.unserved.sum())
    return summary
