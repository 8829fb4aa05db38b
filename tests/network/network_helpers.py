"""Builders shared by the network tests (imported as ``network_helpers``)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from gateway_planner.network import Mode, Network

HELSINKI_CRS = "EPSG:3067"  # ETRS-TM35FIN, metres
TINY_CRS = "EPSG:27700"


def make_graph(
    edges: Sequence[tuple[int, int, float]],
    coords: dict[int, tuple[float, float]],
    *,
    crs: str = TINY_CRS,
    speed_kph: float = 36.0,
    two_way: bool = True,
) -> nx.MultiDiGraph:
    """Osmnx-style graph from ``(u, v, length_m)``; travel_time from one speed."""
    graph = nx.MultiDiGraph(crs=crs)
    for node, (x, y) in coords.items():
        graph.add_node(node, x=float(x), y=float(y), street_count=2)
    for i, (u, v, length) in enumerate(edges):
        pairs = [(u, v), (v, u)] if two_way else [(u, v)]
        for a, b in pairs:
            graph.add_edge(
                a,
                b,
                osmid=i,
                length=float(length),
                highway="residential",
                speed_kph=speed_kph,
                travel_time=float(length) / (speed_kph / 3.6),
            )
    return graph


def make_network(graph: nx.MultiDiGraph, mode: Mode | str = "drive", kind: str = "file") -> Network:
    """Wrap a ready graph as a Network (no loading, no speeds)."""
    return Network(mode=Mode.parse(mode), graph=graph, kind=kind, provenance={"kind": kind})


def make_points(
    xy: Sequence[tuple[float, float]],
    *,
    prefix: str,
    crs: str = TINY_CRS,
    square_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Points (sites) or squares centred on them (cells), indexed ``<prefix><i>``."""
    points = shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2))
    geometry = (
        points if square_m is None else shapely.buffer(points, square_m / 2, cap_style="square")
    )
    index = [f"{prefix}{i}" for i in range(len(points))]
    return gpd.GeoDataFrame({"geometry": geometry}, index=index, crs=crs)
