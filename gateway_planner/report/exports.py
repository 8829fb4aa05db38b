"""Files that open in QGIS and spreadsheets: catchments.gpkg, tables.csv, sites.csv, summary.json.

Every file is written to a temporary path and moved into place (see :mod:`gateway_planner._io`),
with stable row order and fixed float formatting so that a rerun gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._io import atomic_path, write_json, write_text
from ..evaluate import Evaluation

__all__ = ["frame_to_csv", "write_exports", "write_geopackage"]

_GDAL_FIXED_DATE = {"OGR_CURRENT_DATE": "2000-01-01T00:00:00Z"}


def frame_to_csv(frame: pd.DataFrame, *, index: bool = True) -> str:
    r"""CSV text with a fixed float format and ``\\n`` line ends (``inf`` for unreachable)."""
    return frame.to_csv(index=index, float_format="%.4f", lineterminator="\n")


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


def _group_table(current: Evaluation, proposed: Evaluation) -> pd.DataFrame:
    a = current.groups.assign(state="current")
    b = proposed.groups.assign(state="proposed")
    return pd.concat([a, b]).reset_index().set_index(["state", "group"])


def write_exports(
    folder: str | Path,
    *,
    current: Evaluation,
    proposed: Evaluation,
    summary: Mapping[str, Any],
) -> list[Path]:
    """Write ``catchments.gpkg``, ``tables.csv``, ``sites.csv`` and ``summary.json``.

    Parameters
    ----------
    folder
        Output folder (created if needed).
    current
        Figures with today's sites only.
    proposed
        Figures with the proposed sites open.
    summary
        Provenance and key figures assembled by the run; written as JSON.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    cells = proposed.cells.copy()
    cells["minutes_current"] = current.cells["minutes"]
    cells["site_current"] = current.cells["site"]
    cells["minutes_change"] = cells["minutes"] - cells["minutes_current"]
    return [
        write_geopackage(
            folder / "catchments.gpkg",
            {"cells": cells, "catchments": proposed.catchments, "sites": proposed.sites},
        ),
        write_text(folder / "tables.csv", frame_to_csv(_group_table(current, proposed))),
        write_text(folder / "sites.csv", frame_to_csv(proposed.sites.drop(columns="geometry"))),
        write_json(folder / "summary.json", summary),
    ]
