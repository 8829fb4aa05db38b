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
