"""Proxy travel network for areas without road data: a proximity graph kept on land.

Nodes are the populated cells (at the centroid of each cell's clipped polygon) and the sites.
Candidate edges join Delaunay neighbours and each node's nearest neighbours; an edge is kept when
it is no longer than ``max_edge_m``, its two ends lie on the same land part of the boundary, and
the straight line stays on land (within ``land_tolerance_m``). Separate land parts (an island and
the mainland) connect only through the ``[[link]]`` entries of the parameters (bridges, ferries).
The parameters and their file are described in :mod:`gateway_planner.network.proxy_params`.

The graph is osmnx-shaped so the common travel-time engine treats it like an OpenStreetMap graph:
``G.graph["crs"]`` (the cells' CRS) and ``G.graph["kind"] = "proxy"``; integer node ids 0..N-1
(cells in index order, then sites) with ``x``, ``y``, ``ref`` (cell_id or site_id), ``kind``
(``cell`` / ``site``), ``density_class``, ``street_count``; every edge in both directions with
``osmid``, ``length`` (m), ``speed_kph`` (osmnx's name for the edge speed in km/h),
``travel_time`` (seconds) and ``proxy_class`` (the density class of the slower end, or
``link``)::

    travel_time = length * detour_factor / (speed_kph / 3.6)

A link joins the nearest node on each end's land part; its length runs node -> from -> to -> node.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, QhullError, cKDTree
from shapely.geometry.base import BaseGeometry

from ..errors import InputError, NetworkError
from .modes import Mode
from .proxy_params import (
    DEFAULT_DENSITY_CLASSES,
    ProxyLink,
    ProxyParams,
    load_proxy_params,
    proxy_params,
    validate_proxy_params,
)

# the parameter functions are also importable from here, where they were first
__all__ = [
    "DEFAULT_DENSITY_CLASSES",
    "build_proxy_graph",
    "load_proxy_params",
    "validate_proxy_params",
]

logger = logging.getLogger(__name__)

_MODES = ("drive", "walk")
_MIN_LENGTH_M = 1.0  # coincident nodes are joined by an edge this long


class _Crossing(NamedTuple):
    """A ``[[link]]`` placed on the graph: the nodes it joins and its length."""

    u: int
    v: int
    length: float
    link: ProxyLink


def _land(
    boundary: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, crs: pyproj.CRS
) -> BaseGeometry:
    if isinstance(boundary, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if boundary.crs is not None and crs is not None and boundary.crs != crs:
            boundary = boundary.to_crs(crs)
        geoms = np.asarray(boundary.geometry.values, dtype=object)
    elif isinstance(boundary, BaseGeometry):
        geoms = np.array([boundary], dtype=object)
    else:
        msg = f"boundary is a {type(boundary).__name__}"
        raise InputError(
            msg,
            field="boundary",
            fix="pass a GeoDataFrame, GeoSeries or shapely polygon of the study area",
        )
    land = shapely.union_all(shapely.make_valid(geoms))
    if land.is_empty or land.area <= 0:
        msg = "the boundary has no area"
        raise InputError(msg, field="boundary", fix="pass the study area's polygons")
    return land


def _cell_points(cells: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(cells.geometry.values, dtype=object)
    points = shapely.centroid(geoms)
    off = ~shapely.covers(geoms, points) & ~shapely.is_empty(geoms)
    if off.any():  # a ragged clipped cell: use a point inside it
        points[off] = shapely.point_on_surface(geoms[off])
    xy: np.ndarray = shapely.get_coordinates(points)
    return xy


def _cell_classes(cells: gpd.GeoDataFrame, params: ProxyParams) -> np.ndarray:
    if "density_class" in cells.columns:
        given: np.ndarray = cells["density_class"].astype(str).to_numpy(dtype=object)
        return given
    area_km2 = np.maximum(cells.geometry.area.to_numpy() / 1e6, 1e-9)
    density = cells["population"].to_numpy(dtype=float) / area_km2
    classes = params.density_classes  # densest first
    out = np.full(len(cells), list(classes)[-1], dtype=object)
    for name, minimum in reversed(list(classes.items())):
        out[density >= minimum] = name
    return out


def _candidate_pairs(xy: np.ndarray, neighbours: int, max_edge: float) -> np.ndarray:
    """Undirected pairs (i < j) from Delaunay and k nearest neighbours, over unique positions."""
    n = len(xy)
    # unique positions through one sortable key per node (exact float equality)
    keys = np.ascontiguousarray(xy).view(np.dtype((np.void, xy.dtype.itemsize * 2))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    uniq = xy[first]
    pairs = []
    if len(uniq) >= 3:
        try:
            s = Delaunay(uniq).simplices
            pairs.append(np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]]))
        except QhullError:  # all positions on a line: nearest neighbours only
            logger.debug("Delaunay failed on %d collinear positions", len(uniq))
    if len(uniq) == 2:
        pairs.append(np.array([[0, 1]]))
    if neighbours > 0 and len(uniq) > 1:
        k = min(neighbours + 1, len(uniq))
        dist, idx = cKDTree(uniq).query(uniq, k=k)
        src = np.repeat(np.arange(len(uniq)), k - 1)
        ok = dist[:, 1:].ravel() <= max_edge
        pairs.append(np.column_stack([src[ok], idx[:, 1:].ravel()[ok]]))
    nodes = first[np.vstack(pairs)] if pairs else np.empty((0, 2), dtype=np.int64)
    # coincident nodes: join each to its position's representative (the lowest node id)
    dup = np.flatnonzero(np.arange(n) != first[inverse])
    if dup.size:
        nodes = np.vstack([nodes, np.column_stack([first[inverse[dup]], dup])])
    lo, hi = nodes.min(axis=1).astype(np.int64), nodes.max(axis=1).astype(np.int64)
    code = np.unique(lo[lo != hi] * n + hi[lo != hi])
    return np.column_stack([code // n, code % n])


def _parts(land: BaseGeometry) -> list[BaseGeometry]:
    geoms = list(getattr(land, "geoms", [land]))
    return [g for g in geoms if g.geom_type == "Polygon" and g.area > 0]


def _part_of(points: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Index of the land part holding (or nearest to) each point."""
    pts = shapely.points(points)
    out = np.full(len(pts), -1, dtype=np.int64)
    idx_pt, idx_part = tree.query(pts, predicate="intersects")
    order = np.lexsort((idx_part, idx_pt))
    idx_pt, idx_part = idx_pt[order], idx_part[order]
    first = np.r_[True, idx_pt[1:] != idx_pt[:-1]] if idx_pt.size else np.array([], dtype=bool)
    out[idx_pt[first]] = idx_part[first]
    missing = np.flatnonzero(out < 0)
    if missing.size:
        near_pt, near_part = tree.query_nearest(pts[missing], all_matches=False)
        out[missing[near_pt]] = near_part
    return out


