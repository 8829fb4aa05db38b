"""Lower bounds that turn a heuristic answer into a reported gap, and fixings they imply.

- :func:`lagrangian_median` -- Lagrangian relaxation of the assignment constraints of the
  p-median (Cornuejols, Fisher & Nemhauser 1977; subgradient optimisation as in Beasley 1993).
  With multipliers ``lambda_i`` the relaxation separates by site::

      L(lambda) = sum_i lambda_i + min_{|S| = p, S ⊇ F} sum_{j in S} rho_j,
      rho_j = sum_i min(0, W_ij - lambda_i)

  Every value is a valid lower bound and the best one is kept; it converges towards the
  LP-relaxation bound. Only the pairs cheaper than ``lambda_i`` contribute, and with each row
  of costs sorted once (:class:`SortedCosts`) they form a prefix, so a step costs
  O(cells x log(sites) + contributing pairs), not O(cells x sites). Multipliers stay at most
  the cell's fill (its unserved cost), which keeps unlisted sites out of every prefix: a
  larger multiplier could only lower the bound.
- :func:`lagrangian_fixing` -- reduced-cost fixing: sites that are closed (or open) in every
  solution better than the incumbent.
- :func:`lagrangian_probing` -- the same question answered by re-optimising the multipliers
  with each site forced open (or shut): slower, much stronger.
- :func:`lp_bound` -- the LP relaxation of any model built in :mod:`.milp`, solved by HiGHS.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._sorted import SortedCosts, prefix_entries, prefix_lengths
from .milp import MilpModel, run_highs

__all__ = [
    "Lagrangian",
    "SortedCosts",
    "improvement_target",
    "lagrangian_fixing",
    "lagrangian_median",
    "lagrangian_probing",
    "lp_bound",
    "relaxed_choice",
]


@dataclass(frozen=True)
class Lagrangian:
    """Result of the subgradient optimisation.

    Parameters
    ----------
    bound
        Best lower bound found (rounded up when ``integral``).
    raw
        The same bound before rounding.
    multipliers
        The multipliers that gave it.
    steps
        Subgradient steps made.
    integral
        Whether every solution value is an integer (integer weighted costs).
    """

    bound: float
    raw: float
    multipliers: np.ndarray
    steps: int
    integral: bool


#: Steps without a better bound after which the subgradient step is halved. Short: on county
#: problems (tens of thousands of multipliers) the bound then reaches a gap of 2 % in half the
#: steps a patient schedule needs, and every step is a pass over millions of pairs.
_STALL_STEPS = 5


@dataclass(frozen=True)
class _Relaxed:
    value: float
    chosen: np.ndarray
    rho: np.ndarray
    served: np.ndarray


def _rho(sc: SortedCosts, lam: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per site, ``sum_i min(0, W_ij - lambda_i)`` over the prefixes (entries below lambda)."""
    rows, cols, vals = prefix_entries(sc, count)
    return np.bincount(cols, weights=vals - lam[rows], minlength=sc.m)


def _choose(rho: np.ndarray, forced: np.ndarray, allowed: np.ndarray, p: int) -> np.ndarray:
    """Choose the relaxation's open sites: the forced ones and the ``k`` of least ``rho``."""
    chosen = forced.copy()
    free = np.flatnonzero(allowed & ~forced)
    k = p - int(forced.sum())
    if k > 0:
        order = np.argsort(rho[free], kind="stable")
        chosen[free[order[:k]]] = True
    return chosen


def relaxed_choice(rho: np.ndarray, forced: np.ndarray, allowed: np.ndarray, p: int) -> np.ndarray:
    """Return the relaxation's open sites: the forced ones and the free ones of least ``rho``.

    Parameters
    ----------
    rho
        Per site, ``sum_i min(0, W_ij - lambda_i)`` (:meth:`SortedCosts.column_sums`).
    forced
        Sites that must be open.
    allowed
        Sites that may open.
    p
        Total number of open sites.

    Returns
    -------
    numpy.ndarray
        Boolean mask of ``p`` sites (fewer when fewer are allowed).
    """
    return _choose(rho, forced, allowed, p)


