"""The prepared problem: what models derive from the sorted pairs (dense, cover, nearest site)."""

import numpy as np
import pytest

from gateway_planner.errors import InputError
from gateway_planner.locate import Problem
from gateway_planner.locate._data import nearest_sites, prepare


def _data(**kw):
    costs = np.array([[4.0, np.inf, 2.0], [6.0, 1.0, 1.0], [np.inf, 5.0, 8.0]])
    fields = {"weights": np.array([1.0, 0.0, 2.0]), "site_ids": ("a", "b", "c"), "p": 2} | kw
    return prepare(Problem(costs=costs, **fields), model="pmedian")


def test_prepare_keeps_candidates_and_forced_sites():
    data = _data(fixed=(1,), candidates=(1, 2))
    assert data.cand.tolist() == [1, 2]
    assert data.forced.tolist() == [True, False]
    assert data.existing.tolist() == [True, False]
    assert (data.m, data.p, data.n_forced, data.n_cells) == (2, 2, 1, 3)
    freed = _data(fixed=(1,), allow_closing=True)
    assert freed.forced.tolist() == [False, False, False]
    assert freed.existing.tolist() == [False, True, False]


def test_prepare_checks_the_problem():
    with pytest.raises(InputError, match=r"p = 4 is larger than the 3 candidate sites"):
        _data(p=4)


def test_dense_scatters_pair_values_over_kept_rows_in_order():
    data = _data()
    dense = data.dense(data.pairs.cost * 10, np.array([-1.0, -2.0]), rows=np.array([2, 0]))
    assert dense.tolist() == [[-1.0, 50.0, 80.0], [40.0, -2.0, 20.0]]
    assert data.dense(data.pairs.cost, 99.0)[1].tolist() == [6.0, 1.0, 1.0]


def test_cover_marks_the_chosen_pairs():
    data = _data()
    within = data.pairs.cost <= 4.0
    assert data.cover(within).toarray().tolist() == [[1, 0, 1], [0, 1, 1], [0, 0, 0]]
    cover = data.cover(within, rows=np.array([1, 0]))
    assert cover.toarray().tolist() == [[0, 1, 1], [1, 0, 1]]
    assert cover.has_canonical_format


def test_nearest_sites_lowest_index_on_ties_and_within_a_limit():
    data = _data()
    is_open = np.array([True, True, True])
    assert nearest_sites(data, is_open).tolist() == [2, 1, 1]
    assert nearest_sites(data, np.array([True, False, False])).tolist() == [0, 0, -1]
    assert nearest_sites(data, is_open, within=4.0).tolist() == [2, 1, -1]
