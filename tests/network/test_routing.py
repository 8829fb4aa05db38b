import numpy as np
import pyproj
import pytest
from network_helpers import make_graph

from gateway_planner.errors import NetworkError
from gateway_planner.network._routing import RoutingGraph, shortest_times


def _at(r, *nodes):
    """Positions of graph nodes in the routing arrays."""
    where = {node: i for i, node in enumerate(r.node_ids)}
    return tuple(where[n] for n in nodes)


def _line():
    # 0 -> 1 -> 2 one way, 10 m/s
    return make_graph(
        [(0, 1, 100.0), (1, 2, 50.0)],
        {0: (0, 0), 1: (100, 0), 2: (150, 0)},
        two_way=False,
        speed_kph=36.0,
    )


def test_reverse_matrix_holds_edges_backwards():
    r = RoutingGraph.from_graph(_line())
    dense = r.reverse.toarray()
    a, b, c = _at(r, 0, 1, 2)
    assert dense[b, a] == pytest.approx(10.0)  # edge 0 -> 1 stored at (1, 0)
    assert dense[c, b] == pytest.approx(5.0)
    assert dense[a, b] == 0.0


def test_parallel_edges_keep_the_fastest_and_self_loops_go():
    g = _line()
    g.add_edge(0, 1, osmid=9, length=100.0, travel_time=4.0)
    g.add_edge(1, 1, osmid=10, length=1.0, travel_time=1.0)
    r = RoutingGraph.from_graph(g)
    a, b = _at(r, 0, 1)
    assert r.reverse[b, a] == pytest.approx(4.0)
    assert r.reverse[b, b] == 0.0
    assert r.n_edges == 4


def test_zero_time_edges_stay_connected():
    g = _line()
    g.edges[0, 1, 0]["travel_time"] = 0.0
    r = RoutingGraph.from_graph(g)
    ((_, rows),) = list(shortest_times(r, np.array(_at(r, 2)), np.array(_at(r, 0, 1, 2))))
    assert rows[0].tolist() == pytest.approx([5.0, 5.0, 0.0], abs=1e-5)


def test_missing_or_negative_time_is_a_network_error():
    g = _line()
    g.edges[0, 1, 0]["travel_time"] = -1.0
    del g.edges[1, 2, 0]["travel_time"]
    with pytest.raises(NetworkError, match=r"2 of 2 edges have no usable 'travel_time'"):
        RoutingGraph.from_graph(g)


def test_largest_strongly_connected_component():
    g = make_graph(
        [(0, 1, 10), (1, 2, 10), (2, 0, 10)],
        {0: (0, 0), 1: (10, 0), 2: (5, 5), 3: (50, 50)},
        two_way=False,
    )
    g.add_edge(2, 3, osmid=7, length=10.0, travel_time=1.0)  # 3 is a dead end: its own component
    r = RoutingGraph.from_graph(g)
    assert r.in_largest[list(_at(r, 0, 1, 2, 3))].tolist() == [True, True, True, False]


def test_snap_tree_in_another_crs():
    r = RoutingGraph.from_graph(
        make_graph([(0, 1, 100)], {0: (530000, 180000), 1: (530100, 180000)})
    )
    usable, tree = r.snap_tree(pyproj.CRS("EPSG:3857"))
    assert sorted(usable.tolist()) == [0, 1]
    assert tree.data[0, 0] == pytest.approx(-14_290, abs=50)  # London, west of Greenwich
    assert r.snap_tree(pyproj.CRS("EPSG:3857"))[1] is tree  # cached


def test_blocks_cover_every_source_once():
    g = make_graph([(i, i + 1, 10.0) for i in range(9)], {i: (10.0 * i, 0) for i in range(10)})
    r = RoutingGraph.from_graph(g)
    sources = np.array(_at(r, *range(10)))
    blocks = list(shortest_times(r, sources, sources, block_bytes=8 * 10 * 3))
    assert [start for start, _ in blocks] == [0, 3, 6, 9]
    full = np.vstack([rows for _, rows in blocks])
    expected = np.abs(np.subtract.outer(np.arange(10), np.arange(10))) * 1.0
    assert np.allclose(full, expected)


def test_nodes_are_numbered_along_a_space_filling_curve():
    rng = np.random.default_rng(3)
    coords = {int(i): (10.0 * (i % 20), 10.0 * (i // 20)) for i in rng.permutation(400)}
    edges = [(a, a + 1, 10.0) for a in range(400) if a % 20 != 19] + [
        (a, a + 20, 10.0) for a in range(380)
    ]
    r = RoutingGraph.from_graph(make_graph(edges, coords))
    steps = np.hypot(*np.diff(r.xy, axis=0).T)
    assert np.median(steps) <= 10.0  # consecutive positions are neighbours, not random nodes
    shuffled = np.hypot(*np.diff(np.array(list(coords.values())), axis=0).T)
    assert np.median(shuffled) > 50.0
    a, b = _at(r, 0, 399)
    ((_, rows),) = list(shortest_times(r, np.array([a]), np.array([b])))
    assert rows[0, 0] == pytest.approx((19 + 19) * 1.0)  # 38 edges of 1 s


def test_nodes_without_coordinates():
    g = _line()
    g.nodes[1]["x"] = float("nan")
    with pytest.raises(NetworkError, match="1 graph nodes have no finite x/y"):
        RoutingGraph.from_graph(g)
