"""Compare scenarios side by side (baseline vs options; or the Sheerness and Fauquembergues catchments).

:func:`compare` runs (or takes) several scenario results and writes, beside each scenario's own
outputs, the aligned tables (``comparison.csv`` by group, ``comparison_sites.csv`` by site), the
comparison page (``comparison.html``: the maps side by side, moving together, and the tables),
a councillor pack (``briefing.pdf``: each scenario's page then the comparison pages, three
scenarios on a page at most; ``briefing.png``: the first comparison page) and, when scenarios share their cells with the baseline,
``comparison.gpkg`` with the journey-time change per cell.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._io import write_text
from ._outputs import check_output_folder, output_folder
from .checks import protected_files
from .config import Scenario, load_scenario
from .contracts import Evaluation
from .errors import InputError
from .report import KEY_FIGURES, SITE_FIGURES, ScenarioView, write_report
from .report.exports import frame_to_csv
from .scenario import RunResult, report_view, run_scenario

__all__ = ["compare", "comparison_table", "journey_time_difference"]

logger = logging.getLogger(__name__)

Compared = RunResult | ScenarioView


def _as_view(item: Compared) -> ScenarioView:
    return item if isinstance(item, ScenarioView) else report_view(item)


def _check(views: Sequence[ScenarioView], baseline: int) -> None:
    if not views:
        msg = "nothing to compare"
        raise InputError(msg, field="scenarios", fix="give two or more scenario files")
    if not 0 <= baseline < len(views):
        msg = f"baseline {baseline} is not one of the {len(views)} scenarios"
        raise InputError(msg, field="baseline", fix=f"use a position from 0 to {len(views) - 1}")
    names = [v.name for v in views]
    if len(set(names)) != len(names):
        msg = f"scenario names repeat: {names}"
        raise InputError(msg, field="name", fix="give each compared scenario its own name")


def _stacked(frame: pd.DataFrame, figures: Sequence[str], level: str) -> pd.Series:
    present = [f for f in figures if f in frame.columns]
    stacked = frame[present].astype(float).stack()
    stacked.index.names = [level, "figure"]
    return stacked


def _order(index: pd.Index, figures: Sequence[str], first: Sequence[str]) -> list[tuple[str, str]]:
    rank = {f: i for i, f in enumerate(figures)}
    keys = list(dict.fromkeys(k for k, _ in index))
    pos = {k: (-1 if k in first else keys.index(k)) for k in keys}
    return sorted(index, key=lambda ix: (pos[ix[0]], rank[ix[1]]))


def comparison_table(
    results: Sequence[Compared], *, baseline: int = 0, by: str = "group"
) -> pd.DataFrame:
    """Align the figures of several runs, by customer group or by site.

    Parameters
    ----------
    results
        Runs to compare (or :class:`~gateway_planner.report.ScenarioView`); groups and sites
        are matched by id (common ids across areas; a missing one is left empty).
    baseline
        Position of the run the others are compared with.
    by
        {"group", "site"}: one row per group (``all`` first) and figure, or per open site and
        figure; the figures are :data:`gateway_planner.report.KEY_FIGURES` or
        :data:`gateway_planner.report.SITE_FIGURES`, in their order.

    Returns
    -------
    pandas.DataFrame
        Index (``group`` or ``site``, ``figure``); column ``name``; for each run
        ``<name> today``, ``<name> proposed`` and ``<name> change``; for each other run
        ``<name> vs <baseline> (proposed)``.
    """
    views = [_as_view(r) for r in results]
    _check(views, baseline)
    if by not in {"group", "site"}:
        msg = f"cannot compare by {by!r}"
        raise InputError(msg, field="by", fix="use 'group' or 'site'")
    figures = KEY_FIGURES if by == "group" else SITE_FIGURES
    columns: dict[str, pd.Series] = {}
    labels: dict[str, str] = {}
    for v in views:
        for state, ev in (("today", v.current), ("proposed", v.proposed)):
            frame = _frame(ev, by)
            columns[f"{v.name} {state}"] = _stacked(frame, figures, by)
            labels |= {str(k): str(n) for k, n in frame["name"].items()}
    table = pd.DataFrame(columns)
    for v in views:
        table[f"{v.name} change"] = table[f"{v.name} proposed"] - table[f"{v.name} today"]
    base = views[baseline].name
    for v in views:
        if v.name != base:
            table[f"{v.name} vs {base} (proposed)"] = (
                table[f"{v.name} proposed"] - table[f"{base} proposed"]
            )
    table = table.reindex(_order(table.index, figures, first=("all",)))
    table.index.names = [by, "figure"]
    table.insert(0, "name", [labels.get(k, k) for k, _ in table.index])
    return table


def _frame(ev: Evaluation, by: str) -> pd.DataFrame:
    if by == "group":
        return ev.groups
    sites = ev.sites.loc[list(ev.open_sites)].drop(columns="geometry")
    if "name" not in sites.columns:
        sites = sites.assign(name=sites.index.astype(str))
    return pd.DataFrame(sites)


def journey_time_difference(base: Evaluation, other: Evaluation) -> gpd.GeoDataFrame | None:
    """Journey-time change per cell between two runs of the same area, or None.

    Parameters
    ----------
    base, other
        Figures of the baseline and of the other scenario (usually their proposed states).

    Returns
    -------
    geopandas.GeoDataFrame or None
        Cells (geometry of ``base``) with ``minutes_base``, ``minutes_other``, ``change``
        (other − base; NaN where either is unreachable), ``site_base`` and ``site_other``;
        None when the runs do not share the same cells (ids, CRS and centroids within 1 m).
    """
    a, b = base.cells, other.cells
    if len(a) != len(b) or not a.index.equals(b.index) or a.crs != b.crs:
        return None
    ca, cb = (
        shapely.get_coordinates(a.geometry.centroid),
        shapely.get_coordinates(b.geometry.centroid),
    )
    if not np.allclose(ca, cb, atol=1.0, rtol=0.0):
        return None
    ma = a["minutes"].to_numpy(dtype=float)
    mb = b["minutes"].to_numpy(dtype=float)
    change = np.where(
        np.isfinite(ma) & np.isfinite(mb), mb - np.where(np.isfinite(ma), ma, 0), np.nan
    )
    return gpd.GeoDataFrame(
        {
            "minutes_base": ma,
            "minutes_other": mb,
            "change": change,
            "site_base": a["site"].to_numpy(),
            "site_other": b["site"].to_numpy(),
        },
        geometry=a.geometry.copy(),
        index=a.index.copy(),
        crs=a.crs,
    )


def _write_comparison(stage: Path, views: Sequence[ScenarioView], baseline: int) -> pd.DataFrame:
    from .report import comparison_figures, save_pages, scenario_figure, write_comparison_page
    from .report.exports import write_geopackage

    table = comparison_table(views, baseline=baseline)
    sites = comparison_table(views, baseline=baseline, by="site")
    write_text(stage / "comparison.csv", frame_to_csv(table))
    write_text(stage / "comparison_sites.csv", frame_to_csv(sites))
    base = views[baseline]
    differences = {}
    for k, v in enumerate(views):
        if k == baseline:
            continue
        diff = journey_time_difference(base.proposed, v.proposed)
        if diff is not None:
            differences[v.name] = diff
    if differences:
        write_geopackage(
            stage / "comparison.gpkg",
            {f"change_{name}_vs_{base.name}": d for name, d in differences.items()},
        )
    write_comparison_page(
        stage / "comparison.html",
        views,
        tables={"By customer group": table, "By site": sites},
        baseline=baseline,
        changes={n: d["change"].to_numpy() for n, d in differences.items()},
    )
    pages = [scenario_figure(v) for v in views]
    if len(differences) == 1:
        ((name, shown),) = differences.items()
        title = next(v.title for v in views if v.name == name)
        label = f"{title} − {base.title}"
    else:  # one difference map fits the page; several are in comparison.gpkg and the page
        shown, label = None, ""
    pages += comparison_figures(
        views, table, baseline=baseline, difference=shown, difference_label=label
    )
    # the PNG is the (first) comparison page
    save_pages(pages, pdf=stage / "briefing.pdf", png=stage / "briefing.png", png_page=len(views))
    return table


def compare(
    scenarios: Sequence[Scenario | str | Path | RunResult],
    *,
    folder: str | Path,
    baseline: int = 0,
    overwrite: bool = False,
) -> tuple[pd.DataFrame, list[RunResult]]:
    """Run scenarios (or take finished runs) and write the comparison outputs.

    Each scenario that is not yet a :class:`RunResult` is run; every run's outputs are written to
    ``<folder>/<scenario name>/``; the comparison files go in ``folder``: ``comparison.csv``,
    ``comparison_sites.csv``, ``comparison.html``, ``briefing.pdf``, ``briefing.png`` and, when
    scenarios share cells with the baseline, ``comparison.gpkg``. Everything is staged and moved
    into place at the end.

    Parameters
    ----------
    scenarios
        Scenario files, scenarios or finished runs, two or more.
    folder
        Output folder of the comparison.
    baseline
        Position of the scenario the others are compared with.
    overwrite
        Write into a folder holding files gateway-planner did not write (only the files the
        comparison writes are replaced there). The folder is checked before any run, by the
        rules of :func:`gateway_planner.run_scenario`.

    Returns
    -------
    tuple of (pandas.DataFrame, list of RunResult)
        The aligned table by group and the runs.
    """
    if len(scenarios) < 2:
        msg = f"compare needs two or more scenarios, got {len(scenarios)}"
        raise InputError(msg, field="scenarios", fix="name two or more scenario files")
    if not 0 <= baseline < len(scenarios):
        msg = f"baseline {baseline} is not one of the {len(scenarios)} scenarios"
        raise InputError(
            msg, field="baseline", fix=f"use a position from 0 to {len(scenarios) - 1}"
        )
    loaded = [s if isinstance(s, (RunResult, Scenario)) else load_scenario(s) for s in scenarios]
    protected = protected_files([s.scenario if isinstance(s, RunResult) else s for s in loaded])
    folder = check_output_folder(
        folder, protected=protected, overwrite=overwrite, field="--output", clean=True
    )
    results = [
        item if isinstance(item, RunResult) else run_scenario(item, write=False) for item in loaded
    ]
    views = [_as_view(r) for r in results]
    _check(views, baseline)
    with output_folder(folder, protected=protected, overwrite=overwrite, field="--output") as stage:
        for view in views:
            write_report(stage / view.name, view)
        table = _write_comparison(stage, views, baseline)
    logger.info(
        "comparison of %s written to %s", ", ".join(r.scenario.name for r in results), folder
    )
    return table, results
