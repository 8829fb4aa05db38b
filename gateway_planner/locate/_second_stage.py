"""The lexicographic second stage of the p-center: least total journey at a fixed radius.

Once the radius is known, the sets of p sites that keep every cell within it differ in how far
everyone else travels. The second stage opens exactly p sites and minimises the demand-weighted
total journey among those sets: a p-median over the pairs within the radius, every cell to be
served (:class:`~._engine.MedianCore` with those pairs only).

Unlike a plain p-median, its feasible sets can be rare (when the radius is tight, a handful of
covers among millions of p-sets), and a greedy start from nothing seldom finds one. So the
search starts from the first stage's cover, filled up to p: when scoring every subset fits the
budget the p-median engine does it (exact); otherwise variable neighbourhood search descends
from the cover (moves that leave a cell beyond the radius cost its penalty and are never
taken), the Lagrangian bound of the p-median measures the answer, reduced-cost fixing shrinks
the problem, and HiGHS solves the radius model of what is left when it is small, started from
the incumbent. Every step is limited by work, and the deadline stops any of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import heuristics
from ._engine import MedianCore
from ._enumerate import count_subsets, enumeration_fits
from ._pipeline import solve_median
from ._radius import radius_model
from .base import Deadline, SolveRequest
from .bounds import lagrangian_fixing, lagrangian_median
from .milp import run_highs

__all__ = ["ENUMERATION_SECONDS", "SecondStage", "enumeration_affordable", "second_stage"]

#: Seconds per unit of enumeration work (subsets x cells x sites per subset), measured at about
#: 1.2 ns on this machine and taken four times larger for a loaded one.
ENUMERATION_SECONDS = 5e-9
#: VNS rounds from the first stage's cover.
VNS_ROUNDS = 60
#: Subgradient steps of the Lagrangian bound.
LAGRANGIAN_STEPS = 400
#: Largest radius model (stored entries) HiGHS gets after reduced-cost fixing: its LP is slow
#: on the tight covers the second stage meets (OR-Library pmed11: 12,164 columns, 25 s).
MIP_MAX_NNZ = 20_000


@dataclass(frozen=True)
class SecondStage:
    """What the second stage found: p sites, their total, a lower bound of the best total."""

    is_open: np.ndarray
    total: float
    bound: float
    iterations: int
    solver: str


def enumeration_affordable(n_free: int, k: int, n_cells: int, deadline: Deadline) -> bool:
    """Whether scoring every subset fits the budget and the time left (it cannot be stopped).

    Parameters
    ----------
    n_free
        Sites to choose from.
    k
        Sites to choose.
    n_cells
        Cells scored for every subset.
    deadline
        The wall-clock safety net (a skip for lack of time is recorded there).

    Returns
    -------
    bool
        True when the enumeration fits :data:`~._enumerate.ENUMERATION_BUDGET` and the time left.
    """
    if not enumeration_fits(n_free, k, n_cells):
        return False
    return deadline.affords(count_subsets(n_free, k) * n_cells * k * ENUMERATION_SECONDS)


def second_stage(core: MedianCore, start: np.ndarray, request: SolveRequest) -> SecondStage:
    """Least weighted total journey over the p-sets the core allows, from a feasible start.

    Parameters
    ----------
    core
        The p-median over the pairs within the radius (every cell to be served).
    start
        A feasible set of exactly p sites (the first stage's cover, filled up).
    request
        Method, deadline, gap and seed.

    Returns
    -------
    SecondStage
        The best p sites found (never worse than ``start``) and a bound valid for every set the
        core allows.
    """
    total = core.objective(start)
    floor = core.objective(core.allowed)  # every candidate open: below any p-set's total
    fallback = SecondStage(start, total, floor, 0, "the first stage's sites filled up to p")
    if request.deadline.passed():
        return fallback
    if request.method != "heuristic" and enumeration_affordable(
        core.n_free, core.k, core.n, request.deadline
    ):
        out = solve_median(core, request)  # the engine scores every subset
        value = core.objective(out.is_open)
        if value <= total:
            return SecondStage(
                out.is_open, value, max(floor, out.bound), out.iterations, out.solver
            )
        return SecondStage(start, total, max(floor, out.bound), out.iterations, out.solver)
    deadline = request.deadline.at
    sc = core.sorted_costs()
    is_open, moves = heuristics.vns_median(
        sc, start, core.forced, seed=request.seed, rounds=VNS_ROUNDS, deadline=deadline
    )
    upper = core.objective(is_open)
    if not upper <= total:
        is_open, upper = start, total
    lag = lagrangian_median(
        sc,
        core.forced,
        core.p,
        upper=upper,
        start=sc.nearest_two(is_open)[1],
        max_iter=LAGRANGIAN_STEPS,
        deadline=deadline,
    )
    bound = max(floor, lag.bound)
    its = moves + lag.steps
    label = "VNS from the first stage's sites, Lagrangian bound"
    if bound >= upper - 1e-9 * max(1.0, abs(upper)) or request.method == "heuristic":
        return SecondStage(is_open, upper, min(bound, upper), its, label)
    closed, opened = lagrangian_fixing(sc, core.forced, core.p, lag, upper=upper)
    reduced = core.restrict(closed, opened)
    fixed = f"{int(closed.sum())} sites fixed closed and {int(opened.sum())} open by reduced costs"
    left = reduced.only_choice()
    if left is not None:
        value = reduced.objective(left)
        best = left if value < upper else is_open
        return SecondStage(best, min(value, upper), min(value, upper), its, f"{label}; {fixed}")
    model, free = radius_model(reduced)
    remaining = request.deadline.left()
    if model.nnz > MIP_MAX_NNZ or remaining <= 0:
        return SecondStage(is_open, upper, bound, its, f"{label}; {fixed}")
    guess = is_open[free].astype(np.float64) if bool(np.all(reduced.allowed[is_open])) else None
    result = run_highs(
        model,
        time_limit=remaining,
        gap=request.gap,
        seed=request.seed,
        start=None if guess is None else (np.arange(free.size), guess),
        presolve=False,
        heuristic_effort=0.01,
    )
    request.deadline.note_status(result.status)
    its += result.iterations
    solver = f"{label}; {fixed}; {result.solver}"
    if result.status == "infeasible":  # nothing better than the incumbent survives the fixing
        return SecondStage(is_open, upper, upper, its, solver)
    if result.x is not None:
        found = reduced.forced.copy()
        found[free[result.x[: free.size] > 0.5]] = True
        value = reduced.objective(found)
        if value < upper:
            is_open, upper = found, value
    bound = max(bound, min(upper, result.bound)) if math.isfinite(result.bound) else bound
    return SecondStage(is_open, upper, min(bound, upper), its, solver)
