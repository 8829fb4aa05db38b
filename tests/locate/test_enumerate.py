"""Exhaustive enumeration: every subset scored, ties to the lowest site indices."""

import itertools

import numpy as np
import pytest

from gateway_planner.locate._enumerate import all_subsets, count_subsets, enumerate_best


def _wcost(seed: int = 0) -> np.ndarray:
    return np.round(np.random.default_rng(seed).random((12, 7)) * 20)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_enumerate_best_matches_every_subset(k):
    wcost = _wcost()
    forced = np.zeros(7, dtype=bool)
    forced[4] = True
    allowed = np.ones(7, dtype=bool)
    allowed[6] = False
    free = [0, 1, 2, 3, 5]
    totals = {s: wcost[:, [4, *s]].min(axis=1).sum() for s in itertools.combinations(free, k)}
    best = min(totals.values())
    first = min(s for s, v in totals.items() if v == best)  # ties: lowest indices
    is_open, value, scored = enumerate_best(wcost, forced, allowed, k)
    assert value == pytest.approx(best)
    assert np.flatnonzero(is_open).tolist() == sorted([4, *first])
    assert scored == count_subsets(5, k) == len(totals)
    sets, values = all_subsets(wcost, forced, allowed, k)
    assert sorted(map(tuple, sets.tolist())) == sorted(totals)
    assert values.tolist() == sorted(values.tolist())
    assert [totals[tuple(s)] for s in sets.tolist()] == pytest.approx(values.tolist())


def test_enumerate_best_max_breaks_ties_by_the_total_then_the_lowest_indices():
    # every pair of sites has worst 3; {0, 2} and {1, 2} total 6, {0, 1} totals 9
    wcost = np.array([[3.0, 3.0, 3.0], [3.0, 9.0, 0.0], [9.0, 3.0, 3.0]])
    none, every = np.zeros(3, dtype=bool), np.ones(3, dtype=bool)
    is_open, value, scored = enumerate_best(wcost, none, every, 2, aggregate="max")
    assert is_open.tolist() == [True, False, True]
    assert value == 3.0
    assert scored == 3


def test_count_subsets_outside_the_range_is_zero():
    assert count_subsets(5, 6) == 0
    assert count_subsets(5, -1) == 0
    assert count_subsets(5, 2) == 10
