"""Capacitated p-median: each site serves at most its capacity (single-source or split demand).

Classical assignment formulation, with ``x_ij`` the share of cell ``i`` served by site ``j`` over
reachable pairs only (binary when single-source)::

    min  sum_ij w_i d_ij x_ij  (+ sum_i w_i U u_i with an unserved cost U)
    s.t. sum_j x_ij (+ u_i) = 1               every cell of positive weight
         sum_i w_i x_ij <= cap_j y_j          capacitated sites
         x_ij <= y_j                          strong linking (aggregated when too many pairs)
         sum_j y_j = p,   y binary

When few sites are left to choose, subsets are scored in increasing order of their
*uncapacitated* cost, which bounds their capacitated cost from below: each one gets a
transportation (split) or generalised-assignment (single-source) solve, and the scan stops as
soon as the next uncapacitated cost cannot beat the best capacitated one. That proves
optimality without the big model.

Otherwise the uncapacitated problem gives a first incumbent and bound; when the capacities
bind, the Lagrangian relaxation of the assignment constraints (:mod:`._capacity_bounds`: one
knapsack per site, 0/1 for single-source, fractional for split demand) raises the bound, its
relaxed open sets give more incumbents, and its reduced costs fix sites closed or open and
(single-source) remove the pairs no better solution uses. The exact stage then follows
(:mod:`._capacity_exact`). Single-source problems
recombine the clusters met on the way (:mod:`._capacity_pool`: every knapsack of the
Lagrangian and every assignment, by a set-partitioning MIP), and take the open sites of their
split-demand relaxation, solved by HiGHS on what the fixings leave, as one more incumbent.
Probing (:mod:`._capacity_probe`) raises the bound: targets between it and the
incumbent, each proven by HiGHS to have no cheaper solution. With two cores it runs in a thread
beside all this and the final MIP (HiGHS releases the interpreter while it solves), else in
turn before the final MIP. HiGHS finally solves the model of what is left, with the valid
inequality ``sum_j min(Q_j, D) y_j >= D`` (total demand ``D``).
Every fixing holds for every solution better than the incumbent, so HiGHS proving the reduced
model infeasible proves the incumbent optimal.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..errors import InfeasibleError, SolverError
from ._capacity_bounds import (
    CapacityBound,
    capacity_lagrangian,
    column_floors,
)
from ._capacity_exact import LAGRANGIAN_LABEL, combine, reduced_mip
from ._capacity_model import (
    CapacitatedModel,
    Incumbent,
    assigned_best,
    better_incumbent,
)
from ._capacity_search import swap_search
from ._engine import MedianCore
from ._enumerate import all_subsets, count_subsets
from ._pipeline import solve_median
from .base import Deadline, Outcome, SolveRequest
from .milp import highs_version, require_solution, run_highs

__all__ = ["solve_capacitated"]

#: Largest number of subsets scanned in order of uncapacitated cost.
SUBSET_LIMIT = 20_000
#: HiGHS node limit of the uncapacitated problem's radius MIPs (incumbent and bound): a work
#: limit, not a share of the time, so that the path does not depend on the machine's speed.
UNCAPACITATED_MIP_NODES = 1000
#: Subgradient steps of the capacitated Lagrangian bound (exact path; the heuristic makes
#: fewer), the most relaxed open sets assigned as incumbents meanwhile, and the HiGHS node
#: limit of each such assignment (a work limit: the path does not depend on the machine).
CAPACITY_STEPS = 600
CAPACITY_STEPS_HEURISTIC = 200
CAPACITY_ASSIGNS = 12
CAPACITY_ASSIGN_NODES = 200
#: Swaps of an open site with one of its CAPACITY_NEAR_SITES nearest sites tried from the
#: incumbent (each assigned by the regret greedy), at most CAPACITY_SWAP_EVALS of them.
CAPACITY_NEAR_SITES = 6
CAPACITY_SWAP_EVALS = 400
#: Relaxed open sets whose quick assignment lies within this share of the incumbent go to
#: HiGHS for their best assignment.
CAPACITY_NEAR = 0.01
#: Largest number of pairs the capacitated Lagrangian runs on (each step sorts them).
CAPACITY_LAGRANGIAN_PAIRS = 2_000_000


def solve_capacitated(core: MedianCore, request: SolveRequest) -> Outcome:
    """Solve a capacitated p-median (see the module docstring).

    Parameters
    ----------
    core
        The uncapacitated p-median core (its problem has capacities): it gives the subsets'
        order, the incumbent and the bound.
    request
        Method, deadline, target gap and seed.

    Returns
    -------
    Outcome
        Open sites, the capacitated assignment and objective, and a lower bound.
    """
    method, deadline, seed = request.method, request.deadline, request.seed
    cap = CapacitatedModel(core)
    data = core.data
    forced = data.forced
    k, n_free = core.k, core.n_free
    label = cap.build(np.ones(data.m, dtype=bool), forced, k)[0].name
    if k in (0, n_free):
        is_open = forced.copy() if k == 0 else np.ones(data.m, dtype=bool)
        got = cap.assign(is_open, deadline=deadline, seed=seed)
        if got is None:
            msg = "the capacities of the only possible open sites cannot serve the demand"
            raise SolverError(msg)
        value, assignment, shares, its = got
        solver = f"HiGHS {highs_version()} ({label})"
        return Outcome(
            is_open, value, solver, "exact", "optimal", its, "direct", assignment, shares, value
        )
    wcost = core.dense()
    subsets = count_subsets(n_free, k)
    if method != "heuristic" and subsets <= SUBSET_LIMIT:
        return _scan(cap, wcost, k, deadline=deadline, seed=seed, label=label)
    if cap.pairs_form().site.size <= CAPACITY_LAGRANGIAN_PAIRS:
        cap.keep_clusters()  # every assignment from here on feeds the column pool
    # incumbents: the uncapacitated answer, and the largest capacities; the uncapacitated
    # optimum also bounds the capacitated one from below (and often meets it)
    first = solve_median(
        core,
        replace(
            request,
            method="heuristic" if method == "heuristic" else "auto",
            max_nodes=UNCAPACITATED_MIP_NODES,
        ),
    )
    best = better_incumbent(
        None, first.is_open, cap.assign(first.is_open, deadline=deadline, seed=seed)
    )
    if best is None and deadline.passed():  # no time left for HiGHS: the regret greedy's
        best = better_incumbent(None, first.is_open, cap.greedy(first.is_open, cap.pairs_form()))
    if best is None:  # then the sites of largest capacity
        order = np.argsort(
            -np.where(np.isinf(cap.cap), np.finfo(float).max, cap.cap), kind="stable"
        )
        big = forced.copy()
        big[[j for j in order if not forced[j]][:k]] = True
        best = better_incumbent(None, big, cap.assign(big, deadline=deadline, seed=seed))
    if (
        method != "heuristic"
        and best is not None
        and best.value <= first.bound + 1e-9 * max(1.0, abs(first.bound))
    ):
        # the capacities do not bind: the uncapacitated bound proves the incumbent optimal
        solver = f"uncapacitated {first.solver} + HiGHS {highs_version()} assignment (capacities not binding)"
        return best.outcome(first.bound, solver, "exact", "optimal", "capacity_not_binding")
    steps = CAPACITY_STEPS_HEURISTIC if method == "heuristic" else CAPACITY_STEPS
    search = _lagrangian(cap, core, request, best, steps=steps)
    lower = first.bound
    if search is not None:
        lag, best = search
        lower = max(lower, lag.bound)
        if lower < best.value - 1e-9 * max(1.0, abs(best.value)):
            best = _swaps(cap, core, request, best)
            if method == "heuristic":
                best = combine(cap, core, request, best)
    if method == "heuristic":
        if best is None:
            msg = "the heuristic found no open set whose capacities serve the demand; use method='exact'"
            raise SolverError(msg)
        solver = (
            f"uncapacitated heuristic + HiGHS {highs_version()} assignment, Lagrangian bound "
            "(uncapacitated; capacitated with knapsacks)"
        )
        return best.outcome(lower, solver, "heuristic", "local_optimum", "heuristic")
    if search is not None and best is not None:
        if lower >= best.value - 1e-9 * max(1.0, abs(best.value)):
            solver = f"{LAGRANGIAN_LABEL} meets the incumbent (HiGHS {highs_version()} assignment)"
            return best.outcome(lower, solver, "exact", "optimal", "capacity_mip")
        return reduced_mip(cap, core, request, search[0], best, lower)
    return _full_mip(cap, core, request, best, first.bound, label)


def _swaps(
    cap: CapacitatedModel, core: MedianCore, request: SolveRequest, best: Incumbent
) -> Incumbent:
    """Improve the incumbent's open sites by swaps priced with the regret greedy."""
    cp = cap.pairs_form()
    demand = cp.demand

    def evaluate(is_open: np.ndarray) -> float:
        if cp.unserved is None and float(np.minimum(cp.cap[is_open], demand).sum()) < demand:
            return math.inf
        got = cap.greedy(is_open, cp)
        return math.inf if got is None else got[0]

    start = evaluate(best.is_open)
    movable = core.allowed & ~core.forced
    found, value, _ = swap_search(
        evaluate,
        best.is_open,
        start,
        movable,
        cap.near_sites(CAPACITY_NEAR_SITES),
        max_evals=CAPACITY_SWAP_EVALS,
        stop=request.deadline.passed,
    )
    if value >= start:
        return best
    return assigned_best(cap, request, best, found)


