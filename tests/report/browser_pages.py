"""Helpers of the browser tests: headless Chromium, one page opened offline, layout checks.

Every request that is not a local file is aborted. The only ones the pages may make are
basemap tiles (the map must work without them), so the only console errors allowed are those
aborted tile loads. Pages open in a 1400x900 window (a laptop screen). Screenshots go to
tests/artifacts/ (git-ignored).
"""

import json
import re
import time

from report_fixtures import ARTIFACTS

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1400, "height": 900}
TILES = re.compile(r"^https://([a-d]\.basemaps\.cartocdn\.com|tile\.openstreetmap\.org)/")


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
        self.page = browser.new_page(viewport=VIEWPORT)
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


def save_artifacts(page, name, seconds):
    """Save a screenshot and the page's load time in tests/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    timings = ARTIFACTS / "browser_timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data[name] = round(seconds, 3)
    timings.write_text(json.dumps(data, indent=2, sort_keys=True))


def boxes_apart(a, b):
    """Whether two bounding boxes (Playwright's x, y, width, height) do not intersect."""
    return (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def inside(a, b):
    """Whether box ``a`` lies within box ``b`` (1 px of rounding allowed)."""
    return (
        a["x"] >= b["x"] - 1
        and a["y"] >= b["y"] - 1
        and a["x"] + a["width"] <= b["x"] + b["width"] + 1
        and a["y"] + a["height"] <= b["y"] + b["height"] + 1
    )


def check_controls_leave_the_area_visible(page):
    """The layer control and legend sit in the side panel beside the map, never over the area.

    The panel fits the screen and scrolls when a run has many sites to list; each control,
    scrolled to, is whole on screen.
    """
    screen = {"x": 0, "y": 0, **VIEWPORT}
    area = page.locator("#gp-map").bounding_box()
    outline = page.locator("path.gp-outline").bounding_box()
    assert inside(outline, area)  # the whole study area is in view
    side = page.locator(".gp-side").bounding_box()
    assert inside(side, screen) and boxes_apart(side, area)
    for selector in (".leaflet-control-layers", ".gp-legend"):
        control = page.locator(selector)
        assert inside(control.bounding_box(), side) or side_scrolls(page), selector
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert inside(box, screen), selector
        assert boxes_apart(box, area), selector
    assert inside(page.locator("#gp-map").bounding_box(), area)  # scrolling moved no map


def side_scrolls(page) -> bool:
    """Tell whether the side panel holds more than it shows (and so scrolls)."""
    return bool(
        page.evaluate("(e => e.scrollHeight > e.clientHeight)(document.querySelector('.gp-side'))")
    )
