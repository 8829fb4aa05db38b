"""Rebuild the pilot pack with its proxy network's drive speeds fitted afresh.

Usage::

    python -m gateway_planner.calibrate [--out DIR] [--area AREA]

The pilot build (:mod:`gateway_planner.pilot.build`) fits the proxy's drive speeds to road
travel times in Kent (:mod:`gateway_planner.pilot.calibration`) on the network stage's own proxy
builder. A stage does not import another, so this orchestrator hands the builder to the build;
``python -m gateway_planner.pilot.build`` alone writes the committed fit. The log gives the fit,
its checks, and whether it still matches the committed one. ``make pilot`` runs this command.
"""

from __future__ import annotations

from collections.abc import Sequence

from .network.proxy import build_proxy_graph
from .pilot import build

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: the pilot build with a fresh calibration.

    Parameters
    ----------
    argv
        Arguments of :func:`gateway_planner.pilot.build.main` (``--out DIR``, ``--area``,
        ``-q``); default the command line's.

    Returns
    -------
    int
        0 (errors exit through the parser: 2 for an input error, 3 for a fit that fails).
    """
    return build.main(
        argv, proxy_builder=build_proxy_graph, prog="python -m gateway_planner.calibrate"
    )


if __name__ == "__main__":
    raise SystemExit(main())
