"""Scenario files: TOML validated by pydantic, paths resolved against the scenario's folder.

A scenario says which study area, which demand, which sites, which network and which question
(objective) to answer, and where to write the results. Unknown keys are rejected so that a typo
never silently falls back to a default. See the README's "Scenario file reference" for every key.

Minimal pilot scenario::

    name = "sheerness"
    title = "Sheerness Gateway, Swale (Kent)"

    [area]
    pilot = "swale"

    [objective]
    model = "pmedian"
    new_sites = 1
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ._toml import read_toml, validate
from .errors import InputError
from .network.gtfs import parse_clock
from .network.on_demand import DEFAULT_SOURCE as ON_DEMAND_SOURCE

__all__ = [
    "REUSING_KEYS",
    "AreaConfig",
    "DemandConfig",
    "NetworkConfig",
    "ObjectiveConfig",
    "OnDemandConfig",
    "OutputConfig",
    "Scenario",
    "SitesConfig",
    "TransitConfig",
    "input_keys",
    "load_scenario",
    "reuses_inputs",
    "scenario_from_dict",
]

logger = logging.getLogger(__name__)

#: scenario tables and keys that leave the study area, networks and travel times as they are:
#: runs differing only in these can share them (run reuse and sweeps)
REUSING_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "objective",
    "output",
    "demand.channel_shift",
)


#: travel modes a scenario may ask for
ModeName = Literal["drive", "walk", "bus", "on_demand"]
#: the modes read from a road network source (the others are built on them)
RoadModeName = Literal["drive", "walk"]
_DEFAULT_MODES: tuple[ModeName, ...] = ("drive", "walk")


class _Strict(BaseModel):
    """Base of every scenario table: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaConfig(_Strict):
    """The study area: a pilot area id or a boundary file of the planner's own."""

    pilot: str | None = Field(default=None, description="Pilot area id: 'swale' or 'saint-omer'.")
    boundary: Path | None = Field(
        default=None, description="Vector file of the study area (any CRS)."
    )
    name: str | None = Field(default=None, description="Display name of the area.")
    crs: str | None = Field(
        default=None,
        description="Projected CRS of the run, e.g. 'EPSG:27700'; UTM is chosen when omitted.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> AreaConfig:
        if (self.pilot is None) == (self.boundary is None):
            msg = "give exactly one of area.pilot or area.boundary"
            raise ValueError(msg)
        return self


class DemandConfig(_Strict):
    """Population, customer groups and channel behaviour (README: "Demand inputs")."""

    population: Path | None = Field(
        default=None,
        description="Population file: a raster (GeoTIFF, ...), a vector grid, zones with counts "
        "or a CSV grid; the pilot's cells if omitted.",
    )
    population_kind: Literal["auto", "raster", "vector", "zones", "csv"] = Field(
        default="auto",
        description="How to read demand.population; auto: .tif/.tiff/.vrt/.img/.asc -> raster, "
        ".csv -> csv, anything else -> vector.",
    )
    population_column: str = Field(
        default="population", description="Population column (vector, zones, csv)."
    )
    cell_id_column: str | None = Field(
        default=None,
        description="Cell id column of a vector or CSV grid; feature ids / '<x>_<y>' if omitted.",
    )
    zone_id_column: str = Field(
        default="zone_code",
        description="Zone code column of the population zones and of demand.zones.",
    )
    cell_size: float | None = Field(
        default=None,
        gt=0,
        description="Metres: raster pixels are summed into squares of this side, zones are "
        "spread over squares of it (250 if omitted), the side of CSV grid cells.",
    )
    shares: Path | None = Field(
        default=None,
        description="Customer-group shares per zone or per cell (CSV or vector file).",
    )
    shares_key: str | None = Field(
        default=None,
        description="Key column of the shares table; zone_id_column (by zone) or "
        "cell_id_column / 'cell_id' (by cell) if omitted.",
    )
    shares_by: Literal["zone", "cell"] = Field(
        default="zone", description="Whether the shares' keys are zone codes or cell ids."
    )
    zones: Path | None = Field(
        default=None,
        description="Zone polygons (with zone_id_column) that the shares' zone codes refer to.",
    )
    groups: Path | None = Field(
        default=None, description="groups.toml; the pilot's groups if omitted."
    )
    channel_shift: float = Field(
        default=0.0,
        ge=-1.0,
        description="Relative change of every group's face-to-face share, e.g. -0.2 for 20 % fewer.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> DemandConfig:
        csv = self.population_kind == "csv" or (
            self.population_kind == "auto"
            and self.population is not None
            and self.population.suffix.lower() in {".csv", ".txt"}
        )
        if csv and self.cell_size is None:
            msg = "a CSV grid (demand.population) needs demand.cell_size"
            raise ValueError(msg)
        if self.zones is not None and self.shares is None:
            msg = "demand.zones is only read with demand.shares; remove it or add demand.shares"
            raise ValueError(msg)
        if self.zones is not None and self.shares_by == "cell":
            msg = "demand.zones is for shares by zone; remove it or set shares_by = 'zone'"
            raise ValueError(msg)
        return self


class SitesConfig(_Strict):
    """Existing and candidate sites."""

    file: Path | None = Field(
        default=None, description="CSV (x, y in the area CRS) or vector file of sites."
    )
    existing: list[str] | None = Field(
        default=None,
        description="Site ids to treat as existing (overrides the file's status column).",
    )
    exclude: list[str] = Field(
        default_factory=list, description="Site ids to leave out of this run."
    )


class TransitConfig(_Strict):
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


class OnDemandConfig(_Strict):
    """The on-demand mode: a booked minibus inside a zone (README: "On-demand transport")."""

    zone: Path = Field(description="Vector file of the zone; relative to the scenario file.")
    time_factor: float = Field(default=1.3, ge=1, description="Drive time multiplier.")
    wait_minutes: float = Field(default=15.0, ge=0, description="Booking or pick-up wait.")
    destinations: Literal["zone", "anywhere"] = Field(default="zone", description="Sites served.")
    source: str = Field(default=ON_DEMAND_SOURCE, pattern=r"^(assumed|measured):")


class NetworkConfig(_Strict):
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
        return self


class ObjectiveConfig(_Strict):
    """The question: which location model, with how many new sites, solved how."""

    model: Literal["pmedian", "max_coverage", "set_cover", "pcenter"] = "pmedian"
    new_sites: int = Field(
        default=1, ge=0, description="Number of sites to add to the existing ones."
    )
    keep_existing: bool = Field(default=True, description="Existing sites stay open.")
    limit_minutes: float | None = Field(
        default=None, gt=0, description="T for coverage and set cover."
    )
    coverage_share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="set_cover: share of face-to-face demand to bring within T.",
    )
    decay: Literal["step", "linear"] = Field(
        default="step",
        description="max_coverage: full credit within T (step) or fading to 0 at T (linear).",
    )
    decay_start: float | None = Field(
        default=None, ge=0, description="max_coverage with linear decay: minutes of full credit."
    )
    weighted_center: bool = Field(
        default=False,
        description="pcenter: minimise the worst demand-weighted journey, not the plain one.",
    )
    capacities: bool = Field(
        default=True, description="Use the sites' capacity column (visits per month) where given."
    )
    split_demand: bool = Field(
        default=False, description="With capacities, a cell's visits may be split between sites."
    )
    site_cost_column: str | None = Field(
        default=None,
        description="set_cover: column of the sites table with a cost per site (least-cost cover).",
    )
    method: Literal["auto", "exact", "heuristic"] = "auto"
    time_limit: float = Field(default=60.0, gt=0, description="Solver time limit in seconds.")
    gap: float = Field(
        default=0.0, ge=0, lt=1, description="Relative optimality gap at which to stop."
    )
    seed: int = 0

    @model_validator(mode="after")
    def _limit_for_coverage(self) -> ObjectiveConfig:
        if self.model in {"max_coverage", "set_cover"} and self.limit_minutes is None:
            msg = f"model '{self.model}' needs objective.limit_minutes"
            raise ValueError(msg)
        limit, start = self.limit_minutes, self.decay_start
        if start is not None and limit is not None and start > limit:
            msg = (
                f"objective.decay_start = {start:g} lies beyond objective.limit_minutes = "
                f"{limit:g} (full credit cannot outlast all credit)"
            )
            raise ValueError(msg)
        return self


class OutputConfig(_Strict):
    """Where results go."""

    folder: Path | None = Field(
        default=None,
        description="Output folder (relative to the scenario's folder); outputs/<name> there "
        "if omitted. Replaced by each run when it holds only an earlier run's files.",
    )


class Scenario(_Strict):
    """A validated scenario. Build it with :func:`load_scenario`.

    Attributes
    ----------
    source_path
        The TOML file it came from (None when built from a dict); relative paths in it are
        resolved against its folder.
    """

    name: str = Field(
        description="Short id, used for folders: letters, digits, '-', '_' and '.', starting "
        "with a letter or digit."
    )
    title: str | None = None
    description: str = ""
    area: AreaConfig
    demand: DemandConfig = DemandConfig()
    sites: SitesConfig = SitesConfig()
    network: NetworkConfig = NetworkConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    output: OutputConfig = OutputConfig()
    source_path: Path | None = Field(default=None, exclude=True)

    @field_validator("name")
    @classmethod
    def _folder_name(cls, value: str) -> str:
        bad = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c in "_.-"))})
        if bad:
            shown = ", ".join(repr(c) for c in bad)
            msg = f"name {value!r} holds characters a folder name may not ({shown})"
            raise ValueError(msg)
        if not value or not value[0].isalnum():
            msg = f"name {value!r} must start with a letter or a digit"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _user_area_needs_inputs(self) -> Scenario:
        if self.area.boundary is not None:
            missing = []
            if self.demand.population is None:
                missing.append("demand.population")
            if self.demand.groups is None:
                missing.append("demand.groups")
            if self.sites.file is None:
                missing.append("sites.file")
            if missing:
                msg = f"a user study area (area.boundary) needs {', '.join(missing)}"
                raise ValueError(msg)
        return self

    @property
    def display_title(self) -> str:
        """Title for maps and tables (the name when no title is given)."""
        return self.title or self.name

    def output_folder(self, root: Path | None = None) -> Path:
        """Folder the run writes to: ``output.folder``, else ``<root>/<name>``.

        ``root`` defaults to ``outputs`` beside the scenario file (in the current folder for a
        scenario built from a dict), as every relative path of a scenario is read from its
        folder.
        """
        if self.output.folder is not None:
            return self.output.folder
        if root is None:
            base = self.source_path.resolve().parent if self.source_path is not None else None
            root = base / "outputs" if base is not None else Path("outputs")
        return root / self.name

    def input_files(self) -> dict[str, Path]:
        """Every input file the scenario names, keyed by its field (for checks and provenance)."""
        files: dict[str, Path | None] = {
            "area.boundary": self.area.boundary,
            "demand.population": self.demand.population,
            "demand.groups": self.demand.groups,
            "demand.shares": self.demand.shares,
            "demand.zones": self.demand.zones,
            "sites.file": self.sites.file,
            "network.path": self.network.path,
            "network.transit.gtfs": None
            if self.network.transit is None
            else self.network.transit.gtfs,
            "network.on_demand.zone": None
            if self.network.on_demand is None
            else self.network.on_demand.zone,
        }
        return {k: v for k, v in files.items() if v is not None}

    def with_updates(self, updates: Mapping[str, Any]) -> Scenario:
        """Return a copy with dotted-key updates, e.g. ``{"objective.new_sites": 2}``, re-validated."""
        data = self.model_dump(mode="python", exclude_none=False)
        for dotted, value in updates.items():
            node = data
            *parents, leaf = dotted.split(".")
            for part in parents:
                if not isinstance(node.get(part), dict):
                    msg = f"unknown scenario key {dotted!r}"
                    raise InputError(
                        msg,
                        field=dotted,
                        fix="use a key of the scenario file, e.g. objective.new_sites",
                    )
                node = node[part]
            if leaf not in node:
                msg = f"unknown scenario key {dotted!r}"
                raise InputError(
                    msg,
                    field=dotted,
                    fix="use a key of the scenario file, e.g. objective.new_sites",
                )
            node[leaf] = value
        return _validate(data, file=self.source_path, base=None)


