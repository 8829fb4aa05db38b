"""map.html and comparison.html in headless Chromium with the network blocked (real browser).

See browser_pages.py for how pages are opened (offline, a laptop screen) and checked.
"""

import json
import re
from pathlib import Path

import pytest
import report_fixtures
from browser_pages import (
    Visit,
    check_controls_leave_the_area_visible,
    save_artifacts,
    wait_for,
)
from report_fixtures import (
    ARTIFACTS,
    BANNERS,
    SUMMARY,
    XSS_GROUP,
    XSS_SITE,
    build_run,
    chromium_or_skip,
)

from gateway_planner import comparison_table, journey_time_difference
from gateway_planner.report import ScenarioView, write_comparison_page, write_map

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def test_chromium_is_found_where_playwright_or_the_system_keeps_it(tmp_path, monkeypatch):
    own = tmp_path / "ms-playwright" / "chrome"
    own.parent.mkdir()
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)

    class Playwright:  # what the fixture reads of sync_playwright()
        class chromium:  # noqa: N801
            executable_path = str(own)

    assert chromium_or_skip(Playwright) == str(own)  # Playwright's own download first
    Playwright.chromium.executable_path = str(tmp_path / "not-installed")
    monkeypatch.setattr(report_fixtures, "CHROMIUM", str(own))
    monkeypatch.setattr(report_fixtures.shutil, "which", lambda name: None)
    assert chromium_or_skip(Playwright) == str(own)  # else the system one
    monkeypatch.setattr(report_fixtures, "CHROMIUM", str(tmp_path / "none"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        chromium_or_skip(Playwright)


def _write_map(run, path):
    return write_map(path, ScenarioView("synthetic", "Synthetic <run>", *run, SUMMARY, BANNERS))


def test_map_draws_layers_popups_and_escapes_offline(browser, run, tmp_path):
    path = _write_map(run, tmp_path / "map.html")
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpReady === '1'")
    page = visit.page
    # markers of today's and the proposed site; candidates start hidden
    assert page.locator("path.gp-site").count() == 2
    assert page.locator("path.gp-site-existing").count() == 1
    assert page.locator("path.gp-site-proposed").count() == 1
    assert page.locator("path.gp-catchment").count() == 2
    # the face-to-face demand of all groups is the layer shown first; a group's is built when shown
    assert page.evaluate("gp.map.hasLayer(gp.layers['demand-all'])") is True
    assert page.evaluate("gp.layers['demand-all'].getLayers().length") == 9
    assert page.evaluate("gp.map.hasLayer(gp.layers['demand-0'])") is False
    assert page.evaluate("gp.layers['demand-0'].getLayers().length") == 0
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".gp-banner").count() == 2

    # every overlay toggles from the layer control
    boxes = page.locator(".leaflet-control-layers-overlays input")
    n = boxes.count()
    assert n == page.evaluate("Object.keys(gp.overlays).length") == 11
    assert page.evaluate("gp.map.hasLayer(gp.overlays['Candidate sites'])") is False
    for i in range(n):
        before = page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])")
        boxes.nth(i).click()
        after = page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])")
        assert after is (not before), i
        boxes.nth(i).click()
        assert page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])") is before, i
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(f"Face-to-face demand: {XSS_GROUP}" in label for label in labels)
    page.locator("label", has_text=f"Face-to-face demand: {XSS_GROUP}").locator("input").click()
    assert page.evaluate("gp.layers['demand-1'].getLayers().length") == 9
    page.locator("label", has_text="Candidate sites").locator("input").click()
    assert page.locator("path.gp-site").count() == 3
    page.locator("label", has_text="Journey time with the proposed sites").locator("input").click()
    legend = page.locator(".gp-legend-surface", has_text="Journey time with the proposed sites")
    assert legend.is_visible()

    # the popup of site A shows its figures today and with the proposed site
    page.locator("path[data-site-id='A']").click()
    popup = page.locator(".leaflet-popup-content")
    assert popup.locator(".gp-popup-title").inner_text() == "Sheerness Gateway & <Co>"
    assert popup.locator("td.gp-visits").all_inner_texts() == ["900", "600"]
    assert popup.locator("td.gp-load-pct").all_inner_texts() == ["188 %", "125 %"]
    # the popup has faded in before the screenshot
    wait_for(page, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    save_artifacts(page, "map", visit.seconds)

    # the hostile site name is shown as text and runs nothing
    page.evaluate("gp.map.closePopup()")
    page.locator(".leaflet-popup").wait_for(state="detached")
    page.locator("path[data-site-id='B']").click()
    assert page.locator(".leaflet-popup-content .gp-popup-title").inner_text() == XSS_SITE
    assert page.evaluate("document.querySelectorAll('script:not([type])').length") == 3
    assert page.evaluate("document.querySelectorAll('img[onerror], script[src]').length") == 0

    # a click on a cell of the demand layer explains the cell (through the catchment outline)
    page.evaluate("gp.map.closePopup()")
    page.locator(".leaflet-popup").wait_for(state="detached")
    proposed = run[1]
    centre = proposed.cells.geometry.centroid.to_crs(4326).loc["12"]
    box = page.locator("#gp-map").bounding_box()
    point = page.evaluate(f"gp.map.latLngToContainerPoint([{centre.y}, {centre.x}])")
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    rows = page.locator(".gp-cell tr").all_inner_texts()
    assert "cell\t12" in rows
    assert f"site proposed\t{XSS_SITE}, Test area" in rows  # named with its place
    assert "minutes today\t31.2" in rows and "minutes proposed\t11.2" in rows
    visit.check_clean()
    page.close()


def test_comparison_page_moves_maps_together_offline(browser, tmp_path):
    views = []
    for name, sites in (("ab", ("A", "B")), ("ac", ("A", "C"))):
        current, proposed, groups, boundary = build_run(open_sites=sites)
        views.append(
            ScenarioView(
                name,
                f"Option {name.upper()}",
                current,
                proposed,
                groups,
                boundary,
                SUMMARY,
                BANNERS,
            )
        )
    change = journey_time_difference(views[0].proposed, views[1].proposed)["change"].to_numpy()
    path = write_comparison_page(
        tmp_path / "comparison.html",
        views,
        tables={
            "By customer group": comparison_table(views),
            "By site": comparison_table(views, by="site"),
        },
        changes={"ac": change},
    )
    visit = Visit(browser, path, "window.gpMaps && window.gpMaps.length === 2")
    page = visit.page
    assert page.locator(".gp-map").count() == 2
    assert page.locator("#map-0 path.gp-site").count() == 2
    assert page.locator("#map-1 path.gp-site").count() == 2
    assert page.locator("#map-1 path.gp-site-proposed").count() == 1
    assert page.locator(".gp-map path.gp-catchment").count() == 4
    assert page.evaluate("'minutes-vs-baseline' in gpMaps[1].layers") is True
    assert page.evaluate("'minutes-vs-baseline' in gpMaps[0].layers") is False
    # moving one map moves the other
    page.evaluate("gpMaps[0].map.setView([51.40, 0.75], 12, {animate: false})")
    center = page.evaluate(
        "[gpMaps[1].map.getCenter().lat, gpMaps[1].map.getCenter().lng, gpMaps[1].map.getZoom()]"
    )
    assert center == pytest.approx([51.40, 0.75, 12], abs=1e-6)
    tables = page.locator("table.gp-compare-table")
    assert tables.count() == 2
    assert XSS_SITE in tables.nth(1).inner_text()
    assert "Visits within 30 min" in tables.nth(0).inner_text()
    save_artifacts(page, "comparison", visit.seconds)
    visit.check_clean()
    page.close()


def test_maps_of_different_areas_zoom_together(browser, tmp_path):
    views = []
    for name, x0 in (("near", 590_000), ("far", 450_000)):
        current, proposed, groups, boundary = build_run(x0=x0)
        views.append(ScenarioView(name, name, current, proposed, groups, boundary, SUMMARY, ()))
    path = write_comparison_page(
        tmp_path / "comparison.html", views, tables={"By group": comparison_table(views)}
    )
    visit = Visit(browser, path, "window.gpMaps && window.gpMaps.length === 2")
    page = visit.page
    zooms = "gpMaps.map(function (v) { return v.map.getZoom(); })"
    assert len(set(page.evaluate(zooms))) == 1  # they start at one scale
    box = page.locator("#map-1").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = page.evaluate(zooms)
    page.evaluate(
        "window.gpZoomEnds = 0; gpMaps[1].map.on('zoomend', function () { gpZoomEnds++; })"
    )
    page.mouse.wheel(0, -300)  # a real wheel zoom on the second map
    # the zoom has ended on the second map, and the first followed it
    wait_for(page, "gpZoomEnds > 0 && gpMaps[0].map.getZoom() === gpMaps[1].map.getZoom()")
    after = page.evaluate(zooms)
    assert after[0] == after[1] > before[0]
    lng = "gpMaps.map(function (v) { return v.map.getCenter().lng; })"
    near, far = page.evaluate(lng)
    assert near - far > 1.5  # each map stays on its own area, 140 km apart
    visit.check_clean()
    page.close()


HEADLINE = (
    f"Open a new site at {XSS_SITE}, Test area: mean journey 21 min → 12 min; "
    "face-to-face visits within 30 min 83 % → 100 % (+17 pts)."
)


def test_map_states_the_recommendation_with_legends_that_fit_a_laptop_screen(
    browser, run, tmp_path
):
    path = _write_map(run, tmp_path / "map.html")
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpReady === '1'")
    page = visit.page
    assert page.locator(".gp-headline-text").inner_text() == HEADLINE
    figures = page.locator(".gp-key li")
    assert figures.locator(".gp-change").all_inner_texts() == [
        "−9 min",
        "+17 pts",
        "+33.3 pts",
        "−17.2",
        "+0.034",
    ]
    assert figures.locator(".gp-better").count() == 4
    worse = page.locator("li[data-figure='gini'] .gp-worse")  # journeys grow less equal
    assert worse.inner_text() == "+0.034"
    body = page.locator("body").inner_text()
    assert body.count("Inequality of journey times (Gini):") == 1  # explained once

    # the legend names the statuses present (no site closes here) and the catchments' sites
    statuses = page.locator(".gp-legend-sites div").all_inner_texts()
    assert [s.strip() for s in statuses] == ["Candidate site", "Existing site", "Proposed new site"]
    catchments = page.locator(".gp-legend-catchment")
    assert [c.strip() for c in catchments.all_inner_texts()] == [
        "Sheerness Gateway & <Co>",
        XSS_SITE,
    ]
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('path.gp-catchment'))"
        ".map(function (p) { return p.getAttribute('stroke'); })"
    )
    swatches = catchments.locator("rect").evaluate_all(
        "function (rects) { return rects.map(function (r) { return r.getAttribute('stroke'); }); }"
    )
    assert swatches == drawn and len(set(drawn)) == 2
    assert page.locator(".gp-legend-catchments").is_visible()
    page.locator("label", has_text="Catchments with the proposed sites").locator("input").click()
    assert not page.locator(".gp-legend-catchments").is_visible()  # no catchment layer shown
    page.locator("label", has_text="Catchments today").locator("input").click()
    assert page.locator(".gp-legend-catchments").is_visible()

    # the change layer is green where journeys get shorter, red where they get longer
    page.locator("label", has_text="Journey-time change").locator("input").click()
    legend = page.locator(".gp-legend-surface", has_text="Change in journey time")
    assert "green: faster, red: slower" in legend.inner_text()
    colours = page.evaluate(
        "(function () { var s = gp.layers['minutes-change']; var out = {};"
        " s.getLayers().forEach(function (l) { out[l.options.cell] = l.options.fillColor; });"
        " return out; })()"
    )
    change = page.evaluate(
        "JSON.parse(document.getElementById('gp-data').textContent).surfaces"
        ".filter(function (s) { return s.key === 'minutes-change'; })[0].values"
    )
    faster = [colours[str(i)] for i, v in enumerate(change) if v is not None and v < 0]
    same = [colours[str(i)] for i, v in enumerate(change) if v == 0]
    assert faster and all(c[1:3] < c[3:5] for c in faster)  # more green than red
    assert same and all(c == "#f7f7f7" for c in same)
    check_controls_leave_the_area_visible(page)
    save_artifacts(page, "map_headline", visit.seconds)
    visit.check_clean()
    page.close()


