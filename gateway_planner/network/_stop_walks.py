"""Walks between the walk network and public-transport stops, bounded by a longest walk.

Used by the bus network (:mod:`.transit`): which walk nodes reach each stop on foot (access),
which each stop reaches (egress) and which stops reach each other (transfers), each within
``max_walk_s`` seconds counting the straight walk between the stop and its nearest walk node.
The searches run over the walk network's routing arrays in blocks of stops, so memory stays
within :data:`._routing.BLOCK_BYTES` whatever the network's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from . import _routing
from ._routing import RoutingGraph

__all__ = ["StopWalks", "stop_walks"]


@dataclass(frozen=True)
class StopWalks:
    """Walking links of the stops, seconds (each array aligned with the others of its link).

    Parameters
    ----------
    access_node, access_stop, access_s
        Walk node -> stop: from the node, on foot, to the stop.
    egress_stop, egress_node, egress_s
        Stop -> walk node.
    transfer_from, transfer_to, transfer_s
        Stop -> stop (a stop reaches itself in 0 s, even when it stands off the network).
    """

    access_node: np.ndarray
    access_stop: np.ndarray
    access_s: np.ndarray
    egress_stop: np.ndarray
    egress_node: np.ndarray
    egress_s: np.ndarray
    transfer_from: np.ndarray
    transfer_to: np.ndarray
    transfer_s: np.ndarray


def stop_walks(
    routing: RoutingGraph, stop_node: np.ndarray, connect_s: np.ndarray, *, max_walk_s: float
) -> StopWalks:
    """Find the walks of at most ``max_walk_s`` to, from and between stops.

    Parameters
    ----------
    routing
        The walk network's routing arrays.
    stop_node
        Each stop's nearest walk node.
    connect_s
        Each stop's straight walk to that node, seconds.
    max_walk_s
        The longest walk, seconds, the connecting walks included.

    Returns
    -------
    StopWalks
        The links, in stop order then node order.
    """
    nodes, where = np.unique(np.asarray(stop_node, dtype=np.int64), return_inverse=True)
    budget = max_walk_s - float(np.min(connect_s)) if len(connect_s) else 0.0
    to_stop = _within(routing.reverse, nodes, budget)  # d(v -> node): rows nodes, columns v
    from_stop = _within(routing.reverse.T.tocsr(), nodes, budget)  # d(node -> v)
    access = _links(to_stop, where, connect_s, max_walk_s)
    egress = _links(from_stop, where, connect_s, max_walk_s)
    # stop -> stop: the egress walk to the other stop's node, plus that stop's connecting walk
    position = np.full(routing.n_nodes, -1, dtype=np.int64)
    position[nodes] = np.arange(nodes.size)
    stops_at = sp.csr_matrix(
        (np.ones(where.size), (where, np.arange(where.size))), shape=(nodes.size, where.size)
    )  # node position -> the stops there
    at_node = position[egress[1]]
    reaches_stop = at_node >= 0
    pairs = stops_at[at_node[reaches_stop]].tocoo()
    rows = np.flatnonzero(reaches_stop)[pairs.row]
    transfer_from = egress[0][rows]
    transfer_to = pairs.col.astype(np.int64)
    transfer_s = egress[2][rows] + np.asarray(connect_s, dtype=np.float64)[transfer_to]
    transfer_s[transfer_from == transfer_to] = 0.0  # changing at the stop itself: no walk
    keep = transfer_s <= max_walk_s
    return StopWalks(
        access_node=access[1],
        access_stop=access[0],
        access_s=access[2],
        egress_stop=egress[0],
        egress_node=egress[1],
        egress_s=egress[2],
        transfer_from=transfer_from[keep],
        transfer_to=transfer_to[keep],
        transfer_s=transfer_s[keep],
    )


def _within(graph: sp.csr_matrix, sources: np.ndarray, limit: float) -> sp.csr_matrix:
    """Seconds from each source to every node within ``limit`` (CSR, rows = sources)."""
    n = graph.shape[0]
    block = max(1, _routing.BLOCK_BYTES // (8 * max(n, 1)))
    pieces = []
    for start in range(0, sources.size, block):
        rows = dijkstra(graph, directed=True, indices=sources[start : start + block], limit=limit)
        finite = np.isfinite(rows)
        r, c = np.nonzero(finite)
        data = rows[r, c] + 1e-9  # a stored zero must survive as an entry
        pieces.append(sp.csr_matrix((data, (r, c)), shape=(rows.shape[0], n)))
    if not pieces:
        return sp.csr_matrix((0, n))
    out: sp.csr_matrix = sp.vstack(pieces, format="csr")
    return out


def _links(
    by_node: sp.csr_matrix, where: np.ndarray, connect_s: np.ndarray, max_walk_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stop, the walk nodes within ``max_walk_s`` of it: (stop, node, seconds)."""
    per_stop = by_node[where].tocoo()  # one row per stop (stops sharing a node repeat it)
    seconds = per_stop.data - 1e-9 + np.asarray(connect_s, dtype=np.float64)[per_stop.row]
    keep = seconds <= max_walk_s
    order = np.lexsort((per_stop.col[keep], per_stop.row[keep]))
    return (
        per_stop.row[keep][order].astype(np.int64),
        per_stop.col[keep][order].astype(np.int64),
        np.maximum(seconds[keep][order], 0.0),
    )
