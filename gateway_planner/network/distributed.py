"""The blocks of site searches of a travel-time matrix on a Dask cluster.

The routing arrays (reversed CSR and the target nodes; never the networkx graph) are scattered to
every worker once, then each task is one block of sources. Results come back in block order, so
a matrix built on a cluster is identical to the single-process one. The cluster itself is opened
by :func:`gateway_planner.cluster.dask_client`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..cluster import worker_threads
from ._routing import search_rows

__all__ = ["search_blocks"]

logger = logging.getLogger(__name__)

#: blocks in flight per worker thread: enough to keep workers busy, few enough to bound memory
_WINDOW_PER_THREAD = 2


@dataclass(frozen=True)
class _Payload:
    """What every block search needs, scattered to the workers once per matrix."""

    reverse: sp.csr_matrix
    targets: np.ndarray
    potential: np.ndarray | None = None


def search_blocks(
    client: Any,
    reverse: sp.csr_matrix,
    targets: np.ndarray,
    chunks: Sequence[Any],
    limit: float,
    potential: np.ndarray | None = None,
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

    Yields
    ------
    numpy.ndarray
        float32 seconds ``(len(chunk), len(targets))`` per block, in the order of ``chunks``;
        exactly what :func:`~gateway_planner.network._routing.search_rows` gives in one process.
    """
    if not chunks:
        return
    payload = client.scatter(_Payload(reverse, targets, potential), broadcast=True, hash=False)
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
            chunk = next(ahead, None)
            if chunk is not None:
                pending.append(client.submit(_search_block, payload, chunk, limit, pure=False))
            yield rows
    finally:
        for future in pending:
            future.cancel()
        payload.release()


def _search_block(payload: _Payload, chunk: Any, limit: float) -> np.ndarray:
    """One task on a worker: one block of searches."""
    return search_rows(payload.reverse, chunk, payload.targets, limit, payload.potential)
