"""Walks to, from and between stops within the longest walk (network/_stop_walks.py)."""

import numpy as np
import pytest
from network_helpers import make_graph, make_network

from gateway_planner.network._stop_walks import stop_walks


def _line(n=11):
    coords = {i: (i * 100.0, 0.0) for i in range(n)}  # 100 m apart, 10 m/s: 10 s a step
    return make_network(make_graph([(i, i + 1, 100.0) for i in range(n - 1)], coords)).routing


def test_access_egress_and_transfers_within_the_limit():
    routing = _line()
    index = {node: i for i, node in enumerate(routing.node_ids)}
    stops = np.array([index[2], index[5]])
    walks = stop_walks(routing, stops, np.array([1.0, 0.0]), max_walk_s=25.0)
    # stop 0 sits 1 s from node 2: nodes 1..3 within 25 s (1 + 10), 0 and 4 at 21 s
    got = {
        (int(s), routing.node_ids[n]): t
        for s, n, t in zip(walks.access_stop, walks.access_node, walks.access_s, strict=True)
    }
    assert got[(0, 2)] == pytest.approx(1.0)
    assert got[(0, 0)] == pytest.approx(21.0)
    assert (0, 5) not in got  # 31 s
    assert got[(1, 3)] == pytest.approx(20.0)
    assert np.array_equal(walks.egress_stop, walks.access_stop)  # a two-way street
    pairs = dict(
        zip(
            zip(walks.transfer_from.tolist(), walks.transfer_to.tolist(), strict=True),
            walks.transfer_s.tolist(),
            strict=True,
        )
    )
    assert pairs == {(0, 0): 0.0, (1, 1): 0.0}  # 31 s apart: no transfer between them


def test_stops_sharing_a_node_reach_each_other():
    routing = _line()
    node = int(np.flatnonzero(routing.node_ids == 4)[0])
    walks = stop_walks(routing, np.array([node, node]), np.array([3.0, 4.0]), max_walk_s=10.0)
    pairs = set(zip(walks.transfer_from.tolist(), walks.transfer_to.tolist(), strict=True))
    assert pairs == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert sorted(walks.transfer_s.tolist()) == pytest.approx([0.0, 0.0, 7.0, 7.0])
