import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.locate import heuristics
from gateway_planner.locate._sorted import SortedCosts


def _random(n=40, m=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, m)) * rng.integers(1, 5, n)[:, None]


def _best(wcost, p, forced=()):
    m = wcost.shape[1]
    return min(
        wcost[:, list(s)].min(axis=1).sum()
        for s in itertools.combinations(range(m), p)
        if set(forced) <= set(s)
    )


def test_greedy_keeps_forced_and_opens_p():
    wcost = _random()
    forced = np.zeros(12, dtype=bool)
    forced[[2, 5]] = True
    is_open = heuristics.greedy_median(SortedCosts.of(wcost), forced, 4)
    assert is_open.sum() == 4 and is_open[[2, 5]].all()


def test_interchange_reaches_a_local_optimum_no_single_swap_improves():
    wcost = _random(seed=3)
    sc = SortedCosts.of(wcost)
    forced = np.zeros(12, dtype=bool)
    start = heuristics.greedy_median(sc, forced, 4)
    is_open, _ = heuristics.interchange_median(sc, start, forced)
    value = heuristics.median_cost(sc, is_open)
    assert value == pytest.approx(wcost[:, is_open].min(axis=1).sum())
    assert value <= heuristics.median_cost(sc, start)
    for r in np.flatnonzero(is_open):
        for j in np.flatnonzero(~is_open):
            trial = is_open.copy()
            trial[r], trial[j] = False, True
            assert wcost[:, trial].min(axis=1).sum() >= value - 1e-9


def test_vns_finds_optimum_on_small_case_and_is_seeded():
    wcost = _random(seed=5)
    sc = SortedCosts.of(wcost)
    forced = np.zeros(12, dtype=bool)
    start, _ = heuristics.interchange_median(sc, heuristics.greedy_median(sc, forced, 4), forced)
    a, _ = heuristics.vns_median(sc, start, forced, seed=1, rounds=50)
    b, _ = heuristics.vns_median(sc, start, forced, seed=1, rounds=50)
    assert np.array_equal(a, b)
    assert heuristics.median_cost(sc, a) == pytest.approx(_best(wcost, 4))


def test_greedy_cover_covers_and_removes_redundant_sites():
    cover = sp.csr_array(np.array([[1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float))
    is_open = heuristics.greedy_cover(
        cover, np.ones(3), np.ones(4), np.zeros(3, dtype=bool), target=4.0
    )
    assert is_open.tolist() == [False, True, True]


def test_greedy_opens_p_sites_when_nothing_is_left_to_gain():
    """Every cell at its cheapest site before p are open: the gains are all zero (they were
    integers then, and marking open sites -inf raised OverflowError)."""
    wcost = np.array([[1.0, 5.0, 5.0, 5.0, 5.0], [5.0, 1.0, 5.0, 5.0, 5.0]])
    is_open = heuristics.greedy_median(SortedCosts.of(wcost), np.zeros(5, dtype=bool), 4)
    assert is_open.sum() == 4
    assert is_open[[0, 1]].all()
    assert heuristics.median_cost(SortedCosts.of(wcost), is_open) == 2.0
