"""Ragged sorted costs: the same answers as the dense matrix they stand for, without building it."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

import gateway_planner.settings as gps
from gateway_planner.locate import Problem, heuristics, solve
from gateway_planner.locate._sorted import SortedCosts, prefix_entries, prefix_lengths
from gateway_planner.locate.bounds import lagrangian_median


def _ragged(n=40, m=12, seed=0, listed=0.4):
    """A ragged cost set and the dense matrix it stands for (unlisted sites at the row's fill)."""
    rng = np.random.default_rng(seed)
    fill = np.round(rng.uniform(50, 80, n))
    keep = rng.random((n, m)) < listed
    keep[np.arange(n), rng.integers(0, m, n)] = True  # every row lists at least one site
    values = np.round(rng.uniform(0, 1, (n, m)) * fill[:, None])
    rows, cols = np.nonzero(keep)
    counts = np.bincount(rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    sc = SortedCosts.from_rows(indptr, cols, values[rows, cols], fill, m)
    dense = np.where(keep, values, fill[:, None])
    return sc, dense


def _best(dense, p, forced=()):
    return min(
        dense[:, list(s)].min(axis=1).sum()
        for s in itertools.combinations(range(dense.shape[1]), p)
        if set(forced) <= set(s)
    )


def test_rows_are_sorted_and_columns_read_back_the_dense_matrix():
    sc, dense = _ragged()
    for i in range(dense.shape[0]):
        row = sc.values[sc.indptr[i] : sc.indptr[i + 1]]
        assert np.all(np.diff(row) >= 0)
    sites = np.array([0, 3, 11])
    assert np.array_equal(sc.costs_of(sites), dense[:, sites])
    rows, values = sc.column(5)
    assert np.array_equal(values, dense[rows, 5])
    assert np.all(sc.fill >= dense.max(axis=1))


def test_prefix_lengths_count_entries_below_each_threshold():
    sc, dense = _ragged(seed=1)
    lam = np.random.default_rng(1).uniform(0, 90, dense.shape[0])
    count = prefix_lengths(sc, lam, np.zeros(dense.shape[0], dtype=np.int64))
    listed = np.diff(sc.indptr)
    expected = [
        int((sc.values[sc.indptr[i] : sc.indptr[i] + listed[i]] < lam[i]).sum())
        for i in range(lam.size)
    ]
    assert count.tolist() == expected
    rows, cols, values = prefix_entries(sc, count)
    assert np.all(values < lam[rows])
    assert np.array_equal(values, dense[rows, cols])


def test_nearest_two_caps_the_second_at_the_fill_with_one_site_open():
    sc, dense = _ragged(seed=2)
    is_open = np.zeros(12, dtype=bool)
    is_open[[4]] = True
    a1, d1, d2 = sc.nearest_two(is_open)
    assert np.all(a1 == 4)
    assert np.array_equal(d1, dense[:, 4])
    assert np.array_equal(d2, sc.fill)
    is_open[[1, 9]] = True
    a1, d1, d2 = sc.nearest_two(is_open)
    sub = np.sort(dense[:, [1, 4, 9]], axis=1)
    assert np.array_equal(d1, sub[:, 0]) and np.array_equal(d2, sub[:, 1])


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_heuristics_on_ragged_rows_match_the_dense_matrix(seed):
    sc, dense = _ragged(seed=seed)
    full = SortedCosts.of(dense)
    forced = np.zeros(12, dtype=bool)
    forced[2] = True
    a = heuristics.greedy_median(sc, forced, 4)
    b = heuristics.greedy_median(full, forced, 4)
    assert np.array_equal(a, b)
    a, _ = heuristics.interchange_median(sc, a, forced)
    b, _ = heuristics.interchange_median(full, b, forced)
    assert np.array_equal(a, b)
    a, _ = heuristics.vns_median(sc, a, forced, seed=0, rounds=40)
    assert heuristics.median_cost(sc, a) == pytest.approx(_best(dense, 4, (2,)))


def test_lagrangian_bound_on_ragged_rows_stays_below_the_optimum():
    sc, dense = _ragged(seed=6)
    forced = np.zeros(12, dtype=bool)
    best = _best(dense, 3)
    lag = lagrangian_median(sc, forced, 3, upper=best + 10, max_iter=400)
    assert lag.integral
    assert lag.bound <= best
    assert lag.bound > 0.8 * best
    assert np.all(lag.multipliers <= sc.fill)


def test_pmedian_never_builds_a_cells_x_sites_matrix(monkeypatch):
    """With a dense budget far below n x m the heuristic path still runs on the sparse pairs."""
    rng = np.random.default_rng(8)
    n, m = 3000, 400
    cells, sites = rng.random((n, 2)), rng.random((m, 2))
    d = np.linalg.norm(cells[:, None] - sites[None], axis=2) * 60
    d[d > 12] = 0.0  # only nearby pairs are reachable
    costs = sp.csr_array(d)
    weights = rng.uniform(1, 5, n)
    reach = np.zeros(n, dtype=bool)
    reach[costs.tocoo().row] = True
    weights[~reach] = 0.0
    problem = Problem(weights=weights, costs=costs, site_ids=tuple(f"s{j}" for j in range(m)), p=60)
    monkeypatch.setattr(gps, "dense_budget_bytes", 1_000_000)  # n x m x 8 = 9.6 MB
    sol = solve(problem, method="heuristic", time_limit=30, seed=0)
    assert sol.open_index.size == 60
    assert np.isfinite(sol.objective)
    assert 0 < sol.bound <= sol.objective


@pytest.mark.parametrize("seed", range(3))
def test_only_sites_keeps_the_kept_sites_answers(seed):
    sc, dense = _ragged(seed=seed)
    keep = np.random.default_rng(seed).random(dense.shape[1]) < 0.6
    keep[0] = True
    small = sc.only_sites(keep)
    assert set(small.cols.tolist()) <= set(np.flatnonzero(keep).tolist())
    assert small.values.size == int(keep[sc.cols].sum())
    for i in range(dense.shape[0]):
        row = small.values[small.indptr[i] : small.indptr[i + 1]]
        assert np.all(np.diff(row) >= 0)
    lam = np.random.default_rng(seed + 10).uniform(0, 80, dense.shape[0])
    assert np.allclose(small.column_sums(lam)[keep], sc.column_sums(lam)[keep])
    draws = np.random.default_rng(seed + 20)
    for _ in range(5):
        is_open = keep & (draws.random(keep.size) < 0.5)
        is_open[0] = True
        assert small.total(is_open) == pytest.approx(dense[:, is_open].min(axis=1).sum())
