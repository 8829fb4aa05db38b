"""Normalised problem data shared by every model: weights, candidates and sorted reachable pairs.

Dense and sparse cost matrices are reduced to one form: for every cell, the reachable candidate
sites sorted by (minutes, site index), stored CSR-style. Explicit zeros of a sparse matrix are
reachable pairs of 0 minutes; ``inf`` (dense) and missing entries (sparse) are unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import settings
from ..errors import SolverError
from ._sorted import pair_order
from .problem import Problem

__all__ = ["Pairs", "Prepared", "check_dense_budget", "nearest_open", "prepare"]


@dataclass(frozen=True)
class Pairs:
    """Reachable (cell, candidate) pairs sorted by cell, then cost, then candidate position.

    ``pos`` are positions in ``Prepared.cand`` (not site indices).
    """

    indptr: np.ndarray
    pos: np.ndarray
    cost: np.ndarray

    @property
    def rows(self) -> np.ndarray:
        """Cell of every pair."""
        return np.repeat(np.arange(self.indptr.size - 1), np.diff(self.indptr))


@dataclass(frozen=True)
class Prepared:
    """A checked problem in solver form."""

    problem: Problem
    w: np.ndarray
    cand: np.ndarray
    forced: np.ndarray
    existing: np.ndarray
    pairs: Pairs

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.w.size)

    @property
    def m(self) -> int:
        """Number of candidate sites (fixed ones included)."""
        return int(self.cand.size)

    @property
    def p(self) -> int:
        """Total number of open sites."""
        return int(self.problem.p or 0)

    @property
    def n_forced(self) -> int:
        """Number of sites kept open whatever happens."""
        return int(self.forced.sum())

    def dense(
        self, values: np.ndarray, fill: np.ndarray | float, *, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Scatter per-pair ``values`` into a dense (cells x candidates) float64 matrix.

        Parameters
        ----------
        values
            One value per pair.
        fill
            Value of unreachable pairs (scalar or one per cell of ``rows``).
        rows
            Cells to keep (all when None), in that order.

        Returns
        -------
        numpy.ndarray
            ``(len(rows), m)`` matrix.
        """
        keep_rows = np.arange(self.n_cells) if rows is None else np.asarray(rows)
        check_dense_budget(keep_rows.size, self.m)
        out = np.empty((keep_rows.size, self.m), dtype=np.float64)
        out[:] = np.asarray(fill, dtype=np.float64).reshape(-1, 1) if np.ndim(fill) else fill
        where = np.full(self.n_cells, -1, dtype=np.int64)
        where[keep_rows] = np.arange(keep_rows.size)
        r = where[self.pairs.rows]
        ok = r >= 0
        out[r[ok], self.pairs.pos[ok]] = values[ok]
        return out


def check_dense_budget(n: int, m: int) -> None:
    """Refuse a dense float64 ``n x m`` matrix larger than ``settings.dense_budget_bytes``.

    Parameters
    ----------
    n, m
        Rows (cells) and columns (candidate sites).

    Raises
    ------
    SolverError
        When the matrix would pass the budget.
    """
    need = n * m * 8
    if need > settings.dense_budget_bytes:
        msg = (
            f"the heuristic needs a dense {n} x {m} matrix ({need / 1e9:.2f} GB), above "
            f"settings.dense_budget_bytes = {settings.dense_budget_bytes / 1e9:.2f} GB"
        )
        raise SolverError(msg)


def _pairs_from_dense(costs: np.ndarray, cand: np.ndarray) -> Pairs:
    sub = np.asarray(costs, dtype=np.float64)[:, cand]
    rows, pos = np.nonzero(np.isfinite(sub))
    return _sorted_pairs(sub.shape[0], rows, pos, sub[rows, pos])


def _pairs_from_sparse(costs: sp.sparray | sp.spmatrix, cand: np.ndarray, n_sites: int) -> Pairs:
    csr = costs.tocsr()
    col_pos = np.full(n_sites, -1, dtype=np.int64)
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


def prepare(problem: Problem) -> Prepared:
    """Turn a checked problem into solver form.

    Parameters
    ----------
    problem
        A problem that passed :func:`~gateway_planner.locate.problem.validate_problem`.

    Returns
    -------
    Prepared
        Weights, candidates, forced-open mask and sorted reachable pairs.
    """
    cand = problem.candidate_index
    fixed = np.unique(np.asarray(problem.fixed, dtype=np.int64))
    existing = np.isin(cand, fixed)
    forced = existing & (not problem.allow_closing)
    if sp.issparse(problem.costs):
        pairs = _pairs_from_sparse(problem.costs, cand, problem.n_sites)
    else:
        pairs = _pairs_from_dense(np.asarray(problem.costs), cand)
    w = np.asarray(problem.weights, dtype=np.float64)
    return Prepared(problem=problem, w=w, cand=cand, forced=forced, existing=existing, pairs=pairs)


def nearest_open(
    data: Prepared, is_open: np.ndarray, *, within: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest open candidate of every cell (lowest site index on ties).

    Parameters
    ----------
    data
        The prepared problem.
    is_open
        Boolean mask over candidate positions.
    within
        Only sites at most this many minutes away count.

    Returns
    -------
    tuple of numpy.ndarray
        Candidate position (-1 when none) and minutes (inf when none) per cell.
    """
    pairs = data.pairs
    ok = is_open[pairs.pos] & (pairs.cost <= within)
    idx = np.flatnonzero(ok)
    rows = pairs.rows[idx]
    uniq, first = np.unique(rows, return_index=True)
    pos = np.full(data.n_cells, -1, dtype=np.int64)
    cost = np.full(data.n_cells, np.inf)
    pos[uniq] = pairs.pos[idx[first]]
    cost[uniq] = pairs.cost[idx[first]]
    return pos, cost
