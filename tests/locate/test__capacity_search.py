"""The capacitated p-median's site swaps (locate/_capacity_search.py): the search stops at its
work limit or at the clock with the best open set found."""

import numpy as np

from gateway_planner.locate._capacity_search import swap_search


def _search(stop=None, max_evals=100):
    # 4 sites on a line, 2 open; the objective prefers sites 2 and 3
    values = {(0, 1): 10.0, (0, 2): 8.0, (0, 3): 9.0, (1, 2): 7.0, (1, 3): 6.0, (2, 3): 1.0}
    calls = []

    def evaluate(is_open):
        calls.append(tuple(np.flatnonzero(is_open)))
        return values[tuple(np.flatnonzero(is_open))]

    start = np.array([True, True, False, False])
    near = np.array([[2, 3], [2, 3], [0, 1], [0, 1]])
    found, value, evals = swap_search(
        evaluate, start, 10.0, np.ones(4, bool), near, max_evals=max_evals, stop=stop
    )
    return found, value, evals, calls


def test_swaps_reach_the_best_pair():
    found, value, evals, _ = _search()
    assert np.flatnonzero(found).tolist() == [2, 3] and value == 1.0 and evals >= 2


def test_the_clock_stops_the_search_with_the_best_found():
    ticks = iter([False, True])  # one evaluation, then the deadline has passed
    found, value, evals, calls = _search(stop=lambda: next(ticks))
    assert evals == 1 and len(calls) == 1
    assert value == 7.0 and np.flatnonzero(found).tolist() == [1, 2]  # the first improvement


def test_the_work_limit_stops_it_too():
    _, _, evals, calls = _search(max_evals=1)
    assert evals == 1 and len(calls) == 1
