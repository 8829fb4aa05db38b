"""The embedded pilot pack: two study areas, one per side of the Channel.

``swale``
    Swale borough (Kent), EPSG:27700: 85 LSOAs, ONS postcode centroids scaled to 151,700 people,
    customer-group shares from the ONS 2011 OAC of the postcodes; the Sheerness Gateway and
    Swale's other council offices open to the public, plus one candidate per postcode sector.
``saint-omer``
    Communauté d'agglomération du Pays de Saint-Omer (Pas-de-Calais), EPSG:2154: 53 communes,
    105,743 people, Swale's shares by density class; the Maison des Services of Fauquembergues
    and the area's other service points, plus the other mairies.

The files live in the repository's ``data/`` folder (sources, licences and assumptions in
``data/README.md``); :mod:`gateway_planner.pilot.build` rebuilds them from registry packages.
:func:`load_pilot` returns the same :class:`~gateway_planner.contracts.Area` as a run's own
files give; the pack's files are read by the readers of those files (:func:`read_cells_csv`,
:func:`read_boundary` and :func:`gateway_planner.area.read_sites`).

Examples
--------
>>> from gateway_planner.pilot import available, load_pilot
>>> available
('swale', 'saint-omer')
>>> area = load_pilot("swale")
>>> round(float(area.cells["population"].sum()))
151700
"""

from __future__ import annotations

from .._deprecation import deprecated_alias, warn_deprecated
from .._readers import read_boundary, read_cells_csv, read_sites
from ..contracts import Area
from ._pack import available, data_dir, default_network, get_path, load_pilot

__all__ = [
    "available",
    "data_dir",
    "default_network",
    "get_path",
    "load_pilot",
    "read_boundary",
    "read_cells_csv",
    "read_sites_csv",
]

read_sites_csv = deprecated_alias(
    read_sites,
    old="gateway_planner.pilot.read_sites_csv",
    replacement="gateway_planner.area.read_sites(path, crs=...)",
)


def __getattr__(name: str) -> type[Area]:
    """``PilotArea``: the former name of the pilot's areas, now :class:`Area` (deprecated)."""
    if name == "PilotArea":
        warn_deprecated(
            "gateway_planner.pilot.PilotArea", "gateway_planner.area.Area", stacklevel=3
        )
        return Area
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
