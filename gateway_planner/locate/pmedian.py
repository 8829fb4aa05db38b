"""p-median: open p sites (existing ones included) to minimise total weighted journey time.

Exact model -- the radius formulation
-------------------------------------
For cell ``i`` let ``D_i^0 < D_i^1 < ... < D_i^L`` be the distinct minutes to its reachable
candidates and ``G_i^k`` the candidates at ``D_i^k``. With ``y_j`` = 1 when site ``j`` opens and
``z_i^k`` = 1 when no open site lies within ``D_i^k`` (Elloumi 2010, "A tighter formulation of the
p-median problem", J. Comb. Optim. 19; García, Labbé & Marín 2011, "Solving large p-median
problems with a radius formulation", INFORMS J. Comput. 23)::

    min  sum_i w_i (D_i^0 + sum_{k<L} (D_i^{k+1} - D_i^k) z_i^k)
    s.t. z_i^0 + sum_{j in G_i^0} y_j >= 1
         z_i^k - z_i^{k-1} + sum_{j in G_i^k} y_j >= 0        k = 1..L
         sum_j y_j = p,   y binary,   z >= 0

The constraints are written incrementally (each level adds only its own sites), so every
reachable (cell, site) pair appears once and there is no variable per pair; the LP bound equals
that of the classical assignment formulation. Each cell's levels stop early (Elloumi's
reduction): at its nearest existing site when existing sites are kept, and at the level holding
its (m - p + 1)-th nearest candidate, since one of any m - p + 1 candidates must open.
``unserved_cost`` adds a last level "served by nobody" at that cost.

Capacities use the classical assignment formulation with ``x_ij`` per reachable pair (binary
for single-source, continuous for split demand), ``sum_i w_i x_ij <= cap_j y_j`` and the strong
linking ``x_ij <= y_j``.

How a p-median is solved (:func:`solve_median`)
-----------------------------------------------
1. No choice left (p equals the kept sites, or every candidate opens): evaluate directly.
2. Few sites to choose (subsets x cells within a budget): score every subset (exact).
3. Greedy add, fast vertex substitution and variable neighbourhood search
   (:mod:`.heuristics`), then the Lagrangian bound by subgradient optimisation
   (:mod:`.bounds`). When bound and solution meet, the solution is proven optimal. This is all
   of ``method="heuristic"``.
4. Otherwise sites are fixed closed or open by Lagrangian reduced costs (and, when few sites
   are to be chosen, by probing: the bound re-optimised with each site forced), which usually
   removes most candidates, and HiGHS solves the radius model of what is left, started from
   the heuristic solution. The reported bound stays valid for the full problem.
   ``method="auto"`` keeps the heuristic answer (with its bound) when the model is too big.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from functools import cached_property, partial

import numpy as np

from .. import settings
from ..errors import InfeasibleError, SolverError
from . import heuristics
from ._capacity import solve_capacitated
from ._data import Prepared, check_dense_budget
from ._enumerate import count_subsets, enumerate_best
from ._sorted import SortedCosts, pair_order
from .base import LocationModel, Outcome
from .bounds import Lagrangian, lagrangian_fixing, lagrangian_median, lagrangian_probing
from .milp import MilpModel, RowBuilder, require_solution, run_highs

__all__ = ["EXACT_MAX_NNZ", "MedianCore", "PMedian", "solve_median"]

logger = logging.getLogger(__name__)

#: Largest radius model (stored entries) the automatic choice hands to HiGHS.
EXACT_MAX_NNZ = 3_000_000
#: Seconds that must be left for the automatic choice to start HiGHS after the heuristic.
MIN_MIP_SECONDS = 0.5
#: Subgradient steps for the reported bound (heuristic) or before fixing (exact path).
LAGRANGIAN_STEPS_HEURISTIC = 1000
LAGRANGIAN_STEPS_EXACT = 400
#: Subgradient steps on the full problem before reduced-cost fixing first shrinks it.
LAGRANGIAN_STEPS_FIRST = 80
#: Probing runs when at most this many sites are to be chosen (the LP gap is then largest and
#: the heuristic incumbent most reliable), with this many subgradient steps per probe and this
#: much work in all (steps x (cells + pairs in play)).
PROBE_MAX_K = 20
PROBE_STEPS = 50
PROBE_BUDGET = 4e8
#: Before probing, HiGHS gets this share of the time left when the model has at most this
#: many entries (small coverage models often solve at the root).
QUICK_SHARE = 0.15
QUICK_MIP_NNZ = 60_000
#: Largest enumeration (subsets x cells x sites per subset) tried before any model.
ENUMERATION_BUDGET = 3e8


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

    @classmethod
    def build(
        cls, data: Prepared, pair_cost: np.ndarray, unserved: np.ndarray, *, label: str
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

    def radius_model(self) -> tuple[MilpModel, np.ndarray]:
        """Build the radius formulation (see the module docstring).

        Returns
        -------
        tuple
            The model and the candidate position of each ``y`` column (columns ``0..len-1``).
        """
        p = self.p
        m = int(self.allowed.sum())
        forced = self.forced
        free = np.flatnonzero(~forced & self.allowed)
        ycol = np.full(self.forced.size, -1, dtype=np.int64)
        ycol[free] = np.arange(free.size)
        n = self.n
        r, c, pos = self.pair_rows, self.cost, self.pos
        npairs = c.size
        new_level = np.ones(npairs, dtype=bool)
        if npairs:
            new_level[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        gl = np.cumsum(new_level) - 1
        level_cost = c[new_level]
        has = np.diff(self.indptr) > 0
        first_level = np.zeros(n, dtype=np.int64)
        first_level[has] = gl[self.indptr[:-1][has]]
        level = gl - first_level[r]
        n_levels = np.zeros(n, dtype=np.int64)
        n_levels[has] = level[self.indptr[1:][has] - 1] + 1
        big = np.iinfo(np.int64).max
        t_forced = np.full(n, big, dtype=np.int64)
        fp = forced[pos]
        np.minimum.at(t_forced, r[fp], level[fp])
        t_p = np.full(n, big, dtype=np.int64)
        rank = np.arange(npairs) - self.indptr[r]
        at_rank = rank == (m - p)
        t_p[r[at_rank]] = level[at_rank]
        last = np.minimum(np.minimum(t_forced, t_p), n_levels - 1)
        truncated = (t_forced <= n_levels - 1) | (t_p <= n_levels - 1)
        drop_last_row = t_forced == last
        has_unserved = has & ~truncated & np.isfinite(self.unserved)
        n_rows = np.where(has, last + 1 - drop_last_row, 0)
        n_z = np.where(has, last + has_unserved, 0)
        row_off = np.concatenate(([0], np.cumsum(n_rows)))
        z_off = free.size + np.concatenate(([0], np.cumsum(n_z)))
        n_cols = int(z_off[-1])

        # objective
        cost = np.zeros(n_cols)
        zr = np.repeat(np.arange(n), n_z)
        zk = np.arange(n_cols - free.size) - (z_off[:-1] - free.size)[zr]
        is_unserved = zk == last[zr]
        base = first_level[zr] + zk
        nxt = np.where(
            is_unserved, 0.0, level_cost[np.minimum(base + 1, max(level_cost.size - 1, 0))]
        )
        here = level_cost[base] if level_cost.size else np.zeros(0)
        step = np.where(is_unserved, self.unserved[zr] - here, nxt - here)
        cost[free.size :] = self.w[zr] * step
        offset = float(self.w[has] @ level_cost[first_level[has]]) if has.any() else 0.0
        offset += float(self.w[~has] @ self.unserved[~has])

        rb = RowBuilder()
        # level rows
        row_r = np.repeat(np.arange(n), n_rows)
        row_k = np.arange(int(row_off[-1])) - row_off[:-1][row_r]
        rb.add_rows(np.where(row_k == 0, 1.0, 0.0), np.inf)
        keep = (level < n_rows[r]) & (ycol[pos] >= 0)
        rb.add_entries(row_off[r[keep]] + level[keep], ycol[pos[keep]], 1.0)
        zcol = np.arange(free.size, n_cols)
        rb.add_entries(row_off[zr] + zk, zcol, 1.0)
        nxt_ok = zk + 1 < n_rows[zr]
        rb.add_entries(row_off[zr[nxt_ok]] + zk[nxt_ok] + 1, zcol[nxt_ok], -1.0)
        # cardinality
        k = p - int(forced.sum())
        first = rb.add_rows(float(k), float(k), count=1)
        rb.add_entries(np.full(free.size, first), np.arange(free.size), 1.0)

        lower = np.zeros(n_cols)
        upper = np.ones(n_cols)
        integer = np.zeros(n_cols, dtype=bool)
        integer[: free.size] = True
        model = MilpModel(
            cost=cost,
            lower=lower,
            upper=upper,
            integer=integer,
            rows=rb,
            offset=offset,
            name=self.label,
        )
        return model, free


def _trivial(core: MedianCore) -> np.ndarray | None:
    free = int((core.allowed & ~core.forced).sum())
    k = core.p - int(core.forced.sum())
    if k == 0:
        return core.forced.copy()
    if k == free:
        return core.allowed.copy()
    return None


def _raise_unserved(core: MedianCore, is_open: np.ndarray, *, enumerated: bool = False) -> None:
    data = core.data
    lost = core.rows[np.isinf(core.cell_costs(is_open))]
    names = ", ".join(data.problem.cell_name(int(i)) for i in lost[:10])
    more = f" and {lost.size - 10} more" if lost.size > 10 else ""
    ids = [data.problem.site_ids[i] for i in data.cand[is_open]]
    if enumerated:
        k = core.p - int(core.forced.sum())
        msg = (
            f"no choice of {k} site(s) besides the {int(core.forced.sum())} kept open reaches every cell of "
            f"positive weight (all {core.p}-site choices tried); the best, {ids}, leaves {lost.size} "
            f"cell(s) unreachable: {names}{more}"
        )
    else:
        msg = (
            f"the only possible open sites {ids} leave {lost.size} cell(s) of positive weight "
            f"unreachable: {names}{more}"
        )
    raise InfeasibleError(msg)


def _try_enumeration(core: MedianCore) -> Outcome | None:
    k = core.p - int(core.forced.sum())
    n_free = int((core.allowed & ~core.forced).sum())
    subsets = count_subsets(n_free, k)
    if subsets * core.n * k > ENUMERATION_BUDGET:
        return None
    try:
        wcost = core.dense()
    except SolverError:
        return None
    is_open, _, scored = enumerate_best(wcost, core.forced, core.allowed, k)
    value = core.objective(is_open)
    if not math.isfinite(value):
        _raise_unserved(core, is_open, enumerated=True)
    solver = f"exhaustive enumeration of {subsets} subsets"
    return Outcome(is_open, value, solver, "exact", "optimal", scored)


def _vns_rounds(core: MedianCore, *, thorough: bool) -> int:
    k = core.p - int(core.forced.sum())
    if thorough:
        return int(min(300, max(30, 3 * k)))
    return int(min(100, max(20, 2 * k)))


@dataclass
class _Search:
    """Heuristic incumbent and Lagrangian information, on the core the early fixing left."""

    is_open: np.ndarray
    upper: float
    moves: int
    core: MedianCore
    sorted: SortedCosts
    lag: Lagrangian

    @property
    def proven(self) -> bool:
        return self.lag.bound >= self.upper - 1e-9 * max(1.0, abs(self.upper))


def _search(core: MedianCore, *, seed: int, deadline: float, thorough: bool) -> _Search | None:
    """Greedy, interchange, a first bound, then VNS and the bound on what fixing leaves.

    A county problem lists millions of pairs and every pass over them costs a fraction of a
    second, but reduced-cost fixing with a rough bound usually closes most candidates. So the
    first subgradient steps run on the full problem, the sites they fix closed leave it (with
    their pairs), and the neighbourhood search and the rest of the bound run on the remainder:
    every fixing holds for every solution better than the incumbent, so the bound stays valid
    for the full problem.
    """
    full = core
    sc = core.sorted_costs()
    tick = settings.progress
    start = heuristics.greedy_median(sc, core.forced, core.p)
    is_open, moves = heuristics.interchange_median(sc, start, core.forced, deadline=deadline)
    upper = core.objective(is_open)
    first = None
    if math.isfinite(upper) and _trivial(core) is None:
        first = lagrangian_median(
            sc,
            core.forced,
            core.p,
            upper=upper,
            start=sc.nearest_two(is_open)[1],
            max_iter=LAGRANGIAN_STEPS_FIRST,
            deadline=deadline,
        )
        closed, opened = lagrangian_fixing(sc, core.forced, core.p, first, upper=upper)
        if (closed.any() or opened.any()) and not first.bound >= upper:
            core = core.restrict(closed, opened)
            sc = core.sorted_costs()
    found, more = heuristics.vns_median(
        sc,
        is_open,
        core.forced,
        seed=seed,
        rounds=_vns_rounds(core, thorough=thorough),
        allowed=core.allowed,
        deadline=deadline,
        progress=None if tick is None else partial(tick, "solver: neighbourhood search"),
    )
    value = full.objective(found)
    if value < upper:
        is_open, upper, moves = found, value, moves + more
    if not math.isfinite(upper):
        return None
    steps = LAGRANGIAN_STEPS_HEURISTIC if thorough else LAGRANGIAN_STEPS_EXACT
    lag = lagrangian_median(
        sc,
        core.forced,
        core.p,
        upper=upper,
        allowed=core.allowed,
        start=sc.nearest_two(is_open)[1] if first is None else first.multipliers,
        max_iter=steps,
        deadline=deadline,
        progress=None if tick is None else partial(tick, "solver: Lagrangian bound"),
    )
    if first is not None and first.bound > lag.bound:
        lag = replace(lag, bound=first.bound, raw=max(first.raw, lag.raw))
    return _Search(is_open, upper, moves, core, sc, lag)


def _probe(
    found: _Search, closed: np.ndarray, opened: np.ndarray, deadline: float
) -> tuple[np.ndarray, np.ndarray]:
    more_closed, more_open = lagrangian_probing(
        found.sorted,
        found.core.forced | opened,
        found.core.p,
        found.lag,
        upper=found.upper,
        is_open=found.is_open,
        closed=closed | ~found.core.allowed,
        max_iter=PROBE_STEPS,
        budget=PROBE_BUDGET,
        deadline=deadline,
    )
    return closed | more_closed, opened | more_open


def _fixed_label(closed: np.ndarray, opened: np.ndarray, how: str) -> str:
    return (
        f"{int(closed.sum())} sites fixed closed and {int(opened.sum())} open by Lagrangian {how}"
    )


def _settled(reduced: MedianCore, found: _Search, label: str) -> Outcome | None:
    """When the fixings leave no choice, compare the only remaining set with the incumbent."""
    left = _trivial(reduced)
    if left is None:
        return None
    value = reduced.objective(left)
    best = left if value < found.upper else found.is_open
    solver = f"{HEURISTIC_LABEL}; {label} (proved optimal)"
    its = found.moves + found.lag.steps
    return Outcome(best, min(value, found.upper), solver, "exact", "optimal", its)


HEURISTIC_LABEL = "greedy + fast interchange + VNS, Lagrangian bound"


def solve_median(
    core: MedianCore, *, method: str, deadline: float, gap: float, seed: int
) -> Outcome:
    """Solve an assignment-type core exactly (radius MIP), heuristically, or by automatic choice.

    The exact path enumerates when few sites are left to choose; otherwise it runs the heuristic
    and the Lagrangian bound, and when they meet the answer is proven optimal at once. Else
    sites that cannot be open (or closed) in any better solution are fixed (reduced costs, then
    probing) and HiGHS solves the smaller radius model, started from the heuristic solution.
    The reported bound is valid for the full problem. ``"auto"`` keeps the heuristic answer
    when the radius model is too big for HiGHS in the time left.

    Parameters
    ----------
    core
        The problem core.
    method
        {"auto", "exact", "heuristic"}
    deadline
        ``time.perf_counter()`` value by which to finish.
    gap
        Target relative gap.
    seed
        Seed of random choices.

    Returns
    -------
    Outcome
        Open mask over candidates and a lower bound on the core objective.
    """
    fixed = _trivial(core)
    if fixed is not None:
        value = core.objective(fixed)
        if not math.isfinite(value):
            _raise_unserved(core, fixed)
        return Outcome(fixed, value, "direct evaluation (no choice left)", "exact", "optimal", 0)
    if method != "heuristic":
        done = _try_enumeration(core)
        if done is not None:
            return done
    found = _search(core, seed=seed, deadline=deadline, thorough=method == "heuristic")
    if found is None and method == "heuristic":
        msg = (
            f"the heuristic found no {core.p} sites that reach every cell of positive weight; "
            "try method='exact' (which can prove infeasibility) or set unserved_cost"
        )
        raise SolverError(msg)
    if found is not None and (method == "heuristic" or found.proven):
        solver = HEURISTIC_LABEL + (" (bound meets the solution)" if found.proven else "")
        status = "optimal" if found.proven else "local_optimum"
        how = "exact" if found.proven and method != "heuristic" else "heuristic"
        its = found.moves + found.lag.steps
        return Outcome(found.is_open, found.lag.bound, solver, how, status, its)
    if found is None:
        return _radius_mip(core, None, "", method=method, deadline=deadline, gap=gap, seed=seed)[0]
    base = found.core  # what the early fixing left
    closed, opened = lagrangian_fixing(
        found.sorted, base.forced, base.p, found.lag, upper=found.upper, allowed=base.allowed
    )
    closed |= ~base.allowed
    opened |= base.forced & ~core.forced
    reduced = core.restrict(closed, opened)
    label = _fixed_label(closed, opened, "reduced costs")
    done = _settled(reduced, found, label)
    if done is not None:
        return done
    if core.p - int(core.forced.sum()) <= PROBE_MAX_K:
        # small p: the LP gap is largest; try HiGHS briefly, then probe and try again
        if reduced.radius_model()[0].nnz <= QUICK_MIP_NNZ:
            quick_deadline = time.perf_counter() + QUICK_SHARE * (deadline - time.perf_counter())
            out, finished = _radius_mip(
                reduced, found, label, method="exact", deadline=quick_deadline, gap=gap, seed=seed
            )
            if finished:
                return out
            value = core.objective(out.is_open)
            if value < found.upper:
                found = replace(found, is_open=out.is_open, upper=value)
        closed, opened = _probe(found, closed, opened, deadline)
        reduced = core.restrict(closed, opened)
        label = _fixed_label(closed, opened, "reduced costs and probing")
        done = _settled(reduced, found, label)
        if done is not None:
            return done
    return _radius_mip(reduced, found, label, method=method, deadline=deadline, gap=gap, seed=seed)[
        0
    ]


def _radius_mip(
    reduced: MedianCore,
    found: _Search | None,
    label: str,
    *,
    method: str,
    deadline: float,
    gap: float,
    seed: int,
) -> tuple[Outcome, bool]:
    """Solve the radius model of a (reduced) core; also say whether HiGHS finished."""
    model, free = reduced.radius_model()
    remaining = deadline - time.perf_counter()
    too_big = model.nnz > EXACT_MAX_NNZ or remaining < MIN_MIP_SECONDS
    if method == "auto" and found is not None and too_big:
        logger.info(
            "radius model has %d entries with %.1f s left: keeping the heuristic",
            model.nnz,
            remaining,
        )
        solver = f"{HEURISTIC_LABEL}; {label}"
        out = Outcome(
            found.is_open, found.lag.bound, solver, "heuristic", "local_optimum", found.moves
        )
        return out, False
    start = None
    compatible = found is not None and bool(np.all(reduced.allowed[found.is_open]))
    if compatible and bool(np.all(found.is_open[reduced.forced])):
        start = (np.arange(free.size), found.is_open[free].astype(np.float64))
    result = run_highs(
        model,
        time_limit=max(remaining, 0.05),
        gap=gap,
        seed=seed,
        start=start,
        presolve=False,
        heuristic_effort=0.01 if start is not None else None,
    )
    finished = result.status in ("optimal", "gap_reached", "infeasible")
    solver = result.solver if not label else f"{result.solver.rstrip(')')}; {label})"
    lower = found.lag.bound if found is not None else -math.inf
    upper = found.upper if found is not None else math.inf
    bound = max(lower, min(upper, result.bound))
    if result.x is None:
        if result.status == "infeasible" and found is not None:
            # every better solution was excluded by the fixings: the incumbent is optimal
            return Outcome(
                found.is_open, upper, solver, "exact", "optimal", result.iterations
            ), True
        if found is not None:
            out = Outcome(found.is_open, bound, solver, "exact", result.status, result.iterations)
            return out, finished
        require_solution(result, f"the {reduced.label} problem")
    x = result.x
    is_open = reduced.forced.copy()
    is_open[free[x[: free.size] > 0.5]] = True
    if found is not None and found.upper <= reduced.objective(is_open):
        is_open = found.is_open
    return Outcome(is_open, bound, solver, "exact", result.status, result.iterations), finished


class PMedian(LocationModel):
    """p-median: least total weighted journey time with p open sites (existing ones included).

    Uncapacitated problems use the radius formulation (Elloumi 2010; García, Labbé & Marín
    2011) with HiGHS, or greedy + fast interchange (Whitaker 1983; Resende & Werneck 2007) + VNS
    (Hansen & Mladenović 1997) with a Lagrangian bound. Capacitated problems use the classical
    assignment formulation (single-source or split demand, ``Problem.single_source``).
    """

    model = "pmedian"

    @cached_property
    def _core(self) -> MedianCore:
        data = self.data
        u = math.inf if self.problem.unserved_cost is None else float(self.problem.unserved_cost)
        unserved = np.full(data.n_cells, u)
        return MedianCore.build(
            data, data.pairs.cost, unserved, label="radius p-median, Elloumi 2010"
        )

    def _run(self, *, method: str, deadline: float, gap: float, seed: int) -> Outcome:
        if self.problem.capacities is not None:
            return solve_capacitated(self, method=method, deadline=deadline, gap=gap, seed=seed)
        return solve_median(self._core, method=method, deadline=deadline, gap=gap, seed=seed)

    def evaluate(self, is_open: np.ndarray) -> float:
        """Total weighted minutes with every cell at its nearest open site.

        Parameters
        ----------
        is_open
            Boolean mask over candidate sites.

        Returns
        -------
        float
            The objective (inf when a cell of positive weight is left unserved without an
            ``unserved_cost``). With capacities this is the nearest-site cost, a lower bound of
            the capacitated one; solutions report the capacitated assignment's cost.
        """
        return self._core.objective(is_open)
