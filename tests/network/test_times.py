"""TravelTimes: the matrices of a run, read by mode or by group, in either form."""

import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.errors import InputError
from gateway_planner.network import Mode, TravelTimes

INF = np.inf


def _csr(minutes):
    """CSR of the finite minutes, zeros kept as entries."""
    rows, cols = np.nonzero(np.isfinite(minutes))
    return sp.csr_array((minutes[rows, cols], (rows, cols)), shape=minutes.shape)


def _dense(minutes):
    """Dense minutes again, inf where a CSR array has no entry."""
    out = np.full(minutes.shape, INF)
    rows = np.repeat(np.arange(minutes.shape[0]), np.diff(minutes.indptr))
    out[rows, minutes.indices] = minutes.data
    return out


def _times(sparse: bool) -> TravelTimes:
    drive = np.array([[1.0, INF, 3.0], [0.0, 2.0, INF]], dtype=np.float32)
    walk = np.array([[4.0, INF, 6.0], [1.0, 5.0, INF]], dtype=np.float32)
    by_mode = (
        {"drive": _csr(drive), "walk": _csr(walk)} if sparse else {"drive": drive, "walk": walk}
    )
    return TravelTimes(
        cell_ids=("c0", "c1"),
        site_ids=("s0", "s1", "s2"),
        by_mode=by_mode,
        by_group={"drivers": by_mode["drive"], "walkers": by_mode["walk"]},
        kind="proxy",
        snapping={},
    )


@pytest.mark.parametrize("sparse", [False, True])
def test_shape_form_and_lookups(sparse):
    tt = _times(sparse)
    assert tt.shape == (2, 3)
    assert tt.is_sparse is sparse
    assert tt.for_mode(Mode.DRIVE) is tt.by_mode["drive"]
    assert tt.for_mode(" Walk ") is tt.by_mode["walk"]
    assert tt.for_group("walkers") is tt.by_group["walkers"]
    with pytest.raises(InputError, match=r"group: no travel times for customer group 'nobody'"):
        tt.for_group("nobody")
    with pytest.raises(InputError, match=r"mode: unknown travel mode 'tram'"):
        tt.for_mode("tram")
    with pytest.raises(InputError, match=r"mode: no travel times for mode 'bus'"):
        tt.for_mode("bus")


def test_a_mode_without_times():
    tt = _times(False)
    tt = TravelTimes(
        cell_ids=tt.cell_ids,
        site_ids=tt.site_ids,
        by_mode={"drive": tt.by_mode["drive"]},
        by_group={},
        kind="file",
        snapping={},
    )
    with pytest.raises(
        InputError, match=r"mode: no travel times for mode 'walk' \(have \['drive'\]\)"
    ):
        tt.for_mode("walk")


@pytest.mark.parametrize("sparse", [False, True])
def test_combine_groups_sees_dense_rows_and_keeps_the_form(sparse):
    tt = _times(sparse)
    seen = []

    def nearest(chunks, rows):
        seen.append((rows, [c.dtype for c in chunks]))
        return np.minimum(*chunks)

    out = tt.combine_groups(["drivers", "walkers"], nearest)
    assert all(dtypes == [np.float64, np.float64] for _, dtypes in seen)
    assert sp.issparse(out) is sparse
    if sparse:
        assert out.nnz == 4  # the journey of 0 minutes stays an entry
    dense = _dense(out) if sparse else out
    assert dense.tolist() == [[1.0, INF, 3.0], [0.0, 2.0, INF]]
