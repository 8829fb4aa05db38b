"""Lagrangian bound of the capacitated p-median: one knapsack per site, and the fixings it implies.

With ``c_ij = w_i d_ij`` the weighted cost of a reachable pair, relaxing the assignment
constraints ``sum_j x_ij (+ u_i) = 1`` with multipliers ``lambda_i`` (and the valid
inequality ``sum_j min(Q_j, D) y_j >= D``, total demand ``D``, with ``mu >= 0``, scaled by
``1 / D``) separates the problem by site (Mulvey & Beck 1984; Beasley 1993, "Lagrangean
heuristics for location problems", EJOR 65)::

    L(lambda, mu) = sum_i lambda_i + [sum_i min(0, w_i U - lambda_i)] + mu
                    + min_{|S| = p, S ⊇ F} sum_{j in S} (v_j - mu min(Q_j, D) / D)
    v_j = min { sum_i (c_ij - lambda_i) x_ij : sum_i w_i x_ij <= Q_j }

For split demand ``x_ij`` lies in [0, 1] and ``v_j`` is a fractional knapsack (solved exactly
by sorting); single-source asks ``x_ij`` in {0, 1}: a 0/1 knapsack, solved by dynamic
programming over the capacity in integer units (exact for integer demands and capacities up to
:data:`DP_UNITS`; otherwise on demands scaled and rounded down, a relaxation, so still a valid
bound), and never below its fractional value. Every ``L`` is a lower bound; subgradient steps
(Polyak's step towards an incumbent's value) raise it.

:func:`capacity_fixing` then fixes sites closed or open by their reduced costs, as for the
p-median, and (single-source) removes the pairs ``(i, j)`` that no solution better than the
incumbent uses: forcing ``x_ij = 1`` opens ``j`` (its site penalty) and puts ``i`` in ``j``'s
knapsack, which costs at least ``max(0, c_ij - lambda_i)`` and at least the fractional
knapsack's reduced cost ``c_ij - lambda_i + pi_j w_i`` (``pi_j`` its capacity price) above its
fractional value.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .bounds import improvement_target

__all__ = [
    "DP_UNITS",
    "CapacityBound",
    "CapacityPairs",
    "capacity_fixing",
    "capacity_lagrangian",
    "column_floors",
    "pair_floors",
]

#: Largest capacity, in integer units, of a 0/1 knapsack solved by dynamic programming; larger
#: capacities (or fractional demands) are scaled to it, demands rounded down (a relaxation).
DP_UNITS = 2000
#: Steps without a better bound after which the subgradient step is halved.
_STALL_STEPS = 20


@dataclass(frozen=True)
class CapacityPairs:
    """The pairs of a capacitated p-median in the form the Lagrangian reads.

    Parameters
    ----------
    cell
        Cell (0..n-1, cells of positive weight only) of every reachable pair.
    site
        Candidate position of every pair.
    wcost
        Weighted cost ``w_i d_ij`` of every pair.
    w
        ``(n,)`` demand of each cell (> 0).
    cap
        ``(m,)`` capacity of each candidate (inf when uncapacitated).
    unserved
        Minutes charged for a cell left unserved (None: every cell must be served).
    single
        Single-source (0/1 knapsacks) or split demand (fractional ones).
    """

    cell: np.ndarray
    site: np.ndarray
    wcost: np.ndarray
    w: np.ndarray
    cap: np.ndarray
    unserved: float | None
    single: bool

    @property
    def n(self) -> int:
        """Number of cells."""
        return int(self.w.size)

    @property
    def m(self) -> int:
        """Number of candidates."""
        return int(self.cap.size)

    @property
    def demand(self) -> float:
        """Total demand."""
        return float(self.w.sum())

    @property
    def integral(self) -> bool:
        """Whether every solution value is an integer (integer weighted costs, unserved cost)."""
        ok = bool(np.all(self.wcost == np.round(self.wcost)))
        if self.unserved is not None:
            uw = self.w * self.unserved
            ok = ok and bool(np.all(uw == np.round(uw)))
        return ok


@dataclass(frozen=True)
class CapacityBound:
    """Result of the subgradient optimisation of :func:`capacity_lagrangian`.

    Parameters
    ----------
    bound
        Best lower bound found (rounded up when every value is an integer), at most ``upper``.
    raw
        The same bound before rounding and capping.
    lam
        The multipliers that gave it (one per cell).
    mu
        The multiplier of the capacity inequality (cost units).
    steps
        Subgradient steps made.
    integral
        Whether every solution value is an integer.
    """

    bound: float
    raw: float
    lam: np.ndarray
    mu: float
    steps: int
    integral: bool


@dataclass(frozen=True)
class _Knapsacks:
    """The relaxation at one ``(lambda, mu)``: site values, choice, and each pair's share."""

    value: float
    v: np.ndarray
    s: np.ndarray
    chosen: np.ndarray
    x: np.ndarray
    v_lp: np.ndarray
    x_lp: np.ndarray
    price: np.ndarray
    r: np.ndarray


