"""Factories for small location problems with brute-force answers."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from gateway_planner.locate import Problem


def make_costs(n_cells: int, n_sites: int, *, seed: int, unreachable: float = 0.0) -> np.ndarray:
    """Euclidean minutes between random points, some pairs made unreachable (inf)."""
    rng = np.random.default_rng(seed)
    cells = rng.random((n_cells, 2))
    sites = rng.random((n_sites, 2))
    costs = np.round(np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60, 1)
    if unreachable:
        costs[rng.random(costs.shape) < unreachable] = np.inf
    return costs


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


def median_value(problem: Problem, sites: list[int]) -> float:
    """Total weighted minutes of the cells of positive weight at their nearest of ``sites``."""
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)[:, sites].min(axis=1)
    return float(w[w > 0] @ d[w > 0])


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
    def factory(
        n_cells: int = 30, n_sites: int = 10, *, seed: int = 0, unreachable: float = 0.0, **kw
    ) -> Problem:
        costs = make_costs(n_cells, n_sites, seed=seed, unreachable=unreachable)
        rng = np.random.default_rng(seed + 1)
        weights = rng.integers(0, 6, n_cells).astype(float)
        return Problem(
            weights=weights, costs=costs, site_ids=tuple(f"s{j}" for j in range(n_sites)), **kw
        )

    return factory
