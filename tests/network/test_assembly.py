"""Blocks of site searches laid into dense or CSR matrices of minutes, and mode mixes."""

import numpy as np
import pytest
import scipy.sparse as sp
from network_helpers import HELSINKI_CRS, TINY_CRS, make_graph, make_network, make_points

import gateway_planner.network._assembly as assembly
import gateway_planner.network._routing as routing_module
from gateway_planner.network import travel_times
from gateway_planner.network._assembly import expected_minutes, single_mode, sparse_from_blocks

WALK_MPS = 4.8 / 3.6


def _line_network():
    coords = {0: (0, 0), 1: (100, 0), 2: (150, 0)}
    return make_network(make_graph([(0, 1, 100.0), (1, 2, 50.0)], coords, crs=TINY_CRS))


def test_sites_sharing_a_node_are_searched_once(monkeypatch):
    seen = []
    original = assembly.shortest_times

    def spy(routing, sources, targets, **kw):
        seen.append(sources.tolist())
        yield from original(routing, sources, targets, **kw)

    monkeypatch.setattr(assembly, "shortest_times", spy)
    cells = make_points([(0, 0), (150, 0)], prefix="c", square_m=1)
    sites = make_points([(100, 0), (100, 8), (0, 0)], prefix="s")
    tt = travel_times({"drive": _line_network()}, cells, sites)
    assert len(seen) == 1 and len(seen[0]) == 2  # three sites, two distinct nodes
    m = tt.by_mode["drive"]
    assert m[:, 1] - m[:, 0] == pytest.approx(np.full(2, 8 / WALK_MPS / 60), abs=1e-5)


def test_small_blocks_give_the_same_matrix(helsinki_walk, monkeypatch):
    xy = helsinki_walk.routing.xy
    cells = make_points(xy[::97], prefix="c", crs=HELSINKI_CRS, square_m=50)
    sites = make_points(xy[::503] + 3.0, prefix="s", crs=HELSINKI_CRS)
    whole = travel_times({"walk": helsinki_walk}, cells, sites).by_mode["walk"]
    monkeypatch.setattr(routing_module, "BLOCK_BYTES", 8 * xy.shape[0] * 2)
    blocked = travel_times({"walk": helsinki_walk}, cells, sites).by_mode["walk"]
    assert np.array_equal(whole, blocked)
    assert np.isfinite(whole).mean() > 0.9


def test_blocks_become_a_csr_array_of_the_finite_minutes_zeros_kept():
    inf = np.inf
    blocks = [  # (site columns, minutes: one row per site, one column per snapped cell)
        (np.array([2]), np.array([[0.0, inf, 3.5]], dtype=np.float32)),
        (np.array([0, 1]), np.array([[1.0, 2.0, inf], [inf, inf, inf]], dtype=np.float32)),
    ]
    ok_cells = np.array([0, 2, 3])  # cell 1 did not snap
    out = sparse_from_blocks(iter(blocks), ok_cells, (4, 3))
    assert isinstance(out, sp.csr_array) and out.has_sorted_indices
    assert out.dtype == np.float32 and out.nnz == 4
    dense = np.full((4, 3), inf, dtype=np.float32)
    rows = np.repeat(np.arange(4), np.diff(out.indptr))
    dense[rows, out.indices] = out.data
    assert dense.tolist() == [
        [1.0, inf, 0.0],  # the journey of 0 minutes is a stored entry
        [inf, inf, inf],
        [2.0, inf, inf],
        [inf, inf, 3.5],
    ]
    empty = sparse_from_blocks(iter([]), ok_cells, (4, 3))
    assert empty.shape == (4, 3) and empty.nnz == 0


def test_expected_minutes_over_a_mode_mix():
    drive = np.array([[1.0, np.inf], [2.0, 4.0]], dtype=np.float32)
    walk = np.array([[3.0, 5.0], [np.inf, 8.0]], dtype=np.float32)
    by_mode = {"drive": drive, "walk": walk}
    mixed = expected_minutes({"drive": 0.5, "walk": 0.5}, by_mode, shape=(2, 2), sparse=False)
    assert mixed.dtype == np.float32 and not mixed.flags.writeable
    assert mixed.tolist() == [[2.0, np.inf], [np.inf, 6.0]]  # inf where a mode cannot reach
    assert expected_minutes({"walk": 1.0}, by_mode, shape=(2, 2), sparse=False) is walk
    assert single_mode({"walk": 1.0}) and not single_mode({"walk": 0.5, "drive": 0.5})
