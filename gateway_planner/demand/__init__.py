"""Demand stage: population cells, customer groups and face-to-face weights."""

from .groups import CHANNELS, CustomerGroup, load_groups, parse_groups
from .weights import face_to_face_weights, share_columns

__all__ = [
    "CHANNELS",
    "CustomerGroup",
    "face_to_face_weights",
    "load_groups",
    "parse_groups",
    "share_columns",
]
