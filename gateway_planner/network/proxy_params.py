"""Parameters of the proxy network: a TOML file validated by pydantic models.

Parameter file (TOML; speeds in km/h, so their keys end in ``_kmh``)::

    source = "assumed: ..."          # "measured: ...", "calibrated: ..." or "assumed: ..."
    max_edge_m = 3000.0              # longest straight edge
    neighbours = 4                   # nearest neighbours added to the Delaunay edges (0: none)
    detour_factor = 1.3              # road distance / straight distance (>= 1)
    land_tolerance_m = 30.0          # how far an edge may stray outside the land polygon
    walk_speed_kmh = 4.8
    [drive_speed_kmh]                # by density class of the cells (column density_class)
    urban = 25.0
    town = 40.0
    rural = 65.0
    [density_classes]                # optional: classes for cells without density_class,
    urban = 2500.0                   # minimum people per km² of cell area (densest wins)
    town = 600.0
    rural = 0.0
    [[link]]                         # optional, repeatable: a crossing between land parts
    name = "Kingsferry Bridge"
    crs = "EPSG:4326"                # CRS of from/to (default: the cells' CRS)
    from = [0.7398, 51.3925]         # x, y (longitude, latitude for EPSG:4326)
    to = [0.7398, 51.4010]
    drive_speed_kmh = 50.0           # default: the slowest drive speed
    walk = true                      # usable on foot (default true)
    detour_factor = 1.0              # default 1.0: the link follows the crossing itself
    [calibration]                    # optional: how drive_speed_kmh / detour_factor were fitted
    reference = "..."                # the real road times compared with
    region = "..."                   # where
    pairs = 1373                     # origin-destination pairs compared
    selection = "..."                # optional: which pairs
    method = "..."                   # optional: the loss and the optimiser
    [calibration.before]             # the parameters before the fit and their figures
    detour_factor = 1.3
    drive_speed_kmh = { urban = 25.0, town = 40.0, rural = 65.0 }
    median_ratio = 1.139             # median of proxy time / reference time
    spearman = 0.703                 # rank correlation of proxy and reference times
    within_25pct = 0.581             # share of pairs within 25 % of the reference
    [calibration.after]              # the same for the fitted parameters, which must be the
    ...                              # file's own detour_factor and drive_speed_kmh

Every problem of a file is reported at once (:func:`gateway_planner._toml.validate`), each with
its field and the fix for that field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .._toml import read_toml, validate
from ..errors import InputError, InputProblem

__all__ = [
    "DEFAULT_DENSITY_CLASSES",
    "ProxyCalibration",
    "ProxyFitFigures",
    "ProxyLink",
    "ProxyParams",
    "load_proxy_params",
    "proxy_params",
    "validate_proxy_params",
]

#: classes for cells without a ``density_class`` column: minimum people per km², densest first
DEFAULT_DENSITY_CLASSES: dict[str, float] = {"urban": 2500.0, "town": 600.0, "rural": 0.0}

#: a speed (km/h) or a length (m), above 0
_Positive = Annotated[StrictFloat, Field(gt=0, allow_inf_nan=False)]
#: a length or a density, 0 or more
_NonNegative = Annotated[StrictFloat, Field(ge=0, allow_inf_nan=False)]
#: road distance over straight distance
_Detour = Annotated[StrictFloat, Field(ge=1, allow_inf_nan=False)]
#: one coordinate of a crossing's end
_Coordinate = Annotated[StrictFloat, Field(allow_inf_nan=False)]

_ENDS_FIX = "give the crossing's end as [x, y] (longitude, latitude with crs = 'EPSG:4326')"
_REFIT = "refit the calibration, or remove the [calibration] table when the parameters are changed by hand"
_DRIVE_FIX = "give a driving speed in km/h above 0"
#: the fix of each field (``[]``: any link, ``*``: any key of the table)
_FIXES: dict[str, str] = {
    "max_edge_m": "give the longest edge in metres, e.g. max_edge_m = 3000.0",
    "neighbours": "give a whole number of nearest neighbours, 0 or more",
    "detour_factor": "use a detour factor of 1 or more, e.g. 1.3",
    "land_tolerance_m": "give a distance in metres, 0 or more",
    "walk_speed_kmh": "give a walking speed in km/h above 0, e.g. 4.8",
    "drive_speed_kmh": "write [drive_speed_kmh] with e.g. urban = 25.0, town = 35.0, rural = 55.0",
    "drive_speed_kmh.*": _DRIVE_FIX,
    "density_classes": "write [density_classes] with e.g. urban = 2500.0, rural = 0.0",
    "density_classes.*": "give a density of 0 or more people per km²",
    "link": "write each crossing as a [[link]] table",
    "link[]": "write [[link]] with name, from and to",
    "link[].from": _ENDS_FIX,
    "link[].to": _ENDS_FIX,
    "link[].walk": "write walk = true or walk = false",
    "link[].drive_speed_kmh": _DRIVE_FIX,
    "link[].detour_factor": "use a detour factor of 1 or more",
    "calibration": "write [calibration] with reference, region, pairs and the tables before and after",
    "calibration.pairs": "give the number of pairs compared, 1 or more",
    "calibration.*.median_ratio": "give the median of proxy / reference times, above 0",
    "calibration.*.spearman": "give a rank correlation between -1 and 1",
    "calibration.*.within_25pct": "give a share between 0 and 1",
    "calibration.*.detour_factor": "use a detour factor of 1 or more",
    "calibration.*.drive_speed_kmh.*": _DRIVE_FIX,
}


class _Table(BaseModel):
    """A table of the file: unknown keys are problems, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ProxyLink(_Table):
    """A ``[[link]]``: a crossing (bridge, ferry) between separate land parts."""

    name: str | None = Field(default=None, description="Name; 'link[<i>]' if omitted.")
    crs: str | None = Field(default=None, description="CRS of from and to; the cells' if omitted.")
    from_: tuple[_Coordinate, _Coordinate] = Field(alias="from", description="One end, [x, y].")
    to: tuple[_Coordinate, _Coordinate] = Field(description="The other end, [x, y].")
    drive_speed_kmh: _Positive | None = Field(
        default=None, description="Driving speed; the slowest of drive_speed_kmh if omitted."
    )
    walk: StrictBool = Field(default=True, description="Usable on foot.")
    detour_factor: _Detour = Field(
        default=1.0, description="Length over the straight node-end-end-node line."
    )


