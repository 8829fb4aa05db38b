"""network/base.py: the Network of one mode, built from a graph or from routing arrays, described.

(Not test_base.py: tests/locate/test_base.py has that name, and pytest needs unique ones.)
"""

import numpy as np
from network_helpers import TINY_CRS, make_graph, make_network, make_points

from gateway_planner.network import Mode, Network, RoutingGraph, describe_network, travel_times


def _grid():
    coords = {i: (100.0 * (i % 4), 100.0 * (i // 4)) for i in range(16)}
    edges = [(i, i + 1, 100.0) for i in range(16) if i % 4 != 3]
    edges += [(i, i + 4, 120.0) for i in range(12)]
    return make_graph(edges, coords)


def test_a_network_from_routing_arrays_routes_like_the_one_from_its_graph():
    graph = _grid()
    routing = RoutingGraph.from_graph(graph)
    net = Network.from_routing(routing, mode="Drive", kind="file", provenance={"kind": "file"})
    assert net.routing is routing
    assert net.mode is Mode.DRIVE and net.kind == "file"
    assert net.graph.number_of_nodes() == 0 and net.graph.graph["crs"] == TINY_CRS
    cells = make_points([(10, 10), (290, 310), (150, 200)], prefix="c", square_m=20)
    sites = make_points([(0, 300), (300, 0)], prefix="s")
    from_arrays = travel_times({"drive": net}, cells, sites).for_mode("drive")
    from_graph = travel_times({"drive": make_network(graph)}, cells, sites).for_mode("drive")
    assert np.array_equal(from_arrays, from_graph)
    info = describe_network(net)
    assert (info["nodes"], info["edges"]) == (16, graph.number_of_edges())
    assert info["largest_component_share"] == 1.0
    assert info["length_km"] == 0.0  # no graph: its edges' lengths are unknown


def test_describe_a_network_from_its_graph():
    net = make_network(_grid(), "walk", kind="proxy")
    info = describe_network(net)
    assert info["mode"] == "walk" and info["kind"] == "proxy" and info["crs"] == TINY_CRS
    assert info["length_km"] == (12 * 100.0 + 12 * 120.0) * 2 / 1000.0
    assert info["provenance"] == {"kind": "proxy"}
