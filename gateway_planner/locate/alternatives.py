"""Near-optimal alternatives: the best distinct choices of sites within a share of the optimum.

Planners choose among near-equal options (a building may not be available; councillors want
choices), so beside the best answer :func:`near_optimal` lists the next best *distinct* open
sets, in order, as long as they lie within ``within`` (a share) of the best objective.

The search is Lawler's (1972) k-best partition, which needs nothing of a model but the ability
to keep some sites open and others shut: the best solution ``S`` of a part of the search space
(sites ``F`` kept open, ``E`` shut) splits the rest of that part into one part per site
``s_i`` of ``S`` not in ``F``: ``s_1 .. s_{i-1}`` kept open too, ``s_i`` shut. Every other open
set of the part lies in exactly one of them (with p sites open, it leaves out some site of ``S``:
the first one names its part), so the best over all parts not yet split is the next best open
set. Each part is solved by :func:`gateway_planner.locate.solve` as a problem of its own
(``fixed`` = ``F``, ``candidates`` = the candidates less ``E``), so capacities, coverage and
p-center work the same way as the p-median; models without a fixed number of sites (set
cover) are refused. With exact solves every alternative is proven the next best; the result
says whether every solve was proven optimal. (A solve that opens fewer than p sites, as the
p-center may when fewer reach the best radius, leaves the sets adding sites to it unlisted.)
"""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass, replace

from ..errors import InfeasibleError, InputError, SolverError
from .base import LocationModel
from .coverage import MaxCoverage
from .pcenter import PCenter
from .pmedian import PMedian
from .problem import Problem, Solution
from .solution import Alternative, Alternatives

__all__ = ["Alternative", "Alternatives", "near_optimal"]

#: Models with a fixed number of open sites (the partition needs it).
_MODELS: dict[str, type[LocationModel]] = {
    "pmedian": PMedian,
    "max_coverage": MaxCoverage,
    "pcenter": PCenter,
}


@dataclass(frozen=True)
class _Part:
    """A part of the search space: sites kept open and sites shut, with its best solution."""

    kept: frozenset[int]
    shut: frozenset[int]
    solution: Solution


def near_optimal(
    problem: Problem,
    *,
    model: str = "pmedian",
    best: Solution | None = None,
    count: int = 5,
    within: float = 0.02,
    method: str = "exact",
    time_limit: float | None = None,
    seed: int = 0,
) -> Alternatives:
    """List the best solution and up to ``count`` next best distinct ones within ``within``.

    Parameters
    ----------
    problem
        The problem.
    model
        {"pmedian", "max_coverage", "pcenter"} (set cover has no fixed number of sites).
    best
        The problem's solution, when already solved (else it is solved here).
    count
        Alternatives wanted besides the best (0 lists the best alone).
    within
        Largest gap to the best objective, as a share of it (0.02: within 2 %).
    method
        Solve method of every part ({"exact", "auto", "heuristic"}); ``"exact"`` proves the
        order.
    time_limit
        Seconds for the whole search (None: no limit); when it runs out the alternatives
        found so far are returned, marked incomplete.
    seed
        Seed of every solve.

    Returns
    -------
    Alternatives
        The options in order of objective, with their gaps and the sites that differ.

    Raises
    ------
    InputError
        For a model without a fixed number of sites, or a negative ``count`` or ``within``
        (and as :func:`gateway_planner.locate.solve` for bad problem data).
    InfeasibleError
        When the problem itself has no solution (parts without one are skipped).
    SolverError
        As :func:`gateway_planner.locate.solve`.
    """
    if model not in _MODELS:
        msg = f"near-optimal alternatives need a fixed number of sites; model {model!r} has none"
        raise InputError(msg, field="model", fix=f"use one of {', '.join(_MODELS)}")
    if count < 0 or not within >= 0:
        msg = f"count = {count} and within = {within} must both be at least 0"
        raise InputError(msg, field="alternatives", fix="give a count >= 0 and a share >= 0")
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    sign = -1.0 if model == "max_coverage" else 1.0

    def run(part: Problem) -> Solution:
        left = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
        solver = _MODELS[model].from_problem(part)
        if left is None:
            return solver.solve(method=method, seed=seed)
        return solver.solve(method=method, seed=seed, time_limit=left)

    def run_part(kept: frozenset[int], shut: frozenset[int]) -> Solution | None:
        part = _part_problem(problem, kept, shut)
        if part is None:
            return None
        try:
            return run(part)
        except InfeasibleError:  # no open set of this part serves the demand
            return None
        except SolverError:
            if deadline is None or time.perf_counter() <= deadline:
                raise
            return None  # the time limit stopped it before any solution

    root_kept = frozenset() if problem.allow_closing else frozenset(problem.fixed)
    first = best if best is not None else run(problem)  # its errors are the problem's own
    solves = 0 if best is not None else 1
    complete = _proven(first)
    order = itertools.count()
    heap: list[tuple[float, int, _Part]] = []
    found: list[Solution] = []
    nxt: _Part | None = _Part(root_kept, frozenset(), first)
    limit = sign * first.objective + within * max(abs(first.objective), 1e-12)
    while nxt is not None:
        found.append(nxt.solution)
        if len(found) > count:
            break
        for kept, shut in _split(nxt):
            if deadline is not None and time.perf_counter() > deadline:
                complete = False
                break
            got = run_part(kept, shut)
            solves += 1
            if got is None:
                complete &= deadline is None or time.perf_counter() <= deadline
                continue
            complete &= _proven(got)
            heapq.heappush(heap, (sign * got.objective, next(order), _Part(kept, shut, got)))
        nxt = None
        if heap and heap[0][0] <= limit + 1e-9 * max(1.0, abs(limit)):
            nxt = heapq.heappop(heap)[2]
    return Alternatives(
        model=model,
        options=_options(found, sign),
        within=within,
        count=count,
        complete=complete,
        solves=solves,
    )


def _proven(sol: Solution) -> bool:
    return sol.status == "optimal" and sol.gap == 0.0


def _split(part: _Part) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Split the rest of ``part`` into parts (see the module docstring)."""
    free = [int(j) for j in part.solution.open_index if int(j) not in part.kept]
    out = []
    for i, j in enumerate(free):
        out.append((part.kept | frozenset(free[:i]), part.shut | {j}))
    return out


def _part_problem(problem: Problem, kept: frozenset[int], shut: frozenset[int]) -> Problem | None:
    """Restrict the problem to one part (None when the part holds no open set)."""
    allowed = [int(j) for j in problem.candidate_index if int(j) not in shut]
    p = int(problem.p or 0)
    if len(kept) > p or len(allowed) < p:
        return None
    return replace(
        problem, fixed=tuple(sorted(kept)), candidates=tuple(allowed), allow_closing=False
    )


def _options(found: list[Solution], sign: float) -> tuple[Alternative, ...]:
    """Rank the solutions found as options, in order of objective (the first the best)."""
    ranked = sorted(found, key=lambda s: sign * s.objective)
    top = ranked[0]
    base = set(top.open_sites)
    scale = max(abs(top.objective), 1e-12)
    out = []
    for rank, sol in enumerate(ranked, start=1):
        here = set(sol.open_sites)
        out.append(
            Alternative(
                rank=rank,
                open_sites=sol.open_sites,
                open_index=sol.open_index,
                objective=float(sol.objective),
                gap=abs(sol.objective - top.objective) / scale,
                opens=tuple(s for s in sol.open_sites if s not in base),
                closes=tuple(s for s in top.open_sites if s not in here),
                proven=_proven(sol),
            )
        )
    return tuple(out)
