"""Demand stage: population cells, customer groups and face-to-face weights.

:func:`read_population_cells` reads a planner's population file (raster, vector grid, zones with
counts, CSV grid) into cells; :func:`build_demand_cells` goes on to settle the group shares (the
file's own or a segmentation table), check the ``cells`` contract and summarise what was read in a
:class:`DemandSummary`; :func:`face_to_face_weights` turns cells and :class:`CustomerGroup`
profiles into weights. ``load_cells`` and ``build_cells`` are the former, deprecated names of
:func:`build_demand_cells` and :func:`read_population_cells`.
"""

from ..contracts import DemandSummary, Dropped
from ..groups import CHANNELS, CustomerGroup, load_groups, parse_groups
from .cells import DemandCells, build_demand_cells, load_cells
from .contract import validate_cells
from .grids import (
    POPULATION_KINDS,
    build_cells,
    choose_crs,
    population_kind,
    read_population_cells,
    read_vector,
)
from .shares import join_shares, read_shares
from .weights import face_to_face_weights, share_columns

__all__ = [
    "CHANNELS",
    "POPULATION_KINDS",
    "CustomerGroup",
    "DemandCells",
    "DemandSummary",
    "Dropped",
    "build_cells",
    "build_demand_cells",
    "choose_crs",
    "face_to_face_weights",
    "join_shares",
    "load_cells",
    "load_groups",
    "parse_groups",
    "population_kind",
    "read_population_cells",
    "read_shares",
    "read_vector",
    "share_columns",
    "validate_cells",
]
