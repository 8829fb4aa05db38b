"""Exhaustive enumeration: the exact answer when few sites remain to choose.

Planners often ask for one or two new sites among a few dozen candidates; then every subset
can be scored faster than any model can be built. Subsets are visited in lexicographic order
and only a strict improvement replaces the best, so ties go to the lowest site indices. The
last site of each subset is scored for all candidates at once with numpy.

:data:`ENUMERATION_BUDGET` is the one switch of every model that enumerates (p-median, maximal
coverage, p-center): set it to 0 and they take their other exact paths on any size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np

__all__ = [
    "ENUMERATION_BUDGET",
    "all_subsets",
    "count_subsets",
    "enumerate_best",
    "enumeration_fits",
]

#: Largest enumeration (subsets x cells x sites per subset) tried before any model; 0 turns
#: enumeration off.
ENUMERATION_BUDGET = 3e8


def count_subsets(n_free: int, k: int) -> int:
    """Count the subsets of ``k`` among ``n_free`` sites.

    Parameters
    ----------
    n_free
        Sites to choose from.
    k
        Sites to choose.

    Returns
    -------
    int
        The binomial coefficient.
    """
    return math.comb(n_free, k) if 0 <= k <= n_free else 0


def enumeration_fits(n_free: int, k: int, n_cells: int) -> bool:
    """Whether scoring every subset fits :data:`ENUMERATION_BUDGET` (read at call time).

    Parameters
    ----------
    n_free
        Sites to choose from.
    k
        Sites to choose.
    n_cells
        Cells scored for every subset.

    Returns
    -------
    bool
        True when ``subsets x cells x k`` is within the budget (never when it is 0).
    """
    return ENUMERATION_BUDGET > 0 and count_subsets(n_free, k) * n_cells * k <= ENUMERATION_BUDGET


def enumerate_best(
    wcost: np.ndarray,
    forced: np.ndarray,
    allowed: np.ndarray,
    k: int,
    *,
    aggregate: str = "sum",
) -> tuple[np.ndarray, float, int]:
    """Best set of ``k`` extra sites by exhaustive enumeration.

    Parameters
    ----------
    wcost
        Costs, cells x sites (weighted for "sum"); large finite values for unreachable pairs.
    forced
        Sites open in every subset.
    allowed
        Sites that may open.
    k
        Number of sites to add (>= 1).
    aggregate
        {"sum", "max"} Total cost (p-median) or largest cost (p-center); for "max" the total
        breaks ties.

    Returns
    -------
    tuple
        Open mask, its value and the number of subsets scored.
    """
    free = np.flatnonzero(allowed & ~forced)
    best_key = (math.inf, math.inf)
    best_set: tuple[int, ...] = ()
    scored = 0
    for head, start, tail in _blocks(wcost, forced, free, k):
        total = tail.sum(axis=0)
        scored += total.size
        if aggregate == "max":
            worst = tail.max(axis=0)
            lead = worst.min()
            cands = np.flatnonzero(worst == lead)
            j = int(cands[np.argmin(total[cands])])
            key = (float(worst[j]), float(total[j]))
        else:
            j = int(np.argmin(total))
            key = (float(total[j]), 0.0)
        if _better(key, best_key):
            best_key = key
            best_set = (*head, start + j)
    is_open = forced.copy()
    is_open[free[list(best_set)]] = True
    return is_open, best_key[0], scored


def _blocks(
    wcost: np.ndarray, forced: np.ndarray, free: np.ndarray, k: int
) -> Iterator[tuple[tuple[int, ...], int, np.ndarray]]:
    """Subsets in lexicographic order, in blocks sharing their first ``k - 1`` free sites.

    Yields each head (positions in ``free``), the position of the first last site, and every
    cell's cost with the forced sites, the head and each possible last site open:
    ``(n_cells, free.size - start)``.
    """
    base = wcost[:, forced].min(axis=1) if forced.any() else np.full(wcost.shape[0], np.inf)
    for head in itertools.combinations(range(free.size), k - 1):
        start = head[-1] + 1 if head else 0
        if start >= free.size:
            continue
        cur = base
        for h in head:
            cur = np.minimum(cur, wcost[:, free[h]])
        yield head, start, np.minimum(cur[:, None], wcost[:, free[start:]])


def _better(key: tuple[float, float], best: tuple[float, float]) -> bool:
    if math.isinf(best[0]):
        return True
    tol0 = 1e-9 * max(1.0, abs(best[0]))
    if key[0] < best[0] - tol0:
        return True
    return key[0] <= best[0] + tol0 and key[1] < best[1] - 1e-9 * max(1.0, abs(best[1]))


def all_subsets(
    wcost: np.ndarray, forced: np.ndarray, allowed: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every subset of ``k`` extra sites with its total cost, cheapest first (stable order).

    Parameters
    ----------
    wcost
        Weighted costs, cells x sites.
    forced
        Sites open in every subset.
    allowed
        Sites that may open.
    k
        Number of sites to add (>= 1).

    Returns
    -------
    tuple of numpy.ndarray
        ``(n_subsets, k)`` site indices and the total cost of each subset, sorted by cost.
    """
    free = np.flatnonzero(allowed & ~forced)
    sets: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for head, start, tail in _blocks(wcost, forced, free, k):
        total = tail.sum(axis=0)
        tails = np.arange(start, free.size)
        block = np.empty((tails.size, k), dtype=np.int64)
        block[:, : k - 1] = np.asarray(head, dtype=np.int64)
        block[:, k - 1] = tails
        sets.append(free[block])
        values.append(total)
    if not sets:
        return np.zeros((0, k), dtype=np.int64), np.zeros(0)
    all_sets = np.concatenate(sets)
    all_values = np.concatenate(values)
    order = np.argsort(all_values, kind="stable")
    return all_sets[order], all_values[order]
