import networkx as nx
import pytest

from gateway_planner.network import Mode
from gateway_planner.network._filters import FILTER_TAGS, filter_graph, usable_by


@pytest.mark.parametrize(
    ("tags", "drive", "walk"),
    [
        ({"highway": "residential"}, True, True),
        ({"highway": "footway"}, False, True),
        ({"highway": "steps"}, False, True),
        ({"highway": "motorway"}, True, False),
        ({"highway": "cycleway"}, False, False),
        ({"highway": "service", "service": "parking_aisle"}, False, True),
        ({"highway": "residential", "access": "private"}, False, False),
        ({"highway": "residential", "access": "private", "foot": "yes"}, False, True),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True, False),
        ({"highway": "primary", "sidewalk": "separate"}, True, False),
        ({"highway": "pedestrian", "area": "yes"}, False, False),
        ({"highway": ["footway", "residential"]}, False, True),
        ({"highway": "residential", "access": "private;delivery"}, False, False),
        ({"building": "yes"}, False, False),
    ],
)
def test_ways_per_mode(tags, drive, walk):
    assert usable_by(tags, Mode.DRIVE) is drive
    assert usable_by(tags, Mode.WALK) is walk


def test_filter_graph_drops_edges_and_orphan_nodes():
    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_edge(1, 2, highway="residential")
    g.add_edge(2, 3, highway="footway")
    assert filter_graph(g, Mode.DRIVE) == 1
    assert sorted(g.nodes) == [1, 2]


def test_filter_tags_are_the_tags_the_rules_and_speeds_read():
    assert FILTER_TAGS == (
        "access",
        "area",
        "foot",
        "highway",
        "junction",
        "maxspeed",
        "motor_vehicle",
        "motorcar",
        "name",
        "oneway",
        "service",
        "vehicle",
        "sidewalk",
        "sidewalk:both",
        "sidewalk:left",
        "sidewalk:right",
    )
