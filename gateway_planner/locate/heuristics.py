"""Seeded greedy construction and fast vertex substitution for instances too big for exact models.

The p-median functions work on :class:`~._sorted.SortedCosts`: *weighted* costs (weight x
minutes, or any assignment cost) listed per cell in increasing order, every unlisted site at the
cell's ``fill`` (its unserved cost, or a large finite penalty), so that county-sized problems
never need a cells x sites matrix. The p-center and cover functions work on a dense
``(n_cells, m)`` matrix ``wcost``. All take a boolean mask of sites that must stay open. They
are vectorised with numpy and deterministic: ties go to the lowest index and every random
choice comes from ``numpy.random.default_rng(seed)``.

- :func:`greedy_median` -- the greedy add heuristic (Kuehn & Hamburger 1963).
- :func:`interchange_median` -- vertex substitution (Teitz & Bart 1968) with the fast swap
  evaluation of Whitaker (1983) in the gain / loss / extra form of Resende & Werneck (2007):
  every (close r, open j) swap is priced at once from the nearest and second-nearest open site of
  each cell, reading only the pairs cheaper than the second-nearest open site.
- :func:`vns_median` -- variable neighbourhood search around the interchange (Hansen &
  Mladenović 1997): shake k random swaps, re-descend, keep improvements.
- :func:`greedy_center` / :func:`interchange_center` -- the same moves for the p-center
  objective (largest cost), pricing all swaps per closed site.
- :func:`greedy_cover` -- Chvátal's (1979) greedy set cover (cost per newly covered demand) with
  removal of redundant sites.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from ._sorted import SortedCosts, prefix_entries, prefix_lengths, two_smallest

__all__ = [
    "greedy_center",
    "greedy_cover",
    "greedy_median",
    "interchange_center",
    "interchange_median",
    "median_cost",
    "vns_median",
]


def median_cost(sc: SortedCosts, is_open: np.ndarray) -> float:
    """Total cost when every cell uses its cheapest open site.

    Parameters
    ----------
    sc
        Weighted costs, sorted by cell.
    is_open
        Boolean mask of open sites (at least one).

    Returns
    -------
    float
        Sum over cells of the smallest cost among open sites.
    """
    return sc.total(is_open)


def greedy_median(sc: SortedCosts, forced: np.ndarray, p: int) -> np.ndarray:
    """Greedy add: start from the forced sites, open the site saving most until ``p`` are open.

    Before any site is open a cell's cost is its ``fill`` (its unserved cost or penalty), so
    the first site is the one whose listed costs save most against those.

    Parameters
    ----------
    sc
        Weighted costs, sorted by cell.
    forced
        Sites that are open from the start.
    p
        Total number of open sites.

    Returns
    -------
    numpy.ndarray
        Boolean mask of open sites.
    """
    is_open = forced.copy()
    n, m = sc.shape
    cur = sc.nearest_two(is_open)[1] if is_open.any() else sc.fill.copy()
    count = np.zeros(n, dtype=np.int64)
    while int(is_open.sum()) < p:
        count = prefix_lengths(sc, cur, count)
        r_, c_, v_ = prefix_entries(sc, count)
        # float even when no pair is left to gain from (bincount then gives integers)
        gain = np.bincount(c_, weights=cur[r_] - v_, minlength=m).astype(np.float64)
        gain[is_open] = -np.inf
        j = int(np.argmax(gain))
        is_open[j] = True
        rows, values = sc.column(j)
        cur[rows] = np.minimum(cur[rows], values)
    return is_open


def interchange_median(
    sc: SortedCosts,
    is_open: np.ndarray,
    forced: np.ndarray,
    *,
    allowed: np.ndarray | None = None,
    max_moves: int = 100_000,
    deadline: float | None = None,
) -> tuple[np.ndarray, int]:
    """Best-improvement vertex substitution with fast swap pricing.

    For every cell with nearest open site ``a1`` (cost ``d1``) and second nearest cost ``d2``::

        gain[j]     = sum_i max(0, d1_i - W_ij)                          (open j)
        loss[r]     = sum_{i: a1_i = r} (d2_i - d1_i)                     (close r)
        extra[r, j] = sum_{i: a1_i = r} max(0, d2_i - max(W_ij, d1_i))
        profit[r, j] = gain[j] - loss[r] + extra[r, j]

    and the best swap is made while its profit is positive (Whitaker 1983; Resende & Werneck
    2007). Only pairs cheaper than ``d2_i`` contribute; they are the prefixes of the sorted
    rows, so a move costs O(cells x open sites + contributing pairs), never O(cells x sites).
    ``d2_i`` is at most the cell's fill (the cost of any unlisted site), so unlisted sites never
    contribute.

    Parameters
    ----------
    sc
        Weighted costs, sorted by cell.
    is_open
        Starting open sites (not modified).
    forced
        Sites that may not close.
    allowed
        Sites that may open (all when None).
    max_moves
        Cap on swaps.
    deadline
        ``time.perf_counter()`` value after which the search stops early.

    Returns
    -------
    tuple
        The improved open mask and the number of swaps made.
    """
    is_open = is_open.copy()
    n, m = sc.shape
    if n == 0 or bool(np.all(is_open)):
        return is_open, 0
    count = np.zeros(n, dtype=np.int64)
    moves = 0
    while moves < max_moves:
        open_idx = np.flatnonzero(is_open)
        removable = ~forced[open_idx]
        if not removable.any() or open_idx.size == m:
            break
        a1, d1, d2 = sc.nearest_two(is_open)
        current = float(d1.sum())
        slot = np.full(m, -1, dtype=np.int64)
        slot[open_idx] = np.arange(open_idx.size)
        loss = np.bincount(a1, weights=d2 - d1, minlength=m)[open_idx]
        count = prefix_lengths(sc, d2, count)
        r_, c_, v_ = prefix_entries(sc, count)
        gain = np.bincount(c_, weights=np.maximum(d1[r_] - v_, 0.0), minlength=m)
        flat = slot[a1[r_]] * m + c_
        extra = np.bincount(
            flat, weights=d2[r_] - np.maximum(v_, d1[r_]), minlength=open_idx.size * m
        ).reshape(open_idx.size, m)
        profit = gain[None, :] - loss[:, None] + extra
        profit[:, is_open] = -np.inf
        if allowed is not None:
            profit[:, ~allowed] = -np.inf
        profit[~removable, :] = -np.inf
        best = int(np.argmax(profit))
        r, j = divmod(best, m)
        if not profit[r, j] > 1e-9 * max(1.0, abs(current)):
            break
        is_open[open_idx[r]] = False
        is_open[j] = True
        moves += 1
        if deadline is not None and time.perf_counter() > deadline:
            break
    return is_open, moves


def vns_median(
    sc: SortedCosts,
    is_open: np.ndarray,
    forced: np.ndarray,
    *,
    seed: int,
    rounds: int,
    k_max: int = 5,
    allowed: np.ndarray | None = None,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Variable neighbourhood search around :func:`interchange_median`.

    Each round shakes the incumbent with ``k`` random swaps (k = 1, 2, ... ``k_max``, back to 1
    after an improvement), descends with the interchange and keeps the result when it is better
    (Hansen & Mladenović 1997). Seeded, so the result depends only on the inputs and ``seed``
    (unless ``deadline`` stops it first).

    Parameters
    ----------
    sc
        Weighted costs, sorted by cell.
    is_open
        A local optimum to improve (not modified).
    forced
        Sites that may not close.
    seed
        Seed of the random generator.
    rounds
        Number of shakes.
    k_max
        Largest number of random swaps in one shake.
    allowed
        Sites that may open (all when None).
    deadline
        ``time.perf_counter()`` value after which the search stops.
    progress
        Called as ``progress(done, rounds)`` after each round, and with ``(rounds, rounds)``
        when the search stops.

    Returns
    -------
    tuple
        Best open mask found and the number of improving swaps made.
    """
    rng = np.random.default_rng(seed)
    best = is_open.copy()
    best_cost = median_cost(sc, best)
    moves = 0
    k = 1
    for done in range(1, rounds + 1):
        if deadline is not None and time.perf_counter() > deadline:
            break
        out_pool = np.flatnonzero(best & ~forced)
        in_pool = np.flatnonzero(~best if allowed is None else ~best & allowed)
        kk = min(k, out_pool.size, in_pool.size)
        if kk == 0:
            break
        trial = best.copy()
        trial[rng.choice(out_pool, size=kk, replace=False)] = False
        trial[rng.choice(in_pool, size=kk, replace=False)] = True
        trial, made = interchange_median(sc, trial, forced, allowed=allowed, deadline=deadline)
        cost = median_cost(sc, trial)
        if cost < best_cost - 1e-9 * max(1.0, abs(best_cost)):
            best, best_cost = trial, cost
            moves += made + kk
            k = 1
        else:
            k = k + 1 if k < k_max else 1
        if progress is not None:
            progress(done, rounds)
    if progress is not None:
        progress(rounds, rounds)  # finished, also when stopped early
    return best, moves


