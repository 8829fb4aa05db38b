import numpy as np
import pyproj
import pytest
from network_helpers import TINY_CRS, make_graph

from gateway_planner.network._routing import RoutingGraph
from gateway_planner.network.snapping import snap_points, snap_summary


@pytest.fixture
def routing():
    # a two-way square 0-1-2-3 plus node 4 reachable only one way (not in the largest component)
    g = make_graph(
        [(0, 1, 100), (1, 2, 100), (2, 3, 100), (3, 0, 100)],
        {0: (0, 0), 1: (100, 0), 2: (100, 100), 3: (0, 100), 4: (1000, 0)},
    )
    g.add_edge(1, 4, osmid=9, length=900.0, travel_time=90.0)
    return RoutingGraph.from_graph(g)


def test_points_snap_to_the_largest_component_only(routing):
    snap = snap_points(
        routing, np.array([[10, 5], [990, 0]]), crs=pyproj.CRS(TINY_CRS), max_snap_m=2000
    )
    assert snap.node.tolist() == [0, 1]  # node 4 is closer to the second point but unusable
    assert snap.distance_m == pytest.approx([np.hypot(10, 5), 890.0])
    assert snap.snapped.tolist() == [True, True]


def test_far_points_are_not_snapped(routing):
    snap = snap_points(
        routing, np.array([[50, 50], [5000, 0]]), crs=pyproj.CRS(TINY_CRS), max_snap_m=2000
    )
    assert snap.node[1] == -1 and routing.node_ids[snap.node[0]] == 0
    assert snap.snapped.tolist() == [True, False]
    assert snap.outside.tolist() == [False, True]


def test_summary_counts_quantiles_and_ids(routing):
    crs = pyproj.CRS(TINY_CRS)
    cells = snap_points(routing, np.array([[0, 10], [0, 30], [9000, 0]]), crs=crs, max_snap_m=2000)
    sites = snap_points(routing, np.array([[100, 0]]), crs=crs, max_snap_m=2000)
    summary = snap_summary(
        routing, cells, sites, cell_ids=["a", "b", "c"], site_ids=["s"], max_snap_m=2000
    )
    assert summary["cells_unreachable"] == 1
    assert summary["unreachable_cell_ids"] == ["c"]
    assert summary["cell_snap_m"]["max"] == pytest.approx(30.0)
    assert summary["cell_snap_m"]["p50"] == pytest.approx(20.0)
    assert summary["site_snap_m"]["max"] == 0.0
    assert summary["largest_component_share"] == pytest.approx(0.8)
