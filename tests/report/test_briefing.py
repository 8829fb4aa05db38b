"""Briefing pages: PDF and PNG written, one page each, readable, byte-identical on rerun; the
comparison of many variants split over pages with no text printed over other text."""

import itertools
import re

import pytest
from matplotlib.text import Text
from report_fixtures import BANNERS, SUMMARY, XSS_SITE, build_run

from gateway_planner import comparison_table
from gateway_planner.report import (
    ScenarioView,
    comparison_figure,
    comparison_figures,
    save_pages,
    scenario_figure,
    write_briefing,
)
from gateway_planner.report._labels import BETTER_COLOUR, WORSE_COLOUR


def _pages(pdf):
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


def _png_size(png):
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _write(run, folder, title="Swale: one new site ($5 budget)"):
    return write_briefing(folder, ScenarioView("swale", title, *run, SUMMARY, BANNERS))


def test_briefing_pdf_and_png_are_written_and_reproducible(run, tmp_path):
    pdf, png = _write(run, tmp_path / "a")
    assert (pdf.name, png.name) == ("briefing.pdf", "briefing.png")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and _pages(pdf) == 1
    assert b"CreationDate" not in data
    assert _png_size(png) == (1753, 1240)  # A4 landscape at 150 dpi
    pdf2, png2 = _write(run, tmp_path / "b")
    assert pdf2.read_bytes() == data
    assert png2.read_bytes() == png.read_bytes()


def test_the_pdf_renders_and_reads_as_the_page_says(run, tmp_path):
    """Rendered by PDFium (pypdfium2, from the test extra): no system tool needed."""
    import pypdfium2 as pdfium

    pdf, _png = _write(run, tmp_path)
    document = pdfium.PdfDocument(str(pdf))
    assert len(document) == 1
    page = document[0]
    pixels = page.render(scale=40 / 72).to_numpy()  # 40 dpi
    height, width = pixels.shape[:2]
    assert width > height > 200
    assert (pixels[..., :3] < 128).any(axis=-1).mean() > 0.01  # ink on the page
    text = " ".join(page.get_textpage().get_text_range().split())
    assert f"Open a new site at {XSS_SITE}, Test area: mean journey 21 min → 12 min;" in text
    assert "+33.3 pts" in text and "+0.034" in text
    assert text.count("Inequality of journey times (Gini): 0 when") == 1  # explained once
    document.close()


def test_changes_are_coloured_by_what_they_mean_for_residents(run):
    fig = scenario_figure(ScenarioView("swale", "Swale", *run, SUMMARY, BANNERS))
    colours = {t.get_text(): t.get_color() for t in _all_texts(fig) if t.get_text()[:1] in "+−"}
    assert colours["+33.3 pts"] == BETTER_COLOUR  # more visits within 15 minutes
    assert colours["−8.9"] == BETTER_COLOUR  # shorter mean journey
    assert colours["+0.034"] == WORSE_COLOUR  # less equal journeys


def test_the_briefing_has_the_journey_by_mode(transit_run, tmp_path):
    import pypdfium2 as pdfium

    pdf, _png = _write(transit_run, tmp_path)
    document = pdfium.PdfDocument(str(pdf))
    text = " ".join(document[0].get_textpage().get_text_range().split())
    document.close()
    assert "Journey by mode (today → proposed)" in text
    assert "By car 75 % 20.0 → 11.1 89 → 100 %" in text
    assert "By bus (33 % board a bus) 12 % 20.3 → 15.2 90 → 100 %" in text
    assert "By on-demand minibus 2 % 54.0 → 28.0 0 → 67 %" in text
    assert "to the site their group's mix of modes reaches fastest" in text
    fig = scenario_figure(ScenarioView("swale", "Swale", *transit_run, SUMMARY, BANNERS))
    colours = {t.get_text(): t.get_color() for t in _all_texts(fig)}
    assert colours["54.0 → 28.0"] == BETTER_COLOUR
    assert colours["By car"] == "black"  # labels keep the text colour


def _variants(n):
    """``n`` variants of one scenario, titled as a sweep titles them (opening B or C in turn)."""
    views = []
    for k in range(n):
        current, proposed, groups, boundary = build_run(open_sites=("A", "BC"[k % 2]))
        title = f"Sheerness Gateway, Swale (Kent) — {k // 2 + 1} new site, variant {k}"
        views.append(
            ScenarioView(f"v{k}", title, current, proposed, groups, boundary, SUMMARY, BANNERS)
        )
    return views


def test_comparison_pack_has_a_page_per_scenario_and_one_more(tmp_path):
    views = _variants(2)
    table = comparison_table(views)
    pages = [scenario_figure(v) for v in views] + [comparison_figure(views, table)]
    pdf, png = save_pages(pages, pdf=tmp_path / "pack.pdf", png=tmp_path / "pack.png")
    assert _pages(pdf) == 3
    assert _png_size(png) == (1753, 1240)


def _all_texts(fig):
    """Every text artist of a figure, the cells of its tables included (findobj misses them)."""
    cells = [c.get_text() for ax in fig.axes for t in ax.tables for c in t.get_celld().values()]
    return [*fig.findobj(Text), *cells]


def _texts(fig):
    """Every visible text of a drawn figure with its box in pixels, and its map (or None)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    out = []
    for text in _all_texts(fig):
        if not text.get_visible() or not text.get_text().strip():
            continue
        ax = text.axes
        on_map = ax is not None and not ax.tables and ax.get_label() != "<colorbar>"
        out.append((text, text.get_window_extent(renderer), ax if on_map else None))
    return out


def _overlaps(fig):
    """Pairs of texts whose boxes intersect (labels within one map may touch: not counted),
    and texts that leave the page."""
    texts = _texts(fig)
    pairs = [
        (a.get_text(), b.get_text())
        for (a, box_a, map_a), (b, box_b, map_b) in itertools.combinations(texts, 2)
        if box_a.overlaps(box_b) and not (map_a is not None and map_a is map_b)
    ]
    page = fig.bbox
    outside = [
        t.get_text()
        for t, box, _map in texts
        if box.x0 < page.x0 or box.y0 < page.y0 or box.x1 > page.x1 or box.y1 > page.y1
    ]
    return pairs, outside


def test_six_variants_split_over_pages_of_three_without_text_on_text():
    views = _variants(6)
    table = comparison_table(views)
    pages = comparison_figures(views, table)
    assert len(pages) == 3  # the baseline and two others on each page
    shown = []
    for fig in pages:
        assert _overlaps(fig) == ([], [])
        texts = [" ".join(t.get_text().split()) for t, _box, _map in _texts(fig)]
        assert not [t for t in texts if "…" in t]  # no figure or header cut short to fit
        maps = [t for t in texts if t.startswith(("1 new site", "2 new site", "3 new site"))]
        shown.append([k for k in range(6) if any(t.endswith(f"variant {k}") for t in maps)])
        # each map and each column of the table is headed by what tells its variant apart
        assert texts.count("1 new site, variant 0 (baseline)") == 2  # map and column
        others = [t for t in texts if t.endswith("against the baseline") and "variant" in t]
        assert others == [
            f"{k // 2 + 1} new site, variant {k} against the baseline" for k in shown[-1]
        ]
    assert shown == [[1, 2], [3, 4], [5]]  # the baseline, variant 0, heads every page
    assert "(page 2 of 3)" in pages[1].texts[0].get_text()
    assert _overlaps(scenario_figure(views[0])) == ([], [])
    with pytest.raises(
        ValueError, match="room for 3 scenarios, not 6: draw them with comparison_figures"
    ):
        comparison_figure(views, table)
