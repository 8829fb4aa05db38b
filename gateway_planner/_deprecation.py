"""Deprecated public names: thin aliases that warn, then call their replacement."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["REMOVAL", "deprecated_alias", "warn_deprecated"]

#: the version in which deprecated names go
REMOVAL = "0.3.0"

P = ParamSpec("P")
R = TypeVar("R")


def warn_deprecated(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Emit the ``FutureWarning`` of a deprecated name.

    Parameters
    ----------
    old
        The deprecated name, as users write it (``"gateway_planner.demand.load_cells"``).
    new
        The replacement call (``"gateway_planner.demand.build_demand_cells(...)"``).
    stacklevel
        Passed to :func:`warnings.warn`; the default points at the caller of the function
        that calls this one.
    """
    msg = f"{old} is deprecated and will be removed in {REMOVAL}; use {new} instead"
    warnings.warn(msg, FutureWarning, stacklevel=stacklevel)


def deprecated_alias(new: Callable[P, R], *, old: str, replacement: str) -> Callable[P, R]:
    """Return a function with ``new``'s signature that warns, then calls ``new``.

    Parameters
    ----------
    new
        The replacement function.
    old
        The deprecated name, as users write it.
    replacement
        The replacement call, as users should write it.

    Returns
    -------
    Callable
        The alias (named after ``old``).
    """

    @functools.wraps(new)
    def alias(*args: P.args, **kwargs: P.kwargs) -> R:
        warn_deprecated(old, replacement)
        return new(*args, **kwargs)

    short = old.rsplit(".", 1)[-1]
    alias.__name__ = alias.__qualname__ = short
    alias.__doc__ = (
        f"Deprecated alias of :func:`{replacement.split('(')[0]}` (removed in {REMOVAL})."
    )
    return alias
