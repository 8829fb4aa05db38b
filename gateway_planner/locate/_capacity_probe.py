"""Raise the capacitated p-median's lower bound by probing targets between it and the incumbent.

For a target ``T`` between the Lagrangian bound and the incumbent, :func:`capacity_fixing` at
``upper = T`` removes every site and pair that no solution cheaper than ``T`` uses; on the
highly utilised instances that leaves a small fraction of the pairs. HiGHS then solves what is
left with ``T`` as its cutoff (only solutions below it are sought, nodes whose bound reaches it
are pruned), which is much easier than closing the whole gap at once:

- proven infeasible, or solved with nothing below ``T`` (HiGHS may return a solution at or
  above its cutoff): no solution costs less than ``T``, so ``T`` is a lower bound, and the next
  target lies further up (its step, first a quarter of a percent of the bound, doubles);
- solved: the solution found is the optimum of the whole problem (every solution cheaper than
  ``T`` is in the reduced model);
- stopped by the clock: ``min(its bound, T)`` is still a lower bound, and probing ends.

This is the p-median's probing (:mod:`._pipeline`) carried to capacities: a bound raised past
the Lagrangian dual, where the knapsack relaxation stops (about 1 % below the optimum when the
capacities bind at 95 %).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from ._capacity_bounds import CapacityBound, capacity_lagrangian
from ._capacity_model import CapacitatedModel, Incumbent
from ._engine import MedianCore
from .base import SolveRequest
from .bounds import improvement_target
from .milp import run_highs

__all__ = ["PROBE_FIRST", "PROBE_SHARE", "Probe", "probe_bound"]

logger = logging.getLogger(__name__)

#: Share of the time left that probing may use; the rest goes to the final MIP.
PROBE_SHARE = 0.5
#: First target: the bound raised by this share of itself (or of the gap to the incumbent, when
#: larger); the step doubles after each target proven. Small steps are proven in seconds.
PROBE_FIRST = 0.0025
#: Subgradient steps re-run towards each target before fixing (their Polyak steps aim there).
PROBE_STEPS = 100


@dataclass(frozen=True)
class Probe:
    """What probing proved and found.

    Parameters
    ----------
    lower
        The lower bound reached (at least the one given).
    found
        A solution cheaper than the incumbent found meanwhile, or None.
    proven
        Whether ``found`` is proven optimal.
    targets
        The targets proven to have no cheaper solution, in order.
    """

    lower: float
    found: Incumbent | None
    proven: bool
    targets: tuple[float, ...]


def probe_bound(
    cap: CapacitatedModel,
    core: MedianCore,
    request: SolveRequest,
    lag: CapacityBound,
    *,
    upper: float,
    lower: float,
    share: float = PROBE_SHARE,
) -> Probe:
    """Raise ``lower`` towards ``upper`` by targets proven to have no cheaper solution.

    Parameters
    ----------
    cap
        The capacitated model.
    core
        The p-median core (forced sites, p).
    request
        Deadline, target gap and seed.
    lag
        The capacitated Lagrangian result (its multipliers start each target's steps).
    upper
        The incumbent's objective.
    lower
        The best lower bound known.
    share
        Share of the time left that probing may use.

    Returns
    -------
    Probe
        The bound reached, and any better solution found on the way.
    """
    deadline = request.deadline
    stop_at = time.perf_counter() + share * max(deadline.left(), 0.0)
    integral = lag.integral
    frac = PROBE_FIRST
    start = lag.lam
    found = None
    targets: list[float] = []
    while True:
        target = lower + frac * max(abs(lower), upper - lower)
        if integral:
            target = float(math.ceil(target - 1e-9))
        left = stop_at - time.perf_counter()
        if target >= improvement_target(upper, integral) or left <= 0:
            break
        aimed = capacity_lagrangian(
            cap.pairs_form(),
            core.forced,
            core.p,
            upper=target,
            start=start,
            max_iter=PROBE_STEPS,
            deadline=stop_at,
            observe=None if cap.pool is None else cap.pool.observe,
        )
        start = aimed.lam
        # unless the Lagrangian alone, or fixings that leave no open set, already put every
        # solution at or above the target, HiGHS decides what the fixings leave
        red = (
            None if aimed.raw > improvement_target(target, integral) else cap.reduce(aimed, target)
        )
        if red is not None and 0 <= red.k <= red.n_free:
            model, r, pos, free = cap.build(red.allowed, red.forced, red.k, keep_pairs=~red.out)
            result = run_highs(
                model,
                time_limit=max(stop_at - time.perf_counter(), 0.05),
                gap=request.gap,
                seed=request.seed,
                cutoff=target - 0.5 if integral else target,
            )
            deadline.note_status(result.status)
            logger.info(
                "capacity probe: target %.9g (bound %.9g, incumbent %.9g): %s, objective %.9g",
                target,
                lower,
                upper,
                result.status,
                result.objective,
            )
            if result.x is not None and result.objective < upper:
                upper = float(result.objective)
                found = cap.incumbent(
                    result.x, upper, result.iterations, (r, pos, free, red.forced)
                )
            if result.status == "optimal" and found is not None and found.value < target:
                return Probe(found.value, found, True, tuple(targets))
            if result.status not in ("infeasible", "optimal"):
                # stopped: its bound holds below the target only
                if math.isfinite(result.bound):
                    lower = max(lower, min(result.bound, _below(target, integral)))
                break
            # else the tree closed (HiGHS may still return a solution at or above its cutoff)
        lower = max(lower, _below(target, integral))
        targets.append(lower)
        frac *= 2.0
    return Probe(lower, found, False, tuple(targets))


def _below(target: float, integral: bool) -> float:
    """Return the bound a target proves: itself for integer values, else a hair below it."""
    if integral:
        return target
    return target - max(2e-6, 1e-9 * abs(target))
