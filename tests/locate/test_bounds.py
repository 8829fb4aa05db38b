import itertools

import numpy as np
import pytest

from gateway_planner.locate.bounds import (
    SortedCosts,
    lagrangian_fixing,
    lagrangian_median,
    lagrangian_probing,
)


def test_lagrangian_bound_is_below_the_optimum_and_fixing_keeps_it():
    rng = np.random.default_rng(2)
    wcost = np.round(rng.random((30, 10)) * 100)
    forced = np.zeros(10, dtype=bool)
    values = {s: wcost[:, list(s)].min(axis=1).sum() for s in itertools.combinations(range(10), 3)}
    best_set = min(values, key=values.get)
    best = values[best_set]
    upper = best + 25.0
    sc = SortedCosts.of(wcost)
    lag = lagrangian_median(sc, forced, 3, upper=upper, max_iter=500)
    assert lag.integral
    assert lag.bound <= best
    assert lag.bound > 0.8 * best
    closed, opened = lagrangian_fixing(sc, forced, 3, lag, upper=upper)
    assert not closed[list(best_set)].any()
    assert set(np.flatnonzero(opened)) <= set(best_set)
    incumbent = np.zeros(10, dtype=bool)
    incumbent[list(best_set)] = True
    more_closed, _ = lagrangian_probing(
        sc, forced | opened, 3, lag, upper=best, is_open=incumbent, closed=closed
    )
    # probing against the optimum itself may only remove sites of no better solution
    assert more_closed.sum() >= 0
    assert not (more_closed & incumbent).any()


def test_lagrangian_matches_dense_evaluation():
    rng = np.random.default_rng(7)
    wcost = rng.random((25, 8)) * 10
    sc = SortedCosts.of(wcost)
    forced = np.zeros(8, dtype=bool)
    lam = np.sort(wcost, axis=1)[:, 2]
    lag = lagrangian_median(sc, forced, 2, upper=1e9, start=lam, max_iter=1)
    rho = np.minimum(wcost - lam[:, None], 0).sum(axis=0)
    assert lag.raw == pytest.approx(lam.sum() + np.sort(rho)[:2].sum())
