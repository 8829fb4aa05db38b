"""The one internal form of a problem's costs: reachable (cell, candidate) pairs, sorted.

A :class:`~gateway_planner.locate.problem.Problem` brings its travel minutes dense (``inf`` =
unreachable) or as a scipy CSR array (missing = unreachable, a stored zero is a journey of 0
minutes). :func:`read_pairs` reads either form once into :class:`Pairs`: for every cell,
its reachable candidate sites sorted by (minutes, candidate position), stored CSR-style. The
checks, every model and every solver read the costs from here and never convert them again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..minutes import Minutes, dense_columns
from ._sorted import pair_order

__all__ = ["Pairs", "read_pairs"]


@dataclass(frozen=True)
class Pairs:
    """Reachable (cell, candidate) pairs sorted by cell, then cost, then candidate position.

    Parameters
    ----------
    indptr
        ``(n_cells + 1,)`` offsets of each cell's pairs.
    pos
        Candidate position of each pair (an index into the candidates, not a site index).
    cost
        Minutes of each pair, float64 and finite.
    """

    indptr: np.ndarray
    pos: np.ndarray
    cost: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.indptr.size - 1)

    @property
    def rows(self) -> np.ndarray:
        """Cell of every pair."""
        return np.repeat(np.arange(self.n_cells), np.diff(self.indptr))

    def reached(self, within: float = np.inf) -> np.ndarray:
        """Per cell, whether some candidate lies at most ``within`` minutes away.

        Parameters
        ----------
        within
            Minutes (inclusive); every reachable pair counts when infinite.

        Returns
        -------
        numpy.ndarray
            ``(n_cells,)`` booleans.
        """
        out = np.zeros(self.n_cells, dtype=bool)
        out[self.rows[self.cost <= within]] = True
        return out


def read_pairs(costs: Minutes, cand: np.ndarray) -> Pairs:
    """Read the reachable pairs of the candidate columns from either form of the costs.

    Parameters
    ----------
    costs
        Minutes, cells x sites: dense with ``inf`` where unreachable, or sparse (any scipy
        format; duplicate entries keep their smallest value).
    cand
        Sorted site indices of the candidates.

    Returns
    -------
    Pairs
        The finite pairs of the candidate columns, sorted.
    """
    if sp.issparse(costs):
        return _pairs_from_sparse(costs, cand)
    sub = dense_columns(costs, cand)
    rows, pos = np.nonzero(np.isfinite(sub))
    return _sorted_pairs(sub.shape[0], rows, pos, sub[rows, pos])


def _pairs_from_sparse(costs: sp.sparray | sp.spmatrix, cand: np.ndarray) -> Pairs:
    csr = costs.tocsr()
    col_pos = np.full(csr.shape[1], -1, dtype=np.int64)
    col_pos[cand] = np.arange(cand.size)
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    pos = col_pos[csr.indices]
    data = np.asarray(csr.data, dtype=np.float64)
    keep = (pos >= 0) & np.isfinite(data)
    if csr.has_canonical_format is False:
        # duplicates would be summed by scipy; keep the smallest instead, deterministically
        order = np.lexsort((data[keep], pos[keep], rows[keep]))
        r, c, d = rows[keep][order], pos[keep][order], data[keep][order]
        first = np.ones(r.size, dtype=bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        return _sorted_pairs(csr.shape[0], r[first], c[first], d[first])
    return _sorted_pairs(csr.shape[0], rows[keep], pos[keep], data[keep])


def _sorted_pairs(n_cells: int, rows: np.ndarray, pos: np.ndarray, cost: np.ndarray) -> Pairs:
    order = pair_order(rows, cost, pos)
    if order is not None:
        rows, pos, cost = rows[order], pos[order], cost[order]
    indptr = np.zeros(n_cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_cells), out=indptr[1:])
    return Pairs(indptr=indptr, pos=pos.astype(np.int64), cost=cost)
