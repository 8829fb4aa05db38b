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

Channel shares and mode shares each sum to 1.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["CHANNELS", "CustomerGroup", "load_groups", "parse_groups"]

CHANNELS = ("face_to_face", "phone", "web")
_TOL = 1e-6


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


def _check_shares(
    shares: Any, *, what: str, required: Sequence[str] | None, file: str, gid: str
) -> dict[str, float]:
    field_name = f"group[{gid}].{what}"
    if not isinstance(shares, Mapping) or not shares:
        msg = f"{what} must be a table of shares"
        raise InputError(
            msg,
            file=file,
            field=field_name,
            fix=f"write {what} = {{ ... }} with shares summing to 1",
        )
    out: dict[str, float] = {}
    for key, value in shares.items():
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not math.isfinite(value)
            or value < 0
        ):
            msg = f"share {key!r} is {value!r}, not a number between 0 and 1"
            raise InputError(
                msg, file=file, field=f"{field_name}.{key}", fix="use a number between 0 and 1"
            )
        out[str(key)] = float(value)
    if required is not None:
        missing = [c for c in required if c not in out]
        unknown = [c for c in out if c not in required]
        if missing or unknown:
            msg = f"{what} must have exactly {', '.join(required)} (missing {missing}, unknown {unknown})"
            raise InputError(
                msg, file=file, field=field_name, fix=f"use the keys {', '.join(required)}"
            )
    total = sum(out.values())
    if abs(total - 1.0) > _TOL:
        msg = f"{what} shares sum to {total:.6g}, not 1"
        raise InputError(
            msg, file=file, field=field_name, fix="rescale the shares so they sum to 1"
        )
    return out


def parse_groups(data: Mapping[str, Any], *, file: str = "<groups>") -> list[CustomerGroup]:
    """Build and check customer groups from parsed TOML data.

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
        When a field is missing, a share table does not sum to 1, or ids repeat.
    """
    raw = data.get("group")
    if not isinstance(raw, list) or not raw:
        msg = "no [[group]] tables found"
        raise InputError(
            msg, file=file, field="group", fix="add one [[group]] table per customer group"
        )
    groups: list[CustomerGroup] = []
    seen: set[str] = set()
    known = {"id", "name", "description", "channels", "visits_per_person_year", "modes", "source"}
    for i, item in enumerate(raw):
        gid = str(item.get("id", f"#{i + 1}"))
        if "id" not in item or not gid.replace("_", "").isalnum():
            msg = f"group #{i + 1} has no valid id ({item.get('id')!r})"
            raise InputError(
                msg,
                file=file,
                field=f"group[{i}].id",
                fix="give each group an id made of letters, digits and _",
            )
        if gid in seen:
            msg = f"group id {gid!r} appears twice"
            raise InputError(msg, file=file, field=f"group[{gid}].id", fix="make group ids unique")
        seen.add(gid)
        unknown = sorted(set(item) - known)
        if unknown:
            msg = f"unknown keys {unknown}"
            raise InputError(
                msg,
                file=file,
                field=f"group[{gid}]",
                fix=f"remove them; allowed keys: {sorted(known)}",
            )
        visits = item.get("visits_per_person_year")
        if (
            not isinstance(visits, (int, float))
            or isinstance(visits, bool)
            or not math.isfinite(visits)
            or visits < 0
        ):
            msg = f"visits_per_person_year is {visits!r}"
            raise InputError(
                msg,
                file=file,
                field=f"group[{gid}].visits_per_person_year",
                fix="give a number of contacts per person per year, 0 or more",
            )
        groups.append(
            CustomerGroup(
                id=gid,
                name=str(item.get("name", gid)),
                description=str(item.get("description", "")),
                channels=_check_shares(
                    item.get("channels"), what="channels", required=CHANNELS, file=file, gid=gid
                ),
                visits_per_person_year=float(visits),
                modes=_check_shares(
                    item.get("modes"), what="modes", required=None, file=file, gid=gid
                ),
                source=str(item.get("source", "assumed: not stated")),
            )
        )
    return groups


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
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = "file not found"
        raise InputError(
            msg,
            file=path,
            fix="check the path (relative paths are read from the scenario's folder)",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"not valid TOML ({exc})"
        raise InputError(msg, file=path, fix="correct the TOML syntax") from exc
    return parse_groups(data, file=str(path))