#: fixes of the scenario's own checks (model validators), by a phrase of their message
_FIXES = {
    "exactly one of": "keep either area.pilot or area.boundary",
    "needs": "add the missing key(s)",
    "lies beyond": "set objective.decay_start to objective.limit_minutes or less",
    "folder name": "use only letters (a-z, A-Z), digits, '-', '_' and '.', e.g. 'swale-2030'",
    "must start with": "begin the name with a letter or a digit, e.g. 'swale-2030'",
}


def _resolve(path: Path | None, base: Path | None) -> Path | None:
    if path is None or base is None:
        return path
    path = Path(path).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _resolve_network(network: NetworkConfig, base: Path) -> NetworkConfig:
    """Return the network table with its paths (OSM file, GTFS feed, zone) resolved."""
    update: dict[str, Any] = {"path": _resolve(network.path, base)}
    if network.transit is not None:
        update["transit"] = network.transit.model_copy(
            update={"gtfs": _resolve(network.transit.gtfs, base)}
        )
    if network.on_demand is not None:
        update["on_demand"] = network.on_demand.model_copy(
            update={"zone": _resolve(network.on_demand.zone, base)}
        )
    return network.model_copy(update=update)


def _validate(data: Mapping[str, Any], *, file: Path | None, base: Path | None) -> Scenario:
    scenario = validate(Scenario, {**data, "source_path": file}, file=file, fixes=_FIXES)
    if base is None:
        return scenario
    return scenario.model_copy(
        update={
            "area": scenario.area.model_copy(
                update={"boundary": _resolve(scenario.area.boundary, base)}
            ),
            "demand": scenario.demand.model_copy(
                update={
                    "population": _resolve(scenario.demand.population, base),
                    "groups": _resolve(scenario.demand.groups, base),
                    "shares": _resolve(scenario.demand.shares, base),
                    "zones": _resolve(scenario.demand.zones, base),
                }
            ),
            "sites": scenario.sites.model_copy(
                update={"file": _resolve(scenario.sites.file, base)}
            ),
            "network": _resolve_network(scenario.network, base),
            "output": scenario.output.model_copy(
                update={"folder": _resolve(scenario.output.folder, base)}
            ),
        }
    )


