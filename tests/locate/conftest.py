"""Factories for small location problems with brute-force answers.

The brute force here is the tests' own: every subset of sites is listed with itertools and
scored with numpy from the problem's matrix, independently of the package's enumeration,
credit and evaluation code.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.optimize as so

from gateway_planner.locate import Problem, Solution, _enumerate
from gateway_planner.locate._capacity_bounds import CapacityBound, capacity_lagrangian
from gateway_planner.locate._capacity_model import CapacitatedModel
from gateway_planner.locate._engine import MedianCore
from gateway_planner.locate.base import Deadline, SolveRequest
from gateway_planner.locate.pmedian import PMedian
from gateway_planner.locate.problem import PATHS


def make_costs(n_cells: int, n_sites: int, *, seed: int, unreachable: float = 0.0) -> np.ndarray:
    """Euclidean minutes between random points, some pairs made unreachable (inf)."""
    rng = np.random.default_rng(seed)
    cells = rng.random((n_cells, 2))
    sites = rng.random((n_sites, 2))
    costs = np.round(np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60, 1)
    if unreachable:
        costs[rng.random(costs.shape) < unreachable] = np.inf
    return costs


def make_problem(
    n_cells: int = 30,
    n_sites: int = 10,
    *,
    seed: int = 0,
    unreachable: float = 0.0,
    float_weights: bool = False,
    **kw,
) -> Problem:
    """Random cells and sites; weights 0..5 visits (integers, or with three decimals)."""
    costs = make_costs(n_cells, n_sites, seed=seed, unreachable=unreachable)
    rng = np.random.default_rng(seed + 1)
    if float_weights:
        weights = np.round(rng.random(n_cells) * 5, 3)
    else:
        weights = rng.integers(0, 6, n_cells).astype(float)
    return Problem(
        weights=weights, costs=costs, site_ids=tuple(f"s{j}" for j in range(n_sites)), **kw
    )


def drawn_problem(model: str, seed: int) -> Problem:
    """A problem whose every feature is drawn from ``seed``: size, p, reach, weights, shape.

    8-17 sites, 15-59 cells, p 2-6; none, 10 % or 30 % of pairs unreachable; integer or
    fractional weights; p-median with or without an unserved cost, maximal coverage with a
    step or linear credit.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(15, 60))
    m = int(rng.integers(8, 18))
    p = int(rng.integers(2, min(7, m - 2)))
    unreachable = float(rng.choice([0.0, 0.1, 0.3]))
    costs = make_costs(n, m, seed=seed, unreachable=unreachable)
    if rng.random() < 0.5:
        weights = rng.integers(0, 6, n).astype(float)
    else:
        weights = np.round(rng.random(n) * 5, 3)
    kw: dict[str, object] = {"p": p}
    if model == "pmedian":
        served = unreachable == 0 or rng.random() < 0.5
        kw["unserved_cost"] = None if served else float(rng.integers(30, 90))
    else:
        kw["limit"] = float(rng.integers(10, 25))
        kw["decay"] = str(rng.choice(["step", "linear"]))
        kw["decay_start"] = 5.0
    return Problem(weights=weights, costs=costs, site_ids=tuple(f"s{j}" for j in range(m)), **kw)


def brute_force(
    n_sites: int, p: int, fixed: tuple[int, ...], value: Callable[[list[int]], float]
) -> tuple[float, tuple[int, ...]]:
    """Best (value, sites) over every subset of p sites that contains ``fixed``."""
    best = (np.inf, ())
    for subset in itertools.combinations(range(n_sites), p):
        if set(fixed) <= set(subset):
            v = value(list(subset))
            if v < best[0] - 1e-9:
                best = (v, subset)
    return best


def nearest(problem: Problem, sites: list[int]) -> np.ndarray:
    """Minutes from every cell to its nearest site of ``sites`` (inf when none reaches it)."""
    costs = problem.costs
    dense = costs.toarray() if hasattr(costs, "toarray") else np.asarray(costs)
    return dense[:, sites].min(axis=1)


