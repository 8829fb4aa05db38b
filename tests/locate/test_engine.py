"""The assignment core shared by p-median, maximal coverage and capacities."""

import numpy as np
import pytest

from gateway_planner.locate import Problem
from gateway_planner.locate._data import prepare
from gateway_planner.locate._engine import MedianCore


def _core(unserved: float = np.inf, **kw) -> tuple[MedianCore, np.ndarray, np.ndarray]:
    costs = np.array(
        [[1.0, 4.0, np.inf, 6.0], [5.0, 2.0, 3.0, 9.0], [7.0, 1.0, 2.0, 3.0], [2.0, 2.0, 2.0, 2.0]]
    )
    w = np.array([2.0, 1.0, 3.0, 0.0])
    fields = {"p": 2, "unserved_cost": None if np.isinf(unserved) else unserved} | kw
    problem = Problem(weights=w, costs=costs, site_ids=("a", "b", "c", "d"), **fields)
    data = prepare(problem, model="pmedian")
    core = MedianCore.build(
        data, data.pairs.cost, np.full(data.n_cells, unserved), label="radius p-median"
    )
    return core, costs, w


def _value(costs: np.ndarray, w: np.ndarray, is_open: np.ndarray, unserved: float) -> float:
    near = np.minimum(costs[:, is_open].min(axis=1), unserved)
    return float(w[w > 0] @ near[w > 0])


def test_build_keeps_cells_of_positive_weight_and_pairs_cheaper_than_unserved():
    core, _, _ = _core(unserved=4.0)
    assert core.rows.tolist() == [0, 1, 2]
    assert core.n == 3
    assert core.cost.max() < 4.0
    assert core.pair_rows.tolist() == [0, 1, 1, 2, 2, 2]
    assert (core.k, core.n_free) == (2, 4)


@pytest.mark.parametrize("unserved", [np.inf, 4.0])
def test_objective_is_the_weighted_cost_at_the_nearest_open_site(unserved):
    core, costs, w = _core(unserved=unserved)
    for mask in (
        [True, True, False, False],
        [False, False, True, True],
        [True, False, True, False],
    ):
        is_open = np.array(mask)
        assert core.objective(is_open) == pytest.approx(_value(costs, w, is_open, unserved))
    assert core.objective(np.array([False, False, False, True])) == pytest.approx(
        _value(costs, w, np.array([False, False, False, True]), unserved)
    )


def test_objective_is_infinite_when_a_cell_must_be_served_and_is_not():
    core, _, _ = _core(candidates=(0, 1, 2), p=1)
    assert core.objective(np.array([False, False, True])) == np.inf


def test_sorted_costs_and_dense_agree_with_the_objective():
    core, _, _ = _core(unserved=4.0)
    sc, dense = core.sorted_costs(), core.dense()
    for is_open in (np.array([True, False, True, False]), np.array([False, True, False, True])):
        assert sc.total(is_open) == pytest.approx(core.objective(is_open))
        assert dense[:, is_open].min(axis=1).sum() == pytest.approx(core.objective(is_open))


def test_restrict_fixes_sites_and_only_choice_follows():
    core, _, _ = _core()
    closed = np.array([False, False, False, True])
    opened = np.array([True, False, False, False])
    small = core.restrict(closed, opened)
    assert 3 not in small.pos
    assert (small.k, small.n_free) == (1, 2)
    assert small.only_choice() is None
    assert core.restrict(closed | [False, True, False, False], opened).only_choice().tolist() == [
        True,
        False,
        True,
        False,
    ]
    assert core.restrict(closed, opened | [False, True, False, False]).only_choice().tolist() == [
        True,
        True,
        False,
        False,
    ]
