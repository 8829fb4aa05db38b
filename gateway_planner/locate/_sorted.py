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

__all__ = ["SortedCosts", "pair_order", "prefix_entries", "prefix_lengths", "two_smallest"]


def pair_order(rows: np.ndarray, values: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """Order sorting pairs by (row, value, column), or None when they are sorted already.

    Pairs usually arrive grouped by row with columns ascending (CSR), so one stable sort of the
    key ``row x span + value`` sorts them in well under a second for millions of pairs, where a
    three-key ``lexsort`` takes several. The result is checked, and ``lexsort`` used when the
    key could not separate two values (float rounding) or ties were out of column order.

    Parameters
    ----------
    rows, values, cols
        One entry per pair; ``values`` finite.

    Returns
    -------
    numpy.ndarray or None
        The permutation, or None when the pairs are in order.
    """
    if _in_order(rows, values, cols):
        return None
    if values.size:
        low, high = float(values.min()), float(values.max())
        key = rows * ((high - low) + 1.0) + (values - low)
        order = np.argsort(key, kind="stable")
        if _in_order(rows[order], values[order], cols[order]):
            return order
    return np.lexsort((cols, values, rows))


def _in_order(rows: np.ndarray, values: np.ndarray, cols: np.ndarray) -> bool:
    r0, r1 = rows[:-1], rows[1:]
    v0, v1 = values[:-1], values[1:]
    same_row = r1 == r0
    tie = same_row & (v1 == v0)
    return bool(np.all((r1 >= r0) & ~(same_row & (v1 < v0)) & ~(tie & (cols[1:] <= cols[:-1]))))


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
        """Build from CSR-style rows, sorting each row by (value, column) unless it is already.

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
        order = pair_order(rows, values, cols)
        if order is not None:
            values, cols = values[order], cols[order]
        fill = np.asarray(fill, dtype=np.float64)
        integral = bool(np.all(values == np.round(values)) and np.all(fill == np.round(fill)))
        return cls(
            indptr=indptr,
            values=values,
            cols=cols,
            fill=fill.copy(),
            m=int(m),
            integral=integral,
        )

    def only_sites(self, keep: np.ndarray) -> SortedCosts:
        """Return the same rows listing only the sites of ``keep`` (the others are never open).

        The fills stay: a site left out must never be opened in what uses the result.

        Parameters
        ----------
        keep
            Boolean mask of the sites to keep listed.

        Returns
        -------
        SortedCosts
            The smaller form (rows still sorted).
        """
        on = keep[self.cols]
        rows = np.repeat(np.arange(self.fill.size), self.lengths)
        indptr = np.zeros(self.indptr.size, dtype=np.int64)
        np.cumsum(np.bincount(rows[on], minlength=self.fill.size), out=indptr[1:])
        return SortedCosts(
            indptr=indptr,
            values=self.values[on],
            cols=self.cols[on],
            fill=self.fill,
            m=self.m,
            integral=self.integral,
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
        # numpy sorts 16-bit integers by radix: several times faster on millions of entries
        key = self.cols.astype(np.int16) if self.m <= np.iinfo(np.int16).max else self.cols
        order = np.argsort(key, kind="stable")
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

    def column_sums(self, lam: np.ndarray) -> np.ndarray:
        """Per site, ``sum_i min(0, cost_ij - lam_i)`` over its listed rows.

        One streaming pass over the entries site by site (``lam`` is gathered by row, which
        stays in cache), cheaper than collecting each row's entries below ``lam``.

        Parameters
        ----------
        lam
            One threshold per row, at most the row's fill (unlisted sites then add nothing).

        Returns
        -------
        numpy.ndarray
            One sum per site.
        """
        col_indptr, rows, values = self._columns
        d = values - lam[rows]
        np.minimum(d, 0.0, out=d)
        if d.size == 0:
            return np.zeros(self.m)
        starts = np.minimum(col_indptr[:-1], d.size - 1)
        out = np.add.reduceat(d, starts)
        out[col_indptr[1:] == col_indptr[:-1]] = 0.0
        return out

    def column_entries(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every entry of a few sites: row, position in ``sites`` and cost.

        Parameters
        ----------
        sites
            Sites (columns).

        Returns
        -------
        tuple of numpy.ndarray
            Rows, slots (index into ``sites``) and costs, site by site.
        """
        sites = np.asarray(sites, dtype=np.int64)
        col_indptr, rows, values = self._columns
        lens = col_indptr[sites + 1] - col_indptr[sites]
        slot = np.repeat(np.arange(sites.size), lens)
        idx = np.repeat(col_indptr[sites] - (np.cumsum(lens) - lens), lens) + np.arange(slot.size)
        return rows[idx], slot, values[idx]

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
        out = np.repeat(self.fill[:, None], np.size(sites), axis=1)
        rows, slot, values = self.column_entries(sites)
        out[rows, slot] = values
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
        a, d1, d2 = two_smallest(self.costs_of(open_idx), self.fill)
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


def two_smallest(
    sub: np.ndarray, alone: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``sub``, the column of its smallest value, that value and the second smallest.

    Parameters
    ----------
    sub
        ``(n, k)`` costs of the open sites, ``k >= 1``; overwritten.
    alone
        The second smallest when ``k == 1`` (per row, or one value for all).

    Returns
    -------
    tuple of numpy.ndarray
        Column (lowest on ties), smallest and second-smallest value per row.
    """
    rows = np.arange(sub.shape[0])
    a = np.argmin(sub, axis=1)
    d1 = sub[rows, a]
    if sub.shape[1] > 1:
        sub[rows, a] = np.inf
        d2 = sub.min(axis=1)
    else:
        d2 = np.array(np.broadcast_to(alone, rows.shape), dtype=np.float64)
    return a, d1, d2


def prefix_lengths(
    sc: SortedCosts, lam: np.ndarray, count: np.ndarray, *, rows: np.ndarray | None = None
) -> np.ndarray:
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
    rows
        Only these rows (all when None).

    Returns
    -------
    numpy.ndarray
        The updated lengths.
    """
    which = np.arange(sc.fill.size) if rows is None else np.asarray(rows, dtype=np.int64)
    vals = sc.values
    start = sc.indptr[which]
    limit = lam[which]
    lo = np.zeros(which.size, dtype=np.int64)
    hi = (sc.indptr[which + 1] - start).astype(np.int64)
    active = np.flatnonzero(lo < hi)
    while active.size:
        mid = (lo[active] + hi[active]) // 2
        below = vals[start[active] + mid] < limit[active]
        lo[active[below]] = mid[below] + 1
        hi[active[~below]] = mid[~below]
        active = active[lo[active] < hi[active]]
    count[which] = lo
    return count


def prefix_entries(
    sc: SortedCosts, count: np.ndarray, *, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and value of every entry inside the prefixes.

    Parameters
    ----------
    sc
        The sorted costs.
    count
        Prefix length per row.
    rows
        Only these rows (all when None), in this order.

    Returns
    -------
    tuple of numpy.ndarray
        Rows, columns and values, row by row in sorted order.
    """
    which = np.arange(count.size) if rows is None else np.asarray(rows, dtype=np.int64)
    lens = count[which]
    r = np.repeat(which, lens)
    idx = np.repeat(sc.indptr[which] - (np.cumsum(lens) - lens), lens) + np.arange(r.size)
    return r, sc.cols[idx], sc.values[idx]