def _lagrangian(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    best: Incumbent | None,
    *,
    steps: int,
) -> tuple[CapacityBound, Incumbent] | None:
    """Bound from an incumbent by the capacitated Lagrangian; its relaxed open sets assigned too."""
    cp = cap.pairs_form()
    if best is None or cp.site.size > CAPACITY_LAGRANGIAN_PAIRS:
        return None
    lam = cap.cell_costs(best.assignment)
    holder = [best]
    tried = [0]
    demand = cp.demand

    def incumbent(chosen: np.ndarray) -> float | None:
        if cp.unserved is None and float(np.minimum(cp.cap[chosen], demand).sum()) < demand:
            return None
        quick = cap.greedy(chosen, cp)
        if quick is not None:
            holder[0] = better_incumbent(holder[0], chosen, quick) or holder[0]
        upper = holder[0].value
        if tried[0] >= CAPACITY_ASSIGNS or quick is None or quick[0] > upper * (1 + CAPACITY_NEAR):
            return upper
        tried[0] += 1
        got = cap.assign(
            chosen, deadline=request.deadline, seed=request.seed, max_nodes=CAPACITY_ASSIGN_NODES
        )
        holder[0] = better_incumbent(holder[0], chosen, got) or holder[0]
        return holder[0].value

    lag = capacity_lagrangian(
        cp,
        core.forced,
        core.p,
        upper=best.value,
        start=lam,
        max_iter=steps,
        deadline=request.deadline.at,
        incumbent=incumbent,
        observe=None if cap.pool is None else cap.pool.observe,
    )
    if cap.pool is not None:  # clusters priced against this bound, once for the solve
        cap.pool.price(*column_floors(cp, core.forced, core.p, lag), lag.lam)
    return lag, holder[0]


