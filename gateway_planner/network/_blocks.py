"""Ways of running the blocks of site searches: this process, worker processes, a Dask cluster.

:func:`shortest_times` cuts the sources into blocks that fit :data:`._routing.BLOCK_BYTES` and
runs each block with :func:`._routing.search_rows`: here, in a pool of fresh worker processes
(``workers``), or on a Dask cluster (``client``: the routing arrays, never the networkx graph,
are scattered to every worker once, then each task is one block). Every way calls the same
kernel and yields the blocks in order, so the numbers are identical whichever runs them. The
cluster itself is opened by :func:`gateway_planner.cluster.dask_client`; this module only
receives the connected client.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..cluster import worker_threads
from . import _routing
from ._routing import Chunk, KeptPruning, RoutingGraph, search_rows

__all__ = ["search_blocks", "shortest_times"]

logger = logging.getLogger(__name__)

#: blocks in flight per Dask worker thread: enough to keep workers busy, few enough to bound memory
_WINDOW_PER_THREAD = 2


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
    starts: sp.csr_matrix | None = None,
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
        Memory one block of full Dijkstra rows may use; default :data:`._routing.BLOCK_BYTES`.
    workers
        Processes searching blocks at once (scipy holds the GIL, so threads would not help).
        Results are identical and come in the same order whatever the number.
    client
        A connected ``dask.distributed.Client``: the blocks are searched on its workers (the
        graph is scattered to them once), ``workers`` is then ignored. Results are identical
        and come in the same order.
    pruning
        Cut each search where a kept site is at least as near (:func:`._routing.kept_pruning`,
        built for these ``sources``): entries past the cut are ``inf``.
    starts
        The targets' rows of :attr:`._routing.JourneyEnds.starts` (the legs journeys from
        them begin with), on a layered graph.

    Yields
    ------
    tuple
        ``(start, rows)``: the block's first position in ``sources`` and a float32 array
        ``(block, len(targets))`` of seconds, ``inf`` where unreachable (float32 keeps about
        0.1 ms over an hour, and halves what worker processes send back).
    """
    n = max(routing.n_nodes, 1)
    budget = _routing.BLOCK_BYTES if block_bytes is None else block_bytes
    block = max(1, min(len(sources), budget // (8 * n)))
    limit = np.inf if limit_seconds is None else float(limit_seconds)
    firsts = list(range(0, len(sources), block))
    graph = routing.reverse if pruning is None else pruning.reverse
    potential = None if pruning is None else pruning.potential
    arrays = [np.asarray(sources[start : start + block]) for start in firsts]
    chunks: list[Chunk] = list(arrays)
    if pruning is not None:  # each block carries its searches' limits
        chunks = [
            (chunk, pruning.reach[start : start + chunk.size])
            for start, chunk in zip(firsts, arrays, strict=True)
        ]
    targets = np.asarray(targets)
    if client is not None:
        blocks = search_blocks(client, graph, targets, chunks, limit, potential, starts)
    elif workers <= 1 or len(chunks) <= 1:
        blocks = (search_rows(graph, chunk, targets, limit, potential, starts) for chunk in chunks)
    else:
        blocks = _in_processes(graph, targets, chunks, limit, workers, potential, starts)
    yield from zip(firsts, blocks, strict=True)


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
    starts: sp.csr_matrix | None,
) -> None:
    _WORKER["graph"] = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    _WORKER["targets"] = targets
    _WORKER["limit"] = limit
    _WORKER["potential"] = potential
    _WORKER["starts"] = starts


def _search(chunk: Chunk) -> np.ndarray:
    return search_rows(
        _WORKER["graph"],
        chunk,
        _WORKER["targets"],
        _WORKER["limit"],
        _WORKER["potential"],
        _WORKER["starts"],
    )


def _in_processes(
    reverse: sp.csr_matrix,
    targets: np.ndarray,
    chunks: list[Chunk],
    limit: float,
    workers: int,
    potential: np.ndarray | None = None,
    starts: sp.csr_matrix | None = None,
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
        targets,
        limit,
        potential,
        starts,
    )
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_init_worker, initargs=init
    ) as pool:
        yield from pool.map(_search, chunks)


# ---------------------------------------------------------------------------- Dask cluster


@dataclass(frozen=True)
class _Payload:
    """What every block search needs, scattered to the Dask workers once per matrix."""

    reverse: sp.csr_matrix
    targets: np.ndarray
    potential: np.ndarray | None = None
    starts: sp.csr_matrix | None = None


def search_blocks(
    client: Any,
    reverse: sp.csr_matrix,
    targets: np.ndarray,
    chunks: Sequence[Chunk],
    limit: float,
    potential: np.ndarray | None = None,
    starts: sp.csr_matrix | None = None,
) -> Iterator[np.ndarray]:
    """Search blocks of sources on a Dask cluster; yield their rows in block order.

    Parameters
    ----------
    client
        A connected ``dask.distributed.Client``.
    reverse
        The reversed graph's CSR matrix of seconds (scattered to every worker once).
    targets
        Node indices whose times are kept (scattered with it).
    chunks
        Source node indices of each block (with their limits when ``potential`` is given).
    limit
        Seconds past which a search stops.
    potential
        The potential of reduced-cost searches cut by kept sites (scattered with the graph).
    starts
        The targets' start legs on a layered graph (scattered with the graph).

    Yields
    ------
    numpy.ndarray
        float32 seconds ``(len(chunk), len(targets))`` per block, in the order of ``chunks``;
        exactly what :func:`._routing.search_rows` gives in one process.
    """
    if not chunks:
        return
    payload = client.scatter(
        _Payload(reverse, targets, potential, starts), broadcast=True, hash=False
    )
    window = _WINDOW_PER_THREAD * worker_threads(client)
    logger.debug("searching %d blocks on the Dask cluster, %d at a time", len(chunks), window)
    pending: deque[Any] = deque()
    ahead = iter(chunks)
    try:
        for chunk in ahead:
            pending.append(client.submit(_search_block, payload, chunk, limit, pure=False))
            if len(pending) >= window:
                break
        while pending:
            future = pending.popleft()
            rows = future.result()
            future.release()
            following = next(ahead, None)
            if following is not None:
                pending.append(client.submit(_search_block, payload, following, limit, pure=False))
            yield rows
    finally:
        for future in pending:
            future.cancel()
        payload.release()


def _search_block(payload: _Payload, chunk: Chunk, limit: float) -> np.ndarray:
    """One task on a worker: one block of searches."""
    return search_rows(
        payload.reverse, chunk, payload.targets, limit, payload.potential, payload.starts
    )
