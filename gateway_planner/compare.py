"""Compare scenarios side by side, group by group (e.g. the Sheerness and Fauquembergues catchments).

:func:`compare` runs (or takes) several scenario results, aligns their per-group figures for
today's sites and the proposed ones, adds differences against a baseline scenario, and writes
``comparison.csv`` and ``comparison.html`` (the scenarios' maps beside the table).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._io import staged_directory, write_text
from .config import Scenario
from .errors import InputError
from .report.exports import frame_to_csv
from .scenario import RunResult, run_scenario, write_outputs

__all__ = ["COMPARED_FIGURES", "compare", "comparison_table"]

logger = logging.getLogger(__name__)

#: figures shown in the comparison, in display order
COMPARED_FIGURES: tuple[str, ...] = (
    "people",
    "visits",
    "pct_within_15",
    "pct_within_30",
    "people_within_15",
    "people_within_30",
    "mean_minutes",
    "p90_minutes",
    "unreachable_people",
)


def comparison_table(results: Sequence[RunResult], *, baseline: int = 0) -> pd.DataFrame:
    """Align the per-group figures of several runs.

    Parameters
    ----------
    results
        Runs to compare; their group ids are matched (common ids across areas).
    baseline
        Position of the run the others are compared with.

    Returns
    -------
    pandas.DataFrame
        Index (``group``, ``figure``); for each run ``<name> today``, ``<name> proposed`` and
        ``<name> change``; for each other run ``<name> vs <baseline> (proposed)``.
    """
    if not results:
        msg = "nothing to compare"
        raise InputError(msg, field="scenarios", fix="give two or more scenario files")
    if not 0 <= baseline < len(results):
        msg = f"baseline {baseline} is not one of the {len(results)} scenarios"
        raise InputError(msg, field="baseline", fix=f"use a position from 0 to {len(results) - 1}")
    names = [r.scenario.name for r in results]
    if len(set(names)) != len(names):
        msg = f"scenario names repeat: {names}"
        raise InputError(msg, field="name", fix="give each compared scenario its own name")
    columns: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    for r in results:
        for state, ev in (("today", r.current), ("proposed", r.proposed)):
            stacked = ev.groups[list(COMPARED_FIGURES)].stack()
            stacked.index.names = ["group", "figure"]
            columns[f"{r.scenario.name} {state}"] = stacked
        labels |= ev.groups["name"].to_dict()
    table = pd.DataFrame(columns)
    for r in results:
        n = r.scenario.name
        table[f"{n} change"] = table[f"{n} proposed"] - table[f"{n} today"]
    base = names[baseline]
    for n in names:
        if n != base:
            table[f"{n} vs {base} (proposed)"] = table[f"{n} proposed"] - table[f"{base} proposed"]
    order = {f: i for i, f in enumerate(COMPARED_FIGURES)}
    groups = list(dict.fromkeys(g for g, _ in table.index))
    table = table.reindex(
        sorted(
            table.index,
            key=lambda ix: (groups.index(ix[0]) if ix[0] != "all" else -1, order[ix[1]]),
        )
    )
    table.insert(0, "group_name", [labels.get(g, g) for g, _ in table.index])
    return table


def _page(results: Sequence[RunResult], table: pd.DataFrame, *, maps: dict[str, str]) -> str:
    frames = "".join(
        "<figure class='gp-map'><figcaption>"
        f"{html.escape(r.scenario.display_title)}</figcaption>"
        f"<iframe src='{html.escape(maps[r.scenario.name])}' title='{html.escape(r.scenario.display_title)}'></iframe></figure>"
        for r in results
        if r.scenario.name in maps
    )
    shown = table.reset_index()
    body = shown.to_html(
        index=False, escape=True, float_format=lambda x: f"{x:,.1f}", na_rep="", border=0
    )
    notes = sorted({a for r in results for a in r.summary.get("assumptions", [])})
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    title = " vs ".join(html.escape(r.scenario.display_title) for r in results)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Comparison: {title}</title>
<style>
body{{font:14px sans-serif;margin:1em 2em}} .gp-maps{{display:flex;gap:1em}}
.gp-map{{flex:1;margin:0}} .gp-map iframe{{width:100%;height:480px;border:1px solid #ccc}}
figcaption{{font-weight:bold;margin-bottom:.3em}} table{{border-collapse:collapse;font-size:13px}}
th,td{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}} td:nth-child(-n+3){{text-align:left}}
</style></head><body>
<h1>Comparison: {title}</h1>
<p>Face-to-face demand and journey times per customer group, with today's sites and with the
proposed ones. Percentages are of face-to-face visits; minutes are visit-weighted.</p>
<div class="gp-maps">{frames}</div>
<h2>Figures by customer group</h2>
{body}
<h2>Assumptions</h2><ul>{notes_html}</ul>
</body></html>
"""


def compare(
    scenarios: Sequence[Scenario | str | Path | RunResult],
    *,
    folder: str | Path,
    baseline: int = 0,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run scenarios (or take finished runs) and write ``comparison.csv`` and ``comparison.html``.

    Each scenario that is not yet a :class:`RunResult` is run; every run's outputs are written to
    ``<folder>/<scenario name>/``; everything is staged and moved into place at the end.

    Parameters
    ----------
    scenarios
        Scenario files, scenarios or finished runs, two or more.
    folder
        Output folder of the comparison.
    baseline
        Position of the scenario the others are compared with.

    Returns
    -------
    tuple of (pandas.DataFrame, list of RunResult)
        The aligned table and the runs.
    """
    if len(scenarios) < 2:
        msg = f"compare needs two or more scenarios, got {len(scenarios)}"
        raise InputError(msg, field="scenarios", fix="name two or more scenario files")
    folder = Path(folder)
    with staged_directory(folder) as stage:
        results = [
            item if isinstance(item, RunResult) else run_scenario(item, write=False)
            for item in scenarios
        ]
        maps = {}
        for result in results:
            write_outputs(
                stage / result.scenario.name,
                area=result.area,
                title=result.scenario.display_title,
                current=result.current,
                proposed=result.proposed,
                summary=result.summary,
            )
            maps[result.scenario.name] = f"{result.scenario.name}/map.html"
        table = comparison_table(results, baseline=baseline)
        write_text(stage / "comparison.csv", frame_to_csv(table))
        write_text(stage / "comparison.html", _page(results, table, maps=maps))
    logger.info(
        "comparison of %s written to %s", ", ".join(r.scenario.name for r in results), folder
    )
    return table, results
