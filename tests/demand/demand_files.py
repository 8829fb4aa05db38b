"""Constants and helpers shared by the demand tests (imported as ``demand_files``).

The standard raster is 4 x 3 pixels of 100 m in British National Grid, upper-left corner at
(1000, 2000): it covers x 1000..1400, y 1700..2000. The two standard zones split it at x = 1200.
"""

from __future__ import annotations

import pyproj
import shapely

from gateway_planner.demand import CustomerGroup

BNG = pyproj.CRS("EPSG:27700")
NODATA = -9999.0
#: people per pixel of the standard raster; one no-data pixel and one empty pixel
PIXELS = [
    [1.0, 2.0, 3.0, 4.0],
    [5.0, NODATA, 0.0, 8.0],
    [9.0, 10.0, 11.0, 12.0],
]
ZONE_W = shapely.box(1000, 1700, 1200, 2000)
ZONE_E = shapely.box(1200, 1700, 1400, 2000)


def make_group(gid: str, f2f: float = 0.5, visits: float = 2.0) -> CustomerGroup:
    return CustomerGroup(
        id=gid,
        name=gid,
        description="",
        channels={"face_to_face": f2f, "phone": 1 - f2f, "web": 0.0},
        visits_per_person_year=visits,
        modes={"walk": 1.0},
    )
