"""Lazy import of optional dependencies with a message naming the pip extra."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["import_optional_dependency"]


def import_optional_dependency(name: str, extra: str) -> ModuleType:
    """Import an optional module or explain which extra installs it.

    Parameters
    ----------
    name
        Module to import, e.g. ``"folium"``.
    extra
        The ``gateway-planner`` extra that provides it, e.g. ``"report"``.

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    ImportError
        When the module is not installed; the message gives the pip command.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        msg = (
            f"{name} is needed for this step but is not installed. "
            f"Fix: pip install 'gateway-planner[{extra}]'"
        )
        raise ImportError(msg) from exc