class ProxyFitFigures(_Table):
    """``[calibration.before]`` / ``[calibration.after]``: parameters and how they fit."""

    detour_factor: _Detour = Field(description="Road over straight distance.")
    drive_speed_kmh: dict[str, _Positive] = Field(
        min_length=1, description="Driving speed by density class."
    )
    median_ratio: _Positive = Field(description="Median of proxy / reference times.")
    spearman: StrictFloat = Field(
        ge=-1, le=1, allow_inf_nan=False, description="Rank correlation with the reference."
    )
    within_25pct: StrictFloat = Field(
        ge=0, le=1, allow_inf_nan=False, description="Share of pairs within 25 %."
    )


class ProxyCalibration(_Table):
    """``[calibration]``: how the drive parameters were fitted to real road times."""

    reference: str = Field(description="The real road times compared with.")
    region: str = Field(description="Where they were compared.")
    pairs: StrictInt = Field(ge=1, description="Origin-destination pairs compared.")
    selection: str = Field(default="", description="Which pairs.")
    method: str = Field(default="", description="The loss and the optimiser.")
    before: ProxyFitFigures = Field(description="The parameters before the fit.")
    after: ProxyFitFigures = Field(description="The fitted parameters (the file's own).")


class ProxyParams(_Table):
    """Proxy-network parameters (the file format is in this module's docstring)."""

    source: str = Field(
        default="assumed: not stated", description="'measured: ...' or 'assumed: ...'."
    )
    max_edge_m: _Positive = Field(description="Longest straight edge, metres.")
    neighbours: StrictInt = Field(
        default=8, ge=0, description="Nearest neighbours added to the Delaunay edges."
    )
    detour_factor: _Detour = Field(default=1.3, description="Road over straight distance.")
    land_tolerance_m: _NonNegative = Field(
        default=0.0, description="How far an edge may stray outside the land, metres."
    )
    walk_speed_kmh: _Positive = Field(default=4.8, description="Walking speed on every edge.")
    drive_speed_kmh: dict[str, _Positive] = Field(
        min_length=1, description="Driving speed by density class (an edge takes the slower end)."
    )
    density_classes: dict[str, _NonNegative] = Field(
        default_factory=lambda: dict(DEFAULT_DENSITY_CLASSES),
        min_length=1,
        description="Minimum people per km² of each class, for cells without density_class.",
    )
    link: list[ProxyLink] = Field(
        default_factory=list, description="Crossings between separate land parts."
    )
    calibration: ProxyCalibration | None = Field(
        default=None, description="How the drive parameters were fitted, if they were."
    )

    @field_validator("density_classes")
    @classmethod
    def _densest_first(cls, value: dict[str, float]) -> dict[str, float]:
        return dict(sorted(value.items(), key=lambda item: -item[1]))

    @field_validator("calibration")
    @classmethod
    def _fits_these_params(
        cls, value: ProxyCalibration | None, info: ValidationInfo
    ) -> ProxyCalibration | None:
        after = value.after if value is not None else None
        speeds, detour = info.data.get("drive_speed_kmh"), info.data.get("detour_factor")
        if after is None or speeds is None or detour is None:
            return value
        if after.drive_speed_kmh != speeds or after.detour_factor != detour:
            msg = (
                f"[calibration.after] describes detour_factor = {after.detour_factor} and "
                f"drive_speed_kmh = {after.drive_speed_kmh}, not this file's {detour} and {speeds}"
            )
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _link_defaults(self) -> ProxyParams:
        links = [
            link.model_copy(
                update={
                    "name": f"link[{i}]" if link.name is None else link.name,
                    "drive_speed_kmh": self.link_speed_kmh(link),
                }
            )
            for i, link in enumerate(self.link)
        ]
        return self.model_copy(update={"link": links})

    def link_speed_kmh(self, link: ProxyLink) -> float:
        """Return a link's driving speed: its own, or the slowest of ``drive_speed_kmh``.

        Parameters
        ----------
        link
            One of the crossings.

        Returns
        -------
        float
            km/h.
        """
        if link.drive_speed_kmh is not None:
            return link.drive_speed_kmh
        return min(self.drive_speed_kmh.values())


