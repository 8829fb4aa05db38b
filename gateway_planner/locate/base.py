"""The shared base of every location model: one constructor path and one ``solve`` signature.

``Model.from_problem(problem)`` checks the problem for that model and prepares it;
``model.solve(method=..., time_limit=..., gap=..., seed=...)`` returns an immutable
:class:`~gateway_planner.locate.problem.Solution`. Subclasses implement ``_run`` (search for open
sites and a bound, as a :class:`SolveRequest` asks) and ``_objective`` (the objective of an open
set, which :meth:`LocationModel.evaluate` reports); the base recomputes the objective from the
open sites, assigns cells, computes the gap and times the run, so every model reports the same
fields in the same way.

Two promises are checked here rather than trusted:

- **The bound is never clipped.** A model's bound must lie on the right side of its objective
  (below it when minimising, above it when maximising). A bound past the objective by at most
  :data:`BOUND_TOLERANCE` (relative) is rounding and is reported as the objective; past it by
  more it is a solver bug, and :class:`BoundError` is raised instead of reporting a false proof.
- **The wall clock is a safety net only.** The solver's path is set by deterministic work
  limits (subgradient steps, search rounds, probing work, HiGHS node limits). The time limit
  (:class:`Deadline`) only stops a solve that would run past it, and every stop is recorded:
  the solution then has status ``"time_limit"``, so a run whose answer may depend on the
  machine's speed says so. A run that never reaches it gives the same solution on any machine.
"""

from __future__ import annotations

import logging
import math
import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypedDict

import numpy as np
import scipy.sparse as sp

from ..errors import InputError, SolverError
from ..minutes import Minutes
from ._data import Prepared, nearest_sites, prepare
from .milp import relative_gap
from .problem import Problem, Solution

__all__ = [
    "BOUND_TOLERANCE",
    "METHODS",
    "BoundError",
    "Deadline",
    "LocationModel",
    "Outcome",
    "SolveOptions",
    "SolveRequest",
    "usable_cores",
]

logger = logging.getLogger(__name__)

METHODS = ("auto", "exact", "heuristic")


def usable_cores() -> int:
    """Return the number of cores this process may run on (its CPU affinity where known).

    Returns
    -------
    int
        At least 1.
    """
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: Largest relative amount, times ``max(1, |objective|)``, by which a bound may pass its own
#: objective and still count as rounding (sums taken in another order, HiGHS tolerances).
BOUND_TOLERANCE = 1e-6


class BoundError(SolverError):
    """A solver reported a bound on the wrong side of its own objective (an internal error).

    Raised instead of reporting a false proof of optimality; please report it with the problem.
    """


class Deadline:
    """The wall-clock safety net of one solve: when to stop, and whether anything stopped for it.

    Parameters
    ----------
    at
        ``time.perf_counter()`` value by which to finish.
    """

    def __init__(self, at: float) -> None:
        self.at = float(at)
        self.hit = False

    def left(self) -> float:
        """Seconds left (negative once passed).

        Returns
        -------
        float
            ``at - time.perf_counter()``.
        """
        return self.at - time.perf_counter()

    def passed(self) -> bool:
        """Whether the deadline has passed; if so, record that the solve met it.

        Returns
        -------
        bool
            True once ``time.perf_counter()`` is past :attr:`at`.
        """
        if time.perf_counter() > self.at:
            self.note()
            return True
        return False

    def affords(self, seconds: float) -> bool:
        """Whether a step that cannot be stopped, expected to take ``seconds``, fits before it.

        A step that does not fit is skipped by its caller, and that is recorded here: a step
        that cannot be interrupted (scoring every subset, building a large model) must not
        start when it would carry the solve past its time limit.

        Parameters
        ----------
        seconds
            The step's expected duration.

        Returns
        -------
        bool
            True when ``time.perf_counter() + seconds`` lies before :attr:`at`.
        """
        if time.perf_counter() + seconds <= self.at:
            return True
        self.note()
        return False

    def note(self) -> None:
        """Record that some part of the solve stopped (or was skipped) for the clock."""
        self.hit = True

    def note_status(self, status: str) -> None:
        """Record a HiGHS run or a sub-solve that ended with status ``"time_limit"``.

        Parameters
        ----------
        status
            The run's status.
        """
        if status == "time_limit":
            self.note()


class SolveOptions(TypedDict, total=False):
    """The keyword options of :meth:`LocationModel.solve` (for functions that pass them on)."""

    method: str
    time_limit: float
    gap: float
    seed: int


