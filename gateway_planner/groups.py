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

Channel shares and mode shares each sum to 1. Each table is validated by :class:`GroupTable`
(a pydantic model: unknown keys are errors) and a bad file gets one error listing every problem,
each with its field (``group[older_low_income].channels``) and fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._toml import read_toml, translate
from .errors import InputError, InputProblem

__all__ = ["CHANNELS", "CustomerGroup", "GroupTable", "load_groups", "parse_groups"]

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
}

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
    """

    id: str
    name: str
    description: str
    channels: Mapping[str, float]
    visits_per_person_year: float
    modes: Mapping[str, float]
    source: str = "assumed: not stated"
    extra: Mapping[str, Any] = field(default_factory=dict)

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

    def to_group(self) -> CustomerGroup:
        """Return the :class:`CustomerGroup` this table describes."""
        return CustomerGroup(
            id=self.id,
            name=self.id if self.name is None else self.name,
            description=self.description,
            channels=dict(self.channels),
            visits_per_person_year=self.visits_per_person_year,
            modes=dict(self.modes),
            source=self.source,
        )


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
        InputProblem(str(key), "unknown key", "remove it; a groups file holds [[group]] tables")
        for key in data
        if key != "group"
    ]
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
    return [table.to_group() for table in tables]


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
