"""Compressed sparse routing graph built once per network: arrays, not Python objects.

The journeys of this package go *to* a site, so the matrix stored is the **reversed** graph:
an edge ``u → v`` of the road network is the entry ``(v, u)``. A Dijkstra run from a site's
node over it gives, for every node, the time of the best journey from that node to the site.

This module is the routing kernel: the arrays (:class:`RoutingGraph`), one block of searches
(:func:`search_rows`) and the exact pruning of searches by the sites that stay open
(:func:`kept_pruning`). The ways of running many blocks (this process, worker processes, a
Dask cluster) live in :mod:`._blocks`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from ..errors import NetworkError

__all__ = [
    "BLOCK_BYTES",
    "Chunk",
    "JourneyEnds",
    "KeptPruning",
    "RoutingGraph",
    "kept_pruning",
    "search_rows",
    "start_legs",
]

#: memory one block of Dijkstra rows (float64, sources x nodes) may take
BLOCK_BYTES = 64 * 1024 * 1024
#: smallest edge time in seconds; zero-length edges would vanish from a sparse matrix
_MIN_SECONDS = 1e-6

#: one block of searches: source node indices, or (with pruning) those and each search's limit
Chunk: TypeAlias = "np.ndarray | tuple[np.ndarray, np.ndarray]"


@dataclass(frozen=True, eq=False)
class JourneyEnds:
    """Where journeys start and end on a layered graph (public transport, on-demand).

    A road network routes between its own nodes. A layered graph (the bus network: the walk
    network plus boarding, route and alighting nodes) has nodes that points must not snap
    to, journeys that begin with a leg of their own (the walk to a stop, within a longest
    walk; the wait for a booked minibus) and journeys that end at a twin of a walk node (so
    that the walk from a stop can be bounded). Points snap by coordinates to a ``snappable``
    node ``v``. A journey from ``v`` begins with one of its ``starts`` legs ``v -> u`` (of
    the seconds stored; ``v -> v`` at 0 s when it may set off on foot) and continues over the
    graph from ``u``: these legs are added after each search (:func:`search_rows`), not as
    edges, so that the many walks to stops cost no search time. A journey to ``v`` ends at
    ``destination[v]``.

    Parameters
    ----------
    snappable
        True for the nodes points may snap to (bool per node).
    destination
        Per node, the node a journey ending there ends at (int per node).
    starts
        ``(n, n)`` CSR of seconds: the legs journeys from each node begin with (explicit
        zeros are legs of 0 s); None: journeys start at their node.
    origin_area, destination_area
        Where the mode serves journeys from (to), in the graph's CRS; points outside are
        *unserved* (the mode is unavailable there, e.g. outside an on-demand zone). None:
        everywhere.
    """

    snappable: np.ndarray
    destination: np.ndarray
    starts: sp.csr_matrix | None = None
    origin_area: BaseGeometry | None = None
    destination_area: BaseGeometry | None = None

    def renumbered(self, position: np.ndarray) -> JourneyEnds:
        """Return the ends with nodes moved to ``position[old]`` (as from_arrays reorders)."""
        n = position.size
        snappable = np.zeros(n, dtype=bool)
        destination = np.empty(n, dtype=np.int64)
        snappable[position] = np.asarray(self.snappable, dtype=bool)
        destination[position] = position[np.asarray(self.destination, dtype=np.int64)]
        starts = None
        if self.starts is not None:
            legs = self.starts.tocoo()
            starts = _csr(position[legs.row], position[legs.col], legs.data, n)
        return JourneyEnds(snappable, destination, starts, self.origin_area, self.destination_area)


def _csr(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n: int) -> sp.csr_matrix:
    """CSR of ``(row, col, data)`` entries, zeros kept, sorted by row then column."""
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float64)[order], np.asarray(cols)[order], indptr), shape=(n, n)
    )


def start_legs(rows: np.ndarray, cols: np.ndarray, seconds: np.ndarray, n: int) -> sp.csr_matrix:
    """Build the ``starts`` of :class:`JourneyEnds` from its legs (explicit zeros kept).

    Parameters
    ----------
    rows, cols
        Each leg's first and last node.
    seconds
        Each leg's duration.
    n
        Nodes of the graph.

    Returns
    -------
    scipy.sparse.csr_matrix
        ``(n, n)``; of parallel legs the fastest is kept.
    """
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    seconds = np.asarray(seconds, dtype=np.float64)
    order = np.lexsort((seconds, cols, rows))
    rows, cols, seconds = rows[order], cols[order], seconds[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return _csr(rows[first], cols[first], seconds[first], n)


@dataclass(frozen=True, eq=False)
class RoutingGraph:
    """Arrays for routing over one graph.

    Parameters
    ----------
    node_ids
        Graph node ids in routing order, a Z-order curve over their coordinates (index ``i``
        of every array is node ``node_ids[i]``).
    xy
        Node coordinates ``(n, 2)`` in ``crs``.
    reverse
        CSR matrix of edge travel times in seconds, reversed (row = edge head).
    crs
        The graph's CRS.
    n_edges
        Edges of the source graph (parallel edges included).
    ends
        Where journeys start and end on a layered graph; None for a road network (points
        snap to its largest strongly connected component and start and end there).
    """

    node_ids: np.ndarray
    xy: np.ndarray
    reverse: sp.csr_matrix
    crs: pyproj.CRS
    n_edges: int
    ends: JourneyEnds | None = None
    _trees: dict[str, tuple[np.ndarray, cKDTree]] = field(
        default_factory=dict, init=False, repr=False
    )

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph, *, weight: str = "travel_time") -> RoutingGraph:
        """Build the routing arrays of an osmnx-style graph.

        Parameters
        ----------
        graph
            Nodes with ``x`` and ``y``; edges with ``weight`` in seconds; ``graph.graph["crs"]``.
        weight
            Edge attribute holding travel time in seconds.

        Returns
        -------
        RoutingGraph
            The arrays; parallel edges keep their fastest time, self-loops are dropped.

        Raises
        ------
        NetworkError
            When nodes lack numeric coordinates or edges a usable time.
        """
        node_ids = list(graph.nodes)
        n = len(node_ids)
        try:
            xy = np.empty((n, 2), dtype=np.float64)
            xy[:, 0] = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), np.float64, n)
            xy[:, 1] = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), np.float64, n)
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"graph nodes need numeric x and y coordinates ({type(exc).__name__}: {exc})"
            raise NetworkError(msg) from None
        index = {node: i for i, node in enumerate(node_ids)}
        # one pass over the adjacency: several times faster than the edge views
        tails: list[int] = []
        heads: list[int] = []
        times: list[float] = []
        nan = math.nan
        for u, neighbours in graph.adjacency():
            iu = index[u]
            for v, keyed in neighbours.items():
                iv = index[v]
                for data in keyed.values():
                    t = data.get(weight)
                    tails.append(iu)
                    heads.append(iv)
                    times.append(nan if t is None else t)
        try:
            seconds = np.asarray(times, dtype=np.float64)
        except (TypeError, ValueError):
            seconds = np.array([_number(t) for t in times], dtype=np.float64)
        return cls.from_arrays(
            xy,
            np.asarray(tails, dtype=np.int64),
            np.asarray(heads, dtype=np.int64),
            seconds,
            crs=graph.graph["crs"],
            node_ids=np.asarray(node_ids, dtype=object),
            weight=weight,
        )

    @classmethod
    def from_arrays(
        cls,
        xy: np.ndarray,
        tails: np.ndarray,
        heads: np.ndarray,
        seconds: np.ndarray,
        *,
        crs: pyproj.CRS | str | int,
        node_ids: np.ndarray | None = None,
        weight: str = "travel_time",
        ends: JourneyEnds | None = None,
    ) -> RoutingGraph:
        """Build the routing arrays from node coordinates and edge arrays (no networkx graph).

        Parameters
        ----------
        xy
            Node coordinates ``(n, 2)`` in ``crs``.
        tails, heads
            Each directed edge's start and end, as positions in ``xy``.
        seconds
            Each edge's travel time in seconds.
        crs
            The coordinates' CRS (anything :class:`pyproj.CRS` accepts).
        node_ids
            The nodes' ids in the order of ``xy``; their positions when omitted.
        weight
            What the times are called, for messages.
        ends
            Where journeys start and end (node positions as in ``xy``), for layered graphs.

        Returns
        -------
        RoutingGraph
            The arrays, nodes renumbered along a Z-order curve as :meth:`from_graph` does;
            parallel edges keep their fastest time, self-loops are dropped.

        Raises
        ------
        NetworkError
            When coordinates are not finite or times are missing, negative or infinite.
        """
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        n = xy.shape[0]
        if not np.isfinite(xy).all():
            msg = f"{int((~np.isfinite(xy)).any(axis=1).sum()):,} graph nodes have no finite x/y"
            raise NetworkError(msg)
        seconds = np.asarray(seconds, dtype=np.float64)
        n_edges = int(seconds.size)
        bad = ~(seconds >= 0) | np.isinf(seconds)
        if bad.any():
            msg = (
                f"{int(bad.sum()):,} of {n_edges:,} edges have no usable {weight!r} "
                "(missing, negative or infinite seconds)"
            )
            raise NetworkError(msg)
        ids = np.arange(n) if node_ids is None else np.asarray(node_ids, dtype=object)
        order = _spatial_order(xy)  # nearby nodes near in memory: searches stay in cache
        position = np.empty_like(order)
        position[order] = np.arange(order.size)
        reverse = _reverse_csr(
            position[np.asarray(tails, dtype=np.int64)],
            position[np.asarray(heads, dtype=np.int64)],
            seconds,
            n,
        )
        return cls(
            node_ids=ids[order].astype(object),
            xy=xy[order],
            reverse=reverse,
            crs=pyproj.CRS.from_user_input(crs),
            n_edges=n_edges,
            ends=None if ends is None else ends.renumbered(position),
        )

    @cached_property
    def components(self) -> np.ndarray:
        """Strongly connected component label of every node."""
        labels: np.ndarray
        _, labels = connected_components(self.reverse, directed=True, connection="strong")
        return labels

    @cached_property
    def in_largest(self) -> np.ndarray:
        """True for nodes of the largest strongly connected component (lowest label on ties)."""
        labels = self.components
        if labels.size == 0:
            return np.zeros(0, dtype=bool)
        sizes = np.bincount(labels)
        largest: np.ndarray = labels == int(np.argmax(sizes))
        return largest

    def snap_tree(self, crs: pyproj.CRS) -> tuple[np.ndarray, cKDTree]:
        """KD-tree of the snappable nodes with coordinates in ``crs``.

        Snappable are the nodes of the largest strongly connected component, or those
        :attr:`ends` names on a layered graph.

        Parameters
        ----------
        crs
            CRS of the points to snap (projected, metres).

        Returns
        -------
        tuple
            Node indices of the tree's points, and the tree.
        """
        key = crs.to_wkt()
        if key not in self._trees:
            mask = self.in_largest if self.ends is None else self.ends.snappable
            usable = np.flatnonzero(mask)
            xy = self.xy[usable]
            if not crs.equals(self.crs):
                transformer = pyproj.Transformer.from_crs(self.crs, crs, always_xy=True)
                xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
                xy = np.column_stack([xs, ys])
            self._trees[key] = (usable, cKDTree(xy))
        return self._trees[key]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_ids.size)


def _spatial_order(xy: np.ndarray) -> np.ndarray:
    """Return node positions sorted along a Z-order (Morton) curve of their coordinates.

    Dijkstra on a large graph whose nodes are numbered at random runs about twice as slowly
    as on the same graph numbered so that neighbours are close in memory.
    """
    if xy.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    low = xy.min(axis=0)
    span = max(float(np.ptp(xy, axis=0).max()), 1e-9)
    cells = np.floor((xy - low) / span * 65535.0).astype(np.uint64)

    def spread(a: np.ndarray) -> np.ndarray:
        a = a & np.uint64(0xFFFF)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            a = (a | (a << np.uint64(shift))) & np.uint64(mask)
        return a

    code = spread(cells[:, 0]) | (spread(cells[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


def _number(value: Any) -> float:
    """Return ``value`` as a float, or nan when it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _reverse_csr(
    tails: np.ndarray, heads: np.ndarray, seconds: np.ndarray, n: int
) -> sp.csr_matrix:
    """CSR of the reversed graph; the fastest of parallel edges kept, self-loops dropped."""
    keep = tails != heads
    rows, cols, data = heads[keep], tails[keep], np.maximum(seconds[keep], _MIN_SECONDS)
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    if rows.size:
        first = np.ones(rows.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        rows, cols, data = rows[first], cols[first], data[first]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    index_dtype = np.int32 if max(n, rows.size) < np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix((data, cols.astype(index_dtype), indptr.astype(index_dtype)), shape=(n, n))


@dataclass(frozen=True, eq=False)
class KeptPruning:
    """Searches cut where a site that stays open is at least as near (exact, A*-style).

    With ``E(v)`` the time from node ``v`` to its nearest kept site (egress included), the
    reduced edge times ``t(u -> v) - E(u) + E(v)`` are never negative, and a search from site
    ``j`` over them reaches ``v`` at ``d(v -> j) - E(v) + E(j)``. A node can only matter to
    ``j`` (some cell there reaches ``j`` no slower than its nearest kept site) when
    ``d(v -> j) + egress_j <= E(v)``, that is when its reduced time is at most
    ``E(j) - egress_j``: one limit per search. Every node on the way to a node that matters
    matters too, so cutting each search at its limit loses nothing that matters. A county's
    search then covers the area where its site beats the kept ones, not the whole 45 minutes.

    Parameters
    ----------
    reverse
        The reversed graph's CSR matrix of reduced seconds (explicit zeros are edges).
    potential
        ``E`` per node, seconds (edges into nodes without a kept site in reach are dropped).
    reach
        Per source, the reduced seconds its search may go (``inf`` for kept sites' nodes).
    """

    reverse: sp.csr_matrix
    potential: np.ndarray
    reach: np.ndarray


def kept_pruning(
    routing: RoutingGraph,
    kept: np.ndarray,
    kept_egress_s: np.ndarray,
    sources: np.ndarray,
    sources_egress_s: np.ndarray,
) -> KeptPruning:
    """Reduced costs and per-search limits that cut searches where a kept site is as near.

    Parameters
    ----------
    routing
        The routing arrays.
    kept
        Nodes of the kept sites.
    kept_egress_s
        Walk from each kept site's node to the site, seconds.
    sources
        Nodes the searches start from (journeys go to them), without repeats.
    sources_egress_s
        Per source, the shortest walk from the node to a site snapped there, seconds.

    Returns
    -------
    KeptPruning
        What :func:`search_rows` needs to run the cut searches.
    """
    n = routing.n_nodes
    potential = np.full(n, np.inf)
    kept = np.asarray(kept, dtype=np.int64)
    block = max(1, BLOCK_BYTES // (8 * max(n, 1)))
    for start in range(0, kept.size, block):
        rows = dijkstra(routing.reverse, directed=True, indices=kept[start : start + block])
        rows += np.asarray(kept_egress_s, dtype=np.float64)[start : start + block, None]
        np.minimum(potential, rows.min(axis=0), out=potential)
    reverse = routing.reverse
    heads = np.repeat(np.arange(n), np.diff(reverse.indptr))  # row: the edge's head
    tails = reverse.indices
    ok = np.isfinite(potential[heads]) & np.isfinite(potential[tails])
    heads, tails = heads[ok], tails[ok]
    reduced = reverse.data[ok] - potential[tails] + potential[heads]
    np.maximum(reduced, 0.0, out=reduced)  # rounding only: E(u) <= t(u -> v) + E(v)
    indptr = np.zeros(n + 1, dtype=reverse.indptr.dtype)
    np.cumsum(np.bincount(heads, minlength=n), out=indptr[1:])
    graph = sp.csr_matrix((reduced, tails, indptr), shape=(n, n))
    sources = np.asarray(sources, dtype=np.int64)
    reach = potential[sources] - np.asarray(sources_egress_s, dtype=np.float64)
    reach = np.maximum(reach, 0.0) + 1e-6 * np.maximum(1.0, potential[sources])  # rounding
    reach[np.isin(sources, kept)] = np.inf  # kept sites' columns stay whole
    reach[~np.isfinite(potential[sources])] = np.inf
    return KeptPruning(reverse=graph, potential=potential, reach=reach)


def search_rows(
    reverse: sp.csr_matrix,
    chunk: Chunk,
    targets: np.ndarray,
    limit: float,
    potential: np.ndarray | None = None,
    starts: sp.csr_matrix | None = None,
) -> np.ndarray:
    """Run one block of searches: float32 seconds ``(len(chunk), len(targets))``.

    Every way of running the blocks (this process, worker processes, a Dask cluster) calls
    this function, so they give the same numbers.

    Parameters
    ----------
    reverse
        The reversed graph's CSR matrix of seconds.
    chunk
        Source node indices of the block; with ``potential``, a pair of those and each
        search's limit in reduced seconds (see :class:`KeptPruning`).
    targets
        Node indices whose times are kept.
    limit
        Seconds past which a search stops (``inf`` for none).
    potential
        With reduced-cost searches (``reverse`` of a :class:`KeptPruning`), its potential:
        each search runs alone to its own limit and its times are shifted back.
    starts
        The targets' rows of :attr:`JourneyEnds.starts`: a target's time is then the best of
        its legs plus the time from the leg's end.

    Returns
    -------
    numpy.ndarray
        float32 seconds, ``inf`` where unreachable within ``limit`` (or past the cut).
    """
    needed = targets if starts is None else starts.indices
    if potential is None:
        rows: np.ndarray = dijkstra(reverse, directed=True, indices=chunk, limit=limit)
        return _at_targets(rows[:, needed], starts)
    sources, reach = chunk
    times = np.empty((len(sources), len(needed)), dtype=np.float64)
    shift = potential[needed]
    for i, (source, cut) in enumerate(zip(sources, reach, strict=True)):
        row = dijkstra(reverse, directed=True, indices=int(source), limit=float(cut))[needed]
        row += shift - potential[source]
        times[i] = row
    if starts is None:
        times[times > limit] = np.inf
        return times.astype(np.float32)
    out = _at_targets(times, starts)
    out[out > limit] = np.inf
    return out


def _at_targets(times: np.ndarray, starts: sp.csr_matrix | None) -> np.ndarray:
    """Return float32 times at the targets: as given, or the best leg plus the time after it.

    ``times`` holds, per search, the seconds at ``starts.indices`` (one column per leg).
    """
    if starts is None:
        return times.astype(np.float32)
    n_targets = starts.shape[0]
    out = np.full((times.shape[0], n_targets), np.inf, dtype=np.float32)
    counts = np.diff(starts.indptr)
    has = np.flatnonzero(counts)
    if has.size == 0:
        return out
    times += starts.data[None, :]
    # rows of targets with legs, in slices of about BLOCK_BYTES
    per_target = max(1, int(counts.max()))
    step = max(1, BLOCK_BYTES // (8 * per_target * max(times.shape[0], 1)))
    for lo in range(0, has.size, step):
        part = has[lo : lo + step]
        first, last = starts.indptr[part[0]], starts.indptr[part[-1] + 1]
        offsets = starts.indptr[part] - first
        best = np.minimum.reduceat(times[:, first:last], offsets, axis=1)
        out[:, part] = best
    return out