@pytest.mark.slow
def test_sweep_comparison_names_each_variant(browser, tmp_path):
    from gateway_planner import sweep

    text = (ROOT / "scenarios" / "sheerness.toml").read_text()
    scenario = tmp_path / "sheerness.toml"
    text = text.replace('"../data/', f'"{ROOT.as_posix()}/data/')  # the pilot's feed and zone
    scenario.write_text(text.replace('folder = "../outputs/', 'folder = "out/'))
    params = {"objective.new_sites": [1, 2], "demand.channel_shift": [0, -0.2]}
    sweep(scenario, params, folder=tmp_path / "grid")
    path = tmp_path / "grid" / "comparison.html"
    visit = Visit(browser, path, "window.gpMaps && window.gpMaps.length === 4")
    page = visit.page
    labels = [
        "1 new site, face-to-face visits as today",
        "1 new site, 20 % fewer face-to-face visits",
        "2 new sites, face-to-face visits as today",
        "2 new sites, 20 % fewer face-to-face visits",
    ]
    title = "Sheerness Gateway, Swale (Kent) — "
    headers = page.locator(".gp-panel h2").all_inner_texts()
    assert headers == [f"{title}{labels[0]} (baseline)", *(title + x for x in labels[1:])]
    headlines = page.locator(".gp-panel .gp-panel-headline").all_inner_texts()
    assert [h.split(" at ")[0] for h in headlines] == ["Open a new site"] * 2 + [
        "Open 2 new sites,"
    ] * 2
    columns = page.locator("table.gp-compare-table").first.locator("thead th").all_inner_texts()
    states = [c for c in columns if c.endswith((": today", ": proposed"))]
    assert states == [f"{label}: {state}" for label in labels for state in ("today", "proposed")]
    against = [c for c in columns if " vs " in c]
    assert against == [f"{label} vs {labels[0]} (proposed)" for label in labels[1:]]
    pdf = (tmp_path / "grid" / "briefing.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 4 + 2  # a page each, 2 comparison pages
    visit.check_clean()
    page.close()


@pytest.mark.slow
def test_swale_pilot_map_is_small_and_draws_every_site(browser, tmp_path):
    from gateway_planner import run_scenario
    from gateway_planner.scenario import demo_scenarios

    sheerness = next(p for p in demo_scenarios() if p.stem == "sheerness")
    result = run_scenario(sheerness, folder=tmp_path / "sheerness")
    path = tmp_path / "sheerness" / "map.html"
    size = path.stat().st_size
    assert size < 5_000_000, f"map.html is {size / 1e6:.1f} MB"
    assert {"briefing.pdf", "briefing.png", "catchments.gpkg", "summary.json"} <= {
        p.name for p in path.parent.iterdir()
    }
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpWhatif === 'ready'")
    page = visit.page
    # the what-if map draws every site, candidates too (a click on a marker switches it on)
    assert page.locator("path.gp-site").count() == len(result.proposed.sites)
    # its catchments are those of the sites switched on: the proposal's when it opens
    mains = page.evaluate("gp.whatif.report().cells.site")
    assert mains == [s or None for s in result.proposed.cells["site"]]
    assert len(set(mains) - {None}) == len(result.proposed.catchments)
    assert page.locator(".gp-banner", has_text="Proxy network").count() == 1
    # the recommendation in words: the new site with its place, the objective's own figures
    mean = (
        result.current.groups.loc["all", "mean_minutes"],
        result.proposed.groups.loc["all", "mean_minutes"],
    )
    within = (
        result.current.groups.loc["all", "pct_within_30"],
        result.proposed.groups.loc["all", "pct_within_30"],
    )
    (new,) = set(result.proposed.open_sites) - set(result.current.open_sites)
    name = result.proposed.sites.loc[new, "name"]
    assert page.locator(".gp-headline-text").inner_text() == (
        f"Open a new site at {name}: mean journey {mean[0]:.0f} min → "
        f"{mean[1]:.0f} min; face-to-face visits within 30 min {within[0]:.0f} % → "
        f"{within[1]:.0f} % (+{within[1] - within[0]:.0f} pts)."
    )
    assert page.locator(f"path[data-site-id='{new}']").count() == 1
    check_controls_leave_the_area_visible(page)
    cells = len(result.area.cells)
    page.locator("label", has_text="Journey time with the proposed sites").locator("input").click()
    assert page.evaluate("gp.layers['minutes-proposed'].getLayers().length") == cells
    save_artifacts(page, "swale_map", visit.seconds)
    timings = json.loads((ARTIFACTS / "browser_timings.json").read_text())
    timings["swale_map_bytes"] = size
    timings["swale_cells"] = cells
    (ARTIFACTS / "browser_timings.json").write_text(json.dumps(timings, indent=2, sort_keys=True))
    visit.check_clean()
    page.close()


MODE_LAYERS = [
    f"minutes-{mode}-{state}"
    for mode in ("drive", "walk", "bus", "on_demand")
    for state in ("today", "proposed")
]


def test_map_shows_the_journey_by_mode_in_figures_and_layers(browser, transit_run, tmp_path):
    path = _write_map(transit_run, tmp_path / "map.html")
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpReady === '1'")
    page = visit.page
    # the headline panel gives the mean journey by car, on foot, by bus and on-demand
    labels = page.locator(".gp-modes li .gp-key-label").all_inner_texts()
    assert labels == ["By car", "On foot", "By bus", "By on-demand minibus"]
    assert page.locator("li[data-mode='bus']").inner_text() == (
        "By bus 20 min → 15 min −5 min (12 % of visits; 33 % board a bus)"
    )
    assert page.locator("li[data-mode='drive'] .gp-better").inner_text() == "−9 min"
    assert page.locator(".gp-key li").count() == 5  # the key figures stay as they were
    check_controls_leave_the_area_visible(page)  # the drop-down takes one line of the panel

    # the layers by mode are chosen one at a time from a drop-down, not the layer control
    assert page.evaluate("Object.keys(gp.overlays).length") == 11
    assert not any(page.evaluate(f"gp.map.hasLayer(gp.layers['{k}'])") for k in MODE_LAYERS)
    select = page.locator("select.gp-menu-select")
    options = select.locator("option").all_inner_texts()
    assert options[:3] == ["none shown", "by car, today", "by car, proposed"]
    assert len(options) == 1 + len(MODE_LAYERS)
    page.locator("label", has_text="Face-to-face demand: all customer groups").locator(
        "input"
    ).click()  # the demand layer off: clicks reach the layer by mode
    for key, drawn, caption in (
        ("minutes-bus-proposed", 9, "Journey time by bus with the proposed sites, minutes"),
        ("minutes-on_demand-today", 3, "Journey time by on-demand minibus today, minutes"),
    ):
        select.select_option(key)
        shown = [k for k in MODE_LAYERS if page.evaluate(f"gp.map.hasLayer(gp.layers['{k}'])")]
        assert shown == [key]
        assert page.evaluate(f"gp.layers['{key}'].getLayers().length") == drawn
        legends = page.locator(".gp-legend-surface:visible").all_inner_texts()
        assert len(legends) == 1 and legends[0].startswith(caption)  # its own legend only
    # on-demand is drawn in the top row only (no visit goes by it elsewhere); a click on the
    # top middle cell gives its journey today, to A: 1.3 x 30 min by car + 15 min
    centre = transit_run[1].cells.geometry.centroid.to_crs(4326).loc["21"]
    box = page.locator("#gp-map").bounding_box()
    point = page.evaluate(f"gp.map.latLngToContainerPoint([{centre.y}, {centre.x}])")
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.locator(".gp-cell").inner_text()
    assert popup.startswith("Journey time by on-demand minibus today: 54.0 min")
    wait_for(page, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    save_artifacts(page, "map_by_mode", visit.seconds)
    page.evaluate("gp.map.closePopup()")
    select.select_option("")
    assert not any(page.evaluate(f"gp.map.hasLayer(gp.layers['{k}'])") for k in MODE_LAYERS)
    assert page.locator(".gp-legend-surface:visible").count() == 0
    visit.check_clean()
    page.close()
