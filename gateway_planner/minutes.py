"""Travel-time matrices in either form, read as dense minutes: the one place that converts them.

A cells x sites matrix of minutes comes dense (a numpy array, ``inf`` = unreachable) or sparse (a
scipy CSR array holding only the reachable pairs; a stored zero is a journey of 0 minutes). Both
forms hold the same numbers. Code that reads them (the cost model, the evaluation, the mode
mixes of the network stage) asks this module for dense float64 rows or columns, or combines
several matrices chunk by chunk keeping their form, and never converts by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeGuard

import numpy as np
import scipy.sparse as sp

__all__ = [
    "Minutes",
    "combine",
    "dense_columns",
    "dense_rows",
    "freeze",
    "index_dtype",
    "is_sparse",
    "nbytes",
    "reachable_pairs",
]

#: memory one row chunk of float64 minutes may take when matrices are combined
CHUNK_BYTES = 64 * 1024 * 1024

#: a cells x sites matrix of minutes: dense (``inf`` = unreachable) or CSR (missing = unreachable)
Minutes: TypeAlias = "np.ndarray | sp.csr_array"


def is_sparse(matrix: Minutes) -> TypeGuard[sp.csr_array]:
    """Tell whether a matrix is the sparse form (a scipy sparse array of the reachable pairs).

    Parameters
    ----------
    matrix
        Minutes in either form.

    Returns
    -------
    bool
        True for a scipy sparse array or matrix, False for a numpy array.
    """
    return bool(sp.issparse(matrix))


def index_dtype(*sizes: int) -> type[np.signedinteger[Any]]:
    """Return the smallest index dtype (int32 or int64) that holds every size given.

    Parameters
    ----------
    *sizes
        Counts the indices must reach (entries, rows, columns).

    Returns
    -------
    type
        ``numpy.int32`` when all fit, else ``numpy.int64``.
    """
    return np.int32 if max(sizes, default=0) < np.iinfo(np.int32).max else np.int64


def nbytes(matrix: Minutes) -> int:
    """Return the memory a matrix holds (a sparse one's data, indices and pointers).

    Parameters
    ----------
    matrix
        Minutes in either form.

    Returns
    -------
    int
        Bytes.
    """
    if is_sparse(matrix):
        return int(matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes)
    return int(matrix.nbytes)


def reachable_pairs(matrix: Minutes) -> int:
    """Count the reachable (finite) cell-site pairs of a matrix.

    Parameters
    ----------
    matrix
        Minutes in either form.

    Returns
    -------
    int
        Stored entries of a sparse matrix, finite entries of a dense one.
    """
    return int(matrix.nnz) if is_sparse(matrix) else int(np.isfinite(matrix).sum())


def freeze(matrix: Minutes) -> None:
    """Make a matrix read-only in place (a sparse one's data, indices and pointers).

    Parameters
    ----------
    matrix
        Minutes in either form.
    """
    arrays: tuple[np.ndarray, ...] = (
        (matrix.data, matrix.indices, matrix.indptr) if is_sparse(matrix) else (matrix,)
    )
    for array in arrays:
        array.flags.writeable = False


def dense_rows(matrix: Minutes, rows: slice, n_cols: int | None = None) -> np.ndarray:
    """Return float64 minutes of a range of rows, ``inf`` where unreachable, from either form.

    Parameters
    ----------
    matrix
        Minutes in either form.
    rows
        The rows (a slice with a start and a stop).
    n_cols
        Columns of the matrix (its own width when None).

    Returns
    -------
    numpy.ndarray
        float64 ``(rows.stop - rows.start, n_cols)``.
    """
    n_cols = matrix.shape[1] if n_cols is None else n_cols
    if not is_sparse(matrix):
        return np.asarray(matrix[rows], dtype=np.float64)
    lo, hi = rows.start, rows.stop
    a, b = int(matrix.indptr[lo]), int(matrix.indptr[hi])
    out = np.full((hi - lo, n_cols), np.inf)
    local = np.repeat(np.arange(hi - lo), np.diff(matrix.indptr[lo : hi + 1]))
    out[local, matrix.indices[a:b]] = matrix.data[a:b]
    return out


def dense_columns(matrix: Minutes, columns: np.ndarray) -> np.ndarray:
    """Return float64 minutes of some columns (sites), ``inf`` where unreachable, from either form.

    Parameters
    ----------
    matrix
        Minutes in either form.
    columns
        Column positions, in the order wanted.

    Returns
    -------
    numpy.ndarray
        float64 ``(n_rows, len(columns))``.
    """
    if not is_sparse(matrix):
        return np.asarray(matrix)[:, columns].astype(np.float64)
    sub = sp.csr_array(matrix)[:, columns]  # keeps stored zeros
    out = np.full(sub.shape, np.inf)
    rows = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    out[rows, sub.indices] = sub.data
    return out


def combine(
    matrices: Sequence[Minutes],
    func: Callable[[list[np.ndarray], slice], np.ndarray],
    *,
    shape: tuple[int, int],
    sparse: bool,
) -> Minutes:
    """Apply ``func`` to row chunks of float64 minutes; collect dense, or CSR of the finite.

    Parameters
    ----------
    matrices
        Minutes in either form, all of ``shape``.
    func
        Called with one float64 array per matrix (rows ``rows`` of its minutes, ``inf`` where
        unreachable, whatever the stored form) and the ``slice`` of rows; returns the combined
        rows, ``inf`` (or NaN) where the result is unreachable.
    shape
        ``(n_rows, n_cols)``.
    sparse
        Return a CSR array of the finite results (zeros kept as entries) instead of a dense one.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        ``shape``, in the dtype ``func`` returns.
    """
    n_rows, n_cols = shape
    step = max(1, CHUNK_BYTES // (8 * max(n_cols, 1) * max(len(matrices), 1)))
    dense: np.ndarray | None = None
    counts: list[np.ndarray] = []
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for lo in range(0, n_rows, step):
        rows = slice(lo, min(lo + step, n_rows))
        chunk = func([dense_rows(m, rows, n_cols) for m in matrices], rows)
        if not sparse:
            if dense is None:
                dense = np.empty(shape, dtype=chunk.dtype)
            dense[rows] = chunk
            continue
        finite = np.isfinite(chunk)
        row, col = np.nonzero(finite)
        counts.append(finite.sum(axis=1))
        indices.append(col)
        data.append(chunk[row, col])
    if not sparse:
        if dense is None:  # no rows
            dense = func([np.zeros((0, n_cols)) for _ in matrices], slice(0, 0))
            dense = np.empty(shape, dtype=dense.dtype)
        return dense
    if not data:
        dtype = func([np.zeros((0, n_cols)) for _ in matrices], slice(0, 0)).dtype
        return sp.csr_array(shape, dtype=dtype)
    all_data = np.concatenate(data)
    itype = index_dtype(all_data.size, n_rows, n_cols)
    indptr = np.zeros(n_rows + 1, dtype=itype)
    np.cumsum(np.concatenate(counts), out=indptr[1:])
    out = sp.csr_array((all_data, np.concatenate(indices).astype(itype), indptr), shape=shape)
    out.has_sorted_indices = True
    return out
