"""Face-to-face demand per cell and customer group.

``weights[i, g] = population[i] x share[i, g] x face_to_face[g] x visits_per_person_year[g]``
(times the groups file's calibrated ``rate_multiplier``): face-to-face visits per year made by
group ``g`` living in cell ``i`` were the counter at their door (a group's decay with journey time
is applied by the evaluation and by the maximal-attendance model). A channel shift scales every
group's face-to-face share (``-0.2`` = 20 % fewer visits in person, moved to phone and web).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from ..errors import InputError
from ..groups import CustomerGroup
from .contract import _check_weights_input, share_columns

__all__ = ["face_to_face_weights", "share_columns"]


def face_to_face_weights(
    cells: gpd.GeoDataFrame,
    groups: Sequence[CustomerGroup],
    *,
    channel_shift: float = 0.0,
    source: str = "cells",
) -> np.ndarray:
    """Face-to-face visits per year for every cell and customer group.

    Parameters
    ----------
    cells
        The ``cells`` contract: ``population`` and one ``share__<group id>`` column per group.
    groups
        Customer groups, in the order of the output's columns.
    channel_shift
        Relative change of every group's face-to-face share, between -1 and any positive value;
        the shifted share is capped at 1.
    source
        Name of the cells' origin, used in error messages.

    Returns
    -------
    numpy.ndarray
        float64 array of shape (n_cells, n_groups).

    Raises
    ------
    InputError
        When the population or shares break the cells contract.
    """
    if not channel_shift >= -1.0:
        msg = f"channel_shift is {channel_shift}, below -1 (no face-to-face visits at all)"
        raise InputError(
            msg, field="demand.channel_shift", fix="use a value of -1 or more, e.g. -0.2"
        )
    _check_weights_input(cells, groups, source=source)
    population = cells["population"].to_numpy(dtype=float)
    shares = cells[share_columns(groups)].to_numpy(dtype=float)
    per_person = np.array(
        [
            min(1.0, g.face_to_face * (1.0 + channel_shift)) * g.modelled_visits_per_person_year
            for g in groups
        ]
    )
    weights: np.ndarray = population[:, None] * shares * per_person[None, :]
    return weights
