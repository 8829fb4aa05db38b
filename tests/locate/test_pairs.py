"""The one internal form of the costs: the same sorted pairs from a dense or a sparse matrix."""

import numpy as np
import scipy.sparse as sp

from gateway_planner.locate._pairs import read_pairs


def _costs() -> np.ndarray:
    return np.array(
        [
            [4.0, np.inf, 2.0, 0.0],
            [np.inf, np.inf, np.inf, np.inf],
            [3.0, 3.0, 1.0, 9.0],
        ]
    )


def _sparse(dense: np.ndarray) -> sp.csr_array:
    rows, cols = np.nonzero(np.isfinite(dense))
    return sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)


def test_pairs_are_sorted_by_cell_then_minutes_then_candidate():
    pairs = read_pairs(_costs(), np.arange(4))
    assert pairs.indptr.tolist() == [0, 3, 3, 7]
    assert pairs.rows.tolist() == [0, 0, 0, 2, 2, 2, 2]
    assert pairs.cost.tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 3.0, 9.0]
    assert pairs.pos.tolist() == [3, 2, 0, 2, 0, 1, 3]  # ties (3 minutes) in candidate order
    assert pairs.cost.dtype == np.float64


def test_dense_and_sparse_give_the_same_pairs_explicit_zero_included():
    cand = np.array([0, 2, 3])
    dense, sparse = read_pairs(_costs(), cand), read_pairs(_sparse(_costs()), cand)
    for name in ("indptr", "pos", "cost"):
        assert np.array_equal(getattr(dense, name), getattr(sparse, name)), name
    assert dense.pos.tolist() == [2, 1, 0, 1, 0, 2]  # positions among the candidates
    assert 0.0 in sparse.cost


def test_repeated_sparse_entries_keep_the_smallest():
    csr = sp.csr_array(
        (np.array([5.0, 2.0, 7.0]), np.array([1, 1, 0]), np.array([0, 3])), shape=(1, 2)
    )
    pairs = read_pairs(csr, np.arange(2))
    assert pairs.pos.tolist() == [1, 0]
    assert pairs.cost.tolist() == [2.0, 7.0]


def test_reached_within_a_limit_is_inclusive():
    pairs = read_pairs(_costs(), np.array([0, 1]))
    assert pairs.reached().tolist() == [True, False, True]
    assert pairs.reached(3.0).tolist() == [False, False, True]
    assert pairs.reached(4.0).tolist() == [True, False, True]
