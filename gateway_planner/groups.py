"""Customer groups: who needs face-to-face help, how often, and how they travel.

A group file is TOML with one ``[[group]]`` table per customer group::

    [[group]]
    id = "older_low_income"                 # common id across study areas
    name = "Older residents on low incomes"
    description = "..."
    visits_per_person_year = 1.2            # service contacts per person per year, all channels
    source = "assumed: ..."                 # "measured: <survey>" or "assumed: <why>"
    channels = { face_to_face = 0.55, phone = 0.35, web = 0.10 }
    modes = { drive = 0.45, walk = 0.55 }
    decay = { form = "exponential", beta = 0.015, cutoff = 120 }   # optional

Channel shares and mode shares each sum to 1. ``decay`` (optional) makes the group's visits fall
with journey time (:mod:`gateway_planner.decay`: ``form`` "exponential" or "power", ``beta``,
``t0`` minutes for the power form, an optional ``cutoff`` in minutes past which nobody comes).
An optional ``[calibration]`` table scales every group's visits per person::

    [calibration]
    visit_rate_multiplier = 9.5             # fitted to observed footfall
    source = "fitted by scenarios/sheerness.toml to ..."

 Each table is validated by :class:`GroupTable`
(a pydantic model: unknown keys are errors) and a bad file gets one error listing every problem,
each with its field (``group[older_low_income].channels``) and fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._toml import read_toml, translate
from .decay import DECAY_FORMS, decay_factor, decay_problems
from .errors import InputError, InputProblem

__all__ = [
    "CHANNELS",
    "CalibrationTable",
    "CustomerGroup",
    "GroupDecay",
    "GroupTable",
    "load_groups",
    "parse_groups",
]

CHANNELS = ("face_to_face", "phone", "web")
_TOL = 1e-6
_ID_PATTERN = r"^[A-Za-z0-9_]+$"
_ID_FIX = "give each group an id made of letters, digits and _"
#: fixes of the checks below, by a piece of their message
_FIXES = {
    "should match pattern": _ID_FIX,
    "must have exactly": f"use the keys {', '.join(CHANNELS)}",
    "sum to": "rescale the shares so they sum to 1",
    "appears twice": "make group ids unique",
    "decay form": f"set decay.form to one of {', '.join(DECAY_FORMS)}",
    "decay.beta": "give decay.beta as a number > 0, e.g. beta = 0.015 (half the visits lost at 46 min)",
    "decay.t0": "give decay.t0 as a number of minutes > 0, e.g. t0 = 30",
    "cut-off": "give decay.cutoff as a number of minutes >= 0, or leave it out",
    "decay keys": "use only the keys form, beta, t0 and cutoff in decay",
}
_DECAY_KEYS = ("form", "beta", "t0", "cutoff")


@dataclass(frozen=True)
class GroupDecay:
    """How a group's visits fall with journey time (:func:`gateway_planner.decay.decay_factor`).

    Parameters
    ----------
    form
        {"exponential", "power"}
    beta
        The decay parameter (> 0).
    t0
        Power form: minutes at which the factor is ``2^-beta``.
    cutoff
        Nobody comes past this many minutes (None: no cut-off).
    """

    form: str
    beta: float
    t0: float | None = None
    cutoff: float | None = None

    def factor(self, minutes: np.ndarray) -> np.ndarray:
        """Share of the group's visits still made at each journey time (0 where ``inf``)."""
        return decay_factor(minutes, form=self.form, beta=self.beta, t0=self.t0, cutoff=self.cutoff)

    def scaled(self, scale: float) -> GroupDecay:
        """Return the same decay with ``beta`` multiplied by ``scale`` (a calibration's fit)."""
        return GroupDecay(self.form, self.beta * scale, self.t0, self.cutoff)

    def describe(self) -> str:
        """Say the decay in words, e.g. ``exponential, beta 0.015/min (half lost at 46 min)``."""
        if self.form == "exponential":
            text = f"exponential, beta {self.beta:.4g}/min (half the visits lost at {np.log(2) / self.beta:.0f} min)"
        else:
            text = f"power, beta {self.beta:.4g}, t0 {self.t0:g} min"
        return text + ("" if self.cutoff is None else f", none past {self.cutoff:g} min")