def greedy_center(wcost: np.ndarray, forced: np.ndarray, p: int) -> np.ndarray:
    """Greedy add for the p-center objective (largest cost), sum of costs breaking ties.

    Parameters
    ----------
    wcost
        Costs, cells x sites (already weighted for the weighted p-center).
    forced
        Sites open from the start.
    p
        Total number of open sites.

    Returns
    -------
    numpy.ndarray
        Boolean mask of open sites.
    """
    is_open = forced.copy()
    n = wcost.shape[0]
    cur = wcost[:, is_open].min(axis=1) if is_open.any() else np.full(n, np.inf)
    while int(is_open.sum()) < p:
        new = np.minimum(cur[:, None], wcost)
        worst = new.max(axis=0)
        total = np.where(np.isinf(new), 0.0, new).sum(axis=0)
        worst[is_open] = np.inf
        cands = np.flatnonzero(worst == worst.min())
        j = int(cands[np.argmin(total[cands])])
        is_open[j] = True
        cur = new[:, j]
    return is_open


def interchange_center(
    wcost: np.ndarray,
    is_open: np.ndarray,
    forced: np.ndarray,
    *,
    max_moves: int = 10_000,
    deadline: float | None = None,
) -> tuple[np.ndarray, int]:
    """Best-improvement swaps for the p-center objective, (largest cost, total cost) lexicographic.

    Parameters
    ----------
    wcost
        Costs, cells x sites.
    is_open
        Starting open sites (not modified).
    forced
        Sites that may not close.
    max_moves
        Cap on swaps.
    deadline
        ``time.perf_counter()`` value after which the search stops early.

    Returns
    -------
    tuple
        The improved open mask and the number of swaps made.
    """
    is_open = is_open.copy()
    n, m = wcost.shape
    far = np.inf
    moves = 0
    while moves < max_moves and n:
        open_idx = np.flatnonzero(is_open)
        removable = open_idx[~forced[open_idx]]
        if removable.size == 0 or open_idx.size == m:
            break
        a, d1, d2 = two_smallest(wcost[:, open_idx], far)
        a1 = open_idx[a]
        cur_key = (float(d1.max()), float(d1.sum()))
        best_key, best_move = cur_key, None
        for r in removable:
            base = np.where(a1 == r, d2, d1)
            new = np.minimum(base[:, None], wcost)
            worst = new.max(axis=0)
            total = new.sum(axis=0)
            worst[is_open] = np.inf
            j_cands = np.flatnonzero(worst == worst.min())
            j = int(j_cands[np.argmin(total[j_cands])])
            key = (float(worst[j]), float(total[j]))
            tol = 1e-9 * max(1.0, abs(best_key[1]))
            if key[0] < best_key[0] - 1e-12 or (
                key[0] <= best_key[0] and key[1] < best_key[1] - tol
            ):
                best_key, best_move = key, (int(r), j)
        if best_move is None:
            break
        is_open[best_move[0]] = False
        is_open[best_move[1]] = True
        moves += 1
        if deadline is not None and time.perf_counter() > deadline:
            break
    return is_open, moves


