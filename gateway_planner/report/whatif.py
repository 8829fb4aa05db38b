"""What a map page needs to re-evaluate any set of open sites in the browser (the what-if map).

A :class:`WhatIf` travels with a :class:`~gateway_planner.report.ScenarioView`: the journey
minutes of every cell to every site per customer group (and per mode), the face-to-face visits
and people of every cell and group, the near-optimal alternatives the solver found and the
visits observed at the sites. ``map.html`` (and each map of ``comparison.html``) then carries
them, packed (see ``_whatif_codec``), and the page switches sites on and off and recomputes
the allocation, the catchments and the figures with the rules of
:func:`gateway_planner.evaluate.evaluate`, without a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..minutes import Minutes

__all__ = ["MAX_PAIRS", "Preset", "WhatIf"]

#: cell-site pairs a page carries at most (the what-if is left out of larger runs, with a log
#: line: the page would be too large to open)
MAX_PAIRS = 2_000_000


@dataclass(frozen=True)
class Preset:
    """A set of open sites the what-if panel offers as one button.

    Attributes
    ----------
    label
        The button's text (plain text, escaped on the page), e.g. "Alternative 1".
    open_sites
        Ids of the sites it opens.
    """

    label: str
    open_sites: tuple[str, ...]

    def __init__(self, label: str, open_sites: Sequence[str]) -> None:
        object.__setattr__(self, "label", str(label))
        object.__setattr__(self, "open_sites", tuple(str(s) for s in open_sites))


@dataclass(frozen=True)
class WhatIf:
    """The inputs of the evaluation that a map page re-runs in the browser.

    Parameters
    ----------
    times
        Minutes per customer group id, each (n_cells, n_sites) in the view's cell and site
        order, dense (``inf`` = unreachable) or CSR (see :mod:`gateway_planner.minutes`): the
        times the evaluation allocates by.
    weights
        Face-to-face visits per year, (n_cells, n_groups) in the view's group order.
    people
        People of each cell and group, (n_cells, n_groups), as the evaluation counts them
        (:func:`gateway_planner.evaluate.group_people`).
    by_mode
        Minutes per mode, in the form of ``times`` (empty: no figures by mode on the page).
    alternatives
        Near-optimal sets of open sites from the solver, best first: one preset button each,
        after "Today" and "Proposal".
    observed
        Visits a month observed at sites (site id -> visits), shown beside the modelled load.
    ride_tolerance
        Minutes by which a bus journey must beat walking to count as boarding a bus
        (:data:`gateway_planner.evaluate.RIDE_TOLERANCE`).
    """

    times: Mapping[str, Minutes]
    weights: np.ndarray
    people: np.ndarray
    by_mode: Mapping[str, Minutes] = field(default_factory=dict)
    alternatives: tuple[Preset, ...] = ()
    observed: Mapping[str, float] = field(default_factory=dict)
    ride_tolerance: float = 0.01

    def __post_init__(self) -> None:
        weights = np.asarray(self.weights, dtype=np.float64)
        people = np.asarray(self.people, dtype=np.float64)
        problems = []
        if weights.ndim != 2 or people.shape != weights.shape:
            problems.append(
                f"weights {weights.shape} and people {people.shape} must be (n_cells, n_groups) alike"
            )
        shapes = {m.shape for m in (*self.times.values(), *self.by_mode.values())}
        if len(shapes) > 1 or (shapes and next(iter(shapes))[0] != weights.shape[0]):
            problems.append(f"travel times have shapes {sorted(shapes)}: one (n_cells, n_sites)")
        if problems:
            raise InputError(
                "; ".join(problems),
                field="what_if",
                fix="pass the times, weights and people of one run",
            )
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "people", people)
        object.__setattr__(self, "alternatives", tuple(self.alternatives))

    @property
    def pairs(self) -> int:
        """Cell-site pairs of the run (the page's what-if data grow with them)."""
        shape = next(iter(self.times.values())).shape if self.times else (0, 0)
        return int(shape[0]) * int(shape[1])