class _Relaxation:
    """Evaluates ``L(lambda, mu)`` for one problem (site masks and DP scaling fixed)."""

    def __init__(self, cp: CapacityPairs, forced: np.ndarray, allowed: np.ndarray, p: int) -> None:
        self.cp = cp
        self.forced = forced & allowed
        self.allowed = allowed
        self.k = p - int(self.forced.sum())
        self.free = np.flatnonzero(allowed & ~self.forced)
        use = allowed[cp.site]
        self.pairs = np.flatnonzero(use)
        # the pairs site by site, for the 0/1 knapsacks
        self.by_site = self.pairs[np.argsort(cp.site[self.pairs], kind="stable")]
        self.site_ptr = np.zeros(cp.m + 1, dtype=np.int64)
        np.cumsum(np.bincount(cp.site[self.pairs], minlength=cp.m), out=self.site_ptr[1:])
        demand = cp.demand
        self.qshare = np.minimum(cp.cap, demand) / demand if demand > 0 else np.zeros(cp.m)
        # the capacity inequality holds only when every cell must be served
        self.with_mu = cp.unserved is None and bool(np.any(self.qshare < 1.0))
        self.units, self.scale = self._dp_units()

    def _dp_units(self) -> tuple[np.ndarray, float]:
        cp = self.cp
        finite = cp.cap[np.isfinite(cp.cap)]
        top = float(finite.max()) if finite.size else 0.0
        whole = bool(np.all(cp.w == np.round(cp.w))) and bool(np.all(finite == np.round(finite)))
        if whole and top <= DP_UNITS:
            return np.round(cp.w).astype(np.int64), 1.0
        scale = DP_UNITS / top if top > 0 else 1.0
        units = np.floor(cp.w * scale * (1.0 - 1e-12)).astype(np.int64)
        return np.maximum(units, 0), scale

    def _capacity_units(self, j: int) -> int:
        if self.scale == 1.0:
            return math.floor(float(self.cp.cap[j]) + 1e-9)
        return math.floor(float(self.cp.cap[j]) * self.scale * (1.0 + 1e-12))

    def fractional(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fractional knapsack of every site: values, shares per pair and capacity prices."""
        cp = self.cp
        idx = self.pairs[r[self.pairs] < 0]
        x = np.zeros(r.size)
        price = np.zeros(cp.m)
        if idx.size == 0:
            return np.zeros(cp.m), x, price
        site = cp.site[idx]
        wi = cp.w[cp.cell[idx]]
        ratio = r[idx] / wi
        order = np.lexsort((ratio, site))
        idx, site, wi, ratio = idx[order], site[order], wi[order], ratio[order]
        cum = np.cumsum(wi)
        start = np.ones(idx.size, dtype=bool)
        start[1:] = site[1:] != site[:-1]
        offset = np.maximum.accumulate(np.where(start, cum - wi, 0.0))
        before = cum - wi - offset
        share = np.clip((cp.cap[site] - before) / wi, 0.0, 1.0)
        x[idx] = share
        v = np.bincount(site, weights=r[idx] * share, minlength=cp.m)
        short = share < 1.0
        crit_first = short & ~np.concatenate(([False], short[:-1] & ~start[1:]))
        crit = np.flatnonzero(crit_first)
        price[site[crit]] = -ratio[crit]
        return v, x, price

    def site_pairs(self, j: int) -> np.ndarray:
        """Return the pairs of site ``j``."""
        return self.by_site[self.site_ptr[j] : self.site_ptr[j + 1]]

    def zero_one(self, j: int, r: np.ndarray) -> tuple[float, np.ndarray]:
        """0/1 knapsack of site ``j`` by dynamic programming: value and the pairs it takes."""
        mine = self.site_pairs(j)
        return self._dp(j, mine[r[mine] < 0], r)

    def _dp(self, j: int, items: np.ndarray, r: np.ndarray) -> tuple[float, np.ndarray]:
        cap = self._capacity_units(j)
        wt = self.units[self.cp.cell[items]]
        val = r[items]
        dp = np.zeros(cap + 1)
        keep = np.zeros((items.size, cap + 1), dtype=bool)
        for t in range(items.size):
            a = int(wt[t])
            if a > cap:
                continue
            cand = dp[: cap + 1 - a] + val[t]
            better = cand < dp[a:]
            keep[t, a:] = better
            dp[a:] = np.where(better, cand, dp[a:])
        taken = []
        c = cap
        for t in range(items.size - 1, -1, -1):
            if keep[t, c]:
                taken.append(items[t])
                c -= int(wt[t])
        return float(dp[cap]), np.asarray(taken, dtype=np.int64)

    def at(self, lam: np.ndarray, mu: float, *, full: bool = False) -> _Knapsacks:
        """Evaluate the relaxation; ``full`` solves every site's 0/1 knapsack exactly.

        Without ``full``, single-source sites get their 0/1 value in increasing order of
        their fractional value until the choice cannot change (the fractional value bounds
        the 0/1 value from below): the sites left with their fractional value are never
        chosen, and the relaxation's value is the same.
        """
        cp = self.cp
        r = cp.wcost - lam[cp.cell]
        v_lp, x_lp, price = self.fractional(r)
        v, x = v_lp.copy(), x_lp.copy()
        s_lp = v_lp - mu * self.qshare
        if cp.single:
            fractional_sites = np.zeros(cp.m, dtype=bool)
            fractional_sites[cp.site[(x_lp > 0) & (x_lp < 1)]] = True
            fractional_sites &= self.allowed

            def exact(j: int) -> None:
                if not fractional_sites[j]:
                    return
                value, taken = self.zero_one(j, r)
                v[j] = max(value, v_lp[j])
                if value >= v_lp[j]:
                    x[self.site_pairs(j)] = 0.0
                    x[taken] = 1.0

            for j in np.flatnonzero(self.forced):
                exact(int(j))
            if full:
                for j in self.free:
                    exact(int(j))
            elif self.k > 0:
                order = self.free[np.argsort(s_lp[self.free], kind="stable")]
                done: list[float] = []
                for pos, j in enumerate(order):
                    exact(int(j))
                    bisect.insort(done, float(v[j] - mu * self.qshare[j]))
                    nxt = pos + 1
                    if (
                        len(done) >= self.k
                        and nxt < order.size
                        and done[self.k - 1] <= s_lp[order[nxt]]
                    ):
                        break
        s = v - mu * self.qshare
        chosen = self.forced.copy()
        if self.k > 0:
            pick = self.free[np.argsort(s[self.free], kind="stable")[: self.k]]
            chosen[pick] = True
        value = float(lam.sum() + mu + s[chosen].sum())
        if cp.unserved is not None:
            value += float(np.minimum(0.0, cp.w * cp.unserved - lam).sum())
        return _Knapsacks(value, v, s, chosen, x, v_lp, x_lp, price, r)


def capacity_lagrangian(
    cp: CapacityPairs,
    forced: np.ndarray,
    p: int,
    *,
    upper: float,
    allowed: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 300,
    deadline: float | None = None,
    incumbent: Callable[[np.ndarray], float | None] | None = None,
    heuristic_every: int = 10,
    heuristic_within: float = 0.05,
    observe: Callable[[np.ndarray, np.ndarray], None] | None = None,
) -> CapacityBound:
    """Best Lagrangian lower bound of a capacitated p-median (see the module docstring).

    Parameters
    ----------
    cp
        The pairs, demands and capacities.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    upper
        Objective of a known solution (Polyak step and early stop); lowered by ``incumbent``.
    allowed
        Sites that may open (all when None).
    start
        Starting multipliers (for example each cell's cost in the known solution).
    max_iter
        Cap on subgradient steps.
    deadline
        ``time.perf_counter()`` value after which it stops.
    incumbent
        Called every ``heuristic_every`` steps with the relaxation's open sites, when they are
        new and the relaxation lies within ``heuristic_within`` (relative) of ``upper``;
        returns the objective of a solution found from them, or None.
    heuristic_every
        Steps between calls of ``incumbent``.
    heuristic_within
        Relative distance to ``upper`` within which ``incumbent`` is called.
    observe
        Called at every step with the relaxation's open sites and each pair's share in its
        site's knapsack (:meth:`._capacity_pool.ColumnPool.observe` keeps the clusters).

    Returns
    -------
    CapacityBound
        The bound and the multipliers that gave it.
    """
    allowed = np.ones(cp.m, dtype=bool) if allowed is None else allowed
    rel = _Relaxation(cp, forced, allowed, p)
    n = cp.n
    integral = cp.integral
    if start is None:
        lam = np.zeros(n)
        np.maximum.at(lam, cp.cell, cp.wcost)
    else:
        lam = np.asarray(start, dtype=np.float64).copy()
    lam_cap = None if cp.unserved is None else cp.w * cp.unserved
    if lam_cap is not None:
        lam = np.minimum(lam, lam_cap)
    mu = 0.0
    best, best_lam, best_mu = -math.inf, lam.copy(), mu
    step = 2.0
    stall = 0
    seen: set[bytes] = set()
    it = 0
    for it in range(1, max_iter + 1):
        now = rel.at(lam, mu)
        if observe is not None:
            observe(now.chosen, now.x)
        if now.value > best + 1e-12 * max(1.0, abs(best)) or best == -math.inf:
            best, best_lam, best_mu = now.value, lam.copy(), mu
            stall = 0
        else:
            stall += 1
            if stall >= _STALL_STEPS:
                step /= 2.0
                stall = 0
        near = now.value >= upper - heuristic_within * abs(upper)
        if incumbent is not None and near and it % heuristic_every == 0:
            key = np.packbits(now.chosen).tobytes()
            if key not in seen:
                seen.add(key)
                found = incumbent(now.chosen)
                if found is not None and found < upper:
                    upper = found
        if best > improvement_target(upper, integral) or step < 1e-3:
            break
        g = 1.0 - _served(cp, now)
        if lam_cap is not None:  # capped multipliers cannot rise (the cell is then unserved)
            g[(g > 0) & (lam >= lam_cap)] = 0.0
        g_mu = 1.0 - float(rel.qshare[now.chosen].sum()) if rel.with_mu else 0.0
        if g_mu < 0 and mu <= 0:
            g_mu = 0.0
        norm = float(g @ g) + g_mu * g_mu
        if norm == 0.0:
            break
        t = step * max(upper - now.value, 1e-9 * max(1.0, abs(upper))) / norm
        lam = lam + t * g
        if lam_cap is not None:
            lam = np.minimum(lam, lam_cap)
        mu = max(0.0, mu + t * g_mu)
        if deadline is not None and time.perf_counter() > deadline:
            break
    if best > -math.inf:
        best = rel.at(best_lam, best_mu, full=True).value
    raw = min(best, upper)
    bound = min(math.ceil(raw - 1e-6), upper) if integral else raw
    return CapacityBound(float(bound), float(best), best_lam, best_mu, it, integral)


def _served(cp: CapacityPairs, now: _Knapsacks) -> np.ndarray:
    """Per cell, its total share in the chosen sites' knapsacks."""
    on = now.chosen[cp.site] & (now.x > 0)
    return np.bincount(cp.cell[on], weights=now.x[on], minlength=cp.n)


def capacity_fixing(
    cp: CapacityPairs,
    forced: np.ndarray,
    p: int,
    lag: CapacityBound,
    *,
    upper: float,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sites closed or open, and pairs unused, in every solution better than ``upper``.

    Parameters
    ----------
    cp
        The pairs, demands and capacities.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`capacity_lagrangian` on the same problem.
    upper
        Objective of a known solution.
    allowed
        Sites that may open (all when None).

    Returns
    -------
    tuple of numpy.ndarray
        Boolean masks: sites newly fixed closed, sites fixed open (forced ones excluded), and
        pairs (of ``cp``) no better solution assigns (single-source only; none for split
        demand, where any pair may carry a small share).
    """
    allowed = np.ones(cp.m, dtype=bool) if allowed is None else allowed
    closed = np.zeros(cp.m, dtype=bool)
    opened = np.zeros(cp.m, dtype=bool)
    out_pairs = np.zeros(cp.site.size, dtype=bool)
    rel = _Relaxation(cp, forced, allowed, p)
    k, free = rel.k, rel.free
    if cp.n == 0 or k < 0 or k > free.size:
        return closed, opened, out_pairs
    now = rel.at(lag.lam, lag.mu, full=True)
    target = improvement_target(upper, lag.integral)
    s = now.s
    site_pen = _site_penalties(rel, now)
    if 0 < k < free.size:
        order = free[np.argsort(s[free], kind="stable")]
        nxt = s[order[k]]
        out = ~now.chosen & allowed & ~rel.forced
        closed[out] = now.value + site_pen[out] > target
        inn = now.chosen & ~rel.forced
        opened[inn] = now.value - s[inn] + nxt > target
    elif k == 0:
        closed = allowed & ~rel.forced
    if cp.single:
        out_pairs = allowed[cp.site] & (_pair_floors(now, cp, site_pen) > target)
    out_pairs |= ~allowed[cp.site] | closed[cp.site]
    return closed, opened, out_pairs


def pair_floors(cp: CapacityPairs, forced: np.ndarray, p: int, lag: CapacityBound) -> np.ndarray:
    """Least cost of a solution that uses each pair, by the Lagrangian.

    :func:`capacity_fixing` at ``upper`` removes exactly the pairs whose floor exceeds
    ``upper``'s improvement target (with split demand, those of the sites it closes): sorted,
    the floors tell at once how many pairs a target leaves, that is how large the model of a
    probe at that target is.

    Parameters
    ----------
    cp
        The pairs, demands and capacities.
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`capacity_lagrangian` on the same problem.

    Returns
    -------
    numpy.ndarray
        One lower bound per pair of ``cp``.
    """
    rel = _Relaxation(cp, forced, np.ones(cp.m, dtype=bool), p)
    now = rel.at(lag.lam, lag.mu, full=True)
    site_pen = _site_penalties(rel, now)
    if not cp.single:  # split demand: a pair goes only with its site
        return np.asarray(now.value + site_pen[cp.site], dtype=np.float64)
    return _pair_floors(now, cp, site_pen)


def _pair_floors(now: _Knapsacks, cp: CapacityPairs, site_pen: np.ndarray) -> np.ndarray:
    """Return the relaxation's value plus the least rise when a pair's cell goes to its site."""
    r = now.r
    j = cp.site
    rc = np.maximum(r + now.price[j] * cp.w[cp.cell], 0.0) * (1.0 - now.x_lp)
    delta = np.maximum.reduce([np.zeros(r.size), r, now.v_lp[j] + rc - now.v[j]])
    return np.asarray(now.value + site_pen[j] + delta, dtype=np.float64)


def _site_penalties(rel: _Relaxation, now: _Knapsacks) -> np.ndarray:
    """Per site, the least rise of the relaxation's value when it must open (0 when chosen)."""
    pen = np.zeros(rel.cp.m)
    k, free = rel.k, rel.free
    if 0 < k < free.size:
        s = now.s
        kth = s[free[np.argsort(s[free], kind="stable")][k - 1]]
        out = ~now.chosen & rel.allowed & ~rel.forced
        pen[out] = s[out] - kth
    return pen


def column_floors(
    cp: CapacityPairs, forced: np.ndarray, p: int, lag: CapacityBound
) -> tuple[float, np.ndarray]:
    """Price clusters against the Lagrangian: its value, and a floor per site.

    A solution that serves the cells ``S`` from site ``j`` costs at least
    ``value + c(S) - lambda(S) - floor_j``, with ``c(S)`` the cluster's weighted cost and
    ``lambda`` the multipliers: its knapsack can do no better than ``v_j`` (the cluster's
    excess over it adds to the bound), and ``floor_j`` is ``v_j`` less the rise of the value
    when ``j`` must open. A cluster whose bound reaches the incumbent is in no better solution.

    Parameters
    ----------
    cp
        The pairs, demands and capacities (single-source).
    forced
        Sites that must be open.
    p
        Total number of open sites.
    lag
        Result of :func:`capacity_lagrangian` on the same problem.

    Returns
    -------
    tuple
        The relaxation's value at ``lag``'s multipliers, and the floor of each site.
    """
    rel = _Relaxation(cp, forced, np.ones(cp.m, dtype=bool), p)
    now = rel.at(lag.lam, lag.mu, full=True)
    return now.value, now.v - _site_penalties(rel, now)
