"""Quick single-source assignments to a fixed open set: regret greedy, then shifts and swaps.

The capacitated Lagrangian (:mod:`._capacity_bounds`) proposes many open sets; solving the
generalised assignment problem of each with HiGHS would cost more than the bound itself. This
greedy (Martello & Toth's regret rule: the cell that would lose most by missing its cheapest
site with room goes first) gives each a capacity-feasible assignment in milliseconds, and
improving moves (shift one cell, swap two cells between sites) bring it close to the best;
only the promising open sets then go to HiGHS.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["regret_assignment", "swap_search"]

#: Largest number of improving moves after the greedy.
MAX_MOVES = 2000
#: Swaps are tried up to this many cells (each move prices every pair of cells).
SWAP_CELLS = 600


def regret_assignment(
    cost: np.ndarray, w: np.ndarray, cap: np.ndarray
) -> tuple[float, np.ndarray] | None:
    """Assign every cell to one of the columns, single-source, within the capacities.

    Parameters
    ----------
    cost
        ``(n, k)`` weighted cost of each cell at each open site (inf: not allowed).
    w
        ``(n,)`` demand of each cell.
    cap
        ``(k,)`` capacity of each open site (inf: none).

    Returns
    -------
    tuple or None
        Total cost and the column of each cell; None when the greedy finds no room for a cell.
    """
    n, k = cost.shape
    if n == 0:
        return 0.0, np.zeros(0, dtype=np.int64)
    left = cap.astype(np.float64).copy()
    col = np.full(n, -1, dtype=np.int64)
    todo = np.ones(n, dtype=bool)
    tol = 1e-9 * max(1.0, float(w.max()))
    for _ in range(n):
        rows = np.flatnonzero(todo)
        fits = w[rows, None] <= left[None, :] + tol
        c = np.where(fits, cost[rows], np.inf)
        order = np.argsort(c, axis=1, kind="stable")
        first = c[np.arange(rows.size), order[:, 0]]
        if not np.all(np.isfinite(first)):
            return None
        second = c[np.arange(rows.size), order[:, 1]] if k > 1 else np.full(rows.size, np.inf)
        regret = np.where(np.isfinite(second), second - first, math.inf)
        # largest regret first; a cell with one place left goes first of all (by demand)
        key = np.where(np.isinf(regret), np.inf, regret)
        pick = int(np.lexsort((-w[rows], -key))[0])
        i, j = int(rows[pick]), int(order[pick, 0])
        col[i] = j
        left[j] -= w[i]
        todo[i] = False
    col = _improve(cost, w, left, col, tol)
    return float(cost[np.arange(n), col].sum()), col


def _improve(
    cost: np.ndarray, w: np.ndarray, left: np.ndarray, col: np.ndarray, tol: float
) -> np.ndarray:
    """Best improving shift or swap, repeated (deterministic: ties to the lowest indices)."""
    n, _ = cost.shape
    rows = np.arange(n)
    for _ in range(MAX_MOVES):
        here = cost[rows, col]
        # shift i to j: room for w_i at j
        shift = np.where(w[:, None] <= left[None, :] + tol, cost - here[:, None], np.inf)
        shift[rows, col] = np.inf
        s_best = int(np.argmin(shift))
        s_gain = -float(shift.flat[s_best])
        w_best, w_gain = 0, -math.inf
        if n <= SWAP_CELLS:
            w_best, w_gain = _best_swap(cost, w, left, col, here, tol)
        limit = 1e-9 * max(1.0, float(here.sum()))
        if max(s_gain, w_gain) <= limit:
            break
        if s_gain >= w_gain:
            i, j = divmod(s_best, cost.shape[1])
            left[col[i]] += w[i]
            left[j] -= w[i]
            col[i] = j
        else:
            i, h = divmod(w_best, n)
            a, b = col[i], col[h]
            left[a] += w[i] - w[h]
            left[b] += w[h] - w[i]
            col[i], col[h] = b, a
    return col


def _best_swap(
    cost: np.ndarray,
    w: np.ndarray,
    left: np.ndarray,
    col: np.ndarray,
    here: np.ndarray,
    tol: float,
) -> tuple[int, float]:
    """Find the best swap of two cells between their sites: flat index (i, h) and its gain."""
    # swap i (at a) with h (at b): i moves to b, h to a
    to_b = cost[:, col]  # [i, h]: cost of i at h's site
    delta = to_b + to_b.T - here[:, None] - here[None, :]
    dw = w[:, None] - w[None, :]  # load change at b (h's site) when i replaces h
    room_b = left[col][None, :]
    room_a = left[col][:, None]
    ok = (dw <= room_b + tol) & (-dw <= room_a + tol) & (col[:, None] != col[None, :])
    delta = np.where(ok, delta, np.inf)
    best = int(np.argmin(delta))
    return best, -float(delta.flat[best])


def swap_search(
    evaluate: Callable[[np.ndarray], float],
    is_open: np.ndarray,
    value: float,
    movable: np.ndarray,
    near: np.ndarray,
    *,
    max_evals: int,
    stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, float, int]:
    """First-improvement swaps of an open site with one of its near closed sites.

    Parameters
    ----------
    evaluate
        Objective of an open set (inf when its capacities cannot serve the demand).
    is_open
        Starting open sites (not modified).
    value
        Its objective.
    movable
        Sites that may close or open (neither forced nor excluded).
    near
        ``(m, L)`` for each site, the sites tried in its place (-1: none).
    max_evals
        Largest number of evaluations (a work limit).
    stop
        Called before each evaluation; True ends the search with the best set found (the
        solve's clock, :meth:`Deadline.passed`).

    Returns
    -------
    tuple
        The best open set, its objective and the evaluations made.
    """
    best = is_open.copy()
    evals = 0
    improved = True
    while improved and evals < max_evals:
        improved = False
        for j in np.flatnonzero(best & movable):
            for c in near[j]:
                if c < 0 or best[c] or not movable[c] or evals >= max_evals:
                    continue
                if stop is not None and stop():
                    return best, value, evals
                trial = best.copy()
                trial[j], trial[c] = False, True
                got = evaluate(trial)
                evals += 1
                if got < value - 1e-9 * max(1.0, abs(value)):
                    best, value, improved = trial, got, True
                    break
    return best, value, evals
