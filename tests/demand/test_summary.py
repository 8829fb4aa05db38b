import json

from gateway_planner._io import json_dumps
from gateway_planner.demand import DemandSummary, Dropped


def test_summary_to_dict_and_log_line():
    s = DemandSummary(
        file="pop.tif",
        kind="raster",
        crs="EPSG:27700",
        cells=10,
        population=65.0,
        population_read=80.0,
        dropped={"outside": Dropped(3, 15.0), "nodata": Dropped(2), "empty": Dropped(0)},
        shares="shares.csv by zone code (lsoa.gpkg, area-weighted)",
    )
    d = s.to_dict()
    assert list(d["dropped"]) == ["nodata", "empty", "outside"]
    assert d["dropped"]["outside"] == {"count": 3, "population": 15.0}
    assert json.loads(json_dumps(d))["cells"] == 10
    assert s.describe() == (
        "raster pop.tif: 10 cells, population 65 of 80 read; dropped 2 nodata, 3 outside (15 people); "
        "shares from shares.csv by zone code (lsoa.gpkg, area-weighted)"
    )