@dataclass(frozen=True)
class SolveRequest:
    """What one solve asks of a model's search.

    Parameters
    ----------
    method
        {"auto", "exact", "heuristic"}
    deadline
        The wall-clock safety net (see :class:`Deadline`).
    gap
        Target relative gap.
    seed
        Seed of every random choice.
    max_nodes
        HiGHS node limit of the radius MIPs (None: none), a deterministic work limit for a
        solve that is one step of another.
    """

    method: str
    deadline: Deadline
    gap: float
    seed: int
    max_nodes: int | None = None


@dataclass(frozen=True)
class Outcome:
    """What a model's search found (before the base assembles the Solution).

    ``path`` names the branch that produced the answer and its bound (one of
    :data:`~gateway_planner.locate.problem.PATHS`); ``second`` is the value and bound of a
    lexicographic second stage (p-center: the total weighted minutes at the radius found).
    """

    is_open: np.ndarray
    bound: float
    solver: str
    method: str
    status: str
    iterations: int
    path: str
    assignment: np.ndarray | None = None
    shares: sp.csr_array | None = None
    objective: float | None = None
    second: tuple[float, float] | None = None


class LocationModel(ABC):
    """A location model over a prepared problem.

    Parameters
    ----------
    data
        The problem in solver form (use :meth:`from_problem`).
    """

    model: ClassVar[str]
    maximise: ClassVar[bool] = False

    def __init__(self, data: Prepared) -> None:
        self.data = data

    @classmethod
    def from_problem(cls, problem: Problem) -> Self:
        """Check ``problem`` for this model and prepare it.

        Parameters
        ----------
        problem
            The location problem.

        Returns
        -------
        LocationModel
            The model, ready to solve.

        Raises
        ------
        InputError
            Listing every bad value (see :func:`~gateway_planner.locate.problem.validate_problem`).
        InfeasibleError
            When no solution can exist.
        """
        return cls(prepare(problem, model=cls.model))

    @classmethod
    def from_cost_matrix(
        cls,
        costs: Minutes,
        weights: np.ndarray,
        *,
        site_ids: tuple[str, ...] | None = None,
        **fields: Any,
    ) -> Self:
        """Build the model straight from a cost matrix and weights.

        Parameters
        ----------
        costs
            Minutes, cells x sites (dense with ``inf``, or sparse).
        weights
            Demand per cell.
        site_ids
            Site ids ("0", "1", ... when None).
        **fields
            Any other :class:`~gateway_planner.locate.problem.Problem` field (``p``, ``fixed``,
            ``limit``, ``capacities``...).

        Returns
        -------
        LocationModel
            The checked model.
        """
        ids = tuple(str(j) for j in range(costs.shape[1])) if site_ids is None else tuple(site_ids)
        problem = Problem(weights=np.asarray(weights), costs=costs, site_ids=ids, **fields)
        return cls.from_problem(problem)

    @property
    def problem(self) -> Problem:
        """The original problem."""
        return self.data.problem

    def solve(
        self,
        *,
        method: str = "auto",
        time_limit: float = 60.0,
        gap: float = 0.0,
        seed: int = 0,
    ) -> Solution:
        """Solve the model.

        Parameters
        ----------
        method
            {"auto", "exact", "heuristic"} ``"exact"`` runs the HiGHS model, ``"heuristic"``
            the seeded greedy + local search with a lower bound, ``"auto"`` the exact model when
            its size fits the time limit, else the heuristic.
        time_limit
            Seconds for the whole solve: a safety net only (the solver's path is set by
            deterministic work limits). A run that meets it reports status ``"time_limit"``
            and may differ between machines; any other run is the same on every machine.
        gap
            Relative gap at which the exact search may stop (0 proves optimality).
        seed
            Seed of every random choice (heuristic shakes, HiGHS ``random_seed``).

        Returns
        -------
        Solution
            Open sites, assignment, objective, bound and gap.

        Raises
        ------
        InputError
            For an unknown method or a bad time limit or gap.
        InfeasibleError
            When the solver proves that no solution exists.
        SolverError
            When the solver fails or finds nothing in time.
        BoundError
            When a solver's bound lies past its own objective (an internal error, never a
            clipped bound reported as a proof).
        """
        _check_solve_args(method, time_limit, gap)
        t0 = time.perf_counter()
        deadline = Deadline(t0 + float(time_limit))
        out = self._run(SolveRequest(method, deadline, float(gap), int(seed)))
        deadline.passed()  # a loop stopped by the clock leaves it passed
        solution = self._assemble(out, time.perf_counter() - t0, timed_out=deadline.hit)
        logger.info(
            "%s: %d open sites, objective %.6g, bound %.6g, gap %.3g (%s, %s, %s, %.2f s)",
            self.model,
            solution.open_index.size,
            solution.objective,
            solution.bound,
            solution.gap,
            solution.solver,
            solution.path,
            solution.status,
            solution.seconds,
        )
        if deadline.hit:
            logger.warning(
                "%s: the %g s time limit stopped part of the solve; its answer may depend on "
                "the machine's speed (raise time_limit for a reproducible run)",
                self.model,
                time_limit,
            )
        return solution

    @abstractmethod
    def _run(self, request: SolveRequest) -> Outcome:
        """Search for open sites and a bound."""

    @abstractmethod
    def _objective(self, is_open: np.ndarray) -> float:
        """Compute the model's objective of an open set (see :meth:`evaluate`)."""

    def evaluate(self, is_open: np.ndarray) -> float:
        """Objective of a set of open candidates, as the model defines it (see the class).

        Parameters
        ----------
        is_open
            Boolean mask over the candidate sites (``Prepared.cand`` order).

        Returns
        -------
        float
            The model's objective for those sites.
        """
        return self._objective(is_open)

    def assign(self, is_open: np.ndarray) -> np.ndarray:
        """Site index serving each cell: nearest open (lowest index on ties), -1 when none.

        Parameters
        ----------
        is_open
            Boolean mask over the candidate sites.

        Returns
        -------
        numpy.ndarray
            ``(n_cells,)`` site indices.
        """
        return nearest_sites(self.data, is_open, within=self._assign_within())

    def _assign_within(self) -> float:
        return math.inf

    def _checked_bound(self, objective: float, bound: float, out: Outcome) -> float:
        """Return the bound; raise :class:`BoundError` when it passes the objective beyond rounding."""
        if math.isnan(bound):
            msg = f"{self.model}: the {out.path} path ({out.solver}) gave no bound (NaN)"
            raise BoundError(msg)
        if not (math.isfinite(bound) and math.isfinite(objective)):
            return bound
        past = bound - objective if not self.maximise else objective - bound
        if past <= 0.0:
            return bound
        if past > BOUND_TOLERANCE * max(1.0, abs(objective)):
            side = "above" if not self.maximise else "below"
            msg = (
                f"{self.model}: the {out.path} path ({out.solver}) reported the bound {bound!r} "
                f"{side} its own objective {objective!r}: an internal error, please report it"
            )
            raise BoundError(msg)
        return objective  # rounding within BOUND_TOLERANCE

    def _assemble(self, out: Outcome, seconds: float, *, timed_out: bool = False) -> Solution:
        data = self.data
        objective = float(self.evaluate(out.is_open) if out.objective is None else out.objective)
        bound = self._checked_bound(objective, float(out.bound), out)
        rel = relative_gap(objective, bound)
        status = out.status
        if timed_out:
            status = "time_limit"
        elif rel == 0.0:
            status = "optimal"
        elif status == "optimal":
            status = "gap_reached"
        open_index = np.sort(data.cand[out.is_open]).astype(np.int64)
        assignment = self.assign(out.is_open) if out.assignment is None else out.assignment
        return Solution(
            model=self.model,
            open_sites=tuple(self.problem.site_ids[i] for i in open_index),
            open_index=open_index,
            assignment=np.asarray(assignment, dtype=np.int64),
            objective=objective,
            bound=bound,
            gap=rel,
            solver=out.solver,
            method=out.method,
            status=status,
            iterations=int(out.iterations),
            seconds=float(seconds),
            shares=out.shares,
            path=out.path,
            second_objective=None if out.second is None else float(out.second[0]),
            second_bound=None if out.second is None else float(out.second[1]),
        )


def _check_solve_args(method: str, time_limit: float, gap: float) -> None:
    problems = []
    if method not in METHODS:
        problems.append(f"method {method!r} is not one of {', '.join(METHODS)}")
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        problems.append(f"time_limit = {time_limit!r} must be a positive number of seconds")
    if not (isinstance(gap, (int, float)) and 0 <= gap < 1):
        problems.append(f"gap = {gap!r} must lie in [0, 1)")
    if problems:
        msg = "; ".join(problems)
        raise InputError(msg, field="solve", fix='use method="auto", time_limit=60, gap=0')