def _served(sc: SortedCosts, lam: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Per cell, the number of chosen sites cheaper than its multiplier."""
    rows, _, values = sc.column_entries(np.flatnonzero(chosen))
    return np.bincount(rows[values < lam[rows]], minlength=sc.fill.size).astype(np.float64)


def _relaxed(
    sc: SortedCosts,
    lam: np.ndarray,
    count: np.ndarray,
    forced: np.ndarray,
    allowed: np.ndarray,
    p: int,
) -> _Relaxed:
    rho = _rho(sc, lam, count)
    chosen = _choose(rho, forced, allowed, p)
    value = float(lam.sum() + rho[chosen].sum())
    return _Relaxed(value, chosen, rho, _served(sc, lam, chosen))


def _relaxed_at(
    sc: SortedCosts, lam: np.ndarray, forced: np.ndarray, allowed: np.ndarray, p: int
) -> _Relaxed:
    """Evaluate the relaxation at ``lam``, its prefixes found from scratch."""
    count = prefix_lengths(sc, lam, np.zeros(sc.fill.size, dtype=np.int64))
    return _relaxed(sc, lam, count, forced, allowed, p)


def improvement_target(upper: float, integral: bool) -> float:
    """Return the bound above which no solution better than ``upper`` can exist.

    Parameters
    ----------
    upper
        Objective of a known solution.
    integral
        Whether every solution value is an integer (then a better one is better by 1).

    Returns
    -------
    float
        The threshold a lower bound must exceed to prove ``upper`` optimal.
    """
    if integral:
        return upper - 1.0 + 1e-6
    return upper - 1e-9 * max(1.0, abs(upper))


def lagrangian_median(
    sc: SortedCosts,
    forced: np.ndarray,
    p: int,
    *,
    upper: float,
    allowed: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 1000,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Lagrangian:
    """Best Lagrangian lower bound of the p-median on sorted weighted costs.

    Parameters
    ----------
    sc
        The weighted costs, sorted by row (unreachable pairs hold a large penalty).
    forced
        Sites that must be open.
    p
        Total number of open sites.
    upper
        Objective of a known solution (Polyak step size and early stop).
    allowed
        Sites that may open (all when None).
    start
        Starting multipliers (for example each cell's cost in the known solution).
    max_iter
        Cap on subgradient steps.
    deadline
        ``time.perf_counter()`` value after which it stops.
    progress
        Called as ``progress(step, max_iter)`` after each step, and with
        ``(max_iter, max_iter)`` when the search stops.

    Returns
    -------
    Lagrangian
        Bound, multipliers and step count.
    """
    n, m = sc.shape
    allowed = np.ones(m, dtype=bool) if allowed is None else allowed
    if n == 0:
        return Lagrangian(0.0, 0.0, np.zeros(0), 0, sc.integral)
    # a multiplier above the row's fill only lowers the bound (the cell is then better left
    # unserved, or served by any site at its fill), so multipliers are kept at most the fill
    cap = sc.fill
    lam = np.minimum(sc.kth(min(1, m - 1)) if start is None else start, cap).astype(np.float64)
    best, best_lam = -math.inf, lam.copy()
    target = improvement_target(upper, sc.integral)
    mu = 2.0
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):
        rho = sc.column_sums(lam)
        chosen = _choose(rho, forced, allowed, p)
        value = float(lam.sum() + rho[chosen].sum())
        if value > best and (best == -math.inf or value - best > 1e-12 * max(1.0, abs(best))):
            best, best_lam = value, lam.copy()
            stall = 0
        else:
            stall += 1
            if stall >= _STALL_STEPS:
                mu /= 2.0
                stall = 0
        if best > target or mu < 1e-4:
            break
        g = 1.0 - _served(sc, lam, chosen)
        g[(g > 0) & (lam >= cap)] = 0.0  # projected: capped multipliers cannot rise
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = np.minimum(lam + mu * (upper - value) / norm * g, cap)
        if progress is not None:
            progress(it, max_iter)
        if deadline is not None and time.perf_counter() > deadline:
            break
    if progress is not None:
        progress(max_iter, max_iter)  # finished, whether or not every step was needed
    if best > -math.inf:  # the reported bound is recomputed row by row, in sorted order
        best = _relaxed_at(sc, best_lam, forced, allowed, p).value
    # capped by ``upper``: on a problem restricted by fixings (or a probe) the relaxation may
    # pass the incumbent, and then min(bound, upper) is what holds for the whole problem
    raw = min(best, upper)
    bound = min(math.ceil(raw - 1e-6), upper) if sc.integral else raw
    return Lagrangian(float(bound), float(raw), best_lam, it, sc.integral)


def lagrangian_fixing(
    sc: SortedCosts,
    forced: np.ndarray,
    p: int,
    lag: Lagrangian,
    *,
    upper: float,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sites that are closed (or open) in every solution better than ``upper``.

    With the best multipliers, forcing a site that the relaxation leaves closed to open costs
    ``rho_j - rho_(k)`` (the k-th smallest chosen value), and closing a chosen one costs
    ``rho_(k+1) - rho_j``; when the bound plus that penalty cannot beat ``upper`` the site is
    fixed (reduced-cost fixing, as in Beasley 1993).

    Parameters
    ----------
    sc
        The sorted weighted costs.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`lagrangian_median`.
    upper
        Objective of a known solution.
    allowed
        Sites that may open (all when None); the others are neither fixed nor chosen.

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks: sites newly fixed closed, sites fixed open (forced sites excluded).
    """
    n, m = sc.shape
    allowed = np.ones(m, dtype=bool) if allowed is None else allowed
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    free = np.flatnonzero(allowed & ~forced)
    k = p - int(forced.sum())
    if k <= 0 or k >= free.size or n == 0:
        return closed, opened
    rel = _relaxed_at(sc, lag.multipliers, forced, allowed, p)
    rho = rel.rho
    kth, nxt = _kth_and_next(rel, free, k)
    target = improvement_target(upper, lag.integral)
    out = ~rel.chosen & ~forced & allowed
    closed[out] = rel.value + rho[out] - kth > target
    inn = rel.chosen & ~forced
    opened[inn] = rel.value - rho[inn] + nxt > target
    return closed, opened


def _kth_and_next(rel: _Relaxed, free: np.ndarray, k: int) -> tuple[float, float]:
    """Return the k-th and (k+1)-th smallest ``rho`` among the free sites.

    Forcing open a site the relaxation leaves closed raises its value by ``rho_j - kth``;
    shutting a chosen one raises it by ``nxt - rho_j`` (reduced-cost penalties).
    """
    order = free[np.argsort(rel.rho[free], kind="stable")]
    return rel.rho[order[k - 1]], rel.rho[order[k]]


def lagrangian_probing(
    sc: SortedCosts,
    forced: np.ndarray,
    p: int,
    lag: Lagrangian,
    *,
    upper: float,
    is_open: np.ndarray,
    closed: np.ndarray,
    max_iter: int = 50,
    budget: float = math.inf,
    deadline: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Probing: re-optimise the Lagrangian with each remaining site forced open (or shut).

    A site the incumbent leaves closed is fixed closed when the bound with it forced open
    cannot beat ``upper``; a site the incumbent opens is fixed open when the bound without it
    cannot beat ``upper``. Each probe warm-starts from the best multipliers and runs at most
    ``max_iter`` subgradient steps. Sites are probed in decreasing order of their reduced-cost
    penalty (the most promising first) until ``budget`` work units (steps x (cells + pairs in
    play)) are spent, so the result does not depend on the machine's speed. Every fixing holds
    in every solution better than ``upper``, so they may be applied together.

    Parameters
    ----------
    sc
        The sorted weighted costs.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`lagrangian_median` on the same problem.
    upper
        Objective of the incumbent.
    is_open
        The incumbent's open sites.
    closed
        Sites already fixed closed (left out of every probe).
    max_iter
        Subgradient steps per probe.
    budget
        Work units probing may spend.
    deadline
        ``time.perf_counter()`` value after which probing stops.

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks of sites newly fixed closed and fixed open.
    """
    n, m = sc.shape
    new_closed = np.zeros(m, dtype=bool)
    new_open = np.zeros(m, dtype=bool)
    allowed = ~closed
    k = p - int(forced.sum())
    n_free = int((allowed & ~forced).sum())
    target = improvement_target(upper, lag.integral)
    lam = lag.multipliers
    count = prefix_lengths(sc, lam, np.zeros(n, dtype=np.int64))
    rel = _relaxed(sc, lam, count, forced, allowed, p)
    free = np.flatnonzero(allowed & ~forced)
    if k <= 0 or k >= free.size:
        return new_closed, new_open
    kth, nxt = _kth_and_next(rel, free, k)
    penalty = np.where(rel.chosen, nxt - rel.rho, rel.rho - kth)
    unit = float(n + count.sum())
    spent = 0.0
    for j in free[np.argsort(-penalty[free], kind="stable")]:
        if spent >= budget or (deadline is not None and time.perf_counter() > deadline):
            break
        if not is_open[j]:
            fr = forced.copy()
            fr[j] = True
            probe = lagrangian_median(
                sc, fr, p, upper=upper, allowed=allowed, start=lam, max_iter=max_iter
            )
            new_closed[j] = probe.raw > target
        elif n_free - 1 > k:
            without = allowed.copy()
            without[j] = False
            probe = lagrangian_median(
                sc, forced, p, upper=upper, allowed=without, start=lam, max_iter=max_iter
            )
            new_open[j] = probe.raw > target
        else:
            continue
        spent += probe.steps * unit
    return new_closed, new_open


def lp_bound(model: MilpModel, *, time_limit: float, seed: int = 0) -> tuple[float, int]:
    """LP-relaxation bound of a minimisation model (``-inf`` when it did not finish).

    Parameters
    ----------
    model
        The model.
    time_limit
        Seconds.
    seed
        HiGHS random seed.

    Returns
    -------
    tuple
        The bound and the simplex iterations used.
    """
    result = run_highs(model, time_limit=time_limit, seed=seed, relax=True)
    if result.status != "optimal":
        return -math.inf, result.iterations
    return result.objective, result.iterations
