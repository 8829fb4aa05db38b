"""Weighted costs as sorted rows of the pairs that matter, and prefixes below per-row thresholds.

The p-median heuristics and its Lagrangian bound only ever look, for each cell, at the sites
cheaper than some per-cell threshold (its multiplier, or its second-nearest open site). With
each row sorted once these sites form a prefix; :func:`prefix_lengths` finds every row's by a
binary search in all rows at once.

Rows are ragged: a row lists only its cell's reachable (or worthwhile) sites; every other site
costs the row's ``fill`` (the cell's cost when unserved, or a prohibitive penalty when it must
be served), which is at least every listed value. A county problem pruned by its kept sites
lists a few percent of its cells x sites pairs, and nothing here allocates cells x sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["SortedCosts", "prefix_entries", "prefix_lengths"]


@dataclass(frozen=True, eq=False)
class SortedCosts:
    """Each cell's listed sites sorted by weighted cost, CSR-style; unlisted sites cost ``fill``.

    Parameters
    ----------
    indptr
        ``(n + 1,)`` row offsets into ``values`` and ``cols``.
    values
        Weighted costs, ascending within each row (ties in column order).
    cols
        Site (column) of each entry.
    fill
        ``(n,)`` cost of every site a row does not list; at least each of the row's values.
    m
        Number of sites.
    integral
        Whether every cost (fills included) is an integer (then every solution value is one).
    """

    indptr: np.ndarray
    values: np.ndarray
    cols: np.ndarray
    fill: np.ndarray
    m: int
    integral: bool

    @classmethod
    def of(cls, wcost: np.ndarray) -> SortedCosts:
        """Sort a dense weighted cost matrix row by row (every site listed).

        Parameters
        ----------
        wcost
            Weighted costs, cells x sites (finite).

        Returns
        -------
        SortedCosts
            The sorted form; each row's fill is its largest cost.
        """
        wcost = np.asarray(wcost, dtype=np.float64)
        n, m = wcost.shape
        order = np.argsort(wcost, axis=1, kind="stable")
        values = np.take_along_axis(wcost, order, axis=1)
        fill = values[:, -1].copy() if m else np.zeros(n)
        return cls(
            indptr=np.arange(n + 1, dtype=np.int64) * m,
            values=values.ravel(),
            cols=order.astype(np.int64).ravel(),
            fill=fill,
            m=m,
            integral=bool(np.all(wcost == np.round(wcost))),
        )

    @classmethod
    def from_rows(
        cls, indptr: np.ndarray, cols: np.ndarray, values: np.ndarray, fill: np.ndarray, m: int
    ) -> SortedCosts:
        """Build from CSR-style rows, sorting each row by (value, column).

        Parameters
        ----------
        indptr
            ``(n + 1,)`` row offsets.
        cols
            Site of each entry (no repeats within a row).
        values
            Weighted cost of each entry, at most the row's ``fill``.
        fill
            Per row, the cost of every unlisted site.
        m
            Number of sites.

        Returns
        -------
        SortedCosts
            The sorted form.
        """
        indptr = np.asarray(indptr, dtype=np.int64)
        n = indptr.size - 1
        rows = np.repeat(np.arange(n), np.diff(indptr))
        values = np.asarray(values, dtype=np.float64)
        cols = np.asarray(cols, dtype=np.int64)
        order = np.lexsort((cols, values, rows))
        fill = np.asarray(fill, dtype=np.float64)
        integral = bool(np.all(values == np.round(values)) and np.all(fill == np.round(fill)))
        return cls(
            indptr=indptr,
            values=values[order],
            cols=cols[order],
            fill=fill.copy(),
            m=int(m),
            integral=integral,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_cells, n_sites)``."""
        return self.fill.size, self.m

    @property
    def lengths(self) -> np.ndarray:
        """Listed sites per row."""
        return np.diff(self.indptr)

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries site by site: offsets, rows and values (rows ascending per site)."""
        rows = np.repeat(np.arange(self.fill.size), self.lengths)
        order = np.argsort(self.cols, kind="stable")
        col_indptr = np.zeros(self.m + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.cols, minlength=self.m), out=col_indptr[1:])
        return col_indptr, rows[order], self.values[order]

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows listing site ``j`` and their costs (other rows cost their ``fill``).

        Parameters
        ----------
        j
            Site (column).

        Returns
        -------
        tuple of numpy.ndarray
            Rows (ascending) and costs.
        """
        col_indptr, rows, values = self._columns
        lo, hi = col_indptr[j], col_indptr[j + 1]
        return rows[lo:hi], values[lo:hi]

    def costs_of(self, sites: np.ndarray) -> np.ndarray:
        """Dense costs of a few sites for every row: ``(n, len(sites))``.

        Parameters
        ----------
        sites
            Sites (columns), usually the open ones.

        Returns
        -------
        numpy.ndarray
            Listed costs, ``fill`` elsewhere.
        """
        sites = np.asarray(sites, dtype=np.int64)
        out = np.repeat(self.fill[:, None], sites.size, axis=1)
        col_indptr, rows, values = self._columns
        lens = col_indptr[sites + 1] - col_indptr[sites]
        slot = np.repeat(np.arange(sites.size), lens)
        within = np.arange(slot.size) - (np.cumsum(lens) - lens)[slot]
        idx = col_indptr[sites][slot] + within
        out[rows[idx], slot] = values[idx]
        return out

    def nearest_two(self, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest open site of every row, its cost, and the cost of the second nearest.

        Parameters
        ----------
        is_open
            Boolean mask of open sites (at least one).

        Returns
        -------
        tuple of numpy.ndarray
            Nearest open site (lowest index on ties), its cost, and the second-nearest cost,
            capped at the row's ``fill`` (the cost of any unlisted site) when fewer than two
            sites are open.
        """
        open_idx = np.flatnonzero(is_open)
        sub = self.costs_of(open_idx)
        rows = np.arange(sub.shape[0])
        a = np.argmin(sub, axis=1)
        d1 = sub[rows, a]
        if open_idx.size > 1:
            sub[rows, a] = np.inf
            d2 = sub.min(axis=1)
        else:
            d2 = self.fill.copy()
        return open_idx[a], d1, d2

    def total(self, is_open: np.ndarray) -> float:
        """Sum over rows of the cheapest open site's cost.

        Parameters
        ----------
        is_open
            Boolean mask of open sites (at least one).

        Returns
        -------
        float
            The total weighted cost.
        """
        return float(self.costs_of(np.flatnonzero(is_open)).min(axis=1).sum())

    def kth(self, k: int) -> np.ndarray:
        """Per row, the ``k``-th cheapest cost (0-based; ``fill`` when the row lists fewer).

        Parameters
        ----------
        k
            Rank.

        Returns
        -------
        numpy.ndarray
            One cost per row.
        """
        out = self.fill.copy()
        has = self.lengths > k
        out[has] = self.values[self.indptr[:-1][has] + k]
        return out


def prefix_lengths(sc: SortedCosts, lam: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Set each row's prefix length to the number of its entries strictly below ``lam``.

    A binary search in every row at once: O(rows x log(longest row)) whatever the thresholds.

    Parameters
    ----------
    sc
        The sorted costs.
    lam
        One threshold per row.
    count
        Lengths to overwrite (updated in place).

    Returns
    -------
    numpy.ndarray
        The updated lengths.
    """
    vals = sc.values
    start = sc.indptr[:-1]
    lo = np.zeros(sc.fill.size, dtype=np.int64)
    hi = sc.lengths.astype(np.int64)
    rows = np.flatnonzero(lo < hi)
    while rows.size:
        mid = (lo[rows] + hi[rows]) // 2
        below = vals[start[rows] + mid] < lam[rows]
        lo[rows[below]] = mid[below] + 1
        hi[rows[~below]] = mid[~below]
        rows = rows[lo[rows] < hi[rows]]
    count[:] = lo
    return count


def prefix_entries(sc: SortedCosts, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and value of every entry inside the prefixes.

    Parameters
    ----------
    sc
        The sorted costs.
    count
        Prefix length per row.

    Returns
    -------
    tuple of numpy.ndarray
        Rows, columns and values, row by row in sorted order.
    """
    n = count.size
    rows = np.repeat(np.arange(n), count)
    starts = np.cumsum(count) - count
    idx = sc.indptr[:-1][rows] + (np.arange(rows.size) - starts[rows])
    return rows, sc.cols[idx], sc.values[idx]
