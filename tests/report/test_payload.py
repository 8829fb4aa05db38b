"""The map payload: compact shared geometry, escaped text, palettes and legends."""

import html
import json

import numpy as np
import pytest
import shapely
from report_fixtures import XSS_GROUP, XSS_SITE, build_run

from gateway_planner.report import ScenarioView
from gateway_planner.report._payload import (
    encode_geometry,
    scenario_payload,
    script_json,
    site_popup,
)
from gateway_planner.report._surface import change_surface, legend_svg, nice_ticks, surface


def test_script_json_cannot_close_the_script_element():
    text = script_json({"name": "</script><script>alert(1)</script>", "amp": "a & b"})
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "amp": "a & b"}


def test_geometry_is_rounded_flat_and_open():
    square = shapely.box(1.000001, 51.123456, 1.5, 51.5)
    (poly,) = encode_geometry(square)
    (ring,) = poly
    # four corners as lat, lng (the closing point dropped), rounded to 5 decimals
    assert ring == [51.12346, 1.5, 51.5, 1.5, 51.5, 1.0, 51.12346, 1.0]


def test_multipolygons_and_holes_keep_their_parts():
    holed = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    multi = shapely.MultiPolygon([holed, shapely.box(20, 20, 21, 21)])
    encoded = encode_geometry(multi)
    assert [len(p) for p in encoded] == [2, 1]
    assert encode_geometry(shapely.Polygon()) == []


def test_nice_ticks_and_legend():
    assert nice_ticks(0, 30) == [0, 10, 20, 30]
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(-20, 20) == [-20, -10, 0, 10, 20]
    svg = legend_svg(["#000000", "#ffffff"], 0, 30, none_colour="#4d4d4d")
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and ">30</text>" in svg
    assert "none" in svg


def test_site_popup_escapes_and_shows_both_states(run):
    current, proposed, _groups, _boundary = run
    html = site_popup("B", {"today": current.sites.loc["B"], "proposed": proposed.sites.loc["B"]})
    assert XSS_SITE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<th>proposed</th>" in html and "<th>today</th>" not in html  # B is new
    assert "<td class='gp-visits'>300</td>" in html
    html_a = site_popup("A", {"today": current.sites.loc["A"], "proposed": proposed.sites.loc["A"]})
    assert "<td class='gp-visits'>900</td><td class='gp-visits'>600</td>" in html_a
    assert "<td class='gp-load-pct'>188 %</td><td class='gp-load-pct'>125 %</td>" in html_a
    closed = site_popup("C", {"proposed": proposed.sites.loc["C"]})
    assert "Not open in this scenario" in closed


