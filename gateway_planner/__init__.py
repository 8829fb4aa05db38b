"""gateway-planner: site one-stop public service points where face-to-face customers reach them fastest.

The public API is small: load or validate a scenario, run it, compare runs.

>>> import gateway_planner as gp
>>> result = gp.run_scenario("scenarios/sheerness.toml", write=False)  # doctest: +SKIP
>>> result.solution.open_sites  # doctest: +SKIP

Importing the package loads no folium, matplotlib, osmnx or dask: those are imported by the
functions that need them (extras ``report``, ``osm``, ``dask``).
"""

from . import errors
from ._compare import compare, comparison_table, journey_time_difference
from ._sweep import sweep
from ._version import __version__
from .config import Scenario, load_scenario
from .locate import Solution
from .network import TravelTimes
from .scenario import RunResult, run_scenario, validate_scenario

__all__ = [
    "RunResult",
    "Scenario",
    "Solution",
    "TravelTimes",
    "__version__",
    "compare",
    "comparison_table",
    "errors",
    "journey_time_difference",
    "load_scenario",
    "run_scenario",
    "sweep",
    "validate_scenario",
]
