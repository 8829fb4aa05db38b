"""Readers for Beasley's OR-Library p-median instances, to check the solvers against proven optima.

An instance file (``pmedN.txt``) has a first line ``n m p``, then ``m`` lines ``i j c`` of
undirected edges (1-based); when a vertex pair appears more than once the last line wins. Costs
are all-pairs shortest paths and every vertex is both a demand point of weight 1 and a candidate
site. The optima file (``pmedopt.txt``) has one ``name value`` line per instance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from ..errors import InputError

__all__ = ["read_optima", "read_pmed"]


def read_pmed(path: str | Path) -> tuple[int, int, np.ndarray]:
    """Read an instance and return ``(n, p, costs)`` with costs the shortest-path matrix.

    Parameters
    ----------
    path
        The ``pmedN.txt`` file.

    Returns
    -------
    tuple
        Number of vertices, number of medians, ``(n, n)`` float64 distances.

    Raises
    ------
    InputError
        When the header or an edge line is malformed.
    """
    path = Path(path)
    lines = path.read_text().split("\n")
    try:
        n, _, p = (int(v) for v in lines[0].split()[:3])  # the edge count is not needed
    except (ValueError, IndexError) as exc:
        msg = f"first line must be 'n m p', got {lines[0][:60]!r}"
        raise InputError(msg, file=path, field="header", fix="use an OR-Library pmed file") from exc
    edges: dict[tuple[int, int], float] = {}
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if not parts:
            continue
        try:
            i, j, c = int(parts[0]) - 1, int(parts[1]) - 1, float(parts[2])
        except (ValueError, IndexError) as exc:
            msg = f"line {number} must be 'i j cost', got {line[:60]!r}"
            raise InputError(
                msg, file=path, field=f"line {number}", fix="use an OR-Library pmed file"
            ) from exc
        edges[(min(i, j), max(i, j))] = c  # the last line for a pair wins
    if len(edges) == 0 or max(max(e) for e in edges) >= n:
        msg = f"edges refer to vertices outside 1..{n}"
        raise InputError(msg, file=path, field="edges", fix="check the vertex numbers")
    ij = np.array(list(edges), dtype=np.int64)
    cost = np.array(list(edges.values()), dtype=np.float64)
    graph = sp.csr_array((cost, (ij[:, 0], ij[:, 1])), shape=(n, n))
    return n, p, shortest_path(graph, method="D", directed=False)


def read_optima(path: str | Path) -> dict[str, float]:
    """Read ``pmedopt.txt``: one ``name value`` line per instance.

    Parameters
    ----------
    path
        The optima file.

    Returns
    -------
    dict
        Instance name to proven optimal objective.
    """
    out: dict[str, float] = {}
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = float(parts[1])
    return out
