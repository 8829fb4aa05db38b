import numpy as np
import pyproj
import pytest
from network_helpers import TINY_CRS, make_graph

from gateway_planner.errors import NetworkError
from gateway_planner.network import RoutingGraph
from gateway_planner.network._routing import JourneyEnds, kept_pruning, search_rows, start_legs


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
        speed_kmh=36.0,
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
    rows = search_rows(r.reverse, np.array(_at(r, 2)), np.array(_at(r, 0, 1, 2)), np.inf)
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
    rows = search_rows(r.reverse, np.array([a]), np.array([b]), np.inf)
    assert rows[0, 0] == pytest.approx((19 + 19) * 1.0)  # 38 edges of 1 s


def test_nodes_without_coordinates():
    g = _line()
    g.nodes[1]["x"] = float("nan")
    with pytest.raises(NetworkError, match="1 graph nodes have no finite x/y"):
        RoutingGraph.from_graph(g)


def test_from_arrays_gives_the_arrays_of_from_graph():
    rng = np.random.default_rng(5)
    coords = {int(i): (float(x), float(y)) for i, (x, y) in enumerate(rng.uniform(0, 500, (60, 2)))}
    edges = [(int(a), int(b), float(rng.uniform(10, 90))) for a, b in rng.integers(0, 60, (150, 2))]
    g = make_graph(edges, coords, two_way=False)
    g.add_edge(3, 7, osmid=99, length=5.0, travel_time=0.25)  # a parallel edge, faster or not
    from_graph = RoutingGraph.from_graph(g)
    nodes = list(g.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    uvt = [(index[u], index[v], t) for u, v, t in g.edges(data="travel_time")]
    tails, heads, seconds = (np.array(column) for column in zip(*uvt, strict=True))
    xy = np.array([coords[node] for node in nodes])
    from_arrays = RoutingGraph.from_arrays(
        xy, tails, heads, seconds, crs=TINY_CRS, node_ids=np.array(nodes)
    )
    assert from_arrays.node_ids.tolist() == from_graph.node_ids.tolist()
    assert np.array_equal(from_arrays.xy, from_graph.xy)
    assert (from_arrays.reverse != from_graph.reverse).nnz == 0
    assert from_arrays.reverse.indices.dtype == from_graph.reverse.indices.dtype
    assert from_arrays.crs.equals(from_graph.crs) and from_arrays.n_edges == from_graph.n_edges
    # without ids, the nodes are their positions
    plain = RoutingGraph.from_arrays(xy, tails, heads, seconds, crs=TINY_CRS)
    assert sorted(plain.node_ids.tolist()) == list(range(len(nodes)))
    with pytest.raises(NetworkError, match=r"1 of 2 edges have no usable 'travel_time'"):
        RoutingGraph.from_arrays(xy, [0, 1], [1, 2], [1.0, np.inf], crs=TINY_CRS)


def test_start_legs_take_the_best_leg_then_the_graph():
    coords = {i: (i * 100.0, 0.0) for i in range(5)}  # 0 - 1 - 2 - 3 - 4, 10 s a step
    r = RoutingGraph.from_graph(make_graph([(i, i + 1, 100.0) for i in range(4)], coords))
    n0, n1, n3, n4 = _at(r, 0, 1, 3, 4)
    # from node 0: on foot (0 s), or a 5 s leg straight to node 3; node 1 has no leg at all
    legs = start_legs(np.array([n0, n0]), np.array([n0, n3]), np.array([0.0, 5.0]), r.n_nodes)
    ends = JourneyEnds(snappable=np.ones(r.n_nodes, bool), destination=np.arange(r.n_nodes))
    assert ends.starts is None
    starts = legs[[n0, n1]]
    got = search_rows(r.reverse, np.array([n4]), np.array([n0, n1]), np.inf, starts=starts)
    assert got.tolist() == [[15.0, np.inf]]  # 5 s leg + 10 s, not 40 s on foot
    pruning = kept_pruning(r, np.array([n4]), np.zeros(1), np.array([n4]), np.zeros(1))
    cut = search_rows(
        pruning.reverse,
        (np.array([n4]), pruning.reach),
        np.array([n0, n1]),
        np.inf,
        pruning.potential,
        starts,
    )
    assert cut.tolist() == got.tolist()
    assert start_legs(np.array([0, 0]), np.array([1, 1]), np.array([7.0, 3.0]), 2)[0, 1] == 3.0
