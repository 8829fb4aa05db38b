"""Builders shared by the network tests (imported as ``network_helpers``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

from gateway_planner.network import Mode, Network

HELSINKI_CRS = "EPSG:3067"  # ETRS-TM35FIN, metres
TINY_CRS = "EPSG:27700"
#: valid proxy-network parameters of the synthetic proxy tests (two density classes)
PROXY_PARAMS: dict[str, Any] = {
    "source": "assumed: test",
    "max_edge_m": 1000.0,
    "neighbours": 4,
    "detour_factor": 1.5,
    "land_tolerance_m": 0.0,
    "walk_speed_kmh": 5.0,
    "drive_speed_kmh": {"urban": 20.0, "rural": 60.0},
    "density_classes": {"urban": 2500.0, "rural": 0.0},
}


def make_graph(
    edges: Sequence[tuple[int, int, float]],
    coords: dict[int, tuple[float, float]],
    *,
    crs: str = TINY_CRS,
    speed_kmh: float = 36.0,
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
                speed_kph=speed_kmh,  # osmnx's name of the edge speed
                travel_time=float(length) / (speed_kmh / 3.6),
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


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="gateway-planner tests">
  <node id="1" lat="60.1700" lon="24.9400" timestamp="2020-01-01T00:00:00Z"/>
  <node id="2" lat="60.1700" lon="24.9420" timestamp="2021-05-06T07:08:09Z"/>
  <node id="3" lat="60.1710" lon="24.9420"/>
  <node id="4" lat="60.1710" lon="24.9400"/>
  <node id="5" lat="60.1720" lon="24.9400"/>
  <node id="6" lat="60.1730" lon="24.9430"/>
  <node id="7" lat="60.1730" lon="24.9440"/>
  <node id="8" lat="60.1740" lon="24.9440"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="maxspeed" v="30"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="oneway" v="yes"/></way>
  <way id="13"><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
  <way id="14"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
  <way id="15"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/><tag k="building" v="yes"/></way>
</osm>
"""


def proxy_inputs() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Polygon]:
    """Two cells, a site and the land of a small proxy network."""
    cells = make_points([(0, 0), (150, 0)], prefix="c", square_m=100)
    sites = make_points([(100, 0)], prefix="s")
    return cells, sites, shapely.box(-100, -100, 300, 100)
