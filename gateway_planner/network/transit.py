"""The bus network: a frequency-based public-transport graph over the walk network.

:func:`transit_network` turns a GTFS feed's service on one day and window
(:func:`~gateway_planner.network.gtfs.read_gtfs`) into a :class:`~.base.Network` of mode
``bus`` that the matrix engine routes like any other (sites as sources on the reversed graph,
limits, sparse matrices, worker processes and Dask alike). The graph is the walk network plus:

- one node per (route, direction, stop): boarding it waits ``wait_factor x headway``, the
  headway being the window's length over the route's departures from that stop in the window
  (0.5, the default, is the random-arrival convention); with ``planned`` the first boarding
  of a journey waits nothing (people time their trip to an hourly bus) while every transfer
  still waits;
- rides between consecutive stops of a route, timed as the mean running time of the trips
  that leave the first stop in the window;
- walks from the walk network to a stop, from a stop to the walk network and between stops at
  a transfer, each at most ``max_walk_m`` (counted as walking time at ``walk_speed_kmh``,
  the straight walk between the stop and its nearest walk node included).

A journey begins on foot or with a walk to a stop (the legs of
:class:`~._routing.JourneyEnds`, added after each search) and ends at a twin of the site's walk
node, reached on foot or from a stop, so a cell's bus time to a site is
``min(walk only, walk + bus + walk)``: nobody walks for hours where a bus serves them, nobody
waits for a bus where walking is faster, and no walk to or from a stop is longer than
``max_walk_m``. Stops farther than ``max_walk_m`` from the walk network (outside the study
area it was cropped to) are left out; routes with fewer than ``min_departures`` departures in
the window are flagged (logged and in the provenance): their waits are long and uncertain.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyproj

from ..errors import InputError
from ._routing import JourneyEnds, RoutingGraph, start_legs
from ._stop_walks import StopWalks, stop_walks
from .base import Network
from .gtfs import TransitFeed, clock
from .modes import Mode

__all__ = ["transit_network"]

logger = logging.getLogger(__name__)


def transit_network(
    walk: Network,
    feed: TransitFeed,
    *,
    wait_factor: float = 0.5,
    planned: bool = False,
    max_walk_m: float = 800.0,
    walk_speed_kmh: float = 4.8,
    min_departures: int = 3,
) -> Network:
    """Build the bus network of a GTFS feed's day over the walk network.

    Parameters
    ----------
    walk
        The walk network of the study area (:func:`~.sources.load_network` with
        ``mode="walk"``); stops farther than ``max_walk_m`` from it are left out.
    feed
        The feed's service on the day (:func:`~.gtfs.read_gtfs`).
    wait_factor
        Share of the headway waited at each boarding.
    planned
        No wait at a journey's first boarding (transfers still wait).
    max_walk_m
        Longest walk to or from a stop, and between stops at a transfer, metres.
    walk_speed_kmh
        Speed of the walks to, from and between stops (and of ``max_walk_m``).
    min_departures
        Routes (per direction) with fewer departures in the window are flagged.

    Returns
    -------
    Network
        Mode ``bus``, of the walk network's kind; routes with its routing arrays (its
        ``graph`` is empty). The provenance holds the feed's, the model's parameters, the
        stops used and left out, and the flagged routes.

    Raises
    ------
    InputError
        For a network that is not a walk network, bad parameters, or a feed with no stop
        (or no departure in the window) near the walk network.
    """
    _check(
        walk,
        wait_factor=wait_factor,
        max_walk_m=max_walk_m,
        walk_speed_kmh=walk_speed_kmh,
        min_departures=min_departures,
    )
    routing = walk.routing
    walk_mps = walk_speed_kmh / 3.6
    max_walk_s = max_walk_m / walk_mps
    stop_ids, stop_node, stop_xy, connect_s, cropped = _stops_near(
        routing, feed, max_walk_m=max_walk_m, walk_mps=walk_mps
    )
    service = _service(feed, stop_ids)
    walks = stop_walks(routing, stop_node, connect_s, max_walk_s=max_walk_s)
    graph = _layered(routing, stop_xy, service, walks, wait_factor=wait_factor, planned=planned)
    flagged = _flag(service, feed, min_departures)
    provenance: dict[str, Any] = {
        "kind": walk.kind,
        "model": "frequency-based: each boarding waits wait_factor x headway (the window over "
        "the departures in it), rides take the mean running time in the window",
        "built_on": {"mode": "walk", **dict(walk.provenance)},
        "gtfs": dict(feed.provenance),
        "wait_factor": float(wait_factor),
        "planned": bool(planned),
        "max_walk_m": float(max_walk_m),
        "walk_speed_kmh": float(walk_speed_kmh),
        "min_departures": int(min_departures),
        "stops_used": len(stop_ids),
        "stops_outside": cropped,
        "route_stops": len(service.keys),
        "flagged_routes": flagged,
    }
    logger.info(
        "bus network: %d stops (%d outside the walk network left out), %d route stops, "
        "%d routes flagged with fewer than %d departures in %s-%s",
        len(stop_ids),
        cropped,
        len(service.keys),
        len(flagged),
        min_departures,
        clock(feed.window[0]),
        clock(feed.window[1]),
    )
    for item in flagged:
        logger.warning(
            "bus route %s (direction %d): %d departures in the window; its waits are long "
            "and uncertain",
            item["name"],
            item["direction"],
            item["departures"],
        )
    return Network.from_routing(graph, mode=Mode.BUS, kind=walk.kind, provenance=provenance)


def _check(
    walk: Network,
    *,
    wait_factor: float,
    max_walk_m: float,
    walk_speed_kmh: float,
    min_departures: int,
) -> None:
    if not isinstance(walk, Network) or walk.mode != Mode.WALK:
        got = walk.mode.value if isinstance(walk, Network) else type(walk).__name__
        msg = f"the bus network is built on the walk network, not on {got}"
        raise InputError(msg, field="walk", fix='load it with load_network(..., mode="walk")')
    checks = (
        ("wait_factor", wait_factor, wait_factor >= 0, "a share of the headway, e.g. 0.5"),
        ("max_walk_m", max_walk_m, max_walk_m > 0, "a distance above 0 m, e.g. 800"),
        ("walk_speed_kmh", walk_speed_kmh, walk_speed_kmh > 0, "a speed above 0, e.g. 4.8"),
    )
    for name, value, ok, example in checks:
        if not (ok and math.isfinite(value)):
            msg = f"{name} is {value!r}"
            raise InputError(msg, field=f"network.transit.{name}", fix=f"give {example}")
    if (
        isinstance(min_departures, bool)
        or not isinstance(min_departures, int)
        or min_departures < 1
    ):
        msg = f"min_departures is {min_departures!r}"
        raise InputError(
            msg, field="network.transit.min_departures", fix="give a whole number, 1 or more"
        )


def _stops_near(
    routing: RoutingGraph, feed: TransitFeed, *, max_walk_m: float, walk_mps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Return the stops within ``max_walk_m`` of the walk network: ids, nodes, xy, seconds."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", routing.crs, always_xy=True)
    xs, ys = transformer.transform(feed.stops["lon"].to_numpy(), feed.stops["lat"].to_numpy())
    xy = np.column_stack([xs, ys])
    usable, tree = routing.snap_tree(routing.crs)
    if usable.size:
        distance, nearest = tree.query(xy, k=1)
    else:
        distance, nearest = np.full(len(xy), np.inf), np.zeros(len(xy), dtype=np.int64)
    near = distance <= max_walk_m
    if not near.any():
        msg = (
            f"none of the feed's {len(xy):,} stops lies within {max_walk_m:,.0f} m of the walk "
            "network of the study area"
        )
        raise InputError(
            msg,
            file=feed.provenance.get("gtfs"),
            field="network.transit.gtfs",
            fix="give the feed of the operators that serve the study area",
        )
    ids = feed.stops.index.to_numpy()[near]
    return (
        ids,
        usable[nearest[near]],
        xy[near],
        distance[near] / walk_mps,
        int((~near).sum()),
    )


@dataclass(frozen=True)
class _Service:
    """The window's service between the kept stops, per (route, direction, stop)."""

    keys: pd.DataFrame  # route_id, direction_id, stop (position among the kept stops)
    boardings: np.ndarray  # per key: departures in the window where boarding is allowed
    alight: np.ndarray  # per key: True where some trip lets passengers off
    ride_from: np.ndarray  # key -> key
    ride_to: np.ndarray
    ride_s: np.ndarray  # mean running time in the window
    trips: pd.DataFrame  # route_id, direction_id, departures (trips in the window)
    window_s: float  # the window's length: a key's headway is window_s / boardings


