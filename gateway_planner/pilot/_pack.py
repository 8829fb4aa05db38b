"""Where the pilot pack lives and how one of its study areas becomes an :class:`Area`.

Each area folder holds ``area.toml`` (validated by :class:`AreaFile`), ``cells.csv``, ``sites.csv``
and ``proxy_network.toml``; ``groups.toml`` and the boundaries are shared. The cells, sites and
boundary go through the same readers as the planner's own files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyproj
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .._readers import read_boundary, read_cells_csv, read_sites
from .._toml import read_toml, validate
from ..contracts import SHARE_PREFIX, Area
from ..errors import InputError
from ..groups import load_groups

__all__ = ["AreaFile", "available", "data_dir", "default_network", "get_path", "load_pilot"]

available: tuple[str, ...] = ("swale", "saint-omer")

REBUILD = "rebuild it with `python -m gateway_planner.pilot.build --out DIR` (see data/README.md) or run from a source checkout"


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
        raise InputError(msg, file=root / "pilot", fix=REBUILD)
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


class AreaFile(BaseModel):
    """An area's ``area.toml``, written by the build (unknown keys are errors).

    Attributes
    ----------
    id
        The area id; must be the folder's name.
    name
        Display name.
    crs
        Projected CRS of every layer, e.g. ``"EPSG:27700"``.
    cell_size_m
        Side of the cells of ``cells.csv`` in metres.
    population_total
        The population the cells add up to.
    boundary
        The boundary file, relative to ``data/``.
    sources, assumptions
        Data sources with licence and attribution text; what is assumed rather than measured.
    counts
        Figures of the build (units, postcodes, cells, sites, ...).
    network
        The scenario ``[network]`` table a pilot scenario without ``network.modes`` takes
        (its paths relative to the area's folder).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    crs: str
    cell_size_m: float = Field(gt=0)
    population_total: int = Field(ge=0)
    boundary: str
    sources: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)
    network: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _is_the_folder(cls, value: str, info: ValidationInfo) -> str:
        folder = (info.context or {}).get("area")
        if folder is not None and value != folder:
            msg = f"id {value!r} is not the area's folder {folder!r}"
            raise ValueError(msg)
        return value

    @field_validator("crs")
    @classmethod
    def _projected(cls, value: str) -> str:
        try:
            crs = pyproj.CRS.from_user_input(value)
        except pyproj.exceptions.CRSError:
            msg = f"{value!r} is not a CRS pyproj knows"
            raise ValueError(msg) from None
        if not crs.is_projected:
            msg = f"{value} is not a projected CRS in metres"
            raise ValueError(msg)
        return value


def _read_area_file(path: Path, area: str) -> AreaFile:
    return validate(
        AreaFile,
        read_toml(path, fix=REBUILD),
        file=path,
        context={"area": area},
        fixes={"is not the area's folder": REBUILD, "CRS": "give an EPSG code such as EPSG:27700"},
    )


def default_network(area: str) -> dict[str, Any]:
    """Return a pilot area's default ``[network]`` table, its paths absolute ({} if unknown).

    Parameters
    ----------
    area
        A pilot area id.

    Returns
    -------
    dict
        The ``[network]`` table of its ``area.toml`` (modes, ``transit`` with the GTFS feed,
        ``on_demand`` with the zone), for a scenario that names no modes.
    """
    if area not in available:
        return {}
    path = get_path(f"{area}/area.toml")
    folder = path.parent
    network = dict(_read_area_file(path, area).network)
    for table, key in (("transit", "gtfs"), ("on_demand", "zone")):
        if isinstance(network.get(table), dict):
            network[table] = {**network[table], key: str(folder / network[table][key])}
    return network


def load_pilot(area: str) -> Area:
    """Load one study area of the embedded pilot pack.

    Parameters
    ----------
    area
        One of :data:`available`: ``"swale"`` or ``"saint-omer"``.

    Returns
    -------
    Area
        Boundary (``code``, ``name``), cells (``share__<group>`` and ``density_class``
        columns, 250 m squares clipped to the boundary), sites, groups and proxy parameters,
        all in the area's CRS; ``inputs`` lists the pack's files (``pilot.area``,
        ``pilot.boundary``, ``pilot.cells``, ``pilot.sites``, ``pilot.groups``,
        ``pilot.proxy_network``); ``demand`` is None (the cells as the pack holds them).

    Raises
    ------
    InputError
        For an unknown area (the message lists the choices) or a missing/damaged pack.
    """
    if area not in available:
        msg = f"unknown pilot area {area!r}"
        raise InputError(msg, field="area", fix=f"choose one of {', '.join(available)}")
    inputs = {"pilot.area": get_path(f"{area}/area.toml")}
    meta = _read_area_file(inputs["pilot.area"], area)
    inputs |= {
        "pilot.boundary": data_dir() / meta.boundary,
        "pilot.cells": get_path(f"{area}/cells.csv"),
        "pilot.sites": get_path(f"{area}/sites.csv"),
        "pilot.groups": get_path("groups.toml"),
        "pilot.proxy_network": get_path(f"{area}/proxy_network.toml"),
    }
    crs = pyproj.CRS.from_user_input(meta.crs)
    boundary = read_boundary(inputs["pilot.boundary"], crs=crs)
    cells = read_cells_csv(
        inputs["pilot.cells"],
        crs=crs,
        cell_size=meta.cell_size_m,
        boundary=shapely.union_all(boundary.geometry.to_numpy()),
    )
    groups = load_groups(inputs["pilot.groups"])
    share_ids = sorted(
        str(c).removeprefix(SHARE_PREFIX) for c in cells.columns if str(c).startswith(SHARE_PREFIX)
    )
    if share_ids != sorted(g.id for g in groups):
        msg = f"share columns {share_ids} do not match the groups {[g.id for g in groups]}"
        raise InputError(msg, file=inputs["pilot.cells"], field=SHARE_PREFIX, fix=REBUILD)
    return Area(
        id=area,
        name=meta.name,
        crs=crs,
        boundary=boundary,
        cells=cells,
        sites=read_sites(inputs["pilot.sites"], crs=crs),
        groups=groups,
        inputs=inputs,
        proxy_params=read_toml(inputs["pilot.proxy_network"], fix=REBUILD),
        sources=meta.sources,
        assumptions=meta.assumptions,
    )
