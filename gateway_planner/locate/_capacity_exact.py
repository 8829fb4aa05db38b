"""The capacitated p-median's exact stage, once the Lagrangian has bounded it.

:func:`reduced_mip` takes the incumbent and the Lagrangian result of :mod:`._capacity`:

1. single-source problems recombine the clusters met on the way (:func:`combine`, over the
   column pool of :mod:`._capacity_pool`) and take the open sites of their split-demand
   relaxation as one more incumbent (:func:`_split_seed`);
2. probing (:mod:`._capacity_probe`) raises the bound by targets proven to have no cheaper
   solution: with two cores in a thread beside step 1 and step 3 (HiGHS releases the
   interpreter while it solves; a :class:`._capacity_probe.Race` carries the incumbent and
   the bound between them, and either side's proof stops the other's HiGHS run), else in turn;
3. HiGHS solves what fixing at the incumbent leaves, started from it.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import numpy as np

from ._capacity_bounds import CapacityBound, capacity_lagrangian
from ._capacity_model import (
    CapacitatedModel,
    Incumbent,
    assigned_best,
    start_of,
)
from ._capacity_probe import Probe, Race, probe_bound
from ._engine import MedianCore
from .base import Outcome, SolveRequest, usable_cores
from .bounds import improvement_target
from .milp import highs_version, run_highs

__all__ = [
    "LAGRANGIAN_LABEL",
    "PARALLEL_PROBING",
    "POOL_ROUNDS",
    "combine",
    "reduced_mip",
]

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

LAGRANGIAN_LABEL = "capacitated Lagrangian bound (knapsack per site)"


def reduced_mip(
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

    Parameters
    ----------
    cap
        The capacitated model.
    core
        The p-median core (forced sites, p).
    request
        Deadline, target gap and seed.
    lag
        The capacitated Lagrangian result (multipliers for fixing and probing).
    best
        The incumbent.
    lower
        The best lower bound known.

    Returns
    -------
    Outcome
        The best solution found, its bound (valid for the whole problem), status and label.
    """
    if not (PARALLEL_PROBING and usable_cores() >= 2):
        if cap.single:
            best = _incumbents(cap, core, request, lag, best, lower, None)
        probe = probe_bound(cap, core, request, lag, upper=best.value, lower=lower)
        if probe.found is not None:
            best = replace(probe.found, iterations=best.iterations + probe.found.iterations)
        if cap.single and not probe.proven:
            # the probes' knapsacks, aimed just above the bound, bring clusters of their own
            best = combine(cap, core, request, best, rounds=1)
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
        best = combine(cap, core, request, best)
    if going(best):
        best = _split_seed(cap, core, request, lag, best, lower)
    if going(best):
        best = combine(cap, core, request, best, rounds=1)
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
        solver = f"{LAGRANGIAN_LABEL}, probing with HiGHS {highs_version()}{probed}"
        return best.outcome(best.value, solver, "exact", "optimal", "capacity_mip")
    red = cap.reduce(lag, best.value)
    label = (
        f"{LAGRANGIAN_LABEL}: {int(red.closed.sum())} sites fixed closed, "
        f"{int(red.opened.sum())} open, {int(red.out.sum())} of {red.out.size} pairs "
        f"removed{probed}"
    )
    if red.k <= 0 or red.k >= red.n_free:
        # one choice left: every better solution opens exactly these sites
        best = assigned_best(cap, request, best, red.forced if red.k <= 0 else red.allowed)
        solver = f"{label}; HiGHS {highs_version()} assignment of the one choice left"
        return best.outcome(best.value, solver, "exact", "optimal", "capacity_mip")
    model, r, pos, free = cap.build(red.allowed, red.forced, red.k, keep_pairs=~red.out)
    start = start_of(best, red, r, free)
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
    start = start_of(best, red, r, free)
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
    return assigned_best(cap, request, best, is_open)


def combine(
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
    their best assignment. Clusters whose Lagrangian bound (priced once, where the solve's
    Lagrangian ends) reaches the incumbent are left out: they are in no better solution, and the
    model shrinks by a third. An improving round restarts the Lagrangian from the new
    incumbent's costs for :data:`POOL_STEPS` steps, whose knapsacks bring new clusters.

    The set-partitioning MIP gets no start: HiGHS 1.16 given a complete start with presolve on
    may hand it back at once, with an objective (and a "gap reached") that leaves out what
    presolve moved into its offset.

    Parameters
    ----------
    cap
        The capacitated model (without a pool, the incumbent comes back unchanged).
    core
        The p-median core (forced and allowed sites, k).
    request
        Deadline and seed.
    best
        The incumbent.
    rounds
        Most rounds.

    Returns
    -------
    Incumbent
        The better of ``best`` and what the rounds found.
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
        best = assigned_best(cap, request, found, is_open)
    return best


def _fill(is_open: np.ndarray, prefer: np.ndarray, core: MedianCore) -> None:
    """Open free sites until ``p`` are open: first those of ``prefer``, then the lowest."""
    short = core.p - int(is_open.sum())
    if short <= 0:
        return
    spare = core.allowed & ~is_open
    order = np.concatenate([np.flatnonzero(spare & prefer), np.flatnonzero(spare & ~prefer)])
    is_open[order[:short]] = True