def _service(feed: TransitFeed, stop_ids: np.ndarray) -> _Service:
    """Hops between consecutive kept stops of each trip, boardings and rides in the window."""
    start, end = feed.window
    position = pd.Series(np.arange(stop_ids.size), index=pd.Index(stop_ids))
    calls = feed.stop_times.loc[feed.stop_times["stop_id"].isin(position.index)]
    calls = calls.assign(stop=position.loc[calls["stop_id"]].to_numpy())
    columns = ["route_id", "direction_id", "stop"]
    codes = calls.groupby(columns, sort=True).ngroup().to_numpy(dtype=np.int64)
    keys = calls[columns].drop_duplicates().sort_values(columns).reset_index(drop=True)
    trip = calls["trip_id"].to_numpy()
    has_next = np.zeros(len(calls), dtype=bool)
    has_next[:-1] = trip[:-1] == trip[1:]
    departure = calls["departure_s"].to_numpy()
    in_window = has_next & (departure >= start) & (departure < end)
    hop = np.flatnonzero(in_window)
    ride_from, ride_to = codes[hop], codes[hop + 1]
    seconds = calls["arrival_s"].to_numpy()[hop + 1] - departure[hop]
    hops = pd.DataFrame({"a": ride_from, "b": ride_to, "s": seconds})
    hops = hops.loc[hops["a"] != hops["b"]].groupby(["a", "b"], sort=True)["s"].mean()
    board = in_window & calls["pickup"].to_numpy()
    n_keys = len(keys)
    boardings = np.bincount(codes[board], minlength=n_keys)
    arrives = np.zeros(len(calls), dtype=bool)
    arrives[hop + 1] = True
    alight = np.bincount(codes[arrives & calls["drop_off"].to_numpy()], minlength=n_keys) > 0
    window_trips = calls.loc[in_window, ["route_id", "direction_id", "trip_id"]]
    trips = (
        window_trips.groupby(["route_id", "direction_id"], sort=True)["trip_id"]
        .nunique()
        .rename("departures")
        .reset_index()
    )
    return _Service(
        keys=keys,
        boardings=boardings,
        alight=alight,
        ride_from=hops.index.get_level_values(0).to_numpy(dtype=np.int64),
        ride_to=hops.index.get_level_values(1).to_numpy(dtype=np.int64),
        ride_s=hops.to_numpy(dtype=np.float64),
        trips=trips,
        window_s=float(end - start),
    )


