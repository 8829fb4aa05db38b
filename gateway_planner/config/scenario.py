"""The scenario: its tables validated together, loaded from TOML, paths resolved against its folder.

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

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from .._toml import read_toml, validate
from ..errors import InputError
from ._base import Strict
from .network import NetworkConfig
from .tables import (
    AreaConfig,
    CalibrationConfig,
    DemandConfig,
    ObjectiveConfig,
    OutputConfig,
    SitesConfig,
)

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]

logger = logging.getLogger(__name__)


class Scenario(Strict):
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
    calibration: CalibrationConfig | None = None
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
    "needs a fixed number of sites": "remove objective.alternatives, or choose another model",
    "open_to needs modes": "add them to network.modes, or leave them out of on_demand.open_to",
    "needs": "add the missing key(s)",
    "lies beyond": "set objective.decay_start to objective.limit_minutes or less",
    "is for model": "set objective.model = 'max_attendance' or decay = 'step' or 'linear'",
    "own decay": "give objective.decay_beta > 0 (and decay_t0 > 0 for power)",
    "observed visits": "give each site's observed visits a month as a number > 0",
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


def _with_pilot_network(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """Give a pilot scenario naming no ``network.modes`` its area's network (area.toml).

    The pilot's groups travel by bus and on-demand transport too, so a pilot scenario with the
    pilot's groups takes the area's modes, bus feed and on-demand zone; keys the scenario
    gives win. With a groups file of its own (``demand.groups``) the defaults stay drive and
    walk.
    """
    area, network = data.get("area"), data.get("network", {})
    demand = data.get("demand", {})
    pilot = area.get("pilot") if isinstance(area, Mapping) else None
    if (
        not isinstance(pilot, str)
        or not isinstance(network, Mapping)
        or "modes" in network
        or (isinstance(demand, Mapping) and demand.get("groups") is not None)
    ):
        return data
    from ..pilot import default_network

    default = default_network(pilot)
    return {**data, "network": {**default, **network}} if default else data


def _validate(data: Mapping[str, Any], *, file: Path | None, base: Path | None) -> Scenario:
    data = _with_pilot_network(data)
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
