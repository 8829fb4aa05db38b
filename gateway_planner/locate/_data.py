"""A checked problem in solver form, shared by every model: weights, candidates, sorted pairs.

The costs arrive dense or sparse and are read once into :class:`~._pairs.Pairs` (for every
cell, its reachable candidates sorted by minutes). What a model needs beyond the pairs is
derived from them here: a dense matrix of per-pair values (:meth:`Prepared.dense`), a 0/1 cover
matrix (:meth:`Prepared.cover`) and each cell's nearest open site (:func:`nearest_sites`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .. import settings
from ..errors import SolverError
from ._pairs import Pairs
from .problem import Problem, checked_pairs

__all__ = [
    "Pairs",
    "Prepared",
    "check_dense_budget",
    "nearest_sites",
    "prepare",
]


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
        n_rows, r = self._pair_rows(rows)
        check_dense_budget(n_rows, self.m)
        out = np.empty((n_rows, self.m), dtype=np.float64)
        out[:] = np.asarray(fill, dtype=np.float64).reshape(-1, 1) if np.ndim(fill) else fill
        ok = r >= 0
        out[r[ok], self.pairs.pos[ok]] = values[ok]
        return out

    def cover(self, ok: np.ndarray, *, rows: np.ndarray | None = None) -> sp.csr_array:
        """Mark the pairs where ``ok`` holds in a 0/1 (cells x candidates) matrix.

        Parameters
        ----------
        ok
            One boolean per pair (for example: within the coverage radius).
        rows
            Cells to keep (all when None), in that order.

        Returns
        -------
        scipy.sparse.csr_array
            ``(len(rows), m)``, 1.0 at the chosen pairs (sorted indices, no duplicates).
        """
        n_rows, r = self._pair_rows(rows)
        take = ok & (r >= 0)
        ones = np.ones(int(take.sum()))
        return sp.csr_array((ones, (r[take], self.pairs.pos[take])), shape=(n_rows, self.m))

    def _pair_rows(self, rows: np.ndarray | None) -> tuple[int, np.ndarray]:
        """Count the rows kept and give every pair its row among them (-1 when left out)."""
        if rows is None:
            return self.n_cells, self.pairs.rows
        keep = np.asarray(rows)
        where = np.full(self.n_cells, -1, dtype=np.int64)
        where[keep] = np.arange(keep.size)
        return int(keep.size), where[self.pairs.rows]


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


def prepare(problem: Problem, *, model: str) -> Prepared:
    """Check a problem for a model and turn it into solver form (its costs read once).

    Parameters
    ----------
    problem
        The problem.
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter", "max_attendance"}

    Returns
    -------
    Prepared
        Weights, candidates, forced-open mask and sorted reachable pairs.

    Raises
    ------
    InputError
        Listing every bad value (see :func:`~gateway_planner.locate.problem.validate_problem`).
    InfeasibleError
        When no solution can exist.
    """
    pairs = checked_pairs(problem, model=model)
    cand = problem.candidate_index
    fixed = np.unique(np.asarray(problem.fixed, dtype=np.int64))
    existing = np.isin(cand, fixed)
    forced = existing & (not problem.allow_closing)
    w = np.asarray(problem.weights, dtype=np.float64)
    return Prepared(problem=problem, w=w, cand=cand, forced=forced, existing=existing, pairs=pairs)


def nearest_sites(data: Prepared, is_open: np.ndarray, *, within: float = np.inf) -> np.ndarray:
    """Site index of every cell's nearest open candidate (lowest index on ties), -1 when none.

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
    numpy.ndarray
        ``(n_cells,)`` site indices (columns of the problem's costs).
    """
    pairs = data.pairs
    idx = np.flatnonzero(is_open[pairs.pos] & (pairs.cost <= within))
    cells, first = np.unique(pairs.rows[idx], return_index=True)  # pairs are sorted per cell
    out = np.full(data.n_cells, -1, dtype=np.int64)
    out[cells] = data.cand[pairs.pos[idx[first]]]
    return out
