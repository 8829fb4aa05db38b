"""Scenario files: TOML validated by pydantic, paths resolved against the scenario's folder.

A scenario says which study area, which demand, which sites, which network and which question
(objective) to answer, and where to write the results. Unknown keys are rejected so that a typo
never silently falls back to a default. See the README's "Scenario file reference" for every key.

- :mod:`.tables`: area, demand, sites, objective and output tables;
- :mod:`.network`: the ``[network]`` table and its transit and on-demand sub-tables;
- :mod:`.scenario`: the :class:`Scenario` itself, :func:`load_scenario`, :func:`scenario_from_dict`;
- :mod:`.reuse`: which keys leave a run's area, networks and travel times as they are.
"""

from .network import NetworkConfig, OnDemandConfig, TransitConfig
from .reuse import REUSING_KEYS, input_keys, reuses_inputs
from .scenario import Scenario, load_scenario, scenario_from_dict
from .tables import (
    AreaConfig,
    CalibrationConfig,
    DemandConfig,
    ObjectiveConfig,
    OutputConfig,
    SitesConfig,
)

__all__ = [
    "REUSING_KEYS",
    "AreaConfig",
    "CalibrationConfig",
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