def greedy_cover(
    cover: sp.csr_array,
    site_cost: np.ndarray,
    weight: np.ndarray,
    forced: np.ndarray,
    *,
    target: float,
) -> np.ndarray:
    """Chvátal's greedy set cover on a cells x sites 0/1 matrix, then redundant sites removed.

    Opens the site with the least cost per newly covered weight until the covered weight
    reaches ``target``; then closes, in decreasing cost order, every non-forced site whose
    removal keeps the target.

    Parameters
    ----------
    cover
        Cells x sites, 1 where the site covers the cell.
    site_cost
        Cost of opening each site (> 0; use 1 to count sites).
    weight
        Weight of each cell (use 1 to cover every cell).
    forced
        Sites open from the start.
    target
        Weight to cover.

    Returns
    -------
    numpy.ndarray
        Boolean mask of open sites.
    """
    csc = sp.csc_array(cover)
    is_open = forced.copy()
    covered = (cover @ is_open.astype(np.float64)) > 0
    tol = 1e-9 * max(1.0, target)
    while float(weight[covered].sum()) < target - tol:
        new_w = csc.T @ np.where(covered, 0.0, weight)
        ratio = np.where(
            new_w > 0, np.maximum(site_cost, 1e-12) / np.maximum(new_w, 1e-300), np.inf
        )
        ratio[is_open] = np.inf
        j = int(np.argmin(ratio))
        if not np.isfinite(ratio[j]):
            break
        is_open[j] = True
        covered |= _covers(csc, j)
    count = np.asarray(cover[:, is_open].sum(axis=1)).ravel()
    for j in np.argsort(-site_cost, kind="stable"):
        if not is_open[j] or forced[j]:
            continue
        after = count - _covers(csc, j)
        if float(weight[after > 0].sum()) >= target - tol:
            is_open[j] = False
            count = after
    return is_open


def _covers(csc: sp.csc_array, j: int) -> np.ndarray:
    """Per cell, whether site ``j`` covers it (a positive entry in its column)."""
    lo, hi = csc.indptr[j], csc.indptr[j + 1]
    out = np.zeros(csc.shape[0], dtype=bool)
    out[csc.indices[lo:hi]] = csc.data[lo:hi] > 0
    return out
