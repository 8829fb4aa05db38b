"""Rows of a weighted cost matrix sorted once, and prefix lengths below per-row thresholds.

Lagrangian bounds and swap pricing only need, for each cell, the sites cheaper than some
per-cell threshold (its multiplier, or its second-nearest open site). With each row sorted
once these sites form a prefix whose length changes little from one step to the next, so
:func:`prefix_lengths` updates the lengths by walking them, touching only the rows that move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SortedCosts", "prefix_entries", "prefix_lengths"]


@dataclass(frozen=True)
class SortedCosts:
    """Each row of a weighted cost matrix sorted once, with the column of every entry.

    Parameters
    ----------
    values
        ``(n, m)`` costs, each row ascending.
    cols
        ``(n, m)`` column of each sorted entry (ties in column order).
    integral
        Whether every cost is an integer (then every solution value is one).
    """

    values: np.ndarray
    cols: np.ndarray
    integral: bool

    @classmethod
    def of(cls, wcost: np.ndarray) -> SortedCosts:
        """Sort a weighted cost matrix row by row.

        Parameters
        ----------
        wcost
            Weighted costs, cells x sites (finite).

        Returns
        -------
        SortedCosts
            The sorted form.
        """
        order = np.argsort(wcost, axis=1, kind="stable")
        values = np.take_along_axis(wcost, order, axis=1)
        return cls(
            values=values,
            cols=order.astype(np.int64),
            integral=bool(np.all(wcost == np.round(wcost))),
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_cells, n_sites)``."""
        return self.values.shape  # type: ignore[return-value]


def prefix_lengths(sc: SortedCosts, lam: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Move each row's prefix length to the number of its entries strictly below ``lam``.

    Parameters
    ----------
    sc
        The sorted costs.
    lam
        One threshold per row.
    count
        Current lengths (updated in place).

    Returns
    -------
    numpy.ndarray
        The updated lengths.
    """
    vals = sc.values
    m = vals.shape[1]
    rows = np.flatnonzero(count < m)
    rows = rows[vals[rows, count[rows]] < lam[rows]]
    while rows.size:
        count[rows] += 1
        rows = rows[count[rows] < m]
        rows = rows[vals[rows, count[rows]] < lam[rows]]
    rows = np.flatnonzero(count > 0)
    rows = rows[vals[rows, count[rows] - 1] >= lam[rows]]
    while rows.size:
        count[rows] -= 1
        rows = rows[count[rows] > 0]
        rows = rows[vals[rows, count[rows] - 1] >= lam[rows]]
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
    within = np.arange(rows.size) - starts[rows]
    return rows, sc.cols[rows, within], sc.values[rows, within]
