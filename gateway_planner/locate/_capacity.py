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
(single-source) remove the pairs no better solution uses. Single-source problems then
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
import threading
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from ..errors import InfeasibleError, SolverError
from ._capacity_bounds import (
    CapacityBound,
    capacity_lagrangian,
    column_floors,
)
from ._capacity_model import CapacitatedModel, Incumbent, Reduced
from ._capacity_probe import Probe, Race, probe_bound
from ._capacity_search import swap_search
from ._engine import MedianCore
from ._enumerate import all_subsets, count_subsets
from ._pipeline import solve_median
from .base import Deadline, Outcome, SolveRequest, usable_cores
from .bounds import improvement_target
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
#: Single-source: share of the time left (after probing) given to the split-demand relaxation
#: of what the fixings leave, whose open sites, assigned single-source, may beat the incumbent.
SPLIT_SEED_SHARE = 0.3
#: ... on the pairs and sites that fixing at this share above the bound (or at the incumbent,
#: when lower) leaves: a far smaller model than fixing at a poor incumbent.
SPLIT_SEED_REACH = 0.01
#: Single-source: rounds of recombining the column pool (each after the first restarts the
#: Lagrangian for POOL_STEPS steps from the incumbent), and the share of the time left that
#: each set-partitioning solve may use.
POOL_ROUNDS = 3
POOL_STEPS = 150
POOL_SHARE = 0.15
#: Probing runs in a thread beside the incumbent search and the final MIP when the process may
#: use two cores or more (HiGHS releases the interpreter while it solves).
PARALLEL_PROBING = True
#: Seconds past the clock (or past the search's end) the solve waits for the probing thread.
PROBE_JOIN_GRACE = 1.0
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
    best = _better(None, first.is_open, cap.assign(first.is_open, deadline=deadline, seed=seed))
    if best is None and deadline.passed():  # no time left for HiGHS: the regret greedy's
        best = _better(None, first.is_open, cap.greedy(first.is_open, cap.pairs_form()))
    if best is None:  # then the sites of largest capacity
        order = np.argsort(
            -np.where(np.isinf(cap.cap), np.finfo(float).max, cap.cap), kind="stable"
        )
        big = forced.copy()
        big[[j for j in order if not forced[j]][:k]] = True
        best = _better(None, big, cap.assign(big, deadline=deadline, seed=seed))
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
                best = _combine(cap, core, request, best)
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
            solver = f"{_LAGRANGIAN_LABEL} meets the incumbent (HiGHS {highs_version()} assignment)"
            return best.outcome(lower, solver, "exact", "optimal", "capacity_mip")
        return _reduced_mip(cap, core, request, search[0], best, lower)
    return _full_mip(cap, core, request, best, first.bound, label)


_LAGRANGIAN_LABEL = "capacitated Lagrangian bound (knapsack per site)"


def _better(
    best: Incumbent | None,
    is_open: np.ndarray,
    got: tuple[float, np.ndarray, sp.csr_array | None, int] | None,
) -> Incumbent | None:
    """Keep the better of ``best`` and an assignment of ``is_open`` (None: not capacity-feasible)."""
    if got is None or (best is not None and got[0] >= best.value):
        return best
    its = got[3] + (best.iterations if best is not None else 0)
    return Incumbent(got[0], is_open.copy(), got[1], got[2], its)


def _assigned(
    cap: CapacitatedModel, request: SolveRequest, best: Incumbent, is_open: np.ndarray
) -> Incumbent:
    """Return the better of ``best`` and the best assignment of ``is_open`` (HiGHS)."""
    got = cap.assign(is_open, deadline=request.deadline, seed=request.seed)
    return _better(best, is_open, got) or best


