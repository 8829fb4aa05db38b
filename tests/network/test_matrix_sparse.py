"""Sparse travel times (CSR of the pairs within the limit) hold the dense path's numbers."""

import json
import logging

import numpy as np
import pytest
import scipy.sparse as sp
from network_helpers import HELSINKI_CRS, make_graph, make_network, make_points

import gateway_planner.settings as gps
from gateway_planner.errors import InputError
from gateway_planner.groups import CustomerGroup
from gateway_planner.locate import Problem, solve
from gateway_planner.network import travel_times

LIMIT = 8.0


def _group(gid, modes):
    channels = {"face_to_face": 1.0, "phone": 0.0, "web": 0.0}
    return CustomerGroup(
        id=gid, name=gid, description="", channels=channels, visits_per_person_year=1.0, modes=modes
    )


GROUPS = [
    _group("drivers", {"drive": 1.0}),
    _group("mixed", {"drive": 0.6, "walk": 0.4}),
    _group("walkers", {"walk": 1.0}),
]


def densify(matrix):
    """Dense minutes of a CSR in its dtype (missing = inf; stored zeros stay 0)."""
    out = np.full(matrix.shape, np.inf, dtype=matrix.dtype)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    out[rows, matrix.indices] = matrix.data
    return out


@pytest.fixture(scope="module")
def helsinki_case(helsinki_drive, helsinki_walk):
    xy = helsinki_drive.routing.xy
    cell_xy = np.vstack([xy[::9], [[xy[:, 0].max() + 50_000, xy[0, 1]]]])  # last cell off the map
    site_xy = np.vstack([xy[::97] + 3.0, xy[::97][:2] + 4.0])  # two pairs of sites share a node
    cells = make_points(cell_xy, prefix="c", crs=HELSINKI_CRS, square_m=40)
    sites = make_points(site_xy, prefix="s", crs=HELSINKI_CRS)
    networks = {"drive": helsinki_drive, "walk": helsinki_walk}
    return networks, cells, sites


def _times(case, monkeypatch, **options):
    import gateway_planner.network._routing as routing_module

    networks, cells, sites = case
    n = networks["walk"].routing.n_nodes
    monkeypatch.setattr(routing_module, "BLOCK_BYTES", 8 * n * 3)  # three sites a block
    with pytest.warns(Warning, match="m from the"):
        return travel_times(networks, cells, sites, groups=GROUPS, limit_minutes=LIMIT, **options)


def test_sparse_and_dense_hold_the_same_minutes(helsinki_case, monkeypatch):
    dense = _times(helsinki_case, monkeypatch, sparse=False)
    sparse = _times(helsinki_case, monkeypatch, sparse=True)
    assert not dense.is_sparse and sparse.is_sparse
    for key in ("drive", "walk"):
        m = sparse.for_mode(key)
        assert isinstance(m, sp.csr_array) and m.dtype == np.float32
        assert m.has_canonical_format
        assert np.array_equal(densify(m), dense.for_mode(key))
        assert np.all(m.data <= LIMIT)
    for group in GROUPS:
        assert np.array_equal(densify(sparse.for_group(group.id)), dense.for_group(group.id))
    mixed = dense.for_group("mixed")
    assert np.isfinite(mixed).any() and np.isinf(mixed).any()
    assert sparse.for_group("mixed").nnz == np.isfinite(mixed).sum()
    # the cell off the map has no entry; the snapping summary is the same
    assert sparse.for_mode("drive")[[-1], :].nnz == 0
    assert json.dumps(sparse.snapping, default=str) == json.dumps(dense.snapping, default=str)


def test_combine_groups_gives_the_same_numbers_in_both_forms(helsinki_case, monkeypatch):
    dense = _times(helsinki_case, monkeypatch, sparse=False)
    sparse = _times(helsinki_case, monkeypatch, sparse=True)

    def mean(chunks, rows):
        return (chunks[0] + 2.0 * chunks[1]) / 3.0

    a = dense.combine_groups(["drivers", "mixed"], mean)
    b = sparse.combine_groups(["drivers", "mixed"], mean)
    assert a.dtype == np.float64 and isinstance(b, sp.csr_array) and b.dtype == np.float64
    assert np.array_equal(densify(b), np.where(np.isfinite(a), a, np.inf))


def test_a_journey_of_zero_minutes_is_a_stored_zero():
    coords = {0: (0, 0), 1: (100, 0)}
    net = make_network(make_graph([(0, 1, 100.0)], coords))
    cells = make_points([(0, 0), (100, 0), (5000, 0)], prefix="c", square_m=10)
    sites = make_points([(0, 0)], prefix="s")
    with pytest.warns(Warning, match="m from the"):
        tt = travel_times({"drive": net}, cells, sites, limit_minutes=5, sparse=True)
    m = tt.for_mode("drive")
    assert m.nnz == 2  # the cell on the site (0 minutes) and its neighbour; not the far cell
    assert m[[0], :].data.tolist() == [0.0]
    assert densify(m)[:, 0].tolist() == [0.0, pytest.approx(10 / 60), np.inf]


