"""Files that open in QGIS and spreadsheets: catchments.gpkg, tables.csv, sites.csv, summary.json.

Every file is written to a temporary path and moved into place (see :mod:`gateway_planner._io`),
with stable row order and fixed float formatting so that a rerun gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import atomic_path, write_json, write_text
from ..contracts import Evaluation
from ._view import ScenarioView

__all__ = [
    "alternatives_csv",
    "cells_layer",
    "figures_table",
    "frame_to_csv",
    "write_exports",
    "write_geopackage",
]

_GDAL_FIXED_DATE = {"OGR_CURRENT_DATE": "2000-01-01T00:00:00Z"}


def frame_to_csv(frame: pd.DataFrame, *, index: bool = True) -> str:
    r"""CSV text with a fixed float format and ``\\n`` line ends (``inf`` for unreachable)."""
    text: str = frame.to_csv(index=index, float_format="%.4f", lineterminator="\n")
    return text


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GPKG can store: ids as a column, infinite minutes as NULL."""
    out = frame.reset_index()
    for col in out.columns:
        if col != "geometry" and pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].where(np.isfinite(out[col]))
    return out


def write_geopackage(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage atomically and reproducibly.

    Parameters
    ----------
    path
        The ``.gpkg`` file to write.
    layers
        Layer name -> GeoDataFrame (index written as a column).

    Returns
    -------
    Path
    """
    import pyogrio

    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options(_GDAL_FIXED_DATE)
    try:
        with atomic_path(path) as tmp:
            for name, frame in layers.items():
                _plain(frame).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return Path(path)


_SITE_ONLY = ("visits_per_month", "capacity", "load_pct")
#: columns of the rows by mode only, after every other column
_MODE_ONLY = ("pct_of_visits", "pct_riding")


def _by_mode_rows(state: str, ev: Evaluation) -> list[pd.DataFrame]:
    """Rows ``<state>, group:<mode>, <group>`` and ``<state>, site:<mode>, <site>``."""
    parts = []
    for table, frame in (("group", ev.modes), ("site", ev.site_modes)):
        if frame.empty:
            continue
        ids, modes = frame.index.get_level_values(0), frame.index.get_level_values(1)
        rows = frame.copy()
        rows.index = pd.MultiIndex.from_arrays(
            [[state] * len(rows), [f"{table}:{m}" for m in modes], ids],
            names=["state", "table", "id"],
        )
        parts.append(rows)
    return parts


def figures_table(current: Evaluation, proposed: Evaluation) -> pd.DataFrame:
    """Per-group and per-open-site figures of both states in one long table, and by mode.

    Parameters
    ----------
    current, proposed
        Figures with today's sites and with the proposed ones.

    Returns
    -------
    pandas.DataFrame
        Index (``state``, ``table``, ``id``) with ``state`` in {today, proposed} and ``table``
        in {group, site}, then, when the evaluations have figures by mode,
        ``group:<mode>`` (the group's visits travelling by that mode, ``all`` included) and
        ``site:<mode>`` (an open site's visits arriving by it); columns ``name`` and the
        figures (site-only and group-only columns are empty on the other rows), then
        ``pct_of_visits`` and ``pct_riding``, filled on the rows by mode only.
    """
    parts = []
    for state, ev in (("today", current), ("proposed", proposed)):
        groups = ev.groups.copy()
        groups.index = pd.MultiIndex.from_product(
            [[state], ["group"], groups.index], names=["state", "table", "id"]
        )
        figure_cols = [c for c in ev.groups.columns if c != "name"]
        site_cols = [c for c in figure_cols if c in ev.sites.columns] + list(_SITE_ONLY)
        sites = ev.sites.loc[list(ev.open_sites)]
        names = (
            sites["name"] if "name" in sites.columns else pd.Series(sites.index, index=sites.index)
        )
        sites = pd.DataFrame(sites[site_cols]).assign(name=names.astype(str))
        sites.index = pd.MultiIndex.from_product(
            [[state], ["site"], sites.index], names=["state", "table", "id"]
        )
        parts += [groups, sites, *_by_mode_rows(state, ev)]
    table = pd.concat(parts)
    extra = [c for c in _MODE_ONLY if c in table.columns]
    ordered = ["name"] + [
        c for c in table.columns if c != "name" and c not in _SITE_ONLY and c not in extra
    ]
    return table[ordered + list(_SITE_ONLY) + extra]


def cells_layer(current: Evaluation, proposed: Evaluation) -> gpd.GeoDataFrame:
    """Cells with allocation and journey times of both states and the change between them.

    With figures by mode, also ``minutes_by_<mode>`` and ``minutes_by_<mode>_today``: the mean
    journey of the cell's visits travelling by that mode (empty where none does).
    """
    cells = proposed.cells.copy()
    cells["site_today"] = current.cells["site"]
    cells["minutes_today"] = current.cells["minutes"]
    with np.errstate(invalid="ignore"):
        cells["minutes_change"] = cells["minutes"] - cells["minutes_today"]
    cells["minutes_change"] = cells["minutes_change"].where(np.isfinite(cells["minutes_change"]))
    for mode in proposed.mode_minutes.columns:
        cells[f"minutes_by_{mode}"] = proposed.mode_minutes[mode]
        cells[f"minutes_by_{mode}_today"] = current.mode_minutes[mode]
    return cells


def write_exports(folder: str | Path, view: ScenarioView) -> list[Path]:
    """Write ``catchments.gpkg``, ``tables.csv``, ``sites.csv`` and ``summary.json``.

    ``catchments.gpkg`` holds the layers ``cells`` (allocation and journey times today and
    with the proposed sites), ``catchments`` (proposed), ``catchments_today`` and ``sites``;
    ``tables.csv`` the per-group and per-site figures of both states, and by mode (see
    :func:`figures_table`); ``sites.csv`` every site with its status and figures;
    ``summary.json`` the view's summary (provenance and key figures assembled by the run);
    ``alternatives.csv`` when the summary lists near-optimal alternatives
    (:func:`alternatives_csv`).

    Parameters
    ----------
    folder
        Output folder (created if needed).
    view
        The scenario: its figures today and with the proposed sites, and its summary.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    current, proposed = view.current, view.proposed
    return [
        write_geopackage(
            folder / "catchments.gpkg",
            {
                "cells": cells_layer(current, proposed),
                "catchments": proposed.catchments,
                "catchments_today": current.catchments,
                "sites": proposed.sites,
            },
        ),
        write_text(folder / "tables.csv", frame_to_csv(figures_table(current, proposed))),
        write_text(folder / "sites.csv", frame_to_csv(proposed.sites.drop(columns="geometry"))),
        write_json(folder / "summary.json", view.summary),
    ] + (
        [write_text(folder / "alternatives.csv", alternatives_csv(view.summary["alternatives"]))]
        if view.summary.get("alternatives")
        else []
    )


#: columns of alternatives.csv
ALTERNATIVES_COLUMNS = ("rank", "objective", "gap_pct", "open_sites", "opens", "closes")


def alternatives_csv(entry: Mapping[str, Any]) -> str:
    """Return ``alternatives.csv``: one row per option, the best first.

    Parameters
    ----------
    entry
        The ``alternatives`` entry of ``summary.json``
        (:func:`gateway_planner.provenance.alternatives_summary`).

    Returns
    -------
    str
        CSV text (Unix line ends); sites joined by ``;``, the gap in percent.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ALTERNATIVES_COLUMNS)
    for o in entry["options"]:
        writer.writerow(
            [
                o["rank"],
                f"{o['objective']:.10g}",
                f"{100 * o['gap']:.4f}",
                ";".join(o["open_sites"]),
                ";".join(o["opens"]),
                ";".join(o["closes"]),
            ]
        )
    return out.getvalue()
