"""Briefing pages: PDF and PNG written, one page each, readable, byte-identical on rerun."""

import re
import shutil
import subprocess

import pytest
from report_fixtures import BANNERS, SUMMARY, build_run

from gateway_planner import comparison_table
from gateway_planner.report import ScenarioView, comparison_figure, save_pages, write_briefing


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


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdftoppm_renders_page_one(run, tmp_path):
    pdf, _png = _write(run, tmp_path)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (page,) = tmp_path.glob("p*.png")
    width, height = _png_size(page)
    assert width > height > 200


def test_comparison_pack_has_a_page_per_scenario_and_one_more(tmp_path):
    views = []
    for name, open_sites in (("ab", ("A", "B")), ("ac", ("A", "C"))):
        current, proposed, groups, boundary = build_run(open_sites=open_sites)
        views.append(
            ScenarioView(name, name.upper(), current, proposed, groups, boundary, SUMMARY, BANNERS)
        )
    from gateway_planner.report import scenario_figure

    table = comparison_table(views)
    pages = [scenario_figure(v) for v in views] + [comparison_figure(views, table)]
    pdf, png = save_pages(pages, pdf=tmp_path / "pack.pdf", png=tmp_path / "pack.png")
    assert _pages(pdf) == 3
    assert _png_size(png) == (1753, 1240)
