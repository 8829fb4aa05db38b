"""How an assignment core is solved: direct, enumerated, heuristic with a bound, or by HiGHS.

:func:`solve_median` takes a :class:`~._engine.MedianCore` (p-median minutes, or maximal
coverage's ``1 - credit``) through these steps:

1. No choice left (p equals the kept sites, or every candidate opens): evaluate directly.
2. Few sites to choose (subsets x cells within a budget): score every subset (exact).
3. Greedy add, fast vertex substitution and variable neighbourhood search
   (:mod:`.heuristics`), then the Lagrangian bound by subgradient optimisation
   (:mod:`.bounds`). When bound and solution meet, the solution is proven optimal. This is all
   of ``method="heuristic"``.
4. Otherwise sites are fixed closed or open by Lagrangian reduced costs (and, when few sites
   are to be chosen, by probing: the bound re-optimised with each site forced; a coverage
   model first gets a short HiGHS run, and when many pairs are left a Lagrangian branch and
   bound (:mod:`._lagrangian_tree`) tries first), which usually removes most candidates, and
   HiGHS solves the radius model (:mod:`._radius`) of what is left, started from the
   heuristic solution. The reported bound stays valid for the full problem.
   ``method="auto"`` keeps the heuristic answer (with its bound) when the model is too big.

Every step is limited by work, not time (subgradient steps, VNS rounds, probing work, HiGHS
node limits), so the path and the answer are the same on every machine; the deadline only
stops a solve that would overrun its time limit, and each such stop is recorded
(:class:`~.base.Deadline`). Each outcome names its branch (``path``, one of
:data:`~.problem.PATHS`), which the tests check against brute force one by one.

Where fixings certify an answer (``fixing``, ``probing``, ``mip_infeasible``), the argument is
the one of reduced-cost fixing: every solution better than the incumbent keeps the sites fixed
closed shut and those fixed open open, so when the fixings leave one choice, or none that
HiGHS can complete, the better of that choice and the incumbent is optimal. The bound of a
core reduced by fixings is the full problem's bound only up to the incumbent: it is reported
as ``min(reduced bound, incumbent)``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from .. import settings
from ..errors import InfeasibleError, SolverError
from . import heuristics
from ._engine import MedianCore
from ._enumerate import count_subsets, enumerate_best, enumeration_fits
from ._lagrangian_tree import lagrangian_tree
from ._radius import radius_model
from ._sorted import SortedCosts
from .base import Deadline, Outcome, SolveRequest
from .bounds import Lagrangian, lagrangian_fixing, lagrangian_median, lagrangian_probing
from .milp import require_solution, run_highs

__all__ = ["EXACT_MAX_NNZ", "HEURISTIC_LABEL", "solve_median"]

logger = logging.getLogger(__name__)

#: Largest radius model (stored entries) the automatic choice hands to HiGHS.
EXACT_MAX_NNZ = 3_000_000
#: Seconds that must be left for the automatic choice to start HiGHS after the heuristic (with
#: fewer left, the clock has stopped the solve: the heuristic answer is kept and the stop
#: recorded).
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
#: Before probing a coverage core (``MedianCore.quick_mip``), HiGHS gets this many
#: branch-and-bound nodes when the model has at most this many entries (small coverage models
#: often solve at the root): a node limit, not a share of the time, so that the path does not
#: depend on the machine's speed. p-median cores go straight to probing: their radius models
#: rarely solve at the root, and the root alone can take longer than probing and the final MIP
#: together (OR-Library pmed6, pmed16, pmed17).
QUICK_MIP_NODES = 500
QUICK_MIP_NNZ = 60_000

#: With at most PROBE_MAX_K sites to choose, when what probing left still lists at least
#: TREE_MIN_PAIRS pairs (a radius model too big for quick HiGHS nodes), a Lagrangian branch and
#: bound (:mod:`._lagrangian_tree`) runs before the radius MIP, within TREE_BUDGET work units
#: (subgradient steps x (cells + pairs)); unfinished, it hands its incumbent to the MIP. When
#: reduced-cost fixing left at least TREE_FIRST_PAIRS pairs the tree runs before probing
#: instead: its own fixings at the root then find what probing would (the same nodes with or
#: without probing first on the generated n = 600-900 graphs) in a fraction of the time, while
#: on smaller cores (OR-Library pmed17, 28000 pairs) probing leaves a radius MIP that HiGHS
#: proves sooner than the tree.
TREE_MIN_PAIRS = 20_000
TREE_FIRST_PAIRS = 50_000
TREE_BUDGET = 1e10

HEURISTIC_LABEL = "greedy + fast interchange + VNS, Lagrangian bound"


def _raise_unserved(core: MedianCore, is_open: np.ndarray, *, enumerated: bool = False) -> None:
    problem = core.data.problem
    lost = core.rows[np.isinf(core.cell_costs(is_open))]
    names = problem.cell_names(lost)
    ids = [problem.site_ids[i] for i in core.data.cand[is_open]]
    if enumerated:
        msg = (
            f"no choice of {core.k} site(s) besides the {int(core.forced.sum())} kept open reaches every cell of "
            f"positive weight (all {core.p}-site choices tried); the best, {ids}, leaves {lost.size} "
            f"cell(s) unreachable: {names}"
        )
    else:
        msg = (
            f"the only possible open sites {ids} leave {lost.size} cell(s) of positive weight "
            f"unreachable: {names}"
        )
    raise InfeasibleError(msg)


def _try_enumeration(core: MedianCore) -> Outcome | None:
    k = core.k
    subsets = count_subsets(core.n_free, k)
    if not enumeration_fits(core.n_free, k, core.n):
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
    return Outcome(is_open, value, solver, "exact", "optimal", scored, "enumeration")


def _vns_rounds(core: MedianCore, *, thorough: bool) -> int:
    k = core.k
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


def _search(core: MedianCore, request: SolveRequest, *, thorough: bool) -> _Search | None:
    """Greedy, interchange, a first bound, then VNS and the bound on what fixing leaves.

    A county problem lists millions of pairs and every pass over them costs a fraction of a
    second, but reduced-cost fixing with a rough bound usually closes most candidates. So the
    first subgradient steps run on the full problem, the sites they fix closed leave it (with
    their pairs), and the neighbourhood search and the rest of the bound run on the remainder:
    every fixing holds for every solution better than the incumbent, so the bound stays valid
    for the full problem.
    """
    full = core
    deadline = request.deadline.at
    sc = core.sorted_costs()
    tick = settings.progress
    start = heuristics.greedy_median(sc, core.forced, core.p)
    is_open, moves = heuristics.interchange_median(sc, start, core.forced, deadline=deadline)
    upper = core.objective(is_open)
    first = None
    if math.isfinite(upper) and core.only_choice() is None:
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
        seed=request.seed,
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
    found: _Search, closed: np.ndarray, opened: np.ndarray, deadline: Deadline
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
        deadline=deadline.at,
    )
    return closed | more_closed, opened | more_open


def _fixed_label(closed: np.ndarray, opened: np.ndarray, how: str) -> str:
    return (
        f"{int(closed.sum())} sites fixed closed and {int(opened.sum())} open by Lagrangian {how}"
    )


def _settled(reduced: MedianCore, found: _Search, label: str, path: str) -> Outcome | None:
    """When the fixings leave no choice, compare the only remaining set with the incumbent.

    Every solution better than the incumbent keeps the fixings, so it can only be the one set
    they leave: the better of the two is optimal and its value the bound.
    """
    left = reduced.only_choice()
    if left is None:
        return None
    value = reduced.objective(left)
    best = left if value < found.upper else found.is_open
    solver = f"{HEURISTIC_LABEL}; {label} (proved optimal)"
    its = found.moves + found.lag.steps
    return Outcome(best, min(value, found.upper), solver, "exact", "optimal", its, path)


def solve_median(core: MedianCore, request: SolveRequest) -> Outcome:
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
    request
        Method, deadline, target gap and seed.

    Returns
    -------
    Outcome
        Open mask over candidates and a lower bound on the core objective.
    """
    fixed = core.only_choice()
    if fixed is not None:
        value = core.objective(fixed)
        if not math.isfinite(value):
            _raise_unserved(core, fixed)
        solver = "direct evaluation (no choice left)"
        return Outcome(fixed, value, solver, "exact", "optimal", 0, "direct")
    method = request.method
    if method != "heuristic":
        done = _try_enumeration(core)
        if done is not None:
            return done
    found = _search(core, request, thorough=method == "heuristic")
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
        path = "bound_meets" if how == "exact" else "heuristic"
        return Outcome(found.is_open, found.lag.bound, solver, how, status, its, path)
    if found is None:
        return _radius_mip(core, None, "", request, path="full_mip")[0]
    base = found.core  # what the early fixing left
    closed, opened = lagrangian_fixing(
        found.sorted, base.forced, base.p, found.lag, upper=found.upper, allowed=base.allowed
    )
    closed |= ~base.allowed
    opened |= base.forced & ~core.forced
    reduced = core.restrict(closed, opened)
    label = _fixed_label(closed, opened, "reduced costs")
    done = _settled(reduced, found, label, "fixing")
    if done is not None:
        return done
    if core.k > PROBE_MAX_K:
        return _radius_mip(reduced, found, label, request, path="radius_mip")[0]
    # small p: the LP gap is largest; try HiGHS within a node limit, then probe and try again
    if core.quick_mip and radius_model(reduced)[0].nnz <= QUICK_MIP_NNZ:
        nodes = QUICK_MIP_NODES if request.max_nodes is None else request.max_nodes
        quick = replace(request, method="exact", max_nodes=min(QUICK_MIP_NODES, nodes))
        out, finished = _radius_mip(reduced, found, label, quick, path="quick_mip")
        if finished:
            return out
        value = core.objective(out.is_open)
        if value < found.upper:
            found = replace(found, is_open=out.is_open, upper=value)
    tree_first = reduced.cost.size >= TREE_FIRST_PAIRS
    if tree_first:
        done, found = _tree(reduced, found, label, request)
        if done is not None:
            return done
    closed, opened = _probe(found, closed, opened, request.deadline)
    reduced = core.restrict(closed, opened)
    label = _fixed_label(closed, opened, "reduced costs and probing")
    done = _settled(reduced, found, label, "probing")
    if done is not None:
        return done
    if not tree_first and reduced.cost.size >= TREE_MIN_PAIRS:
        done, found = _tree(reduced, found, label, request)
        if done is not None:
            return done
    return _radius_mip(reduced, found, label, request, path="probing_mip")[0]