def scenario_from_dict(data: Mapping[str, Any], *, base: str | Path | None = None) -> Scenario:
    """Validate a scenario given as a mapping (the parsed TOML).

    Parameters
    ----------
    data
        Scenario tables and keys as in a scenario file.
    base
        Folder that relative paths are resolved against; None leaves them as given.

    Returns
    -------
    Scenario
    """
    return _validate(data, file=None, base=None if base is None else Path(base).resolve())


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file. Relative paths inside it are read from its folder.

    Returns
    -------
    Scenario
        The validated scenario (paths absolute).

    Raises
    ------
    InputError
        Missing file, bad TOML, unknown key or bad value; the message names the file, the field
        and the fix.
    """
    path = Path(path)
    data = read_toml(
        path, what="scenario file", fix="check the path, e.g. scenarios/sheerness.toml"
    )
    scenario = _validate(data, file=path, base=path.resolve().parent)
    logger.debug("loaded scenario %s from %s", scenario.name, path)
    return scenario


def reuses_inputs(key: str) -> bool:
    """Tell whether changing a scenario key keeps the study area, networks and travel times.

    Parameters
    ----------
    key
        A dotted scenario key, e.g. ``"objective.new_sites"``.

    Returns
    -------
    bool
        True for the keys of :data:`REUSING_KEYS` and those inside them.
    """
    return any(key == k or key.startswith(f"{k}.") for k in REUSING_KEYS)


def input_keys(scenario: Scenario) -> dict[str, Any]:
    """Return the scenario's keys that decide its study area, networks and travel times.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    dict
        The scenario as plain data without the keys of :data:`REUSING_KEYS`: two scenarios
        with equal results can share a run's area, networks and travel times.
    """
    data = scenario.model_dump(mode="json")
    for key in REUSING_KEYS:
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node[part]
        node.pop(leaf, None)
    return data
