"""Attendance decay, kept importable here: it lives on the ground floor (:mod:`gateway_planner.decay`).

The evaluation and the customer groups use it too, and a stage imports only the ground floor.
"""

from __future__ import annotations

from ..decay import ATTENDANCE_DECAYS, DECAY_FORMS, decay_factor, decay_problems

__all__ = ["ATTENDANCE_DECAYS", "DECAY_FORMS", "decay_factor", "decay_problems"]
