"""The scenario's ``[network]`` table and its public-transport and on-demand sub-tables."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..errors import InputError
from ..network.gtfs import parse_clock
from ..network.on_demand import DEFAULT_SOURCE as ON_DEMAND_SOURCE
from ._base import Strict

__all__ = ["ModeName", "NetworkConfig", "OnDemandConfig", "RoadModeName", "TransitConfig"]

#: travel modes a scenario may ask for
ModeName = Literal["drive", "walk", "bus", "on_demand"]
#: the modes read from a road network source (the others are built on them)
RoadModeName = Literal["drive", "walk"]
_DEFAULT_MODES: tuple[ModeName, ...] = ("drive", "walk")


class TransitConfig(Strict):
    """The bus mode: a GTFS feed's service on one day and window (README: "Public transport")."""

    gtfs: Path = Field(description="A GTFS zip or folder; relative to the scenario file.")
    date: datetime.date = Field(description="Service day (calendar and calendar_dates honoured).")
    window: tuple[str, str] = Field(default=("09:00", "16:00"), description="HH:MM to HH:MM.")
    wait_factor: float = Field(default=0.5, ge=0, description="Share of the headway waited.")
    planned: bool = Field(default=False, description="True: no wait at the first boarding.")
    max_walk_m: float = Field(default=800.0, gt=0, description="Longest walk to/from a stop.")
    min_departures: int = Field(default=3, ge=1, description="Fewer in the window: flagged.")

    @field_validator("window")
    @classmethod
    def _times_of_day(cls, value: tuple[str, str]) -> tuple[str, str]:
        try:
            start, end = (parse_clock(v) for v in value)
        except InputError:
            start = end = -1
        if not 0 <= start < end:
            msg = f'window must be two times of day "HH:MM", the end after the start: {value}'
            raise ValueError(msg)
        return value


class OnDemandConfig(Strict):
    """The on-demand mode: a booked minibus inside a zone (README: "On-demand transport")."""

    zone: Path = Field(description="Vector file of the zone; relative to the scenario file.")
    time_factor: float = Field(default=1.3, ge=1, description="Drive time multiplier.")
    wait_minutes: float = Field(default=15.0, ge=0, description="Booking or pick-up wait.")
    destinations: Literal["zone", "anywhere"] = Field(default="zone", description="Sites served.")
    source: str = Field(default=ON_DEMAND_SOURCE, pattern=r"^(assumed|measured):")
    open_to: list[Literal["bus", "walk"]] = Field(
        default_factory=list,
        description="Modes whose travellers also book the minibus where it is faster "
        "(inside the zone), e.g. ['bus', 'walk']: nobody walks for hours where it serves them.",
    )


class NetworkConfig(Strict):
    """Travel network and modes."""

    source: Literal["proxy", "osm", "file"] = "proxy"
    path: Path | None = Field(
        default=None, description="OSM (.osm/.osm.pbf) or GraphML file when source = 'file'."
    )
    query: str | None = Field(
        default=None, description="Place name for source = 'osm'; the area polygon if omitted."
    )
    modes: list[ModeName] = Field(default_factory=lambda: list(_DEFAULT_MODES), min_length=1)
    limit_minutes: float | None = Field(
        default=None, gt=0, description="Ignore journeys longer than this."
    )
    walk_speed_kmh: float = Field(default=4.8, gt=0)
    max_snap_m: float = Field(default=2000.0, gt=0)
    speeds: dict[RoadModeName, dict[str, float]] = Field(
        default_factory=dict,
        description="km/h by OSM highway class (and 'default') per mode, overriding the defaults, "
        "e.g. { drive = { primary = 50, residential = 25 } }.",
    )

    @field_validator("speeds")
    @classmethod
    def _positive_speeds(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        bad = {f"{m}.{k}": v for m, table in value.items() for k, v in table.items() if not v > 0}
        if bad:
            msg = f"speeds must be positive km/h, got {bad}"
            raise ValueError(msg)
        return value

    def speed_tables(self) -> dict[str, dict[str, float]]:
        """Speed overrides per mode for the network builder; walking defaults to walk_speed_kmh."""
        tables: dict[str, dict[str, float]] = {
            mode: dict(table) for mode, table in self.speeds.items()
        }
        tables["walk"] = {"default": self.walk_speed_kmh, **tables.get("walk", {})}
        return tables

    transit: TransitConfig | None = None
    on_demand: OnDemandConfig | None = None

    @model_validator(mode="after")
    def _file_needs_path(self) -> NetworkConfig:
        if self.source == "file" and self.path is None:
            msg = "source = 'file' needs network.path"
            raise ValueError(msg)
        if "bus" in self.modes and self.transit is None:
            msg = "mode 'bus' needs a [network.transit] table with gtfs and date"
            raise ValueError(msg)
        if "on_demand" in self.modes and self.on_demand is None:
            msg = "mode 'on_demand' needs a [network.on_demand] table with zone"
            raise ValueError(msg)
        if self.on_demand is not None and self.on_demand.open_to:
            absent = [m for m in ("on_demand", *self.on_demand.open_to) if m not in self.modes]
            if absent:
                msg = f"on_demand.open_to needs modes {absent} in network.modes"
                raise ValueError(msg)
        return self
