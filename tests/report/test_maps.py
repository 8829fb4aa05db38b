"""map.html is one self-contained, escaped, reproducible file (the browser tests drive it)."""

import re

from report_fixtures import BANNERS, XSS_GROUP, XSS_SITE

from gateway_planner.report import ScenarioView
from gateway_planner.report.maps import write_map


def _write(run, path):
    view = ScenarioView("swale", "Swale <pilot>", *run, {"sources": ["Synthetic & co"]}, BANNERS)
    return write_map(path, view)


def test_map_is_self_contained_and_escaped(run, tmp_path):
    text = _write(run, tmp_path / "map.html").read_text()
    # nothing is loaded from elsewhere: no external script, stylesheet, frame or font
    assert not re.search(r"<(script|link|iframe|img)[^>]+(src|href)=", text)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "Leaflet 1.9" in text and "gpViewer" in text
    # hostile names never appear raw; the title and banners are escaped
    assert XSS_SITE not in text and XSS_GROUP not in text
    assert "<h1>Swale &lt;pilot&gt;</h1>" in text
    assert "<title>Swale &lt;pilot&gt;</title>" in text
    assert "Proxy network: journey times are estimated." in text
    assert "<li>Synthetic &amp; co</li>" in text
    assert text.count("<script>") == 3  # Leaflet, the viewer, the start-up call


def test_map_is_byte_identical_on_rerun(run, tmp_path):
    assert (
        _write(run, tmp_path / "a.html").read_bytes()
        == _write(run, tmp_path / "b.html").read_bytes()
    )


def test_the_headline_panel_states_the_recommendation_and_explains_the_gini_once(run, tmp_path):
    text = _write(run, tmp_path / "map.html").read_text()
    assert (
        "<p class='gp-headline-text'>Open a new site at &lt;script&gt;alert(1)&lt;/script&gt;, "
        "Test area: mean journey 21 min → 12 min; face-to-face visits within 30 min 83 % → "
        "100 % (+17 pts).</p>"
    ) in text
    assert (
        "<li data-figure='gini'>" in text
        and "<span class='gp-change gp-worse'>+0.034</span>" in text
    )
    assert "<span class='gp-change gp-better'>+17 pts</span>" in text
    assert text.count("0 when every visit takes as long as every other") == 1
    # the layer control and legend go beside the map, not over it
    assert "<aside id='gp-controls' class='gp-side'></aside>" in text
    assert 'document.getElementById("gp-controls")' in text


def test_the_headline_panel_gives_the_mean_journey_by_mode(run, transit_run, tmp_path):
    text = _write(transit_run, tmp_path / "map.html").read_text()
    assert (
        "<li data-mode='bus'><span class='gp-key-label'>By bus</span> "
        "<span class='gp-today'>20 min</span> &rarr; <span class='gp-now'>15 min</span> "
        "<span class='gp-change gp-better'>−5 min</span> "
        "<span class='gp-mode-share'>(12 % of visits; 33 % board a bus)</span></li>"
    ) in text
    assert text.count("<li data-mode=") == 4
    assert "to the site their group&#x27;s mix of modes reaches fastest" in text
    plain = _write(run, tmp_path / "plain.html").read_text()
    assert "data-mode=" not in plain and "mix of modes" not in plain