def test_the_budget_decides_the_form(helsinki_case, monkeypatch, caplog):
    networks, cells, sites = helsinki_case
    drive = {"drive": networks["drive"]}
    need = len(cells) * len(sites) * 4
    monkeypatch.setattr(gps, "dense_budget_bytes", need)
    with pytest.warns(Warning, match="m from the"):
        assert not travel_times(drive, cells, sites, limit_minutes=LIMIT).is_sparse
    monkeypatch.setattr(gps, "dense_budget_bytes", need - 1)
    with pytest.warns(Warning, match="m from the"):
        assert travel_times(drive, cells, sites, limit_minutes=LIMIT).is_sparse
    with (
        caplog.at_level(logging.WARNING, logger="gateway_planner"),
        pytest.warns(Warning, match="m from the"),
    ):
        unlimited = travel_times(drive, cells, sites)
    assert not unlimited.is_sparse  # without a limit sparse would keep every pair
    assert "no time limit is set" in caplog.text
    with pytest.raises(InputError, match=r"sparse: sparse is 'yes'"):
        travel_times(drive, cells, sites, sparse="yes")


def test_sparse_matrices_are_read_only(helsinki_case, monkeypatch):
    sparse = _times(helsinki_case, monkeypatch, sparse=True)
    for m in (sparse.for_mode("walk"), sparse.for_group("mixed")):
        with pytest.raises(ValueError, match="read-only"):
            m.data[0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            m.indices[0] = 0


def _median_case(seed=3, n_cells=300, n_sites=40, limit=25.0):
    """Minutes between random points (1 km = 1 min) cut at ``limit``; sites on some cells."""
    rng = np.random.default_rng(seed)
    cells = rng.uniform(0, 60, (n_cells, 2))
    sites = np.vstack(
        [
            cells[rng.choice(n_cells, n_sites // 2, replace=False)],
            rng.uniform(0, 60, (n_sites - n_sites // 2, 2)),
        ]
    )
    costs = np.hypot(*(cells[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).round(2)
    costs[costs > limit] = np.inf
    weights = rng.integers(0, 50, n_cells).astype(float)
    rows, cols = np.nonzero(np.isfinite(costs))
    sparse = sp.csr_array((costs[rows, cols], (rows, cols)), shape=costs.shape)
    assert sparse.nnz == np.isfinite(costs).sum() and (sparse.data == 0).sum() >= n_sites // 2
    site_ids = tuple(f"s{j}" for j in range(n_sites))
    return weights, costs, sparse, site_ids


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_p_median_and_its_bound_on_sparse_costs_match_dense(method):
    weights, dense, sparse, site_ids = _median_case()
    got = {}
    for label, costs in (("dense", dense), ("sparse", sparse)):
        problem = Problem(weights=weights, costs=costs, site_ids=site_ids, fixed=(0,), p=6)
        got[label] = solve(problem, method=method, seed=1, time_limit=30)
    a, b = got["dense"], got["sparse"]
    assert "enumeration" not in a.solver  # the MIP or heuristic and the Lagrangian bound
    assert a.open_sites == b.open_sites
    assert a.objective == b.objective and a.bound == b.bound and a.gap == b.gap
    assert np.array_equal(a.assignment, b.assignment)
    assert 0 <= a.bound <= a.objective


def test_zero_minute_entries_alone_keep_a_sparse_problem_feasible():
    # each cell reaches only the site on it, at 0 minutes: dropping stored zeros would make
    # every cell unreachable
    costs = sp.csr_array(
        (np.zeros(3), (np.arange(3), np.arange(3))), shape=(3, 3), dtype=np.float64
    )
    problem = Problem(weights=np.ones(3), costs=costs, site_ids=("a", "b", "c"), p=3)
    solution = solve(problem, method="exact")
    assert solution.objective == 0.0 and solution.assignment.tolist() == [0, 1, 2]


def test_blocks_report_their_progress(helsinki_case, monkeypatch):
    calls = []
    monkeypatch.setattr(
        gps, "progress", lambda task, done, total: calls.append((task, done, total))
    )
    _times(helsinki_case, monkeypatch, sparse=True)
    for mode in ("drive", "walk"):
        ticks = [(done, total) for task, done, total in calls if task == f"travel times ({mode})"]
        assert len(ticks) >= 2  # several blocks
        done = [d for d, _ in ticks]
        assert done == sorted(done) and done[-1] == ticks[-1][1]