def _tree(
    reduced: MedianCore, found: _Search, label: str, request: SolveRequest
) -> tuple[Outcome | None, _Search]:
    """Run the Lagrangian branch and bound on what fixing left; its incumbent kept when unfinished."""
    tree = lagrangian_tree(
        reduced.sorted_costs(),
        reduced.forced,
        reduced.allowed,
        reduced.p,
        is_open=found.is_open,
        upper=found.upper,
        start=found.lag.multipliers,
        budget=TREE_BUDGET,
        deadline=request.deadline.at,
    )
    value = reduced.objective(tree.is_open) if tree.value < found.upper else found.upper
    if value < found.upper:
        found = replace(found, is_open=tree.is_open, upper=value)
    if not tree.proven:
        logger.info(
            "Lagrangian tree stopped after %d nodes without a proof (incumbent %.6g)",
            tree.nodes,
            value,
        )
        return None, found
    solver = (
        f"{HEURISTIC_LABEL}; {label}; Lagrangian branch and bound, {tree.nodes} nodes "
        "(proved optimal)"
    )
    its = found.moves + found.lag.steps + tree.steps
    outcome = Outcome(
        found.is_open, found.upper, solver, "exact", "optimal", its, "lagrangian_tree"
    )
    return outcome, found


def _radius_mip(
    reduced: MedianCore,
    found: _Search | None,
    label: str,
    request: SolveRequest,
    *,
    path: str,
) -> tuple[Outcome, bool]:
    """Solve the radius model of a (reduced) core; also say whether HiGHS finished.

    The bound is HiGHS's bound on the reduced core, capped by the incumbent (every better
    solution lies in the reduced core) and never below the Lagrangian bound. When HiGHS proves
    the reduced core infeasible, no solution better than the incumbent exists: it is optimal.
    """
    model, free = radius_model(reduced)
    remaining = request.deadline.left()
    short = remaining < MIN_MIP_SECONDS
    if request.method == "auto" and found is not None and (model.nnz > EXACT_MAX_NNZ or short):
        logger.info(
            "radius model has %d entries with %.1f s left: keeping the heuristic",
            model.nnz,
            remaining,
        )
        if short:
            request.deadline.note()  # the clock decided: recorded
        solver = f"{HEURISTIC_LABEL}; {label}"
        bound, moves = found.lag.bound, found.moves
        out = Outcome(
            found.is_open, bound, solver, "heuristic", "local_optimum", moves, "heuristic"
        )
        return out, False
    start = None
    if (
        found is not None
        and bool(np.all(reduced.allowed[found.is_open]))
        and bool(np.all(found.is_open[reduced.forced]))
    ):
        start = (np.arange(free.size), found.is_open[free].astype(np.float64))
    result = run_highs(
        model,
        time_limit=max(remaining, 0.05),
        gap=request.gap,
        seed=request.seed,
        start=start,
        presolve=False,
        heuristic_effort=0.01 if start is not None else None,
        max_nodes=request.max_nodes,
    )
    request.deadline.note_status(result.status)
    finished = result.status in ("optimal", "gap_reached", "infeasible")
    solver = result.solver if not label else f"{result.solver.rstrip(')')}; {label})"
    lower = found.lag.bound if found is not None else -math.inf
    upper = found.upper if found is not None else math.inf
    bound = max(lower, min(upper, result.bound))
    x = result.x
    if x is None:
        its = result.iterations
        if result.status == "infeasible" and found is not None:
            # every better solution was excluded by the fixings: the incumbent is optimal
            out = Outcome(found.is_open, upper, solver, "exact", "optimal", its, "mip_infeasible")
            return out, True
        if found is not None:
            return Outcome(
                found.is_open, bound, solver, "exact", result.status, its, path
            ), finished
        x = require_solution(result, f"the {reduced.label} problem")  # raises
    is_open = reduced.forced.copy()
    is_open[free[x[: free.size] > 0.5]] = True
    if found is not None and found.upper <= reduced.objective(is_open):
        is_open = found.is_open
    out = Outcome(is_open, bound, solver, "exact", result.status, result.iterations, path)
    return out, finished
