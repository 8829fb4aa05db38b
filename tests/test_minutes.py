"""Both forms of a travel-time matrix read the same through the one converter."""

import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.minutes import (
    combine,
    dense_columns,
    dense_rows,
    freeze,
    index_dtype,
    nbytes,
    reachable_pairs,
)


@pytest.fixture
def pair():
    """A dense matrix with inf and zeros, and its CSR of the finite entries (zeros stored)."""
    rng = np.random.default_rng(7)
    dense = rng.uniform(0, 30, (9, 5)).astype(np.float32)
    dense[rng.random(dense.shape) < 0.4] = np.inf
    dense[2, 1] = 0.0
    dense[4] = np.inf  # a cell that reaches nothing
    rows, cols = np.nonzero(np.isfinite(dense))
    sparse = sp.csr_array((dense[rows, cols], (rows, cols)), shape=dense.shape)
    assert sparse.nnz == np.isfinite(dense).sum()
    return dense, sparse


def test_rows_and_columns_read_the_same_from_both_forms(pair):
    dense, sparse = pair
    for rows in (slice(0, 9), slice(2, 5), slice(4, 5), slice(3, 3)):
        a, b = dense_rows(dense, rows), dense_rows(sparse, rows)
        assert a.dtype == b.dtype == np.float64
        assert np.array_equal(a, b)
    assert dense_rows(sparse, slice(2, 3))[0, 1] == 0.0  # a stored zero is a journey of 0 min
    columns = np.array([3, 0, 1])
    a, b = dense_columns(dense, columns), dense_columns(sparse, columns)
    assert np.array_equal(a, b)
    assert np.array_equal(a, dense[:, columns].astype(np.float64))


@pytest.mark.parametrize("sparse_out", [False, True])
def test_combine_keeps_the_form_and_the_numbers(pair, monkeypatch, sparse_out):
    import gateway_planner.minutes as minutes

    monkeypatch.setattr(minutes, "CHUNK_BYTES", 8 * 5 * 2 * 2)  # two rows a chunk
    dense, sparse = pair
    seen = []

    def add(chunks, rows):
        seen.append((rows.start, rows.stop))
        return (chunks[0] + chunks[1]).astype(np.float32)

    out = combine([dense, sparse], add, shape=dense.shape, sparse=sparse_out)
    assert seen == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 9)]
    assert sp.issparse(out) == sparse_out
    assert np.array_equal(dense_rows(out, slice(0, 9)), (dense + dense).astype(np.float64))
    if sparse_out:
        assert out.nnz == np.isfinite(dense).sum()  # zeros kept, inf left out


def test_combine_of_no_rows_gives_the_func_dtype():
    empty = np.zeros((0, 3), dtype=np.float32)
    for sparse_out in (False, True):
        out = combine(
            [empty], lambda c, r: c[0].astype(np.float32), shape=(0, 3), sparse=sparse_out
        )
        assert out.shape == (0, 3) and out.dtype == np.float32


def test_freeze_sizes_and_counts(pair):
    dense, sparse = pair
    for matrix in (dense.copy(), sparse.copy()):
        freeze(matrix)
        with pytest.raises(ValueError, match="read-only"):
            (matrix.data if sp.issparse(matrix) else matrix)[0] = 1.0
    assert nbytes(dense) == dense.nbytes
    assert nbytes(sparse) == sparse.data.nbytes + sparse.indices.nbytes + sparse.indptr.nbytes
    assert reachable_pairs(dense) == reachable_pairs(sparse) == np.isfinite(dense).sum()
    assert index_dtype(10, 2**31 - 2) is np.int32
    assert index_dtype(2**31) is np.int64
    assert index_dtype() is np.int32