def _decay_from_table(value: Mapping[str, Any]) -> GroupDecay:
    """Check a ``decay`` table (one line listing every problem) and build its :class:`GroupDecay`."""
    unknown = sorted(str(k) for k in value if k not in _DECAY_KEYS)
    if unknown:
        msg = f"unknown decay keys {unknown}"
        raise ValueError(msg)
    form = value.get("form", "exponential")
    problems = decay_problems(
        str(form),
        beta=value.get("beta"),
        t0=value.get("t0"),
        cutoff=value.get("cutoff"),
        forms=DECAY_FORMS,
    )
    if problems:
        words = {"decay": "decay form", "decay_beta": "decay.beta", "decay_t0": "decay.t0"}
        text = "; ".join(m.replace(f, words[f], 1) if f in words else m for f, m in problems)
        raise ValueError(text)
    t0, cutoff = value.get("t0"), value.get("cutoff")
    return GroupDecay(
        str(form),
        float(value["beta"]),
        None if t0 is None else float(t0),
        None if cutoff is None else float(cutoff),
    )


#: a share of contacts or journeys: a number from 0 (TOML integers too, not true/false)
_Share = Annotated[float, Field(ge=0, allow_inf_nan=False)]


@dataclass(frozen=True)
class CustomerGroup:
    """One customer group (the same ids are used on both sides of the Channel).

    Parameters
    ----------
    id
        Short identifier (letters, digits, ``_``); used in ``share__<id>`` columns.
    name
        Human-readable name for maps and tables.
    description
        One or two sentences saying who is in the group.
    channels
        Shares of contacts by channel: ``face_to_face``, ``phone``, ``web``; sum to 1.
    visits_per_person_year
        Contacts per person per year over all channels.
    modes
        Shares of face-to-face journeys by travel mode (``drive``, ``walk``, ...); sum to 1.
    source
        ``"measured: ..."`` or ``"assumed: ..."``.
    decay
        How the group's visits fall with journey time (None: they do not).
    rate_multiplier
        Multiplier of ``visits_per_person_year`` from a calibration to observed footfall
        (the groups file's ``[calibration]`` table); 1 when uncalibrated.
    rate_source
        Where the multiplier comes from ("" when there is none).
    """

    id: str
    name: str
    description: str
    channels: Mapping[str, float]
    visits_per_person_year: float
    modes: Mapping[str, float]
    source: str = "assumed: not stated"
    extra: Mapping[str, Any] = field(default_factory=dict)
    decay: GroupDecay | None = None
    rate_multiplier: float = 1.0
    rate_source: str = ""

    @property
    def modelled_visits_per_person_year(self) -> float:
        """Contacts per person per year the model uses: the file's figure x the multiplier."""
        return self.visits_per_person_year * self.rate_multiplier

    @property
    def assumed(self) -> bool:
        """True when the group's figures are assumed rather than measured."""
        return not self.source.strip().lower().startswith("measured")

    @property
    def face_to_face(self) -> float:
        """Share of contacts made face to face."""
        return float(self.channels["face_to_face"])


def _sums_to_one(shares: dict[str, float], what: str) -> dict[str, float]:
    total = sum(shares.values())
    if abs(total - 1.0) > _TOL:
        msg = f"{what} shares sum to {total:.6g}, not 1"
        raise ValueError(msg)
    return shares


