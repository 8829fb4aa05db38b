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

    def sound(closed: np.ndarray, opened: np.ndarray) -> None:
        """Every solution better than ``upper`` (by 1: integer costs) keeps the fixings."""
        for s, v in values.items():
            if v <= upper - 1:
                assert not closed[list(s)].any()
                assert set(np.flatnonzero(opened)) <= set(s)

    closed, opened = lagrangian_fixing(sc, forced, 3, lag, upper=upper)
    assert closed.any()
    sound(closed, opened)
    incumbent = np.zeros(10, dtype=bool)
    incumbent[list(best_set)] = True
    more_closed, more_open = lagrangian_probing(
        sc, forced | opened, 3, lag, upper=upper, is_open=incumbent, closed=closed
    )
    # probing fixes more (5 closed, 2 open here), and only what no better solution needs
    assert more_closed.sum() >= 3
    assert more_open.any()
    assert not (more_closed & incumbent).any()
    sound(closed | more_closed, opened | more_open)


def test_lagrangian_matches_dense_evaluation():
    rng = np.random.default_rng(7)
    wcost = rng.random((25, 8)) * 10
    sc = SortedCosts.of(wcost)
    forced = np.zeros(8, dtype=bool)
    lam = np.sort(wcost, axis=1)[:, 2]
    lag = lagrangian_median(sc, forced, 2, upper=1e9, start=lam, max_iter=1)
    rho = np.minimum(wcost - lam[:, None], 0).sum(axis=0)
    assert lag.raw == pytest.approx(lam.sum() + np.sort(rho)[:2].sum())