def _links(
    params: ProxyParams,
    *,
    mode: str,
    crs: pyproj.CRS,
    xy: np.ndarray,
    part: np.ndarray,
    tree: shapely.STRtree,
) -> list[_Crossing]:
    out = []
    for link in params.link:
        if mode == "walk" and not link.walk:
            continue
        ends = np.array([link.from_, link.to], dtype=float)
        if link.crs is not None:
            transformer = pyproj.Transformer.from_crs(link.crs, crs, always_xy=True)
            ex, ey = transformer.transform(ends[:, 0], ends[:, 1])
            ends = np.column_stack([ex, ey])
        end_parts = _part_of(ends, tree)
        nodes = []
        for end, end_part in zip(ends, end_parts, strict=True):
            on_part = np.flatnonzero(part == end_part)
            if on_part.size == 0:
                msg = f"link {link.name!r}: no cell or site on the land part at {end.round(1).tolist()}"
                raise NetworkError(msg)
            d = np.hypot(*(xy[on_part] - end).T)
            nodes.append(int(on_part[int(np.argmin(d))]))
        u, v = nodes
        length = float(
            np.hypot(*(xy[u] - ends[0]))
            + np.hypot(*(ends[1] - ends[0]))
            + np.hypot(*(xy[v] - ends[1]))
        )
        out.append(_Crossing(u, v, max(length, _MIN_LENGTH_M), link))
    return out


