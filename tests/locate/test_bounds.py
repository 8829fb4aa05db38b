import itertools

import numpy as np

from gateway_planner.locate.bounds import lagrangian_fixing, lagrangian_median


def test_lagrangian_bound_is_below_the_optimum_and_fixing_keeps_it():
    rng = np.random.default_rng(2)
    wcost = np.round(rng.random((30, 10)) * 100)
    forced = np.zeros(10, dtype=bool)
    values = {s: wcost[:, list(s)].min(axis=1).sum() for s in itertools.combinations(range(10), 3)}
    best_set = min(values, key=values.get)
    best = values[best_set]
    upper = best + 25.0
    lag = lagrangian_median(wcost, forced, 3, upper=upper, max_iter=500)
    assert lag.integral
    assert lag.bound <= best
    assert lag.bound > 0.8 * best
    closed, opened = lagrangian_fixing(wcost, forced, 3, lag, upper=upper)
    assert not closed[list(best_set)].any()
    assert set(np.flatnonzero(opened)) <= set(best_set)
