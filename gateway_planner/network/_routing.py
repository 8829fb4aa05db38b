"""Compressed sparse routing graph built once per network: arrays, not Python objects.

The journeys of this package go *to* a site, so the matrix stored is the **reversed** graph:
an edge ``u → v`` of the road network is the entry ``(v, u)``. A Dijkstra run from a site's
node over it gives, for every node, the time of the best journey from that node to the site.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import NetworkError

__all__ = ["KeptPruning", "RoutingGraph", "kept_pruning", "search_rows", "shortest_times"]

logger = logging.getLogger(__name__)

#: smallest edge time in seconds; zero-length edges would vanish from a sparse matrix
_MIN_SECONDS = 1e-6
#: memory one block of Dijkstra rows (float64, sources x nodes) may take
_BLOCK_BYTES = 64 * 1024 * 1024


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
    """

    node_ids: np.ndarray
    xy: np.ndarray
    reverse: sp.csr_matrix
    crs: pyproj.CRS
    n_edges: int
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
        if not np.isfinite(xy).all():
            msg = f"{int((~np.isfinite(xy)).any(axis=1).sum()):,} graph nodes have no finite x/y"
            raise NetworkError(msg)
        order = _spatial_order(xy)  # nearby nodes near in memory: searches stay in cache
        node_ids = [node_ids[i] for i in order]
        xy = xy[order]
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
        n_edges = len(times)
        try:
            seconds = np.asarray(times, dtype=np.float64)
        except (TypeError, ValueError):
            seconds = np.array([_number(t) for t in times], dtype=np.float64)
        bad = ~(seconds >= 0) | np.isinf(seconds)
        if bad.any():
            msg = (
                f"{int(bad.sum()):,} of {n_edges:,} edges have no usable {weight!r} "
                "(missing, negative or infinite seconds)"
            )
            raise NetworkError(msg)
        tails_a = np.asarray(tails, dtype=np.int64)
        heads_a = np.asarray(heads, dtype=np.int64)
        reverse = _reverse_csr(tails_a, heads_a, seconds, n)
        crs = pyproj.CRS.from_user_input(graph.graph["crs"])
        return cls(
            node_ids=np.asarray(node_ids, dtype=object),
            xy=xy,
            reverse=reverse,
            crs=crs,
            n_edges=n_edges,
        )

    @cached_property
    def components(self) -> np.ndarray:
        """Strongly connected component label of every node."""
        _, labels = connected_components(self.reverse, directed=True, connection="strong")
        return labels

    @cached_property
    def in_largest(self) -> np.ndarray:
        """True for nodes of the largest strongly connected component (lowest label on ties)."""
        labels = self.components
        if labels.size == 0:
            return np.zeros(0, dtype=bool)
        sizes = np.bincount(labels)
        return labels == int(np.argmax(sizes))

    def snap_tree(self, crs: pyproj.CRS) -> tuple[np.ndarray, cKDTree]:
        """KD-tree of the largest component's nodes with coordinates in ``crs``.

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
            usable = np.flatnonzero(self.in_largest)
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
    block = max(1, _BLOCK_BYTES // (8 * max(n, 1)))
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


def shortest_times(
    routing: RoutingGraph,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    limit_seconds: float | None = None,
    block_bytes: int | None = None,
    workers: int = 1,
    client: Any = None,
    pruning: KeptPruning | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield network seconds from every target node to blocks of source nodes.

    Parameters
    ----------
    routing
        The routing arrays.
    sources
        Node indices journeys go to (sites' nodes), without repeats.
    targets
        Node indices journeys start from (cells' nodes).
    limit_seconds
        Stop each search past this time; farther nodes get ``inf``.
    block_bytes
        Memory one block of full Dijkstra rows may use; default :data:`_BLOCK_BYTES`.
    workers
        Processes searching blocks at once (scipy holds the GIL, so threads would not help).
        Results are identical and come in the same order whatever the number.
    client
        A connected ``dask.distributed.Client``: the blocks are searched on its workers (the
        graph is scattered to them once), ``workers`` is then ignored. Results are identical
        and come in the same order.
    pruning
        Cut each search where a kept site is at least as near (:func:`kept_pruning`, built
        for these ``sources``): entries past the cut are ``inf``.

    Yields
    ------
    tuple
        ``(start, rows)``: the block's first position in ``sources`` and a float32 array
        ``(block, len(targets))`` of seconds, ``inf`` where unreachable (float32 keeps about
        0.1 ms over an hour, and halves what worker processes send back).
    """
    n = max(routing.n_nodes, 1)
    budget = _BLOCK_BYTES if block_bytes is None else block_bytes
    block = max(1, min(len(sources), budget // (8 * n)))
    limit = np.inf if limit_seconds is None else float(limit_seconds)
    starts = list(range(0, len(sources), block))
    graph = routing.reverse if pruning is None else pruning.reverse
    potential = None if pruning is None else pruning.potential
    chunks: list[Any] = [np.asarray(sources[start : start + block]) for start in starts]
    if pruning is not None:  # each block carries its searches' limits
        chunks = [
            (chunk, pruning.reach[start : start + chunk.size])
            for start, chunk in zip(starts, chunks, strict=True)
        ]
    if client is not None:
        from .distributed import search_blocks

        blocks = search_blocks(client, graph, np.asarray(targets), chunks, limit, potential)
        yield from zip(starts, blocks, strict=True)
        return
    if workers <= 1 or len(chunks) <= 1:
        for start, chunk in zip(starts, chunks, strict=True):
            yield start, search_rows(graph, chunk, targets, limit, potential)
        return
    yield from zip(
        starts,
        _in_processes(graph, targets, chunks, limit, workers, potential),
        strict=True,
    )


def search_rows(
    reverse: sp.csr_matrix,
    chunk: Any,
    targets: np.ndarray,
    limit: float,
    potential: np.ndarray | None = None,
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

    Returns
    -------
    numpy.ndarray
        float32 seconds, ``inf`` where unreachable within ``limit`` (or past the cut).
    """
    if potential is None:
        rows = dijkstra(reverse, directed=True, indices=chunk, limit=limit)
        return rows[:, targets].astype(np.float32)
    sources, reach = chunk
    out = np.empty((len(sources), len(targets)), dtype=np.float32)
    shift = potential[targets]
    for i, (source, cut) in enumerate(zip(sources, reach, strict=True)):
        row = dijkstra(reverse, directed=True, indices=int(source), limit=float(cut))[targets]
        row += shift - potential[source]
        row[row > limit] = np.inf
        out[i] = row
    return out


# ---------------------------------------------------------------------------- worker processes

_WORKER: dict[str, Any] = {}


def _init_worker(
    data: np.ndarray,
    indices: np.ndarray,
    indptr: np.ndarray,
    n: int,
    targets: np.ndarray,
    limit: float,
    potential: np.ndarray | None,
) -> None:
    _WORKER["graph"] = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    _WORKER["targets"] = targets
    _WORKER["limit"] = limit
    _WORKER["potential"] = potential


def _search(chunk: Any) -> np.ndarray:
    return search_rows(
        _WORKER["graph"], chunk, _WORKER["targets"], _WORKER["limit"], _WORKER["potential"]
    )


def _in_processes(
    reverse: sp.csr_matrix,
    targets: np.ndarray,
    chunks: list[Any],
    limit: float,
    workers: int,
    potential: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """Search blocks in a pool of fresh processes (``forkserver`` where available)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    count = min(workers, len(chunks))
    logger.debug("searching %d blocks in %d processes", len(chunks), count)
    init = (
        reverse.data,
        reverse.indices,
        reverse.indptr,
        reverse.shape[0],
        np.asarray(targets),
        limit,
        potential,
    )
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_init_worker, initargs=init
    ) as pool:
        yield from pool.map(_search, chunks)