def proxy_params(
    data: Mapping[str, Any] | ProxyParams, *, file: str | Path = "<proxy params>"
) -> ProxyParams:
    """Validate proxy-network parameters into their model.

    Parameters
    ----------
    data
        Parsed parameter file, or an already validated model (returned as it is).
    file
        Name used in error messages.

    Returns
    -------
    ProxyParams
        Every key present (defaults filled in), density classes densest first, every link
        with a name and a drive speed.

    Raises
    ------
    InputError
        Listing every problem at once (unknown keys, missing or non-positive speeds and
        lengths, a detour factor below 1, bad links), each with its field and fix.
    """
    if isinstance(data, ProxyParams):
        return data
    try:
        return validate(ProxyParams, data, file=file)
    except InputError as exc:
        problems = [_with_fix(problem) for problem in exc.problems]
        raise InputError.from_problems(problems, file=file) from None


def _with_fix(problem: InputProblem) -> InputProblem:
    """Return the problem with its field's fix (the generic fix where the field has none)."""
    field = problem.field or ""
    if problem.message == "unknown key":
        return dataclasses.replace(problem, fix=_unknown_key_fix(field))
    if field == "calibration" and "[calibration.after]" in problem.message:
        return dataclasses.replace(problem, fix=_REFIT)
    key = re.sub(r"\[\d+\]", "[]", field)  # any link
    key = re.sub(r"^(drive_speed_kmh|density_classes)\..+$", r"\1.*", key)  # any class
    key = re.sub(r"^(link\[\]\.\w+)\[\]$", r"\1", key)  # a coordinate of from / to
    key = re.sub(r"^calibration\.(before|after)\.", "calibration.*.", key)  # either side
    key = re.sub(r"^(calibration\.\*\.drive_speed_kmh)\..+$", r"\1.*", key)  # any class
    fix = _FIXES.get(key)
    return problem if fix is None else dataclasses.replace(problem, fix=fix)


def _unknown_key_fix(field: str) -> str:
    table = re.sub(r"\.[^.]*$", "", field) if "." in field else ""
    where: dict[str, tuple[type[BaseModel], str]] = {
        "calibration": (ProxyCalibration, " in [calibration]"),
        "calibration.before": (ProxyFitFigures, " in [calibration.before]"),
        "calibration.after": (ProxyFitFigures, " in [calibration.after]"),
    }
    model, place = where.get(table, (ProxyParams, ""))
    if field.startswith("link["):
        model, place = ProxyLink, " in a [[link]]"
    allowed = sorted(f.alias or name for name, f in model.model_fields.items())
    name = field.rsplit(".", 1)[-1]
    renamed = name.removesuffix("_kph") + "_kmh"
    if name.endswith("_kph") and renamed in allowed:
        return f"rename it {renamed} (speeds are in km/h, and their keys end in _kmh)"
    return f"remove it; allowed keys{place}: {allowed}"


def validate_proxy_params(
    data: Mapping[str, Any] | ProxyParams, *, file: str | Path = "<proxy params>"
) -> dict[str, Any]:
    """Check proxy-network parameters and fill in defaults.

    Parameters
    ----------
    data
        Parsed parameter file (format in this module's docstring), or its model.
    file
        Name used in error messages.

    Returns
    -------
    dict
        Normalised parameters: every key present, numbers as float, density classes densest
        first, links as dicts with ``name``, ``crs`` (None = the cells' CRS), ``from``, ``to``,
        ``drive_speed_kmh``, ``walk``, ``detour_factor``. Validating them again gives them
        back unchanged.

    Raises
    ------
    InputError
        As :func:`proxy_params`.
    """
    return proxy_params(data, file=file).model_dump(by_alias=True)


def load_proxy_params(path: str | Path) -> dict[str, Any]:
    """Read and check a proxy-network parameter file.

    Parameters
    ----------
    path
        TOML file (format in this module's docstring).

    Returns
    -------
    dict
        Normalised parameters (see :func:`validate_proxy_params`).

    Raises
    ------
    InputError
        Missing file, bad TOML, or bad values (the message names file, field and fix).
    """
    data = read_toml(path, what="proxy network parameter file")
    return validate_proxy_params(data, file=path)