def _full_mip(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    best: Incumbent | None,
    lower: float,
    label: str,
) -> Outcome:
    """HiGHS on the whole capacitated model (no incumbent to start a Lagrangian from)."""
    data = cap.data
    model, r, pos, free = cap.build(np.ones(data.m, dtype=bool), core.forced, core.k)
    remaining = max(request.deadline.left(), 0.05)
    result = run_highs(model, time_limit=remaining, gap=request.gap, seed=request.seed)
    request.deadline.note_status(result.status)
    bound = max(result.bound, lower) if math.isfinite(result.bound) else lower
    if result.x is None and best is not None:
        return best.outcome(bound, result.solver, "exact", result.status, "capacity_mip")
    x = require_solution(result, f"the {label} problem") if result.x is None else result.x
    found = cap.incumbent(x, result.objective, result.iterations, (r, pos, free, core.forced))
    if best is not None and best.value < found.value:
        found = best
    return found.outcome(bound, result.solver, "exact", result.status, "capacity_mip")


def _scan(
    cap: CapacitatedModel, wcost: np.ndarray, k: int, *, deadline: Deadline, seed: int, label: str
) -> Outcome:
    """Subsets in increasing uncapacitated cost, each assigned within the capacities.

    The uncapacitated cost of a subset bounds its capacitated cost from below, so the scan
    stops (proven) once the next one cannot beat the best found; stopped by the clock, the
    next subset's uncapacitated cost is the bound.
    """
    data = cap.data
    forced = data.forced
    sets, lower = all_subsets(wcost, forced, np.ones(data.m, dtype=bool), k)
    best = None
    iterations = 0
    scanned = 0
    stopped_at = None
    for s, low in zip(sets, lower, strict=True):
        if best is not None and low >= best[0] - 1e-9 * max(1.0, abs(best[0])):
            break
        if deadline.passed():
            stopped_at = float(low)
            break
        is_open = forced.copy()
        is_open[s] = True
        got = cap.assign(is_open, deadline=deadline, seed=seed)
        scanned += 1
        if got is None:
            if deadline.hit:  # not decided: this subset and the rest stay unscanned
                stopped_at = float(low)
                break
            continue
        iterations += got[3]
        if best is None or got[0] < best[0] - 1e-9 * max(1.0, abs(best[0])):
            best = (got[0], is_open, got[1], got[2])
    if best is None:
        if stopped_at is not None:
            msg = f"no capacity-feasible choice of sites found within the time limit ({scanned} subsets tried)"
            raise SolverError(msg)
        msg = (
            f"no choice of {k} site(s) besides the {data.n_forced} kept open can serve the demand "
            f"within the capacities (all {len(sets)} choices tried)"
        )
        raise InfeasibleError(msg)
    value, is_open, assignment, shares = best
    status = "optimal" if stopped_at is None else "time_limit"
    bound = value if stopped_at is None else min(stopped_at, value)
    solver = (
        f"HiGHS {highs_version()} ({label}) on {scanned} of {len(sets)} subsets scanned in order of "
        "uncapacitated cost"
    )
    return Outcome(
        is_open,
        bound,
        solver,
        "exact",
        status,
        iterations,
        "capacity_scan",
        assignment,
        shares,
        value,
    )