def _start(
    best: Incumbent, red: Reduced, r: np.ndarray, free: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the incumbent's open sites as a start of a built model, if they are in it."""
    if bool(np.all(red.allowed[best.is_open])) and bool(np.all(best.is_open[red.forced])):
        return np.arange(r.size, r.size + free.size), best.is_open[free].astype(np.float64)
    return None


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
    return _assigned(cap, request, best, found)


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
            holder[0] = _better(holder[0], chosen, quick) or holder[0]
        upper = holder[0].value
        if tried[0] >= CAPACITY_ASSIGNS or quick is None or quick[0] > upper * (1 + CAPACITY_NEAR):
            return upper
        tried[0] += 1
        got = cap.assign(
            chosen, deadline=request.deadline, seed=request.seed, max_nodes=CAPACITY_ASSIGN_NODES
        )
        holder[0] = _better(holder[0], chosen, got) or holder[0]
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


def _reduced_mip(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    lag: CapacityBound,
    best: Incumbent,
    lower: float,
) -> Outcome:
    """Seed, probe targets above the bound, fix by reduced costs, then HiGHS on the rest.

    Single-source problems first try the split relaxation's open sites (:func:`_split_seed`).
    Probing (:func:`._capacity_probe.probe_bound`) raises the bound past the Lagrangian one and
    may find better solutions. HiGHS then starts from the incumbent's open sites; its bound
    holds for the reduced model, so the full problem's bound is the smaller of it and the
    incumbent, never below the probed bound.

    With two cores or more (:data:`PARALLEL_PROBING`), probing runs in a thread beside the
    search for incumbents and the final MIP, until the clock or until either side proves the
    incumbent optimal (which stops the other's HiGHS run); otherwise it takes
    :data:`._capacity_probe.PROBE_SHARE` of the time between them.
    """
    if not (PARALLEL_PROBING and usable_cores() >= 2):
        if cap.single:
            best = _incumbents(cap, core, request, lag, best, lower, None)
        probe = probe_bound(cap, core, request, lag, upper=best.value, lower=lower)
        if probe.found is not None:
            best = replace(probe.found, iterations=best.iterations + probe.found.iterations)
        if cap.single and not probe.proven:
            # the probes' knapsacks, aimed just above the bound, bring clusters of their own
            best = _combine(cap, core, request, best, rounds=1)
        return _final(cap, request, lag, best, lower, probe, None)
    race = Race(best.value, lag.integral)
    got: list[Probe | BaseException] = []

    def run() -> None:
        try:
            got.append(
                probe_bound(
                    cap, core, request, lag, upper=best.value, lower=lower, share=1.0, race=race
                )
            )
        except BaseException as exc:  # raised again in the solving thread
            got.append(exc)

    thread = threading.Thread(target=run, name="capacity-probe", daemon=True)
    thread.start()
    try:
        if cap.single:
            best = _incumbents(cap, core, request, lag, best, lower, race)
        outcome = _final(cap, request, lag, best, lower, None, race)
    finally:
        race.stop.set()
        # the probes' HiGHS run stops within half a second; a step it cannot stop (fixing,
        # building a model) is not waited for past the clock, and its answer is dropped
        thread.join(max(request.deadline.left(), 0.0) + PROBE_JOIN_GRACE)
    beside = got[0] if got and not thread.is_alive() else None
    if isinstance(beside, BaseException):
        raise beside
    if beside is None:  # what the probes proved still counts
        beside = Probe(race.lower, None, False, ())
    if beside.found is None and beside.lower <= outcome.bound:
        return outcome
    return _merged(outcome, beside, lag.integral)


def _incumbents(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    lag: CapacityBound,
    best: Incumbent,
    lower: float,
    race: Race | None,
) -> Incumbent:
    """Single-source: the pool's recombinations and the split relaxation's open sites.

    Each step is skipped once the probes beside it (``race``) have proven the incumbent.
    """

    def going(found: Incumbent) -> bool:
        if race is None:
            return True
        race.improve(found.value)
        return not race.proven.is_set()

    if going(best):
        best = _combine(cap, core, request, best)
    if going(best):
        best = _split_seed(cap, core, request, lag, best, lower)
    if going(best):
        best = _combine(cap, core, request, best, rounds=1)
    going(best)
    return best


def _final(
    cap: CapacitatedModel,
    request: SolveRequest,
    lag: CapacityBound,
    best: Incumbent,
    lower: float,
    probe: Probe | None,
    race: Race | None,
) -> Outcome:
    """HiGHS on what fixing at the incumbent leaves (unless probing has settled it).

    ``probe`` is what probing proved before (in turn; its solution, if better, is ``best``);
    ``race`` carries the probes running beside this (their proof of the incumbent stops HiGHS).
    """
    if probe is not None:
        lower = max(lower, probe.lower)
    if race is not None:  # the probes beside it may have proven the incumbent meanwhile
        lower = max(lower, race.lower)
    probed = _probed(probe, lower)
    if (probe is not None and probe.proven) or lower >= improvement_target(
        best.value, lag.integral
    ):
        solver = f"{_LAGRANGIAN_LABEL}, probing with HiGHS {highs_version()}{probed}"
        return best.outcome(best.value, solver, "exact", "optimal", "capacity_mip")
    red = cap.reduce(lag, best.value)
    label = (
        f"{_LAGRANGIAN_LABEL}: {int(red.closed.sum())} sites fixed closed, "
        f"{int(red.opened.sum())} open, {int(red.out.sum())} of {red.out.size} pairs "
        f"removed{probed}"
    )
    if red.k <= 0 or red.k >= red.n_free:
        # one choice left: every better solution opens exactly these sites
        best = _assigned(cap, request, best, red.forced if red.k <= 0 else red.allowed)
        solver = f"{label}; HiGHS {highs_version()} assignment of the one choice left"
        return best.outcome(best.value, solver, "exact", "optimal", "capacity_mip")
    model, r, pos, free = cap.build(red.allowed, red.forced, red.k, keep_pairs=~red.out)
    start = _start(best, red, r, free)
    result = run_highs(
        model,
        time_limit=max(request.deadline.left(), 0.05),
        gap=request.gap,
        seed=request.seed,
        start=start,
        start_with_presolve=True,
        interrupt=None if race is None else race.proven,
    )
    request.deadline.note_status(result.status)
    solver = f"{result.solver.rstrip(')')}; {label})"
    if result.status == "infeasible":
        # the fixings exclude every better solution: the incumbent is optimal
        return best.outcome(best.value, solver, "exact", "optimal", "capacity_mip")
    reduced = min(best.value, result.bound) if math.isfinite(result.bound) else lower
    bound = max(lower, reduced)
    if result.x is not None and result.objective < best.value:
        its = best.iterations + result.iterations
        best = cap.incumbent(result.x, result.objective, its, (r, pos, free, red.forced))
    status = "optimal" if bound >= improvement_target(best.value, lag.integral) else result.status
    return best.outcome(min(bound, best.value), solver, "exact", status, "capacity_mip")


def _probed(probe: Probe | None, lower: float) -> str:
    """Return the solver label's note on probing."""
    if probe is None or not probe.targets:
        return ""
    return f"; {len(probe.targets)} target(s) probed, bound raised to {lower:.6g}"


def _merged(outcome: Outcome, probe: Probe, integral: bool) -> Outcome:
    """Return the final MIP's outcome with what the probes beside it proved and found."""
    value = outcome.objective if outcome.objective is not None else math.inf
    bound = max(outcome.bound, probe.lower)
    if probe.found is not None and probe.found.value < value:
        value = probe.found.value
        outcome = probe.found.outcome(
            bound, outcome.solver, outcome.method, outcome.status, outcome.path
        )
    status = outcome.status
    if probe.proven or bound >= improvement_target(value, integral):
        status, bound = "optimal", value
    solver = f"{outcome.solver.rstrip(')')}{_probed(probe, bound)} beside it)"
    return replace(outcome, bound=min(bound, value), status=status, solver=solver)


def _split_seed(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    lag: CapacityBound,
    best: Incumbent,
    lower: float,
) -> Incumbent:
    """Open sites of the split-demand relaxation, assigned single-source, as an incumbent.

    HiGHS solves the split model far faster than the single-source one, and when the
    capacities bind its open sites often hold a better single-source assignment than the
    incumbent's. The model keeps what the Lagrangian fixings leave at :data:`SPLIT_SEED_REACH`
    above the bound ``lower`` (at most the incumbent's value); it gets
    :data:`SPLIT_SEED_SHARE` of the time left, starting from the incumbent's sites when they
    are in it.
    """
    red = cap.reduce(lag, min(best.value, lower + SPLIT_SEED_REACH * abs(lower)))
    if red.k <= 0 or red.k >= red.n_free:
        return best  # one choice left: the final MIP settles it
    model, r, _, free = cap.build(red.allowed, red.forced, red.k, keep_pairs=~red.out, split=True)
    start = _start(best, red, r, free)
    result = run_highs(
        model,
        time_limit=max(SPLIT_SEED_SHARE * request.deadline.left(), 0.05),
        seed=request.seed,
        start=start,
        start_with_presolve=True,
    )
    if result.x is None:
        return best
    is_open = cap.opened(result.x, r, free, red.forced)
    if bool(np.array_equal(is_open, best.is_open)):
        return best
    return _assigned(cap, request, best, is_open)


def _combine(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    best: Incumbent,
    *,
    rounds: int = POOL_ROUNDS,
) -> Incumbent:
    """Recombine the pool's clusters (:class:`._capacity_pool.ColumnPool`) into a better incumbent.

    Each round re-centres the new clusters, solves the set-partitioning problem over the pool
    (at most :data:`POOL_SHARE` of the time left) and gives the open sites of what it finds
    their best assignment. Clusters whose Lagrangian bound (priced once, in
    :func:`_lagrangian`) reaches the incumbent are left out: they are in no better solution,
    and the model shrinks by a third. An improving round restarts the
    Lagrangian from the new incumbent's costs for :data:`POOL_STEPS` steps, whose knapsacks
    bring new clusters; at most ``rounds`` rounds.

    The set-partitioning MIP gets no start: HiGHS 1.16 given a complete start with presolve on
    may hand it back at once, with an objective (and a "gap reached") that leaves out what
    presolve moved into its offset.
    """
    pool = cap.pool
    if pool is None:
        return best
    cp = cap.pairs_form()
    deadline = request.deadline
    for round_ in range(rounds):
        if round_:
            capacity_lagrangian(
                cp,
                core.forced,
                core.p,
                upper=best.value,
                start=cap.cell_costs(best.assignment),
                max_iter=POOL_STEPS,
                deadline=deadline.at,
                observe=pool.observe,
            )
        pool.recentre(stop=deadline.passed)
        if deadline.passed():
            break
        got = pool.combine(
            core.k,
            core.forced,
            core.allowed,
            time_limit=max(POOL_SHARE * deadline.left(), 0.05),
            seed=request.seed,
            upper=best.value,
        )
        if got is None or got[0] >= best.value - 1e-9 * max(1.0, abs(best.value)):
            break
        value_, pairs = got
        is_open = core.forced.copy()
        is_open[cp.site[pairs]] = True
        _fill(is_open, best.is_open, core)
        assignment, _ = cap.decode(pairs.astype(np.float64), cap.rows, cap.pos)
        found = Incumbent(value_, is_open, assignment, None, best.iterations)
        best = _assigned(cap, request, found, is_open)
    return best


def _fill(is_open: np.ndarray, prefer: np.ndarray, core: MedianCore) -> None:
    """Open free sites until ``p`` are open: first those of ``prefer``, then the lowest."""
    short = core.p - int(is_open.sum())
    if short <= 0:
        return
    spare = core.allowed & ~is_open
    order = np.concatenate([np.flatnonzero(spare & prefer), np.flatnonzero(spare & ~prefer)])
    is_open[order[:short]] = True


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
