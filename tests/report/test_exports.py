"""catchments.gpkg, tables.csv, sites.csv and summary.json: content and byte-identical reruns."""

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest
from report_fixtures import SUMMARY, build_run

from gateway_planner.report import ScenarioView
from gateway_planner.report.exports import (
    cells_layer,
    figures_table,
    frame_to_csv,
    write_exports,
)


def test_figures_table_holds_groups_and_open_sites_of_both_states(run):
    current, proposed, _groups, _boundary = run
    table = figures_table(current, proposed)
    assert list(table.index.names) == ["state", "table", "id"]
    assert table.loc[("today", "site", "A"), "visits"] == 900
    assert table.loc[("proposed", "site", "A"), "visits"] == 600
    assert table.loc[("proposed", "site", "B"), "visits"] == 300
    assert ("today", "site", "B") not in table.index  # B is not open today
    assert table.loc[("proposed", "site", "A"), "load_pct"] == pytest.approx(125.0)
    assert np.isnan(table.loc[("proposed", "group", "all"), "load_pct"])
    assert table.loc[("proposed", "group", "all"), "mean_minutes"] == pytest.approx(
        proposed.groups.loc["all", "mean_minutes"]
    )
    assert table.columns[0] == "name"


def test_figures_table_has_rows_by_mode_after_the_others(transit_run):
    current, proposed, _groups, _boundary = transit_run
    table = figures_table(current, proposed)
    assert list(table.columns[-5:]) == [
        "visits_per_month",
        "capacity",
        "load_pct",
        "pct_of_visits",
        "pct_riding",
    ]
    tables = list(dict.fromkeys(table.index.get_level_values("table")))
    assert tables == [
        "group",
        "site",
        "group:drive",
        "group:walk",
        "group:bus",
        "group:on_demand",
        "site:drive",
        "site:walk",
        "site:bus",
        "site:on_demand",
    ]
    bus = table.loc[("proposed", "group:bus", "w")]
    assert bus["visits"] == pytest.approx(105.0) and bus["pct_of_visits"] == pytest.approx(140 / 3)
    assert bus["pct_riding"] == pytest.approx(100 / 3)
    assert bus["mean_minutes"] == pytest.approx(proposed.modes.loc[("w", "bus"), "mean_minutes"])
    assert table.loc[("today", "group:drive", "all"), "name"] == "All groups"
    # today only A is open: every on-demand visit (the top row's) goes there
    assert table.loc[("today", "site:on_demand", "A"), "visits"] == pytest.approx(15.0)
    assert table.loc[("proposed", "site:bus", "B"), "name"] == "<script>alert(1)</script>"
    assert table.loc[("proposed", "group", "w"), ["pct_of_visits", "pct_riding"]].isna().all()


def test_rows_by_mode_leave_the_other_rows_as_they_were():
    """A run with figures by car and on foot: its group and site rows are those of the same run
    without them, value for value; the rows by mode come after them."""
    plain = figures_table(*build_run()[:2])
    by_mode = figures_table(*build_run(modes="drive_walk")[:2])
    assert not plain.index.get_level_values("table").str.contains(":").any()
    kept = by_mode.loc[plain.index, plain.columns]
    pd.testing.assert_frame_equal(kept, plain)
    assert frame_to_csv(kept) == frame_to_csv(plain)
    # by mode: (g, drive), (w, walk) and all of each in both states; the open sites' 2 modes
    assert len(by_mode) == len(plain) + 2 * 4 + 1 * 2 + 2 * 2
    assert by_mode.loc[("proposed", "group:drive", "g"), "mean_minutes"] == pytest.approx(
        by_mode.loc[("proposed", "group", "g"), "mean_minutes"]
    )


def test_cells_layer_has_both_states_and_the_change(run):
    current, proposed, _groups, _boundary = run
    cells = cells_layer(current, proposed)
    assert cells.loc["22", "site_today"] == "A" and cells.loc["22", "site"] == "B"
    assert cells.loc["22", "minutes_change"] == pytest.approx(
        cells.loc["22", "minutes"] - cells.loc["22", "minutes_today"]
    )


def test_exports_are_complete_and_byte_identical_on_rerun(run, tmp_path):
    view = ScenarioView("test", "Test", *run, SUMMARY)
    first = write_exports(tmp_path / "a", view)
    second = write_exports(tmp_path / "b", view)
    assert [p.name for p in first] == ["catchments.gpkg", "tables.csv", "sites.csv", "summary.json"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    layers = dict(pyogrio.list_layers(first[0]))
    assert layers == {
        "cells": "Polygon",
        "catchments": "Polygon",
        "catchments_today": "Polygon",
        "sites": "Point",
    }
    cells = pyogrio.read_dataframe(first[0], layer="cells")
    assert len(cells) == 9 and {"cell_id", "site", "minutes", "minutes_today"} <= set(cells.columns)
    sites = pyogrio.read_dataframe(first[0], layer="sites")
    assert sites.set_index("site_id").loc["B", "name"] == "<script>alert(1)</script>"
    assert json.loads(first[3].read_text()) == json.loads(json.dumps(SUMMARY))
    text = first[1].read_text()
    assert text.startswith("state,table,id,name,") and "\r" not in text
    assert not list(tmp_path.glob("a/.*"))  # no temporary files left behind


def test_unreachable_minutes_become_null_in_the_geopackage(run, tmp_path):
    current, proposed, groups, boundary = run
    cells = proposed.cells.copy()
    cells.loc["22", "minutes"] = np.inf
    bad = type(proposed)(
        open_sites=proposed.open_sites,
        cells=cells,
        catchments=proposed.catchments,
        sites=proposed.sites,
        groups=proposed.groups,
    )
    view = ScenarioView("test", "Test", current, bad, groups, boundary)
    (gpkg, *_rest) = write_exports(tmp_path, view)
    read = pyogrio.read_dataframe(gpkg, layer="cells").set_index("cell_id")
    assert np.isnan(read.loc["22", "minutes"])


def test_the_geopackage_cells_have_the_minutes_by_mode(transit_run, tmp_path):
    view = ScenarioView("test", "Test", *transit_run, SUMMARY)
    (gpkg, *_rest) = write_exports(tmp_path, view)
    cells = pyogrio.read_dataframe(gpkg, layer="cells").set_index("cell_id")
    assert (
        cells.loc["22", "minutes_by_on_demand"] == 15
        and cells.loc["22", "minutes_by_on_demand_today"] == 67
    )
    assert np.isnan(cells.loc["00", "minutes_by_on_demand"])  # no visit goes by on-demand there
    assert cells.loc["12", "minutes_by_bus_today"] == 27 and cells.loc["12", "minutes_by_bus"] == 15
