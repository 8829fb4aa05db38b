"""Every notebook in notebooks/ runs top to bottom on the public API and shows what it says.

Each notebook is executed once; its outputs are then read: the printed open sites and figures
against a run of the same scenario in this process, the tables' columns, the files it lists,
the figure it draws.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

import gateway_planner as gp

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def sheerness() -> gp.RunResult:
    """The Sheerness scenario run here, to check what the notebooks print."""
    return gp.run_scenario(ROOT / "scenarios" / "sheerness.toml", write=False)


def _cell(nb: nbformat.NotebookNode, marker: str) -> nbformat.NotebookNode:
    """The one code cell whose source contains ``marker``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, marker
    return cells[0]


def _stdout(nb: nbformat.NotebookNode, marker: str) -> str:
    outputs = _cell(nb, marker).outputs
    return "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stdout")


def _result(nb: nbformat.NotebookNode, marker: str, mime: str = "text/plain") -> str:
    """The value a cell shows (its execute_result) as ``mime``."""
    results = [o for o in _cell(nb, marker).outputs if o.output_type == "execute_result"]
    assert len(results) == 1, marker
    assert mime in results[0].data, (marker, list(results[0].data))
    return results[0].data[mime]


def _table(html: str) -> tuple[list[str], dict[str, list[str]]]:
    """Columns and rows (by index label) of a table pandas shows as HTML."""
    head, body = html.split("<tbody>")
    columns = re.findall(r"<th>(.*?)</th>", head.split("</tr>")[0])[1:]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL):
        label = re.findall(r"<th>(.*?)</th>", row)
        rows[label[-1]] = re.findall(r"<td>(.*?)</td>", row)
    return columns, rows


def _open_names(run: gp.RunResult) -> str:
    return ", ".join(run.area.sites.loc[list(run.solution.open_sites), "name"])


def check_walkthrough(nb: nbformat.NotebookNode, ref: gp.RunResult) -> None:
    """01: the scenario, the area, the demand table, the solution and the comparison."""
    assert _stdout(nb, "sheerness.display_title") == (
        "Sheerness Gateway, Swale (Kent) | pmedian | new sites: 1\n"
    )
    area = ref.area
    assert _stdout(nb, "result = gp.run_scenario").splitlines() == [
        f"{area.name}: {len(area.cells):,} cells of 250 m, "
        f"population {area.cells['population'].sum():,.0f}",
        f"sites: {len(area.sites)} ({', '.join(area.existing)} existing)",
        f"network: {ref.summary['network']['label']}",
    ]
    columns, rows = _table(_result(nb, 'groups[["name", "people", "visits"]]', "text/html"))
    assert columns == ["name", "people", "visits"]
    assert list(rows) == [*(g.id for g in area.groups), "all"]
    assert rows["all"][:2] == ["All groups", f"{area.cells['population'].sum():.1f}"]
    sol = ref.solution
    printed = _stdout(nb, "sol = result.solution").splitlines()
    assert printed[0] == f"open sites: {sol.open_sites}"
    assert printed[1] == (
        f"{sol.solver}: objective {sol.objective:,.0f} visit-minutes, "
        f"bound {sol.bound:,.0f}, gap {100 * sol.gap:.2f} %"
    )
    proposed = ref.summary["sites"]["proposed"]
    assert len(proposed) == 1
    assert printed[2] == f"proposed: {proposed[0]['name']} ({proposed[0]['id']})"
    columns, rows = _table(_result(nb, "today.join(proposed)", "text/html"))
    figures = ["pct_within_15", "pct_within_30", "mean_minutes", "p90_minutes"]
    assert columns == [f"{f} today" for f in figures] + [f"{f} proposed" for f in figures]
    for state, evaluation in (("today", ref.current), ("proposed", ref.proposed)):
        for figure in figures:
            shown = rows["all"][columns.index(f"{figure} {state}")]
            assert float(shown) == round(evaluation.groups.loc["all", figure], 1), figure
    assert _stdout(nb, "gp.compare([result") == (
        "['.gateway-planner.json', 'briefing.pdf', 'briefing.png', 'comparison.csv', 'comparison.html', "
        "'comparison_sites.csv', 'fauquembergues', 'sheerness']\n"
    )
    columns, rows = _table(_result(nb, 'table.loc["all"].round(1)', "text/html"))
    assert {"sheerness proposed", "fauquembergues proposed"} <= set(columns)
    shown = rows["mean_minutes"][columns.index("sheerness proposed")]
    assert float(shown) == round(ref.proposed.groups.loc["all", "mean_minutes"], 1)


def check_compare(nb: nbformat.NotebookNode, ref: gp.RunResult) -> None:
    """02: the two Swale options, the difference layer, the site table and the briefing PNG."""
    lines = _stdout(nb, "runs = [gp.run_scenario").splitlines()
    assert lines[0] == f"sheerness: open {_open_names(ref)}"
    # the kept sites first (their names hold commas), then two new ones
    kept = ", ".join(ref.area.sites.loc[list(ref.area.existing), "name"])
    prefix = f"sheerness-two: open {kept}, "
    assert lines[1].startswith(prefix)
    new = lines[1].removeprefix(prefix).split(", ")
    assert len(set(new)) == 2 and set(new) <= set(ref.area.sites["name"])
    assert "'comparison.gpkg'" in _stdout(nb, 'folder=out / "swale-options"')
    columns, rows = _table(_result(nb, 'folder=out / "swale-options"', "text/html"))
    figures = ["pct_within_15", "pct_within_30", "mean_minutes", "p90_minutes"]
    assert list(rows)[: len(figures)] == figures
    assert {"sheerness proposed", "sheerness-two proposed"} <= set(columns)
    for figure in figures:
        shown = rows[figure][columns.index("sheerness proposed")]
        assert float(shown) == round(ref.proposed.groups.loc["all", figure], 2), figure
    layer = _stdout(nb, "pyogrio.list_layers").strip()
    assert layer == "change_sheerness-two_vs_sheerness"
    describe = _result(nb, "pyogrio.list_layers")
    assert describe.splitlines()[0].split() == ["count", f"{float(len(ref.area.cells))}"]
    columns, rows = _table(_result(nb, "comparison_sites.csv", "text/html"))
    visits = {site: row[columns.index("sheerness proposed")] for site, row in rows.items()}
    assert {site for site, shown in visits.items() if shown != "NaN"} == set(
        ref.solution.open_sites
    )
    columns, rows = _table(_result(nb, "by_group = table2.xs", "text/html"))
    assert columns == ["name", "sheerness proposed", "fauquembergues proposed"]
    assert set(rows) == {"all", *(g.id for g in ref.area.groups)}
    assert float(rows["all"][1]) == round(ref.proposed.groups.loc["all", "mean_minutes"], 1)
    png = base64.b64decode(_result(nb, "Image(filename", "image/png"))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.width >= 800 and image.height >= 400
        pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 10  # a drawn page, not a blank one


CHECKS: dict[str, Callable[[nbformat.NotebookNode, gp.RunResult], None]] = {
    "01_pilot_walkthrough": check_walkthrough,
    "02_compare_scenarios": check_compare,
}


def test_every_notebook_has_its_checks():
    assert {p.stem for p in NOTEBOOKS} == set(CHECKS)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_results(path, sheerness):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    CHECKS[path.stem](nb, sheerness)
