"""Demand stage: population cells, customer groups and face-to-face weights.

:func:`load_cells` turns a planner's population file (raster, vector grid, zones with counts,
CSV grid) and segmentation table into the ``cells`` contract with a :class:`DemandSummary`;
:func:`face_to_face_weights` turns cells and :class:`CustomerGroup` profiles into weights.
"""

from ..groups import CHANNELS, CustomerGroup, load_groups, parse_groups
from .cells import DemandCells, load_cells
from .contract import validate_cells
from .grids import POPULATION_KINDS, build_cells, choose_crs, population_kind, read_vector
from .shares import join_shares, read_shares
from .summary import DemandSummary, Dropped
from .weights import face_to_face_weights, share_columns

__all__ = [
    "CHANNELS",
    "POPULATION_KINDS",
    "CustomerGroup",
    "DemandCells",
    "DemandSummary",
    "Dropped",
    "build_cells",
    "choose_crs",
    "face_to_face_weights",
    "join_shares",
    "load_cells",
    "load_groups",
    "parse_groups",
    "population_kind",
    "read_shares",
    "read_vector",
    "share_columns",
    "validate_cells",
]
