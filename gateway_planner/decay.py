"""Attendance that falls with journey time: the decay functions and the checks of their parameters.

Fewer people make the trip the farther the counter is. The share of a cell's visits still made
when the journey takes ``t`` minutes is

- exponential: ``f(t) = exp(-beta t)`` (``beta`` per minute; half the visits are lost at
  ``ln 2 / beta`` minutes), the usual form of spatial interaction models (Wilson 1971, "A family
  of spatial interaction models", Environment and Planning A 3);
- power: ``f(t) = (1 + t / t0)^(-beta)``, which falls fast at first and keeps a long tail
  (Fotheringham & O'Kelly 1989, "Spatial interaction models", Kluwer);

and 0 past an optional cut-off (``f(t) = 0`` for ``t > cutoff``). ArcGIS Location-Allocation's
"Maximize Attendance" uses the same idea. :func:`decay_factor` computes ``f`` for any array of
minutes; :func:`decay_problems` checks the parameters and returns one line per problem (the
location problem's checks and the scenario checks report them together).
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import numpy as np

__all__ = ["ATTENDANCE_DECAYS", "DECAY_FORMS", "decay_factor", "decay_problems"]

#: The decay forms of attendance (the shapes of ``f``).
DECAY_FORMS = ("exponential", "power")
#: Every decay the ``max_attendance`` model accepts: the coverage credits too (``"step"``: all
#: visits within the cut-off, none beyond; ``"linear"``: all up to ``decay_start``, then falling
#: linearly to none at the cut-off).
ATTENDANCE_DECAYS = ("step", "linear", *DECAY_FORMS)


def decay_factor(
    minutes: np.ndarray,
    *,
    form: str,
    beta: float,
    t0: float | None = None,
    cutoff: float | None = None,
) -> np.ndarray:
    """Share of visits still made at each journey time (see the module docstring).

    Parameters
    ----------
    minutes
        Journey times (``inf`` = unreachable: no visits).
    form
        {"exponential", "power"}
    beta
        The decay parameter (> 0): per minute for the exponential, the exponent for the power.
    t0
        Power decay: the minutes at which the factor is ``2^-beta`` (> 0).
    cutoff
        No visits past this many minutes (None: no cut-off).

    Returns
    -------
    numpy.ndarray
        Factors in [0, 1], 1 at 0 minutes, non-increasing in the minutes.

    Raises
    ------
    ValueError
        For an unknown form or a bad parameter (the message lists every problem).
    """
    problems = decay_problems(form, beta=beta, t0=t0, cutoff=cutoff, forms=DECAY_FORMS)
    if problems:
        msg = "; ".join(m for _, m in problems)
        raise ValueError(msg)
    t = np.asarray(minutes, dtype=np.float64)
    finite = np.isfinite(t)
    safe = np.where(finite, t, 0.0)
    if form == "exponential":
        out = np.exp(-float(beta) * safe)
    else:
        out = np.power(1.0 + safe / float(t0 or 1.0), -float(beta))
    out = np.where(finite, out, 0.0)
    if cutoff is not None:
        out = np.where(t <= float(cutoff), out, 0.0)
    return out


def _number(value: object) -> TypeGuard[float | int | np.integer[Any] | np.floating[Any]]:
    """Whether ``value`` is a finite number (not a bool, not a string)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def decay_problems(
    form: str,
    *,
    beta: object,
    t0: object = None,
    cutoff: object = None,
    forms: tuple[str, ...] = ATTENDANCE_DECAYS,
    field: str = "decay",
) -> list[tuple[str, str]]:
    """Check decay parameters; return ``(field, message)`` for every problem, none when valid.

    Parameters
    ----------
    form
        The decay form.
    beta, t0, cutoff
        Its parameters (see :func:`decay_factor`); ``beta`` is needed by the exponential and
        power forms, ``t0`` by the power form, and ``cutoff`` is optional (>= 0 when given).
    forms
        The forms accepted here.
    field
        Prefix of the field names in the problems (``"decay"`` gives ``decay_beta``...).

    Returns
    -------
    list of tuple
        One ``(field, message)`` per problem: unknown form, non-numeric or out-of-range values.
    """
    problems: list[tuple[str, str]] = []
    if form not in forms:
        problems.append((field, f"{field} {form!r} is not one of {', '.join(forms)}"))
        return problems
    if form in DECAY_FORMS and not (_number(beta) and float(beta) > 0):
        problems.append(
            (f"{field}_beta", f"{field}_beta = {beta!r} must be a number > 0 for {form} decay")
        )
    if form == "power" and not (_number(t0) and float(t0) > 0):
        problems.append((f"{field}_t0", f"{field}_t0 = {t0!r} must be a number of minutes > 0"))
    if cutoff is not None and not (_number(cutoff) and float(cutoff) >= 0):
        problems.append(("limit", f"cut-off = {cutoff!r} must be a number of minutes >= 0"))
    return problems
