import geopandas as gpd
import pandas as pd
import pytest
import shapely
from demand_files import BNG

from gateway_planner.demand import validate_cells


def _cells(crs=BNG, index=("a", "b"), **columns):
    data = {"population": [5.0, 3.0], "share__older": [0.5, 0.5], "share__online": [0.5, 0.5]}
    return gpd.GeoDataFrame(
        {**data, **columns},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        index=pd.Index(list(index), name="cell_id"),
        crs=crs,
    )


def test_good_cells_pass(groups):
    validate_cells(_cells(), groups)


def test_every_problem_is_reported_at_once(groups):
    cells = _cells(
        crs="EPSG:4326",
        index=("a", "a"),
        population=[-1.0, float("nan")],
        share__older=[0.5, 0.7],
        share__young=[0.0, 0.0],
    )
    pattern = (
        r"^grid\.gpkg: cells: cells are in EPSG:4326, not a projected CRS in metres; "
        r"1 duplicate cell ids, e\.g\. 'a'; 2 cells have a negative or missing population; "
        r"share columns \['share__young'\] name no known group; "
        r"group shares do not sum to 1 in 1 cells \(worst 1\.2\)\. Fix: give a population"
    )
    with pytest.raises(ValueError, match=pattern):
        validate_cells(cells, groups, source="grid.gpkg")


def test_ids_must_be_text_and_cells_need_a_crs(groups):
    cells = _cells(index=(1, 2)).set_crs(None, allow_override=True)
    with pytest.raises(
        ValueError, match=r"cells have no CRS; cell ids \(the index\) must be non-empty strings"
    ):
        validate_cells(cells, groups)


def test_empty_cells(groups):
    with pytest.raises(ValueError, match="no cells"):
        validate_cells(_cells().iloc[:0], groups)
