"""Travel modes and what each one needs from the road network.

A :class:`Mode` names a way of travelling. The road modes (``drive``, ``walk``) are read from a
source; a :class:`ModeProfile` says which OpenStreetMap ways each may use, whether one-way
streets bind it, and how its network is asked for from osmnx and pyrosm. A new road mode is
one enum member plus one profile in :data:`PROFILES` and one speed table in
:mod:`gateway_planner.network.speeds`.

The other modes are built on a road mode's network (:data:`BUILT_ON`): ``bus`` on the walk
network and a GTFS feed (:func:`gateway_planner.network.transit_network`), ``on_demand`` on
the drive network and a zone (:func:`gateway_planner.network.on_demand_network`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..errors import InputError

__all__ = ["BUILT_ON", "PROFILES", "Mode", "ModeProfile"]


class Mode(StrEnum):
    """A travel mode; lookup is case-insensitive (``Mode("Walk") is Mode.WALK``)."""

    DRIVE = "drive"
    WALK = "walk"
    BUS = "bus"
    ON_DEMAND = "on_demand"

    @classmethod
    def _missing_(cls, value: object) -> Mode | None:
        if isinstance(value, str):
            wanted = value.strip().lower()
            for member in cls:
                if member.value == wanted:
                    return member
        return None

    @classmethod
    def parse(cls, value: Mode | str, *, field: str = "mode") -> Mode:
        """Return the mode named by ``value`` or raise an :class:`InputError` listing the modes.

        Parameters
        ----------
        value
            A mode or its name in any case (``"Walk"``, ``"DRIVE"``).
        field
            Name of the setting ``value`` came from, used in the error message.

        Returns
        -------
        Mode
            The matching mode.
        """
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(m.value for m in cls)
            msg = f"unknown travel mode {value!r}"
            raise InputError(msg, field=field, fix=f"use one of {known}") from None


@dataclass(frozen=True)
class ModeProfile:
    """What a mode needs from an OpenStreetMap network.

    Parameters
    ----------
    osmnx_network_type
        The osmnx ``network_type`` used for downloads.
    pyrosm_network_type
        The pyrosm ``network_type`` used for ``.osm.pbf`` files.
    bidirectional
        True when every way can be used both ways (one-way tags ignored).
    use_maxspeed
        True when tagged ``maxspeed`` values set the edge speed.
    """

    osmnx_network_type: str
    pyrosm_network_type: str
    bidirectional: bool
    use_maxspeed: bool


PROFILES: dict[Mode, ModeProfile] = {
    Mode.DRIVE: ModeProfile(
        osmnx_network_type="drive",
        pyrosm_network_type="driving",
        bidirectional=False,
        use_maxspeed=True,
    ),
    Mode.WALK: ModeProfile(
        osmnx_network_type="walk",
        pyrosm_network_type="walking",
        bidirectional=True,
        use_maxspeed=False,
    ),
}

#: modes built on another mode's network, and that network's mode
BUILT_ON: dict[Mode, Mode] = {Mode.BUS: Mode.WALK, Mode.ON_DEMAND: Mode.DRIVE}