def build_proxy_graph(
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    boundary: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry,
    params: Mapping[str, Any] | ProxyParams,
    *,
    mode: Mode | str,
) -> nx.MultiDiGraph:
    """Build the proxy network of one travel mode.

    Parameters
    ----------
    cells
        ``cells`` contract (projected CRS in metres); a ``density_class`` column sets drive
        speeds, otherwise classes come from population per km² and ``density_classes``.
    sites
        ``sites`` contract (reprojected to the cells' CRS when it differs).
    boundary
        The study area's land polygons (GeoDataFrame/GeoSeries in any CRS, or a shapely
        geometry in the cells' CRS). Its separate polygons are separate land parts.
    params
        Proxy parameters: raw (format in :mod:`~gateway_planner.network.proxy_params`), from
        :func:`load_proxy_params`, or their model.
    mode
        Travel mode: {"drive", "walk"}.

    Returns
    -------
    networkx.MultiDiGraph
        osmnx-shaped graph (see the module docstring); ``G.graph`` also holds ``mode``,
        ``source`` and ``detour_factor``.

    Raises
    ------
    InputError
        Unknown mode, bad parameters, a density class without a drive speed, a geographic CRS.
    NetworkError
        When some cells or sites cannot reach the rest of the network (the message lists them
        and suggests raising ``max_edge_m`` or adding a ``[[link]]``).
    """
    started = time.perf_counter()
    mode = str(getattr(mode, "value", mode)).lower()
    if mode not in _MODES:
        msg = f"mode {mode!r} is not available on the proxy network"
        raise InputError(msg, field="mode", fix=f"use one of {', '.join(_MODES)}")
    p = proxy_params(params)
    crs = cells.crs
    if crs is None or not pyproj.CRS(crs).is_projected:
        msg = f"cells must be in a projected CRS in metres (got {crs})"
        raise InputError(
            msg, field="cells.crs", fix="reproject the cells, e.g. to EPSG:27700 or EPSG:2154"
        )
    if sites.crs is not None and sites.crs != crs:
        sites = sites.to_crs(crs)
    land = _land(boundary, crs)

    cell_classes = _cell_classes(cells, p)
    missing = sorted(set(cell_classes) - set(p.drive_speed_kmh))
    if missing:
        msg = f"density classes {missing} have no drive speed"
        raise InputError(
            msg,
            field="drive_speed_kmh",
            fix=f"add {', '.join(f'{m} = <km/h>' for m in missing)} under [drive_speed_kmh]",
        )
    n_cells = len(cells)
    site_xy = shapely.get_coordinates(np.asarray(sites.geometry.values, dtype=object))
    xy = np.vstack([_cell_points(cells), site_xy]) if len(sites) else _cell_points(cells)
    refs = [str(r) for r in cells.index] + [str(r) for r in sites.index]
    # a site takes the class of the nearest cell node
    if len(sites) and n_cells:
        _, nearest = cKDTree(xy[:n_cells]).query(site_xy)
        site_classes = cell_classes[nearest]
    else:
        site_classes = np.full(len(sites), next(iter(p.drive_speed_kmh)), dtype=object)
    classes = np.concatenate([cell_classes, site_classes])

    parts = _parts(land)
    tree = shapely.STRtree(parts)
    part = _part_of(xy, tree)

    pairs = _candidate_pairs(xy, p.neighbours, p.max_edge_m)
    a, b = xy[pairs[:, 0]], xy[pairs[:, 1]]
    length = np.maximum(np.hypot(*(b - a).T), _MIN_LENGTH_M)
    keep = (length <= p.max_edge_m) & (part[pairs[:, 0]] == part[pairs[:, 1]])
    zone = land.buffer(p.land_tolerance_m) if p.land_tolerance_m > 0 else land
    shapely.prepare(zone)
    idx = np.flatnonzero(keep)
    lines = shapely.linestrings(np.stack([a[idx], b[idx]], axis=1))
    keep[idx] = shapely.covers(zone, lines)
    pairs, length = pairs[keep], length[keep]
    links = _links(p, mode=mode, crs=crs, xy=xy, part=part, tree=tree)

    _check_connected(pairs, links, sites, len(xy), n_cells, refs)
    graph = _assemble(xy, refs, n_cells, classes, pairs, length, links, p, mode=mode, crs=crs)
    logger.info(
        "proxy %s graph: %d nodes, %d edges (%d links) in %.2f s",
        mode,
        len(xy),
        2 * (len(pairs) + len(links)),
        len(links),
        time.perf_counter() - started,
    )
    return graph