def _flag(service: _Service, feed: TransitFeed, min_departures: int) -> list[dict[str, Any]]:
    """Routes (per direction) with fewer than ``min_departures`` trips in the window."""
    names = feed.routes["name"]
    few = service.trips.loc[service.trips["departures"] < min_departures]
    return [
        {
            "route": str(row.route_id),
            "name": str(names.get(row.route_id, row.route_id)),
            "direction": int(row.direction_id),
            "departures": int(row.departures),
        }
        for row in few.itertuples(index=False)
    ]


class _Nodes:
    """Positions of the layered graph's nodes, block after block."""

    def __init__(self) -> None:
        self.count = 0
        self.xy: list[np.ndarray] = []
        self.ids: list[np.ndarray] = []

    def add(self, xy: np.ndarray, ids: np.ndarray) -> np.ndarray:
        first = self.count
        self.count += len(ids)
        self.xy.append(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        self.ids.append(np.asarray(ids, dtype=object))
        return np.arange(first, self.count, dtype=np.int64)


def _layered(
    routing: RoutingGraph,
    stop_xy: np.ndarray,
    service: _Service,
    walks: StopWalks,
    *,
    wait_factor: float,
    planned: bool,
) -> RoutingGraph:
    """Build the routing arrays of walk network + stops + route stops, start legs and end twins."""
    n = routing.n_nodes
    n_stops = len(stop_xy)
    label = np.arange(n_stops).astype(str)
    nodes = _Nodes()
    walk_nodes = nodes.add(routing.xy, routing.node_ids)
    board = nodes.add(stop_xy, np.char.add("bus:board:", label))  # transfers (and first, unplanned)
    first = nodes.add(stop_xy, np.char.add("bus:first:", label)) if planned else board
    alight = nodes.add(stop_xy, np.char.add("bus:alight:", label))
    keys = service.keys
    key_stop = keys["stop"].to_numpy(dtype=np.int64)
    key_ids = (
        "bus:"
        + keys["route_id"].astype(str)
        + ":"
        + keys["direction_id"].astype(str)
        + ":"
        + key_stop.astype(str)
    ).to_numpy()
    route_stop = nodes.add(stop_xy[key_stop], key_ids)
    ends = np.unique(walks.egress_node)
    destination_twin = nodes.add(routing.xy[ends], np.char.add("bus:to:", ends.astype(str)))

    edges: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    # the walk network itself (the reversed CSR holds head -> tail)
    heads = np.repeat(np.arange(n), np.diff(routing.reverse.indptr))
    edges.append((routing.reverse.indices.astype(np.int64), heads, routing.reverse.data))
    # a journey ends at a twin of its walk node, on foot or from a stop within max_walk_s
    edges.append((walk_nodes[ends], destination_twin, np.zeros(ends.size)))
    edges.append(
        (
            alight[walks.egress_stop],
            destination_twin[np.searchsorted(ends, walks.egress_node)],
            walks.egress_s,
        )
    )
    edges.append((alight[walks.transfer_from], board[walks.transfer_to], walks.transfer_s))
    # boarding waits, rides, alighting
    can_board = np.flatnonzero(service.boardings > 0)
    wait = wait_factor * service.window_s / service.boardings[can_board]  # x headway
    edges.append((board[key_stop[can_board]], route_stop[can_board], wait))
    if planned:
        edges.append((first[key_stop[can_board]], route_stop[can_board], np.zeros(can_board.size)))
    edges.append((route_stop[service.ride_from], route_stop[service.ride_to], service.ride_s))
    off = np.flatnonzero(service.alight)
    edges.append((route_stop[off], alight[key_stop[off]], np.zeros(off.size)))

    tails, heads_, seconds = (np.concatenate(parts) for parts in zip(*edges, strict=True))
    total = nodes.count
    snappable = np.zeros(total, dtype=bool)
    snappable[walk_nodes] = routing.in_largest
    # a journey begins on foot, or with a walk of at most max_walk_s to a stop
    starts = start_legs(
        np.concatenate([walk_nodes, walk_nodes[walks.access_node]]),
        np.concatenate([walk_nodes, first[walks.access_stop]]),
        np.concatenate([np.zeros(n), walks.access_s]),
        total,
    )
    destination = np.arange(total, dtype=np.int64)
    destination[walk_nodes[ends]] = destination_twin
    return RoutingGraph.from_arrays(
        np.concatenate(nodes.xy),
        tails,
        heads_,
        seconds,
        crs=routing.crs,
        node_ids=np.concatenate(nodes.ids),
        ends=JourneyEnds(snappable=snappable, destination=destination, starts=starts),
    )
