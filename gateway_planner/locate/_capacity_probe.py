"""Raise the capacitated p-median's lower bound by probing targets between it and the incumbent.

For a target ``T`` between the Lagrangian bound and the incumbent, :func:`capacity_fixing` at
``upper = T`` removes every site and pair that no solution cheaper than ``T`` uses; on the
highly utilised instances that leaves a small fraction of the pairs. HiGHS then solves what is
left with ``T`` as its cutoff (only solutions below it are sought, nodes whose bound reaches it
are pruned), which is much easier than closing the whole gap at once:

- proven infeasible, or solved with nothing below ``T`` (HiGHS may return a solution at or
  above its cutoff): no solution costs less than ``T``, so ``T`` is a lower bound, and the next
  target lies further up: the first is a quarter of a percent above the bound, the next the
  highest whose model HiGHS is predicted to settle in the time left (the model's size is
  known before it is built, from :func:`pair_floors`; its seconds are scaled from the last
  probe's);
- solved: the solution found is the optimum of the whole problem (every solution cheaper than
  ``T`` is in the reduced model);
- stopped by the clock: ``min(its bound, T)`` is still a lower bound, and probing ends.

This is the p-median's probing (:mod:`._pipeline`) carried to capacities: a bound raised past
the Lagrangian dual, where the knapsack relaxation stops (about 1 % below the optimum when the
capacities bind at 95 %). With a second core, probing runs in a thread beside the incumbent
search (:class:`Race` carries the incumbent, the bound and the signals to stop); HiGHS releases
the interpreter while it solves, so the two proceed at full speed.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

import numpy as np

from ._capacity_bounds import CapacityBound, CapacityPairs, capacity_lagrangian, pair_floors
from ._capacity_model import CapacitatedModel, Incumbent
from ._engine import MedianCore
from .base import SolveRequest
from .bounds import improvement_target
from .milp import run_highs

__all__ = ["PROBE_FIRST", "PROBE_SHARE", "Probe", "Race", "probe_bound"]

logger = logging.getLogger(__name__)

#: Share of the time left that probing may use; the rest goes to the final MIP.
PROBE_SHARE = 0.5
#: First target: the bound raised by this share of itself (or of the gap to the incumbent, when
#: larger). Small steps are proven in seconds.
PROBE_FIRST = 0.0025
#: Subgradient steps re-run towards each target before fixing (their Polyak steps aim there).
PROBE_STEPS = 100
#: After a target is proven, the next is the highest whose model HiGHS is predicted to settle
#: within PROBE_USE of the time left; the prediction scales the last probe's seconds by its
#: model's pairs to the power PROBE_GROWTH (2.2-2.8 measured on the 200-customer instances of
#: ``benchmarks/capacitated.py``; 3 errs towards targets that are proven).
PROBE_USE = 0.8
PROBE_GROWTH = 2.5


class Race:
    """What an incumbent search and the probes running beside it (another thread) share.

    Parameters
    ----------
    upper
        The incumbent's objective when the probes start.
    integral
        Whether every solution value is an integer.

    Attributes
    ----------
    stop
        Set by the search when it is done: the probes' HiGHS run stops, and probing ends.
    proven
        Set when the probed bound reaches the incumbent: the search's HiGHS run may stop.
    """

    def __init__(self, upper: float, integral: bool) -> None:
        self._lock = threading.Lock()
        self._upper = float(upper)
        self._lower = -math.inf
        self._integral = integral
        self.stop = threading.Event()
        self.proven = threading.Event()

    @property
    def upper(self) -> float:
        """The best objective known to either side."""
        with self._lock:
            return self._upper

    @property
    def lower(self) -> float:
        """The best lower bound the probes have proven (-inf before the first)."""
        with self._lock:
            return self._lower

    def improve(self, value: float) -> None:
        """Record a solution of objective ``value`` (kept when it is better).

        Parameters
        ----------
        value
            The solution's objective.
        """
        with self._lock:
            self._upper = min(self._upper, float(value))
            self._settle()

    def raise_lower(self, value: float) -> None:
        """Record a proven lower bound.

        Parameters
        ----------
        value
            The bound.
        """
        with self._lock:
            self._lower = max(self._lower, float(value))
            self._settle()

    def _settle(self) -> None:
        if self._lower >= improvement_target(self._upper, self._integral):
            self.proven.set()


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
    race: Race | None = None,
) -> Probe:
    """Raise ``lower`` towards ``upper`` by targets proven to have no cheaper solution.

    The first target lies :data:`PROBE_FIRST` above the bound. Each later one is the highest
    whose model (the pairs its fixings leave, counted from :func:`pair_floors`) HiGHS is
    predicted to settle within :data:`PROBE_USE` of the time left, by the last probe's
    seconds scaled by its model's size to the power :data:`PROBE_GROWTH`; probing ends when no
    target above the bound is predicted to fit. Beside the search (``race``) the highest target
    is the incumbent itself, whose proof proves it optimal; in turn, that is left to the final
    MIP, which starts from the incumbent.

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
    race
        When probing runs beside the incumbent search (another thread): the incumbent is read
        from it, the bounds and solutions found are written to it, its ``stop`` event ends
        probing, and the pool of clusters is left to the search (it is not shared).

    Returns
    -------
    Probe
        The bound reached, and any better solution found on the way.
    """
    deadline = request.deadline
    stop_at = time.perf_counter() + share * max(deadline.left(), 0.0)
    integral = lag.integral
    cp = cap.pairs_form()
    start = lag.lam
    found = None
    targets: list[float] = []
    last: tuple[float, int] | None = None  # seconds and pairs of the last probe proven
    while race is None or not race.stop.is_set():
        if race is not None:
            upper = min(upper, race.upper)
        left = stop_at - time.perf_counter()
        if left <= 0 or lower >= improvement_target(upper, integral):
            break
        # the highest target is the incumbent itself: proving it proves the incumbent optimal
        first = min(upper, lower + PROBE_FIRST * max(abs(lower), upper - lower))
        aimed = capacity_lagrangian(
            cp,
            core.forced,
            core.p,
            upper=first if last is None else upper,
            start=start,
            max_iter=PROBE_STEPS,
            deadline=stop_at,
            observe=None if cap.pool is None or race is not None else cap.pool.observe,
        )
        start = aimed.lam
        target = first if last is None else _next_target(cp, core, aimed, last, left, upper)
        if integral:
            target = min(upper, float(math.ceil(target - 1e-9)))
        if target <= lower:
            break  # no target above the bound is predicted to be settled in time
        if race is None and target >= improvement_target(upper, integral):
            break  # in turn, the incumbent itself is left to the final MIP, which starts from it
        # unless the Lagrangian alone, or fixings that leave no open set, already put every
        # solution at or above the target, HiGHS decides what the fixings leave
        red = (
            None if aimed.raw > improvement_target(target, integral) else cap.reduce(aimed, target)
        )
        size = 0
        if red is not None and 0 <= red.k <= red.n_free:
            model, r, pos, free = cap.build(red.allowed, red.forced, red.k, keep_pairs=~red.out)
            size = int((~red.out).sum())
            result = run_highs(
                model,
                time_limit=max(stop_at - time.perf_counter(), 0.05),
                gap=request.gap,
                seed=request.seed,
                cutoff=target - 0.5 if integral else target,
                interrupt=None if race is None else race.stop,
            )
            deadline.note_status(result.status)
            logger.info(
                "capacity probe: target %.9g (bound %.9g, incumbent %.9g, %d pairs): %s, "
                "objective %.9g, %.2f s",
                target,
                lower,
                upper,
                size,
                result.status,
                result.objective,
                result.seconds,
            )
            if result.x is not None and result.objective < upper:
                upper = float(result.objective)
                found = cap.incumbent(
                    result.x, upper, result.iterations, (r, pos, free, red.forced)
                )
                if race is not None:
                    race.improve(upper)
            if result.status == "optimal" and found is not None and found.value < target:
                if race is not None:
                    race.raise_lower(found.value)
                return Probe(found.value, found, True, tuple(targets))
            if result.status not in ("infeasible", "optimal"):
                # stopped: its bound holds below the target only
                if math.isfinite(result.bound):
                    lower = max(lower, min(result.bound, _below(target, integral)))
                break
            # else the tree closed (HiGHS may still return a solution at or above its cutoff)
            last = (max(result.seconds, 0.05), max(size, 1))
        # nothing cheaper than the target: at the incumbent, that proves it optimal
        lower = max(lower, upper if target >= upper else _below(target, integral))
        targets.append(lower)
        if race is not None:
            race.raise_lower(lower)
    if race is not None:
        race.raise_lower(lower)
    proven = found is not None and lower >= improvement_target(found.value, integral)
    return Probe(lower, found, proven, tuple(targets))


def _next_target(
    cp: CapacityPairs,
    core: MedianCore,
    aimed: CapacityBound,
    last: tuple[float, int],
    left: float,
    top: float,
) -> float:
    """Return the highest target (at most ``top``) predicted to be settled in the time left."""
    seconds, size = last
    fits = size * (PROBE_USE * left / seconds) ** (1.0 / PROBE_GROWTH)
    floors = np.sort(pair_floors(cp, core.forced, core.p, aimed))
    n_fit = int(fits)
    if n_fit >= floors.size:
        return top
    return min(top, float(floors[n_fit]) - 1e-9 * max(1.0, abs(float(floors[n_fit]))))


def _below(target: float, integral: bool) -> float:
    """Return the bound a target proves: itself for integer values, else a hair below it."""
    if integral:
        return target
    return target - max(2e-6, 1e-9 * abs(target))
