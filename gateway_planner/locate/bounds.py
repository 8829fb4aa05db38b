"""Lower bounds that turn a heuristic answer into a reported gap.

- :func:`lagrangian_median` -- Lagrangian relaxation of the assignment constraints of the
  p-median (Cornuejols, Fisher & Nemhauser 1977; subgradient optimisation as in Beasley 1993).
  With multipliers ``lambda_i`` the relaxation separates by site::

      L(lambda) = sum_i lambda_i + min_{|S| = p, S ⊇ F} sum_{j in S} rho_j,
      rho_j = sum_i min(0, W_ij - lambda_i)

  so each evaluation is one pass over the dense matrix and a partial sort; every value is a
  valid lower bound and the best one is kept. It converges towards the LP-relaxation bound.
- :func:`lp_bound` -- the LP relaxation of any model built in :mod:`.milp`, solved by HiGHS.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .milp import MilpModel, run_highs

__all__ = ["Lagrangian", "lagrangian_fixing", "lagrangian_median", "lagrangian_probing", "lp_bound"]


def _relaxed(
    wcost: np.ndarray, lam: np.ndarray, forced: np.ndarray, p: int
) -> tuple[float, np.ndarray]:
    reduced = np.minimum(wcost - lam[:, None], 0.0)
    rho = reduced.sum(axis=0)
    chosen = forced.copy()
    free = np.flatnonzero(~forced)
    k = p - int(forced.sum())
    if k > 0:
        order = np.argsort(rho[free], kind="stable")
        chosen[free[order[:k]]] = True
    value = float(lam.sum() + rho[chosen].sum())
    return value, chosen


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


def lagrangian_median(
    wcost: np.ndarray,
    forced: np.ndarray,
    p: int,
    *,
    upper: float,
    start: np.ndarray | None = None,
    max_iter: int = 300,
    deadline: float | None = None,
) -> Lagrangian:
    """Best Lagrangian lower bound of the p-median on weighted costs ``wcost``.

    Parameters
    ----------
    wcost
        Weighted costs, cells x sites (finite; unreachable pairs hold a large penalty).
    forced
        Sites that must be open.
    p
        Total number of open sites.
    upper
        Objective of a known solution (Polyak step size and early stop).
    start
        Starting multipliers (for example each cell's cost in the known solution).
    max_iter
        Cap on subgradient steps.
    deadline
        ``time.perf_counter()`` value after which it stops.

    Returns
    -------
    Lagrangian
        Bound, multipliers and step count.
    """
    n = wcost.shape[0]
    integral = bool(np.all(np.round(wcost) == wcost))
    if n == 0:
        return Lagrangian(0.0, 0.0, np.zeros(0), 0, integral)
    lam = (
        np.sort(wcost, axis=1)[:, min(1, wcost.shape[1] - 1)] if start is None else start
    ).astype(np.float64)
    best, best_lam = -math.inf, lam.copy()
    target = _improvement_target(upper, integral)
    mu = 2.0
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        value, chosen = _relaxed(wcost, lam, forced, p)
        if value > best and (best == -math.inf or value - best > 1e-12 * max(1.0, abs(best))):
            best, best_lam = value, lam.copy()
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                mu /= 2.0
                stall = 0
        if best > target or mu < 1e-5:
            break
        served = (wcost[:, chosen] < lam[:, None]).sum(axis=1)
        g = 1.0 - served
        norm = float(g @ g)
        if norm == 0.0:
            break
        lam = lam + mu * (upper - value) / norm * g
        if deadline is not None and time.perf_counter() > deadline:
            break
    raw = min(best, upper)
    bound = min(math.ceil(raw - 1e-6), upper) if integral else raw
    return Lagrangian(float(bound), float(raw), best_lam, it, integral)


def _improvement_target(upper: float, integral: bool) -> float:
    """Bound above which no solution better than ``upper`` can exist."""
    if integral:
        return upper - 1.0 + 1e-6
    return upper - 1e-9 * max(1.0, abs(upper))


def lagrangian_fixing(
    wcost: np.ndarray,
    forced: np.ndarray,
    p: int,
    lag: Lagrangian,
    *,
    upper: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Sites that are closed (or open) in every solution better than ``upper``.

    With the best multipliers, forcing a site that the relaxation leaves closed to open costs
    ``rho_j - rho_(k)`` (the k-th smallest chosen value), and closing a chosen one costs
    ``rho_(k+1) - rho_j``; when the bound plus that penalty cannot beat ``upper`` the site is
    fixed (reduced-cost fixing, as in Beasley 1993).

    Parameters
    ----------
    wcost
        Weighted costs, cells x sites.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`lagrangian_median`.
    upper
        Objective of a known solution.

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks: sites fixed closed, sites fixed open (forced sites excluded).
    """
    m = wcost.shape[1]
    closed = np.zeros(m, dtype=bool)
    opened = np.zeros(m, dtype=bool)
    free = np.flatnonzero(~forced)
    k = p - int(forced.sum())
    if k <= 0 or k >= free.size or wcost.shape[0] == 0:
        return closed, opened
    value, chosen = _relaxed(wcost, lag.multipliers, forced, p)
    rho = np.minimum(wcost - lag.multipliers[:, None], 0.0).sum(axis=0)
    order = free[np.argsort(rho[free], kind="stable")]
    kth, nxt = rho[order[k - 1]], rho[order[k]]
    target = _improvement_target(upper, lag.integral)
    out = ~chosen & ~forced
    closed[out] = value + rho[out] - kth > target
    inn = chosen & ~forced
    opened[inn] = value - rho[inn] + nxt > target
    return closed, opened


def lagrangian_probing(
    wcost: np.ndarray,
    forced: np.ndarray,
    p: int,
    lag: Lagrangian,
    *,
    upper: float,
    is_open: np.ndarray,
    closed: np.ndarray,
    max_iter: int = 100,
    deadline: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Probing: re-optimise the Lagrangian with each remaining site forced open (or shut).

    A site the incumbent leaves closed is fixed closed when the bound with it forced open
    cannot beat ``upper``; a site the incumbent opens is fixed open when the bound without it
    cannot beat ``upper``. Each probe warm-starts from the best multipliers and runs at most
    ``max_iter`` subgradient steps. Every fixing holds in every solution better than
    ``upper``, so they may be applied together.

    Parameters
    ----------
    wcost
        Weighted costs, cells x sites.
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
    deadline
        ``time.perf_counter()`` value after which probing stops.

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks of sites newly fixed closed and fixed open.
    """
    m = wcost.shape[1]
    new_closed = np.zeros(m, dtype=bool)
    new_open = np.zeros(m, dtype=bool)
    cols = np.flatnonzero(~closed)
    sub = wcost[:, cols]
    f_sub = forced[cols]
    k = p - int(forced.sum())
    target = _improvement_target(upper, lag.integral)
    for jj, j in enumerate(cols):
        if forced[j]:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            break
        if not is_open[j]:
            fr = f_sub.copy()
            fr[jj] = True
            probe = lagrangian_median(
                sub, fr, p, upper=upper, start=lag.multipliers, max_iter=max_iter
            )
            new_closed[j] = probe.raw > target
        elif int((~f_sub).sum()) - 1 > k:
            keep = np.ones(cols.size, dtype=bool)
            keep[jj] = False
            probe = lagrangian_median(
                sub[:, keep], f_sub[keep], p, upper=upper, start=lag.multipliers, max_iter=max_iter
            )
            new_open[j] = probe.raw > target
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