class GroupTable(BaseModel):
    """One ``[[group]]`` table of a groups file, as written (unknown keys are errors).

    Attributes
    ----------
    id, name, description, visits_per_person_year, channels, modes, source
        As in :class:`CustomerGroup`; ``name`` is the id when omitted.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: str = Field(pattern=_ID_PATTERN)
    name: str | None = None
    description: str = ""
    visits_per_person_year: float = Field(ge=0, allow_inf_nan=False)
    channels: dict[str, _Share]
    modes: dict[str, _Share] = Field(min_length=1)
    source: str = "assumed: not stated"
    decay: dict[str, Any] | None = None

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, float]) -> dict[str, float]:
        missing = [c for c in CHANNELS if c not in value]
        unknown = [c for c in value if c not in CHANNELS]
        if missing or unknown:
            msg = f"channels must have exactly {', '.join(CHANNELS)} (missing {missing}, unknown {unknown})"
            raise ValueError(msg)
        return _sums_to_one(value, "channels")

    @field_validator("modes")
    @classmethod
    def _modes(cls, value: dict[str, float]) -> dict[str, float]:
        return _sums_to_one(value, "modes")

    @field_validator("decay", mode="after")
    @classmethod
    def _decay(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            _decay_from_table(value)
        return value

    def to_group(self, calibration: CalibrationTable | None = None) -> CustomerGroup:
        """Return the :class:`CustomerGroup` this table describes (with the file's calibration)."""
        return CustomerGroup(
            id=self.id,
            name=self.id if self.name is None else self.name,
            description=self.description,
            channels=dict(self.channels),
            visits_per_person_year=self.visits_per_person_year,
            modes=dict(self.modes),
            source=self.source,
            decay=None if self.decay is None else _decay_from_table(self.decay),
            rate_multiplier=1.0 if calibration is None else calibration.visit_rate_multiplier,
            rate_source="" if calibration is None else calibration.source,
        )


class CalibrationTable(BaseModel):
    """The ``[calibration]`` table of a groups file: a multiplier of every group's visit rate.

    Attributes
    ----------
    visit_rate_multiplier
        Multiplies every group's ``visits_per_person_year`` (> 0).
    source
        Where it comes from (which observations, which scenario fitted it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    visit_rate_multiplier: float = Field(gt=0, allow_inf_nan=False)
    source: str = Field(min_length=1)


def _group_id(item: object) -> str | None:
    """Return the table's id when it is a usable one (letters, digits, ``_``), else None."""
    gid = item.get("id") if isinstance(item, Mapping) else None
    return gid if isinstance(gid, str) and re.fullmatch(_ID_PATTERN, gid) else None


def _problems(exc: ValidationError, prefix: str) -> list[InputProblem]:
    return list(translate(exc, file=None, prefix=prefix, fixes=_FIXES).problems)


def parse_groups(data: Mapping[str, Any], *, file: str = "<groups>") -> list[CustomerGroup]:
    """Build and check customer groups from parsed TOML data, reporting every problem at once.

    Parameters
    ----------
    data
        The parsed file: a mapping with a ``group`` list of tables.
    file
        Name used in error messages.

    Returns
    -------
    list of CustomerGroup
        In file order.

    Raises
    ------
    InputError
        Listing every problem, each with its field (``group[older_low_income].channels``) and
        fix: missing or unknown keys, shares not summing to 1, bad numbers, repeated ids.
    """
    raw = data.get("group")
    problems = [
        InputProblem(
            str(key),
            "unknown key",
            "remove it; a groups file holds [[group]] tables and a [calibration] table",
        )
        for key in data
        if key not in ("group", "calibration")
    ]
    calibration: CalibrationTable | None = None
    if "calibration" in data:
        try:
            calibration = CalibrationTable.model_validate(data["calibration"])
        except ValidationError as exc:
            problems += _problems(exc, "calibration")
    if not isinstance(raw, list) or not raw:
        msg = "no [[group]] tables found"
        problems.insert(0, InputProblem("group", msg, "add one [[group]] table per customer group"))
        raise InputError.from_problems(problems, file=file)
    tables: list[GroupTable] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        gid = _group_id(item)
        try:
            tables.append(GroupTable.model_validate(item))
        except ValidationError as exc:
            # a table is named by its id when it has a usable one, by its place (from 0) otherwise
            problems += _problems(exc, f"group[{i if gid is None else gid}]")
        if gid in seen:
            msg = f"group id {gid!r} appears twice"
            problems.append(InputProblem(f"group[{gid}].id", msg, _FIXES["appears twice"]))
        if gid is not None:
            seen.add(gid)
    if problems:
        raise InputError.from_problems(problems, file=file)
    return [table.to_group(calibration) for table in tables]


def load_groups(path: str | Path) -> list[CustomerGroup]:
    """Read a ``groups.toml`` file (format in this module's docstring).

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    list of CustomerGroup
        In file order.

    Raises
    ------
    InputError
        When the file is missing or not TOML, or listing every problem of its groups.
    """
    return parse_groups(read_toml(path, what="groups file"), file=str(path))
