"""The embedded pilot pack: two study areas, one per side of the Channel.

``swale``
    Swale borough (Kent), EPSG:27700: 85 LSOAs, ONS postcode centroids scaled to 151,700 people,
    Sheerness Gateway plus one candidate per postcode sector.
``saint-omer``
    Communauté d'agglomération du Pays de Saint-Omer (Pas-de-Calais), EPSG:2154: 53 communes,
    105,743 people, Maison des Services of Fauquembergues plus the other 52 mairies.

The files live in the repository's ``data/`` folder (sources, licences and assumptions in
``data/README.md``); :mod:`gateway_planner.pilot.build` rebuilds them from registry packages.

Examples
--------
>>> from gateway_planner.pilot import available, load_pilot
>>> available
('swale', 'saint-omer')
>>> area = load_pilot("swale")
>>> round(float(area.cells["population"].sum()))
151700
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from ..errors import InputError
from ..groups import CustomerGroup, load_groups
from ._readers import SHARE_PREFIX, read_boundary, read_cells_csv, read_sites_csv

__all__ = [
    "PilotArea",
    "available",
    "data_dir",
    "get_path",
    "load_pilot",
    "read_boundary",
    "read_cells_csv",
    "read_sites_csv",
]

available: tuple[str, ...] = ("swale", "saint-omer")

_REBUILD = "rebuild it with `python -m gateway_planner.pilot.build --out DIR` (see data/README.md) or run from a source checkout"


def data_dir(*, must_exist: bool = True) -> Path:
    """Return the pack's root folder (``<repository>/data``).

    Parameters
    ----------
    must_exist
        Raise when the folder (with its ``pilot/`` subfolder) is missing.

    Returns
    -------
    Path
        The ``data`` folder beside the ``gateway_planner`` package.

    Raises
    ------
    InputError
        When ``must_exist`` and the folder is missing (for example in a wheel install).
    """
    root = Path(__file__).resolve().parents[2] / "data"
    if must_exist and not (root / "pilot").is_dir():
        msg = "the pilot data folder is missing"
        raise InputError(msg, file=root / "pilot", fix=_REBUILD)
    return root


def get_path(name: str) -> Path:
    """Return the path of a file of the pack.

    Parameters
    ----------
    name
        Path relative to ``data/pilot`` (``"swale/cells.csv"``, ``"groups.toml"``), or to
        ``data`` when it starts with ``boundaries/`` or ``pilot/``
        (``"boundaries/saint-omer.geojson"``).

    Returns
    -------
    Path
        The existing file.

    Raises
    ------
    InputError
        When no such file exists in the pack.
    """
    root = data_dir()
    first = Path(name).parts[0] if Path(name).parts else ""
    path = root / name if first in ("boundaries", "pilot") else root / "pilot" / name
    if not path.is_file():
        files = sorted(
            str(p.relative_to(root / "pilot")) for p in (root / "pilot").rglob("*") if p.is_file()
        )
        msg = f"no file {name!r} in the pilot pack (files: {', '.join(files)})"
        raise InputError(msg, file=path, fix="use one of the listed names")
    return path


@dataclass(frozen=True)
class PilotArea:
    """One study area of the pilot pack, ready for the pipeline.

    Attributes
    ----------
    id
        Area id (one of :data:`available`).
    name
        Human-readable name.
    crs
        Projected CRS of every layer (``"EPSG:27700"`` or ``"EPSG:2154"``).
    boundary
        One row per LSOA / commune: ``code``, ``name``, ``geometry``.
    cells
        ``cells`` contract: index ``cell_id``, ``population``, ``share__<group>``,
        ``density_class``, geometry = 250 m square clipped to the boundary.
    sites
        ``sites`` contract: index ``site_id``, ``name``, ``status``, ``capacity``,
        ``location_source``, Point geometry.
    groups
        Customer groups (assumed), same ids in both areas.
    groups_path
        The groups file.
    proxy_params
        Raw proxy-network parameters (validated by ``gateway_planner.network.proxy``).
    proxy_params_path
        The parameter file.
    sources
        Data sources with licence and attribution text.
    assumptions
        What is assumed rather than measured.
    """

    id: str
    name: str
    crs: str
    boundary: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    groups: list[CustomerGroup]
    groups_path: Path
    proxy_params: dict[str, Any]
    proxy_params_path: Path
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        msg = f"not valid TOML ({exc})"
        raise InputError(msg, file=path, fix=_REBUILD) from exc


def load_pilot(area: str) -> PilotArea:
    """Load one study area of the embedded pilot pack.

    Parameters
    ----------
    area
        One of :data:`available`: ``"swale"`` or ``"saint-omer"``.

    Returns
    -------
    PilotArea
        Boundary, cells, sites, groups and proxy parameters, all in the area's CRS.

    Raises
    ------
    InputError
        For an unknown area (the message lists the choices) or a missing/damaged pack.
    """
    if area not in available:
        msg = f"unknown pilot area {area!r}"
        raise InputError(msg, field="area", fix=f"choose one of {', '.join(available)}")
    meta_path = get_path(f"{area}/area.toml")
    meta = _read_toml(meta_path)
    crs = str(meta["crs"])
    boundary = read_boundary(data_dir() / str(meta["boundary"]), crs=crs)
    land = shapely.union_all(boundary.geometry.to_numpy())
    cells = read_cells_csv(
        get_path(f"{area}/cells.csv"), crs=crs, cell_size=float(meta["cell_size_m"]), boundary=land
    )
    sites = read_sites_csv(get_path(f"{area}/sites.csv"), crs=crs)
    groups_path = get_path("groups.toml")
    groups = load_groups(groups_path)
    share_ids = sorted(
        c.removeprefix(SHARE_PREFIX) for c in cells.columns if c.startswith(SHARE_PREFIX)
    )
    if share_ids != sorted(g.id for g in groups):
        msg = f"share columns {share_ids} do not match the groups {[g.id for g in groups]}"
        raise InputError(msg, file=get_path(f"{area}/cells.csv"), field=SHARE_PREFIX, fix=_REBUILD)
    params_path = get_path(f"{area}/proxy_network.toml")
    return PilotArea(
        id=area,
        name=str(meta["name"]),
        crs=crs,
        boundary=boundary,
        cells=cells,
        sites=sites,
        groups=groups,
        groups_path=groups_path,
        proxy_params=_read_toml(params_path),
        proxy_params_path=params_path,
        sources=tuple(str(s) for s in meta.get("sources", ())),
        assumptions=tuple(str(s) for s in meta.get("assumptions", ())),
    )
