"""Aligned comparison tables, the journey-time difference layer, and compare()'s outputs.

Two options on one 3x3 grid (1 km cells, 10 min a step): A is today's site; option "ab" opens
B in the far corner, option "ac" opens C in the south-east corner.
"""

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gateway_planner import compare, comparison_table, journey_time_difference
from gateway_planner.area import Area
from gateway_planner.config import Scenario
from gateway_planner.demand import CustomerGroup
from gateway_planner.evaluate import evaluate
from gateway_planner.report import KEY_FIGURES, SITE_FIGURES, ScenarioView
from gateway_planner.scenario import RunResult

GROUP = CustomerGroup(
    id="g",
    name="Everyone",
    description="",
    channels={"face_to_face": 1.0, "phone": 0.0, "web": 0.0},
    visits_per_person_year=1.0,
    modes={"drive": 1.0},
    source="assumed: test",
)
SUMMARY = {
    "network": {"kind": "proxy", "label": "proxy network"},
    "sources": ["Synthetic grid"],
    "assumptions": ["Groups are assumed"],
    "software": {"gateway_planner": "test"},
}


def _inputs(x0=590_000):
    ids = [f"{i}{j}" for i in range(3) for j in range(3)]
    cells = gpd.GeoDataFrame(
        {"population": 100.0, "share__g": 1.0},
        geometry=[
            shapely.box(x0 + j * 1000, 170_000 + i * 1000, x0 + j * 1000 + 1000, 171_000 + i * 1000)
            for i in range(3)
            for j in range(3)
        ],
        index=pd.Index(ids, name="cell_id"),
        crs=27700,
    )
    sites = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"], "status": ["existing", "candidate", "candidate"]},
        geometry=[
            shapely.Point(x0 + 500, 170_500),
            shapely.Point(x0 + 2500, 172_500),
            shapely.Point(x0 + 2500, 170_500),
        ],
        index=pd.Index(["A", "B", "C"], name="site_id"),
        crs=27700,
    )
    steps = np.array(
        [[i + j, 4 - i - j, i + 2 - j] for i in range(3) for j in range(3)], dtype=float
    )
    return cells, sites, {"g": 10.0 * steps}


def _view(name, open_sites, x0=590_000):
    cells, sites, times = _inputs(x0)
    w = np.full((9, 1), 100.0)
    current = evaluate(cells, sites, [GROUP], w, times, ["A"], existing=["A"])
    proposed = evaluate(cells, sites, [GROUP], w, times, list(open_sites), existing=["A"])
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(x0, 170_000, x0 + 3000, 173_000)], crs=27700)
    return ScenarioView(name, f"Option {name}", current, proposed, [GROUP], boundary, SUMMARY, ())


def _result(view):
    cells, sites, _times = _inputs()
    area = Area(
        id="test",
        name="Test",
        crs=cells.crs,
        boundary=view.boundary,
        cells=cells,
        sites=sites,
        groups=[GROUP],
    )
    scenario = Scenario.model_validate(
        {"name": view.name, "title": view.title, "area": {"pilot": "swale"}}
    )
    return RunResult(
        scenario=scenario,
        area=area,
        weights=np.full((9, 1), 100.0),
        networks={},
        times=None,
        problem=None,
        solution=None,
        current=view.current,
        proposed=view.proposed,
        summary=SUMMARY,
        folder=None,
    )


@pytest.fixture
def views():
    return [_view("ab", ["A", "B"]), _view("ac", ["A", "C"])]


def test_group_table_aligns_states_and_deltas(views):
    table = comparison_table(views)
    assert list(table.index.names) == ["group", "figure"]
    assert table.index[0] == ("all", "people")
    assert tuple(table.loc["all"].index) == KEY_FIGURES  # the report's one list, in its order
    assert list(dict.fromkeys(g for g, _ in table.index)) == ["all", "g"]
    # today (A only): minutes 0 10 20 / 10 20 30 / 20 30 40 -> mean 20
    assert table.loc[("g", "mean_minutes"), "ab today"] == pytest.approx(20.0)
    # ab: 0 10 20 / 10 20 10 / 20 10 0 -> 100/9; ac: 0 10 0 / 10 20 10 / 20 30 20 -> 120/9
    assert table.loc[("g", "mean_minutes"), "ab proposed"] == pytest.approx(100 / 9)
    assert table.loc[("g", "mean_minutes"), "ac proposed"] == pytest.approx(120 / 9)
    assert table.loc[("g", "mean_minutes"), "ab change"] == pytest.approx(100 / 9 - 20)
    assert table.loc[("g", "mean_minutes"), "ac vs ab (proposed)"] == pytest.approx(20 / 9)
    # within 15 min: today 0 10 10 of 9 cells; ab 0 10 10 10 10 0; ac 0 10 0 10 10
    within = table.loc[("g", "pct_within_15")]
    assert within["ab today"] == within["ac today"] == pytest.approx(100 * 3 / 9)
    assert within["ab proposed"] == pytest.approx(100 * 6 / 9)
    assert within["ac proposed"] == pytest.approx(100 * 5 / 9)
    assert within["ab change"] == pytest.approx(100 * 3 / 9)
    assert within["ac vs ab (proposed)"] == pytest.approx(-100 / 9)
    # within 30 min: everyone but the far corner today (40 min), everyone with either option
    assert table.loc[("g", "pct_within_30"), "ab today"] == pytest.approx(100 * 8 / 9)
    assert table.loc[("g", "pct_within_30"), "ac proposed"] == pytest.approx(100.0)
    assert ("g", "pct_within_10") not in table.index  # only the key figures are aligned
    assert table.loc[("g", "gini"), "name"] == "Everyone"
    flipped = comparison_table(views, baseline=1)
    assert flipped.loc[("g", "mean_minutes"), "ab vs ac (proposed)"] == pytest.approx(-20 / 9)


