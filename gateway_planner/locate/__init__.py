"""Location optimisation: where to open sites so face-to-face customers reach them fastest.

One class per problem over a shared base (:class:`LocationModel`), all built from a
:class:`Problem` and all returning a :class:`Solution` with objective, proven bound and gap:

- :class:`PMedian` -- least total weighted journey time, optionally with capacities;
- :class:`MaxCoverage` -- most demand within T minutes (or with linear distance decay);
- :class:`SetCover` -- fewest (or cheapest) sites putting every cell, or a share of demand,
  within T minutes;
- :class:`PCenter` -- shortest worst journey.

:func:`solve` picks the model by name. :func:`read_pmed` and :func:`read_optima` read
Beasley's OR-Library p-median instances and their proven optima.
"""

from __future__ import annotations

from .base import LocationModel
from .coverage import MaxCoverage, SetCover
from .orlib import read_optima, read_pmed
from .pcenter import PCenter
from .pmedian import PMedian
from .problem import Problem, Solution, validate_problem

__all__ = [
    "MODEL_CLASSES",
    "LocationModel",
    "MaxCoverage",
    "PCenter",
    "PMedian",
    "Problem",
    "SetCover",
    "Solution",
    "read_optima",
    "read_pmed",
    "solve",
    "validate_problem",
]

MODEL_CLASSES: dict[str, type[LocationModel]] = {
    "pmedian": PMedian,
    "max_coverage": MaxCoverage,
    "set_cover": SetCover,
    "pcenter": PCenter,
}


def solve(
    problem: Problem,
    *,
    model: str = "pmedian",
    method: str = "auto",
    time_limit: float = 60.0,
    gap: float = 0.0,
    seed: int = 0,
) -> Solution:
    """Check and solve a location problem.

    Parameters
    ----------
    problem
        The problem.
    model
        {"pmedian", "max_coverage", "set_cover", "pcenter"}
    method
        {"auto", "exact", "heuristic"} See :meth:`LocationModel.solve`.
    time_limit
        Seconds for the whole solve.
    gap
        Relative gap at which the exact search may stop (0 proves optimality).
    seed
        Seed of every random choice.

    Returns
    -------
    Solution
        Open sites, assignment, objective, bound, gap, solver, method, status, iterations, seconds.

    Raises
    ------
    InputError
        For an unknown model or method, or bad problem data (all problems listed at once).
    InfeasibleError
        When no solution exists (capacities below demand, unreachable coverage target, ...).
    SolverError
        When the solver fails or finds nothing within the time limit.
    """
    from ..errors import InputError

    cls = MODEL_CLASSES.get(model)
    if cls is None:
        msg = f"unknown model {model!r}"
        raise InputError(msg, field="model", fix=f"use one of {', '.join(MODEL_CLASSES)}")
    return cls.from_problem(problem).solve(method=method, time_limit=time_limit, gap=gap, seed=seed)