def median_value(problem: Problem, sites: list[int]) -> float:
    """Total weighted minutes of the cells of positive weight at their nearest of ``sites``.

    A cell no site reaches costs ``unserved_cost`` (inf without one).
    """
    w = np.asarray(problem.weights)
    d = nearest(problem, sites)
    if problem.unserved_cost is not None:
        d = np.minimum(d, problem.unserved_cost)
    pos = w > 0
    return float(w[pos] @ d[pos])


def credit_of(problem: Problem, minutes: np.ndarray) -> np.ndarray:
    """Coverage credit written out here: 1 within the limit; linear decay from decay_start."""
    t = float(problem.limit)
    if problem.decay == "step":
        return (minutes <= t).astype(float)
    s = float(problem.decay_start or 0.0)
    with np.errstate(invalid="ignore"):
        out = np.where(minutes <= s, 1.0, (t - minutes) / (t - s))
    return np.clip(np.nan_to_num(out, nan=0.0, neginf=0.0), 0.0, 1.0)


def coverage_value(problem: Problem, sites: list[int]) -> float:
    """Demand covered (credit-weighted) by ``sites``."""
    return float(np.asarray(problem.weights) @ credit_of(problem, nearest(problem, sites)))


def center_value(problem: Problem, sites: list[int]) -> float:
    """Largest (weighted) minutes to the nearest of ``sites`` over cells of positive weight."""
    w = np.asarray(problem.weights)
    pos = w > 0
    d = nearest(problem, sites)[pos]
    if problem.weighted_center:
        d = d * w[pos]
    return float(d.max())


def cover_value(problem: Problem, sites: list[int]) -> float:
    """Cost of ``sites`` when they cover the target share of demand, else inf."""
    w = np.asarray(problem.weights)
    ok = nearest(problem, sites) <= problem.limit
    if w[ok & (w > 0)].sum() < problem.coverage_share * w[w > 0].sum() - 1e-9:
        return np.inf
    cost = np.ones(problem.n_sites) if problem.site_costs is None else problem.site_costs
    return float(np.asarray(cost)[sites].sum())


VALUES: dict[str, Callable[[Problem, list[int]], float]] = {
    "pmedian": median_value,
    "max_coverage": coverage_value,
    "pcenter": center_value,
}


def optimum(problem: Problem, model: str) -> float:
    """The optimum of a p-site model by brute force (inf, or -inf, when none is feasible)."""
    value = VALUES[model]
    sign = -1.0 if model == "max_coverage" else 1.0
    best, _ = brute_force(
        problem.n_sites,
        int(problem.p or 0),
        tuple(problem.fixed),
        lambda s: sign * value(problem, s),
    )
    return sign * best


def assert_proven(problem: Problem, sol: Solution, model: str, best: float | None = None) -> None:
    """The solution is the brute-force optimum, its own sites give its objective, and its bound
    lies on the right side of the true optimum (not merely of its objective), with gap 0."""
    best = optimum(problem, model) if best is None else best
    tol = 1e-7 * max(1.0, abs(best))
    assert sol.objective == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert VALUES[model](problem, list(sol.open_index)) == pytest.approx(sol.objective, rel=1e-9)
    if model == "max_coverage":
        assert sol.bound >= best - tol
    else:
        assert sol.bound <= best + tol
    assert (sol.status, sol.gap, sol.method) == ("optimal", 0.0, "exact")
    assert sol.path in PATHS


def best_cover(problem: Problem) -> float:
    """Least cost over every set of sites (of any size) meeting the coverage target."""
    fixed = tuple(problem.fixed)
    return min(
        brute_force(problem.n_sites, q, fixed, lambda s: cover_value(problem, s))[0]
        for q in range(max(len(fixed), 1), problem.n_sites + 1)
    )