def test_site_table_aligns_sites_by_id(views):
    table = comparison_table(views, by="site")
    assert list(table.index.names) == ["site", "figure"]
    assert tuple(table.loc["A"].index) == SITE_FIGURES
    assert table.loc[("A", "visits"), "ab proposed"] == 600
    assert table.loc[("A", "visits"), "ab today"] == 900
    assert table.loc[("B", "visits"), "ab proposed"] == 300
    assert np.isnan(table.loc[("B", "visits"), "ac proposed"])  # B is not open in option ac
    assert table.loc[("C", "mean_minutes"), "ac proposed"] == pytest.approx(10.0)  # 10 0 20 -> 30/3


def test_bad_comparisons_are_reported(views):
    with pytest.raises(ValueError, match=r"baseline 2 is not one of the 2 scenarios.*from 0 to 1"):
        comparison_table(views, baseline=2)
    with pytest.raises(ValueError, match=r"scenario names repeat: \['ab', 'ab'\]"):
        comparison_table([views[0], views[0]])
    with pytest.raises(ValueError, match="cannot compare by 'cell'"):
        comparison_table(views, by="cell")
    with pytest.raises(ValueError, match="compare needs two or more scenarios, got 1"):
        compare(views[:1], folder="unused")


def test_difference_layer_only_for_shared_cells(views):
    diff = journey_time_difference(views[0].proposed, views[1].proposed)
    assert diff.loc["02", "change"] == pytest.approx(-20.0)  # C sits in cell 02
    assert diff.loc["22", "change"] == pytest.approx(20.0)
    assert diff.loc["00", "change"] == 0
    assert diff.loc["22", "site_base"] == "B" and diff.loc["22", "site_other"] == "C"
    elsewhere = _view("far", ["A", "B"], x0=400_000)
    assert journey_time_difference(views[0].proposed, elsewhere.proposed) is None


def test_compare_writes_every_output_of_every_run(views, tmp_path):
    runs = [_result(v) for v in views]
    table, results = compare(runs, folder=tmp_path / "cmp")
    assert len(results) == 2 and all(a is b for a, b in zip(results, runs, strict=True))
    out = tmp_path / "cmp"
    assert sorted(p.name for p in out.iterdir()) == [
        ".gateway-planner.json",
        "ab",
        "ac",
        "briefing.pdf",
        "briefing.png",
        "comparison.csv",
        "comparison.gpkg",
        "comparison.html",
        "comparison_sites.csv",
    ]
    for name in ("ab", "ac"):
        assert {"map.html", "briefing.pdf", "summary.json", "catchments.gpkg"} <= {
            p.name for p in (out / name).iterdir()
        }
    assert json.loads((out / "ab" / "summary.json").read_text())["sources"] == ["Synthetic grid"]
    # the runs' table is the one their views give, and comparison.csv holds it (4 decimals)
    pd.testing.assert_frame_equal(table, comparison_table(views))
    assert [r.scenario.name for r in results] == ["ab", "ac"]
    assert table.loc[("g", "mean_minutes"), "ac vs ab (proposed)"] == pytest.approx(20 / 9)
    csv = pd.read_csv(out / "comparison.csv", index_col=[0, 1])
    assert csv.loc[("g", "mean_minutes"), "ac vs ab (proposed)"] == pytest.approx(20 / 9, abs=1e-4)
    assert list(csv.index) == list(table.index) and list(csv.columns) == list(table.columns)
    assert (csv["name"] == table["name"]).all()
    numbers = table.drop(columns="name").astype(float)
    np.testing.assert_allclose(csv[numbers.columns].to_numpy(), numbers.to_numpy(), atol=5e-5)
    pdf = (out / "briefing.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 3  # each option, then the comparison
    html = (out / "comparison.html").read_text()
    assert html.count("class='gp-map'") == 2 and "minutes-vs-baseline" in html
    # each run's own map carries the notices its summary calls for (proxy network, assumptions)
    page = (out / "ac" / "map.html").read_text()
    assert page.count("<div class='gp-banner'>") == 2 and "Proxy network: journey times" in page
    assert "<h1>Option ac</h1>" in page
