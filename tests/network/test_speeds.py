import math

import networkx as nx
import pytest

from gateway_planner.errors import InputError
from gateway_planner.network.speeds import DEFAULT_SPEEDS, add_speeds, speed_table


def _graph():
    g = nx.MultiDiGraph(crs="EPSG:27700")
    for n, x in enumerate([0, 100, 200, 300, 400]):
        g.add_node(n, x=float(x), y=0.0)
    g.add_edge(0, 1, osmid=1, length=100.0, highway="residential", maxspeed="20")
    g.add_edge(1, 2, osmid=2, length=100.0, highway="residential")
    g.add_edge(2, 3, osmid=3, length=100.0, highway=["primary", "secondary"])
    g.add_edge(3, 4, osmid=4, length=100.0, highway="steps", maxspeed="30 mph")
    return g


def test_table_applies_overrides_and_keeps_defaults():
    table = speed_table("drive", {"residential": 25})
    assert table["residential"] == 25.0
    assert table["primary"] == DEFAULT_SPEEDS["drive"]["primary"]
    assert list(table) == sorted(table)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), True, "fast"])
def test_zero_negative_or_non_numeric_speed_is_refused(bad):
    with pytest.raises(
        InputError, match=r"speeds\.walk\.steps: the walk speed .* Fix: give a speed above 0"
    ):
        speed_table("walk", {"steps": bad})


def test_drive_uses_maxspeed_where_tagged_else_the_class_table():
    g = _graph()
    used = add_speeds(g, "drive", speeds={"residential": 25.0})
    speeds = {d["osmid"]: d["speed_kph"] for *_, d in g.edges(data=True)}
    assert speeds[1] == pytest.approx(20.0)  # tagged
    assert speeds[2] == pytest.approx(25.0)  # class override
    assert speeds[3] == pytest.approx(DEFAULT_SPEEDS["drive"]["primary"])  # first of a list
    assert speeds[4] == pytest.approx(30 * 1.609344, rel=1e-4)  # mph converted by osmnx
    assert used["residential"] == 25.0
    times = {d["osmid"]: d["travel_time"] for *_, d in g.edges(data=True)}
    assert times[2] == pytest.approx(100.0 / (25.0 / 3.6))


def test_walk_ignores_maxspeed_and_honours_class_overrides():
    g = _graph()
    add_speeds(g, "walk", speeds={"steps": 2.4})
    speeds = {d["osmid"]: d["speed_kph"] for *_, d in g.edges(data=True)}
    assert speeds == {1: 4.8, 2: 4.8, 3: 4.8, 4: 2.4}
    times = {d["osmid"]: d["travel_time"] for *_, d in g.edges(data=True)}
    assert times[4] == pytest.approx(150.0)


def test_unusable_tagged_speed_falls_back_to_the_class(caplog):
    g = _graph()
    g.edges[0, 1, 0]["maxspeed"] = "0"
    add_speeds(g, "drive")
    data = g.edges[0, 1, 0]
    assert data["speed_kph"] == DEFAULT_SPEEDS["drive"]["residential"]
    assert math.isfinite(data["travel_time"])
    assert "unusable speed" in caplog.text