def binding_problem(seed: int, single: bool, integral: bool) -> Problem:
    """Capacities binding at 85-95 % with p = 3 of 6 sites (small enough for brute force)."""
    rng = np.random.default_rng(seed)
    n, m, p = (8, 6, 3) if single else (12, 6, 3)
    cells, sites = rng.random((n, 2)), rng.random((m, 2))
    costs = np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60
    costs = np.round(costs) if integral else np.round(costs, 1)
    weights = rng.integers(1, 6, n).astype(float)
    caps = np.full(m, math.ceil(weights.sum() / (p * 0.9)))
    ids = tuple(f"s{j}" for j in range(m))
    return Problem(
        weights=weights, costs=costs, site_ids=ids, capacities=caps, single_source=single, p=p
    )


def capacitated_optimum(problem: Problem) -> float:
    """Brute force: single-source by every assignment, split demand by scipy's LP."""
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)
    cap = np.asarray(problem.capacities)
    best = math.inf
    for sites in itertools.combinations(range(problem.n_sites), int(problem.p or 0)):
        k = len(sites)
        if problem.single_source:
            for choice in itertools.product(range(k), repeat=w.size):
                load = np.bincount(choice, weights=w, minlength=k)
                if np.all(load <= cap[list(sites)] + 1e-9):
                    best = min(
                        best, float(sum(w[i] * d[i, sites[j]] for i, j in enumerate(choice)))
                    )
        else:
            c = (w[:, None] * d[:, sites]).ravel()
            res = so.linprog(
                c,
                A_ub=np.kron(np.ones(w.size), np.eye(k)) * np.repeat(w, k)[None, :],
                b_ub=cap[list(sites)],
                A_eq=np.kron(np.eye(w.size), np.ones(k)),
                b_eq=np.ones(w.size),
                bounds=(0, 1),
            )
            if res.status == 0:
                best = min(best, float(res.fun))
    return best


def capacitated_setup(
    problem: Problem,
) -> tuple[MedianCore, CapacitatedModel, CapacityBound, SolveRequest]:
    """The core, capacitated model, a short Lagrangian and a 60 s exact request."""
    core = PMedian.from_problem(problem)._core
    cap = CapacitatedModel(core)
    cp = cap.pairs_form()
    lag = capacity_lagrangian(cp, core.forced, core.p, upper=1e9, max_iter=50)
    request = SolveRequest("exact", Deadline(time.perf_counter() + 60), 0.0, 0)
    return core, cap, lag, request


@pytest.fixture
def binding() -> SimpleNamespace:
    """Capacitated problems with binding capacities, their brute-force optimum and the
    capacitated model, Lagrangian result and request a solve would build."""
    return SimpleNamespace(
        problem=binding_problem, optimum=capacitated_optimum, setup=capacitated_setup
    )


@pytest.fixture(name="median_value")
def median_value_fixture() -> Callable[[Problem, list[int]], float]:
    return median_value


@pytest.fixture(name="brute_force")
def brute_force_fixture() -> Callable[..., tuple[float, tuple[int, ...]]]:
    return brute_force


@pytest.fixture(name="make_costs")
def make_costs_fixture() -> Callable[..., np.ndarray]:
    return make_costs


@pytest.fixture
def problem_factory() -> Callable[..., Problem]:
    return make_problem


@pytest.fixture
def brute() -> SimpleNamespace:
    """The brute-force helpers of this module, for tests (test modules cannot import it)."""
    return SimpleNamespace(
        force=brute_force,
        problem=make_problem,
        drawn=drawn_problem,
        optimum=optimum,
        assert_proven=assert_proven,
        median=median_value,
        coverage=coverage_value,
        center=center_value,
        cover=cover_value,
        best_cover=best_cover,
    )


@pytest.fixture
def no_enumeration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn exhaustive enumeration off (every model), so the other exact paths run."""
    monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