def _assemble(
    xy: np.ndarray,
    refs: list[str],
    n_cells: int,
    classes: np.ndarray,
    pairs: np.ndarray,
    length: np.ndarray,
    links: list[_Crossing],
    p: ProxyParams,
    *,
    mode: str,
    crs: pyproj.CRS,
) -> nx.MultiDiGraph:
    speeds = p.drive_speed_kmh
    class_speed = np.array([speeds[c] for c in classes], dtype=float)
    u, v = pairs[:, 0], pairs[:, 1]
    slower_is_u = class_speed[u] <= class_speed[v]
    edge_class = np.where(slower_is_u, classes[u], classes[v])
    speed = (
        np.minimum(class_speed[u], class_speed[v])
        if mode == "drive"
        else np.full(len(u), p.walk_speed_kmh)
    )
    seconds = length * p.detour_factor / (speed / 3.6)

    graph = nx.MultiDiGraph(
        crs=crs,
        kind="proxy",
        mode=mode,
        source=p.source,
        detour_factor=p.detour_factor,
        created_with="gateway_planner.network.proxy",
    )
    degree = np.bincount(
        np.concatenate([u, v, *[[lk.u, lk.v] for lk in links]]).astype(np.int64),
        minlength=len(xy),
    )
    graph.add_nodes_from(
        (
            i,
            {
                "x": float(xy[i, 0]),
                "y": float(xy[i, 1]),
                "ref": refs[i],
                "kind": "cell" if i < n_cells else "site",
                "density_class": str(classes[i]),
                "street_count": int(degree[i]),
            },
        )
        for i in range(len(xy))
    )
    edges: list[tuple[int, int, int, dict[str, Any]]] = []
    columns = zip(
        u.tolist(),
        v.tolist(),
        length.tolist(),
        speed.tolist(),
        seconds.tolist(),
        edge_class.tolist(),
        strict=True,
    )
    for k, (a, b, metres, kmh, secs, klass) in enumerate(columns):
        attrs = {
            "osmid": k,
            "length": metres,
            "speed_kph": kmh,  # osmnx's name for the edge speed in km/h
            "travel_time": secs,
            "proxy_class": str(klass),
        }
        edges += _both_ways(a, b, attrs)
    for j, lk in enumerate(links):
        kmh = p.link_speed_kmh(lk.link) if mode == "drive" else p.walk_speed_kmh
        attrs = {
            "osmid": len(u) + j,
            "length": float(lk.length),
            "speed_kph": float(kmh),  # osmnx's name
            "travel_time": float(lk.length * lk.link.detour_factor / (kmh / 3.6)),
            "proxy_class": "link",
            "name": lk.link.name,
        }
        edges += _both_ways(lk.u, lk.v, attrs)
    graph.add_edges_from(edges)
    return graph


def _both_ways(a: int, b: int, attrs: dict[str, Any]) -> list[tuple[int, int, int, dict[str, Any]]]:
    """Return the edge ``a -> b`` and its twin ``b -> a`` (own attribute dicts), key 0."""
    return [(a, b, 0, attrs), (b, a, 0, dict(attrs))]


def _check_connected(
    pairs: np.ndarray,
    links: list[_Crossing],
    sites: pd.DataFrame,
    n: int,
    n_cells: int,
    refs: list[str],
) -> None:
    if n == 0:
        msg = "the proxy network has no nodes (no cells and no sites)"
        raise NetworkError(msg)
    u = np.concatenate([pairs[:, 0], np.array([lk.u for lk in links], dtype=np.int64)])
    v = np.concatenate([pairs[:, 1], np.array([lk.v for lk in links], dtype=np.int64)])
    adj = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)).tocsr()
    # every edge is added in both directions, so strong components are the undirected ones
    _, label = connected_components(adj, directed=False)
    existing = (
        np.flatnonzero(sites["status"].to_numpy() == "existing") + n_cells
        if "status" in sites.columns
        else np.array([], dtype=np.int64)
    )
    anchor = int(existing[0]) if existing.size else int(np.argmax(np.bincount(label)))
    cut = np.flatnonzero(label != label[anchor])
    if cut.size:
        n_cut_cells = int((cut < n_cells).sum())
        sample = ", ".join(refs[i] for i in cut[:5])
        msg = (
            f"{n_cut_cells} cell(s) and {cut.size - n_cut_cells} site(s) cannot reach {refs[anchor]!r} on the "
            f"proxy network (e.g. {sample}); the land rule removed every edge that would join them"
        )
        raise NetworkError(
            f"{msg}. Fix: raise max_edge_m or land_tolerance_m, or add a [[link]] crossing in the proxy parameters"
        )
