"""Read an ``.osm.pbf`` extract into an osmnx-style graph for one mode, with pyrosm.

Why pyrosm rather than pyosmium: pyrosm installs from wheels with no system libraries, reads
a county or region extract straight into (Geo)DataFrames in a few vectorised passes, applies
way filters that follow osmnx's ``drive``/``walk`` filters (so a ``.pbf`` gives the same ways
as a download), splits ways into node-to-node segments with metre lengths, and ships the
Helsinki extract our tests and benchmark use offline. pyosmium would need a hand-written
handler, tag filtering and length computation in Python callbacks, which is slower and
re-implements what pyrosm already does. The graph is built here (not with ``OSM.to_graph``)
so that it is never simplified (nodes every few metres snap cells better) and one-way rules
are explicit and the same as osmnx's.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .._optional import import_optional_dependency
from ..errors import InputError
from .modes import PROFILES, Mode

__all__ = ["read_pbf"]

logger = logging.getLogger(__name__)

# osmnx's values (osmnx.graph._add_paths)
_ONEWAY = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED = {"-1", "reverse", "T"}


def read_pbf(
    path: Path, mode: Mode, *, bounding_box: Sequence[float] | None = None
) -> tuple[nx.MultiDiGraph, int]:
    """Build the unsimplified graph of ``mode`` from an ``.osm.pbf`` file.

    Parameters
    ----------
    path
        The extract.
    mode
        The travel mode (selects pyrosm's network filter and the one-way rules).
    bounding_box
        ``[left, bottom, right, top]`` in EPSG:4326 degrees, to read only that area.

    Returns
    -------
    tuple
        The graph (EPSG:4326, nodes ``x``/``y``, edges ``osmid``, ``highway``, ``maxspeed``,
        ``oneway``, ``reversed``, ``length`` in metres) and the newest element timestamp in
        the network (Unix seconds, 0 if unknown).

    Raises
    ------
    InputError
        When the file is not an OSM PBF file, or holds no way the mode may use.
    """
    pyrosm = import_optional_dependency("pyrosm", "osm")
    profile = PROFILES[mode]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
            result = osm.get_network(network_type=profile.pyrosm_network_type, nodes=True)
        for item in caught:  # e.g. "Could not find any edges for given area."
            logger.info("pyrosm: %s", item.message)
    except Exception as exc:  # pyrosm raises a variety of errors on foreign bytes
        msg = f"not an OpenStreetMap PBF file ({type(exc).__name__}: {_first_line(exc)})"
        raise InputError(
            msg, file=path, fix="give an .osm.pbf extract (e.g. from Geofabrik) or an .osm XML file"
        ) from exc
    nodes, edges = result if isinstance(result, tuple) else (None, None)
    if edges is None or nodes is None or len(edges) == 0:
        where = " within the study area" if bounding_box is not None else ""
        msg = f"no highways usable for {mode.value} in this file{where}"
        raise InputError(
            msg, file=path, fix="give OSM data that covers the study area's roads and paths"
        )
    graph = _build(nodes, edges, bidirectional=profile.bidirectional)
    stamp = (
        int(np.nanmax(pd.to_numeric(edges.get("timestamp"), errors="coerce")))
        if "timestamp" in edges
        else 0
    )
    logger.info(
        "read %s: %d nodes, %d edges for %s",
        path.name,
        graph.number_of_nodes(),
        graph.number_of_edges(),
        mode.value,
    )
    return graph, stamp


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no details"


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _junctions(edges: pd.DataFrame) -> list[str | None]:
    if "junction" in edges:
        return [_text(v) for v in edges["junction"]]
    out: list[str | None] = []
    for raw in edges.get("tags", pd.Series([None] * len(edges))):
        value = None
        if isinstance(raw, str) and "junction" in raw:
            try:
                value = json.loads(raw).get("junction")
            except ValueError:
                value = None
        elif isinstance(raw, dict):
            value = raw.get("junction")
        out.append(_text(value))
    return out


def _build(nodes: pd.DataFrame, edges: pd.DataFrame, *, bidirectional: bool) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(crs="epsg:4326", created_with="gateway-planner (pyrosm)")
    used = pd.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
    nodes = nodes[nodes["id"].isin(used)]
    graph.add_nodes_from(
        (int(i), {"x": float(x), "y": float(y)})
        for i, x, y in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)
    )
    junctions = _junctions(edges) if not bidirectional else [None] * len(edges)
    columns: dict[str, list[Any]] = {
        name: (edges[name].tolist() if name in edges else [None] * len(edges))
        for name in ("id", "highway", "maxspeed", "name", "oneway")
    }
    batch = []
    for i, (u, v, length) in enumerate(zip(edges["u"], edges["v"], edges["length"], strict=True)):
        oneway_tag = _text(columns["oneway"][i])
        attrs: dict[str, Any] = {"osmid": int(columns["id"][i]), "length": float(length)}
        for key in ("highway", "maxspeed", "name"):
            value = _text(columns[key][i])
            if value is not None:
                attrs[key] = value
        is_oneway = not bidirectional and (oneway_tag in _ONEWAY or junctions[i] == "roundabout")
        u, v = int(u), int(v)
        if is_oneway and oneway_tag in _REVERSED:
            u, v = v, u
        if is_oneway:
            batch.append((u, v, {**attrs, "oneway": True, "reversed": False}))
        else:
            batch.append((u, v, {**attrs, "oneway": False, "reversed": False}))
            batch.append((v, u, {**attrs, "oneway": False, "reversed": True}))
    graph.add_edges_from(batch)
    return graph
