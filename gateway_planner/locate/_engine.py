"""The assignment engine shared by p-median, maximal coverage and capacities: :class:`MedianCore`.

An assignment-type problem asks for ``p`` open sites minimising ``sum_i w_i c_i(S)``, where
``c_i(S)`` is the cheapest listed cost of an open site for cell ``i``, else the cell's unserved
cost. The p-median lists minutes (unserved: ``unserved_cost``, or ``inf`` when every cell must
be served); maximal coverage lists ``1 - credit`` with unserved cost 1. The core keeps only the
cells of positive weight and the pairs cheaper than leaving the cell unserved, sorted per cell,
and hands the same data to every solver: sorted weighted costs for the heuristics and the
Lagrangian bound, a dense matrix for enumeration, and the radius model (:mod:`._radius`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ._data import Prepared, check_dense_budget
from ._sorted import SortedCosts, pair_order

__all__ = ["MedianCore"]


@dataclass(frozen=True)
class MedianCore:
    """An assignment-type problem: minimise ``sum_i w_i c_i(S)`` over open sets ``S``.

    ``c_i(S)`` is the cheapest listed cost of an open site, else the cell's unserved cost
    (``inf``: the cell must be served). p-median uses minutes; maximal coverage uses
    ``1 - credit`` with unserved cost 1.
    """

    data: Prepared
    rows: np.ndarray
    w: np.ndarray
    indptr: np.ndarray
    pos: np.ndarray
    cost: np.ndarray
    unserved: np.ndarray
    label: str
    forced: np.ndarray
    allowed: np.ndarray
    p: int
    quick_mip: bool = False

    @classmethod
    def build(
        cls,
        data: Prepared,
        pair_cost: np.ndarray,
        unserved: np.ndarray,
        *,
        label: str,
        quick_mip: bool = False,
    ) -> MedianCore:
        """Keep cells of positive weight and pairs cheaper than being unserved.

        Parameters
        ----------
        data
            The prepared problem.
        pair_cost
            Model cost of every pair in ``data.pairs`` (non-decreasing in minutes per cell).
        unserved
            Per cell, the cost when no listed site is open (``inf`` = must be served).
        label
            Formulation name for the solver label.
        quick_mip
            Whether the exact path tries HiGHS within a node limit before probing (coverage
            models often solve at the root; p-median radius models rarely do, and their root
            can take long).

        Returns
        -------
        MedianCore
            The core problem.
        """
        rows_all = data.pairs.rows
        active = data.w > 0
        keep = active[rows_all] & (pair_cost < unserved[rows_all])
        rows = np.flatnonzero(active)
        new_row = np.full(data.n_cells, -1, dtype=np.int64)
        new_row[rows] = np.arange(rows.size)
        r = new_row[rows_all[keep]]
        pos = data.pairs.pos[keep]
        cost = np.asarray(pair_cost, dtype=np.float64)[keep]
        order = pair_order(r, cost, pos)  # kept pairs of minutes are in order already
        if order is not None:
            r, pos, cost = r[order], pos[order], cost[order]
        indptr = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=rows.size), out=indptr[1:])
        return cls(
            data=data,
            rows=rows,
            w=data.w[rows],
            indptr=indptr,
            pos=pos,
            cost=cost,
            unserved=np.asarray(unserved, dtype=np.float64)[rows],
            label=label,
            forced=data.forced.copy(),
            allowed=np.ones(data.m, dtype=bool),
            p=data.p,
            quick_mip=quick_mip,
        )

    def restrict(self, closed: np.ndarray, opened: np.ndarray) -> MedianCore:
        """Fix some sites closed and others open, returning a smaller core.

        Parameters
        ----------
        closed, opened
            Boolean masks over candidates.

        Returns
        -------
        MedianCore
            A smaller core (pairs of closed sites removed).
        """
        keep = ~closed[self.pos]
        counts = np.bincount(self.pair_rows[keep], minlength=self.n)
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return replace(
            self,
            indptr=indptr,
            pos=self.pos[keep],
            cost=self.cost[keep],
            forced=self.forced | opened,
            allowed=self.allowed & ~closed,
        )

    @property
    def n(self) -> int:
        """Number of cells of positive weight."""
        return int(self.rows.size)

    @property
    def pair_rows(self) -> np.ndarray:
        """Core row of every pair."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    @property
    def k(self) -> int:
        """Number of sites left to choose besides the forced ones."""
        return self.p - int(self.forced.sum())

    @property
    def n_free(self) -> int:
        """Number of sites that may open and are not forced."""
        return int((self.allowed & ~self.forced).sum())

    def only_choice(self) -> np.ndarray | None:
        """Return the open set when no choice is left (nothing or everything to add), else None.

        Returns
        -------
        numpy.ndarray or None
            Boolean mask over candidates.
        """
        if self.k == 0:
            return self.forced.copy()
        if self.k == self.n_free:
            return self.allowed.copy()
        return None

    def cell_costs(self, is_open: np.ndarray) -> np.ndarray:
        """Per core row, the cost under open set ``is_open``.

        Parameters
        ----------
        is_open
            Boolean mask over candidates.

        Returns
        -------
        numpy.ndarray
            Cheapest open listed cost, else the unserved cost.
        """
        out = self.unserved.copy()
        idx = np.flatnonzero(is_open[self.pos])
        uniq, first = np.unique(self.pair_rows[idx], return_index=True)
        out[uniq] = self.cost[idx[first]]
        return out

    def objective(self, is_open: np.ndarray) -> float:
        """Weighted total cost of an open set.

        Parameters
        ----------
        is_open
            Boolean mask over candidates.

        Returns
        -------
        float
            ``sum_i w_i c_i`` (inf when a must-serve cell is not served).
        """
        c = self.cell_costs(is_open)
        if np.isinf(c).any():
            return math.inf
        return float(self.w @ c)

    def _fill(self) -> np.ndarray:
        """Weighted cost of a cell no listed site serves; must-serve cells get a penalty."""
        finite_u = np.isfinite(self.unserved)
        maxc = np.zeros(self.n)
        if self.cost.size:
            np.maximum.at(maxc, self.pair_rows, self.cost)
        big = float(self.w @ np.where(finite_u, self.unserved, maxc)) + 1.0
        return np.where(finite_u, self.w * np.where(finite_u, self.unserved, 0.0), big)

    def sorted_costs(self) -> SortedCosts:
        """Weighted costs sorted by cell for the heuristics and bounds (no dense matrix).

        Returns
        -------
        SortedCosts
            Each cell's listed pairs (weight x cost, ascending); unlisted sites cost the cell's
            weighted unserved cost, or a prohibitive penalty when it must be served.
        """
        values = self.w[self.pair_rows] * self.cost
        return SortedCosts.from_rows(self.indptr, self.pos, values, self._fill(), self.data.m)

    def dense(self) -> np.ndarray:
        """Weighted dense costs (enumeration, capacities); unlisted pairs cost the cell's fill.

        Returns
        -------
        numpy.ndarray
            ``(n, m)`` matrix.

        Raises
        ------
        SolverError
            When the matrix would pass ``settings.dense_budget_bytes``.
        """
        check_dense_budget(self.n, self.data.m)
        out = np.repeat(self._fill()[:, None], self.data.m, axis=1)
        r = self.pair_rows
        out[r, self.pos] = self.w[r] * self.cost
        return out