def test_scenario_payload_shares_geometry_and_escapes_text(run):
    current, proposed, _groups, _boundary = run
    data = scenario_payload(
        ScenarioView("t", "T <b>", *run, {"sources": ["a & b"]}, ["<i>proxy</i>"])
    )
    assert len(data["cells"]) == 9
    keys = [s["key"] for s in data["surfaces"]]
    assert keys == [
        "demand-all",
        "demand-0",
        "demand-1",
        "minutes-today",
        "minutes-proposed",
        "minutes-change",
    ]
    assert all(len(s["values"]) == 9 for s in data["surfaces"])
    assert [s["key"] for s in data["surfaces"] if s["show"]] == ["demand-all"]
    surfaces = dict(zip(keys, data["surfaces"], strict=True))
    # all groups' demand is the sum of the groups' (1 km² cells: visits a year per km²)
    assert surfaces["demand-all"]["values"] == [100.0] * 9
    assert surfaces["demand-0"]["values"] == [75.0] * 9
    change = dict(zip(keys, data["surfaces"], strict=True))["minutes-change"]["values"]
    expected = proposed.cells["minutes"] - current.cells["minutes"]
    assert change == pytest.approx(np.round(expected.to_numpy(), 1).tolist())
    assert [c["index"] for c in data["catchment_layers"][0]["catchments"]] == [0, 1]  # A, B
    assert [s["status"] for s in data["sites"]] == ["existing", "proposed", "candidate"]
    # the legend's statuses are those present; its catchments name their sites (escaped)
    assert data["status_order"] == ["candidate", "existing", "proposed"]
    assert set(data["statuses"]) == {"candidate", "existing", "proposed"}
    legend = data["catchment_legend"]
    assert [c["label_html"] for c in legend["items"]] == [
        "Sheerness Gateway &amp; &lt;Co&gt;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ]
    assert [c["colour"] for c in legend["items"]] == [
        c["colour"] for c in data["catchment_layers"][0]["catchments"]
    ]
    assert legend["more"] == 0
    # sites are named with the place that holds them; the id stays in the popup
    assert data["sites"][0]["name_html"] == "Sheerness Gateway &amp; &lt;Co&gt;, Test area"
    assert "Test area &middot; Existing site &middot; id A" in data["sites"][0]["popup_html"]
    text = json.dumps(data)
    assert XSS_SITE not in text and XSS_GROUP not in text
    assert data["title_html"] == "T &lt;b&gt;" and data["banners_html"] == [
        "&lt;i&gt;proxy&lt;/i&gt;"
    ]
    assert data["sources_html"] == ["a &amp; b"]
    assert data["sites"][1]["id"] == "B"  # raw ids only go to setAttribute


def test_a_change_of_nothing_is_the_neutral_colour_and_shorter_is_green():
    surface = change_surface("c", "Change", np.array([-10.0, 0.0, 10.0]), caption="c")
    palette, n = surface["palette"], len(surface["palette"])
    assert n % 2 == 1 and palette[n // 2] == "#f7f7f7"  # 0 sits exactly in the middle
    assert palette[0] == "#1a9850" and palette[-1] == "#b2182b"  # faster green, slower red
    assert (surface["vmin"], surface["vmax"]) == (-10.0, 10.0)


def test_closed_sites_enter_the_legend_only_when_a_site_closes():
    current, proposed, groups, boundary = build_run(open_sites=("B",))
    data = scenario_payload(ScenarioView("t", "T", current, proposed, groups, boundary))
    assert data["status_order"] == ["candidate", "closed", "proposed"]
    labels = [c["label_html"] for c in data["catchment_legend"]["items"]]
    assert labels == ["Sheerness Gateway &amp; &lt;Co&gt; (today only)", html.escape(XSS_SITE)]


def test_journey_time_by_mode_is_on_the_journey_time_scale_and_chosen_from_a_menu(transit_run):
    data = scenario_payload(ScenarioView("t", "T", *transit_run, {}))
    surfaces = {s["key"]: s for s in data["surfaces"]}
    keys = list(surfaces)
    assert keys[keys.index("minutes-change") + 1 :] == [
        f"minutes-{mode}-{state}"
        for mode in ("drive", "walk", "bus", "on_demand")
        for state in ("today", "proposed")
    ]
    menu = data["surface_menu"]
    assert [i["key"] for i in menu["items"]] == keys[keys.index("minutes-change") + 1 :]
    assert [i["label_html"] for i in menu["items"][:2]] == ["by car, today", "by car, proposed"]
    assert menu["items"][-1]["label_html"] == "by on-demand minibus, proposed"
    mix = surfaces["minutes-proposed"]
    for key in menu["items"]:
        s = surfaces[key["key"]]
        assert (s["vmax"], s["palette"], s["show"]) == (mix["vmax"], mix["palette"], False)
    assert surfaces["minutes-bus-today"]["values"] == [
        5.0,
        15.0,
        22.0,
        15.0,
        22.0,
        27.0,
        22.0,
        27.0,
        32.0,
    ]
    # on-demand serves the top row only: the other cells are not drawn (false), not unreachable
    assert surfaces["minutes-on_demand-proposed"]["values"] == [False] * 6 + [41.0, 28.0, 15.0]
    assert (
        "not drawn: no visit by on-demand minibus" in surfaces["minutes-on_demand-today"]["caption"]
    )
    assert surfaces["minutes-bus-proposed"]["name"] == "Journey time by bus with the proposed sites"


def test_no_menu_without_figures_by_mode_or_when_left_out(run, transit_run):
    assert scenario_payload(ScenarioView("t", "T", *run, {}))["surface_menu"] is None
    data = scenario_payload(ScenarioView("t", "T", *transit_run, {}), by_mode=False)
    assert data["surface_menu"] is None
    assert not any(s["key"].startswith("minutes-bus") for s in data["surfaces"])


def test_nan_is_left_undrawn_only_when_asked_and_unreachable_stays_grey():
    values = np.array([1.0, np.nan, np.inf])
    kept = surface("k", "K", values, colormap="viridis", vmin=0, vmax=1, unit="", caption="")
    skipped = surface(
        "k", "K", values, colormap="viridis", vmin=0, vmax=1, unit="", caption="", skip_nan=True
    )
    assert kept["values"] == [1.0, None, None]
    assert skipped["values"] == [1.0, False, None]
