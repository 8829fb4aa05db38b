"""map.html and comparison.html in headless Chromium with the network blocked (real browser).

Every request that is not a local file is aborted. The only ones the pages may make are
basemap tiles (the map must work without them), so the only console errors allowed are those
aborted tile loads. Screenshots go to tests/artifacts/ (git-ignored).
"""

import json
import re
import time

import pytest
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

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TILES = re.compile(r"^https://([a-d]\.basemaps\.cartocdn\.com|tile\.openstreetmap\.org)/")


@pytest.fixture(scope="module")
def browser():
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=ARGS)
        yield instance
        instance.close()


def wait_for(page, expression, timeout=10.0):
    """Poll a JavaScript expression from Python (the pages' CSP forbids the eval that
    Playwright's wait_for_function polls with)."""
    end = time.perf_counter() + timeout
    while not page.evaluate(expression):
        assert time.perf_counter() < end, f"timed out waiting for {expression}"
        page.wait_for_timeout(20)


class Visit:
    """One page opened offline, with everything it logged."""

    def __init__(self, browser, path, ready):
        self.errors, self.blocked, self.dialogs = [], [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        start = time.perf_counter()
        self.page.goto(path.resolve().as_uri())
        wait_for(self.page, ready)
        self.seconds = time.perf_counter() - start

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type != "error":
            return
        url = msg.location.get("url", "")
        if msg.text.startswith("Failed to load resource") and TILES.match(url):
            return  # a basemap tile we blocked
        self.errors.append(f"{msg.text} ({url})")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check_clean(self):
        assert self.errors == []
        assert self.dialogs == []
        assert all(TILES.match(u) for u in self.blocked), self.blocked


def _write_map(run, path):
    return write_map(path, ScenarioView("synthetic", "Synthetic <run>", *run, SUMMARY, BANNERS))


def _save(page, name, seconds):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    timings = ARTIFACTS / "browser_timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data[name] = round(seconds, 3)
    timings.write_text(json.dumps(data, indent=2, sort_keys=True))


def test_map_draws_layers_popups_and_escapes_offline(browser, run, tmp_path):
    path = _write_map(run, tmp_path / "map.html")
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpReady === '1'")
    page = visit.page
    # markers of today's and the proposed site; candidates start hidden
    assert page.locator("path.gp-site").count() == 2
    assert page.locator("path.gp-site-existing").count() == 1
    assert page.locator("path.gp-site-proposed").count() == 1
    assert page.locator("path.gp-catchment").count() == 2
    assert page.evaluate("gp.layers['demand-0'].getLayers().length") == 9
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".gp-banner").count() == 2

    # every overlay toggles from the layer control
    boxes = page.locator(".leaflet-control-layers-overlays input")
    n = boxes.count()
    assert n == page.evaluate("Object.keys(gp.overlays).length") == 10
    for i in range(n):
        before = page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])")
        boxes.nth(i).click()
        after = page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])")
        assert after is (not before), i
        boxes.nth(i).click()
        assert page.evaluate(f"gp.map.hasLayer(Object.values(gp.overlays)[{i}])") is before, i
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(f"Face-to-face demand: {XSS_GROUP}" in label for label in labels)
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
    page.wait_for_timeout(300)  # let the popup fade in before the screenshot
    _save(page, "map", visit.seconds)

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
    assert f"site proposed\t{XSS_SITE}" in rows
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
    _save(page, "comparison", visit.seconds)
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
    page.mouse.wheel(0, -300)  # a real wheel zoom on the second map
    wait_for(page, f"gpMaps[1].map.getZoom() > {before[1]}")
    page.wait_for_timeout(400)
    after = page.evaluate(zooms)
    assert after[0] == after[1] > before[0]
    lng = "gpMaps.map(function (v) { return v.map.getCenter().lng; })"
    near, far = page.evaluate(lng)
    assert near - far > 1.5  # each map stays on its own area, 140 km apart
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
    visit = Visit(browser, path, "document.getElementById('gp-map').dataset.gpReady === '1'")
    page = visit.page
    shown = result.proposed.sites["status"].isin(["existing", "proposed", "closed"]).sum()
    assert page.locator("path.gp-site").count() == shown
    assert page.locator("path.gp-catchment").count() == len(result.proposed.catchments)
    assert page.locator(".gp-banner", has_text="Proxy network").count() == 1
    cells = len(result.area.cells)
    page.locator("label", has_text="Journey time with the proposed sites").locator("input").click()
    assert page.evaluate("gp.layers['minutes-proposed'].getLayers().length") == cells
    _save(page, "swale_map", visit.seconds)
    timings = json.loads((ARTIFACTS / "browser_timings.json").read_text())
    timings["swale_map_bytes"] = size
    timings["swale_cells"] = cells
    (ARTIFACTS / "browser_timings.json").write_text(json.dumps(timings, indent=2, sort_keys=True))
    visit.check_clean()
    page.close()
