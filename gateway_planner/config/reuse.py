"""Which scenario keys leave a run's study area, networks and travel times as they are.

Run reuse (:func:`gateway_planner.run_scenario` with ``reuse``) and sweeps share these inputs
between runs that differ only in such keys; the rule is written here, once.
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario

__all__ = ["REUSING_KEYS", "input_keys", "reuses_inputs"]

#: scenario tables and keys that leave the study area, networks and travel times as they are:
#: runs differing only in these can share them (run reuse and sweeps)
REUSING_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "description",
    "objective",
    "calibration",
    "output",
    "demand.channel_shift",
)


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
