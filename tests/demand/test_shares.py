import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from demand_files import BNG, ZONE_E, ZONE_W, make_group

from gateway_planner.demand import join_shares, read_shares
from gateway_planner.errors import GatewayPlannerWarning, InputError


def test_wide_csv_keeps_codes_as_text(tmp_path, groups):
    path = tmp_path / "iris.csv"
    pd.DataFrame(
        {
            "CODE_IRIS": ["620010101", "062001"],
            "share__older": [0.4, 0.5],
            "share__online": [0.6, 0.5],
            "name": ["a", "b"],
        }
    ).to_csv(path, index=False)
    table = read_shares(path, groups, key="CODE_IRIS")
    assert list(table.index) == ["620010101", "062001"]  # leading zero kept
    assert table.index.name == "CODE_IRIS"
    assert list(table.columns) == ["share__older", "share__online"]
    assert table.loc["062001", "share__older"] == 0.5


def test_long_layout_equals_wide(tmp_path, groups, write_shares):
    wide = read_shares(write_shares(), groups)
    path = tmp_path / "long.csv"
    pd.DataFrame(
        {
            "zone_code": ["W", "W", "E"],
            "group": ["online", "older", "older"],
            "share": [0.75, 0.25, 1.0],
        }
    ).to_csv(path, index=False)
    long = read_shares(path, groups)
    pd.testing.assert_frame_equal(long.loc[wide.index], wide, check_names=False)


def test_shares_with_geometry_keep_it(tmp_path, groups):
    path = tmp_path / "shares.gpkg"
    gpd.GeoDataFrame(
        {"zone_code": ["W", "E"], "share__older": [0.25, 1.0], "share__online": [0.75, 0.0]},
        geometry=[ZONE_W, ZONE_E],
        crs=BNG,
    ).to_file(path)
    table = read_shares(path, groups)
    assert isinstance(table, gpd.GeoDataFrame) and table.crs == BNG
    assert table.geometry.iloc[1].equals(ZONE_E)


def test_sum_tolerance_is_1e_6(write_shares, groups):
    ok = {"zone_code": ["W"], "share__older": [0.25 + 5e-7], "share__online": [0.75]}
    assert len(read_shares(write_shares(ok), groups)) == 1
    bad = {"zone_code": ["W"], "share__older": [0.25 + 2e-6], "share__online": [0.75]}
    with pytest.raises(
        InputError, match=r"group shares do not sum to 1 in 1 rows \(first: 'W' sums to 1"
    ):
        read_shares(write_shares(bad), groups)


@pytest.mark.parametrize(
    ("rows", "pattern"),
    [
        (
            {"zone_code": ["W", "E"], "share__older": [0.25, 0.9], "share__online": [0.75, 0.0]},
            r"shares\.csv: zone_code: group shares do not sum to 1 in 1 rows \(first: 'E' sums to 0\.9\)\. Fix: rescale",
        ),
        (
            {
                "zone_code": ["W"],
                "share__older": [0.25],
                "share__online": [0.5],
                "share__young": [0.25],
            },
            r"share__young: unknown group ids \['young'\] \(the groups file defines \['older', 'online'\]\)",
        ),
        (
            {"zone_code": ["W"], "share__older": [1.0]},
            r"share__online: no shares for groups \['online'\]",
        ),
        (
            {"zone": ["W"], "share__older": [0.25], "share__online": [0.75]},
            r"zone_code: key column 'zone_code' is missing \(columns: \['share__older', 'share__online', 'zone'\]\)",
        ),
        (
            {"zone_code": ["W", "W"], "share__older": [0.25, 0.25], "share__online": [0.75, 0.75]},
            r"zone_code: 1 duplicate row ids, e\.g\. 'W'",
        ),
        (
            {"zone_code": ["W", "E"], "share__older": [0.25, np.nan], "share__online": [0.75, 1.0]},
            r"share__older: 1 shares are missing or outside 0\.\.1 \(first: 'E' = nan\)",
        ),
        (
            {"zone_code": ["W"], "share__older": [1.5], "share__online": [-0.5]},
            r"share__older: 1 shares are missing or outside 0\.\.1 \(first: 'W' = 1\.5\)",
        ),
        (
            {"zone_code": ["W"], "group": ["young"], "share": [1.0]},
            r"group: unknown group ids \['young'\]",
        ),
        (
            {"zone_code": ["W", "W"], "group": ["older", "older"], "share": [0.5, 0.5]},
            r"zone_code: 1 repeated \(key, group\) rows, e\.g\. \('W', 'older'\)",
        ),
        (
            {"zone_code": ["W"], "older": [1.0]},
            r"no share__<group id> columns \(nor group and share columns\)",
        ),
    ],
)
def test_bad_shares(write_shares, groups, rows, pattern):
    with pytest.raises(InputError, match=pattern):
        read_shares(write_shares(rows), groups)


def test_missing_shares_file(tmp_path, groups):
    with pytest.raises(InputError, match=r"none\.csv: demand\.shares: file not found"):
        read_shares(tmp_path / "none.csv", groups)


# ---- joining ----------------------------------------------------------------------------------


def _cells(*squares, population=None):
    population = population or [10.0] * len(squares)
    return gpd.GeoDataFrame(
        {"population": population},
        geometry=[shapely.box(*s) for s in squares],
        index=[f"c{i}" for i in range(len(squares))],
        crs=BNG,
    )


def _zones(*codes):
    geoms = {"W": ZONE_W, "E": ZONE_E, "N": shapely.box(1000, 2000, 1400, 2200)}
    return gpd.GeoDataFrame(
        geometry=[geoms[c] for c in codes], index=pd.Index(list(codes)), crs=BNG
    )


def test_join_by_zone_is_area_weighted(write_shares, groups):
    table = read_shares(write_shares(), groups)
    # c0 inside W, c1 inside E, c2 half in W half in E, c3 a quarter in W and the rest outside
    cells = _cells(
        (1000, 1700, 1100, 1800),
        (1300, 1700, 1400, 1800),
        (1150, 1700, 1250, 1800),
        (950, 1950, 1050, 2050),
    )
    out = join_shares(cells, table, groups, zones=_zones("W", "E"))
    np.testing.assert_allclose(out["share__older"], [0.25, 1.0, 0.625, 0.25])
    np.testing.assert_allclose(out["share__older"] + out["share__online"], 1.0, atol=1e-15)
    assert list(out.columns) == ["population", "geometry", "share__older", "share__online"]


def test_join_by_zone_uses_the_tables_own_geometry(write_shares, groups):
    table = read_shares(write_shares(), groups)
    table = gpd.GeoDataFrame(table, geometry=_zones("W", "E").geometry.to_numpy(), crs=BNG)
    out = join_shares(_cells((1150, 1700, 1250, 1800)), table, groups)
    assert out["share__older"].iloc[0] == pytest.approx(0.625)
    with pytest.raises(
        InputError, match=r"shares by zone code need the zones' polygons\. Fix: set demand\.zones"
    ):
        join_shares(
            _cells((1150, 1700, 1250, 1800)), pd.DataFrame(table.drop(columns="geometry")), groups
        )


def test_join_replaces_the_cells_own_shares(write_shares, groups):
    cells = _cells((1000, 1700, 1100, 1800)).assign(share__older=0.0, share__online=1.0)
    out = join_shares(cells, read_shares(write_shares(), groups), groups, zones=_zones("W", "E"))
    assert out["share__older"].iloc[0] == 0.25


def test_zone_codes_absent_from_the_zones_warn_with_a_count(write_shares, groups):
    rows = {
        "zone_code": ["W", "E", "X1", "X2"],
        "share__older": [0.25, 1.0, 1, 1],
        "share__online": [0.75, 0.0, 0, 0],
    }
    table = read_shares(write_shares(rows), groups)
    with pytest.warns(
        GatewayPlannerWarning,
        match=r"2 keys of the shares table are not among the 2 zones of z\.gpkg \(e\.g\. 'X1', 'X2'\); they are ignored",
    ):
        join_shares(
            _cells((1000, 1700, 1100, 1800)),
            table,
            groups,
            zones=_zones("W", "E"),
            zones_file="z.gpkg",
        )


def test_zone_holding_people_without_shares_is_an_error(write_shares, groups):
    table = read_shares(write_shares(), groups)
    cells = _cells((1000, 1700, 1100, 1800), (1100, 1990, 1200, 2090))  # c1 mostly in N
    with pytest.raises(
        InputError,
        match=r"shares\.csv: zone_code: 1 zones of z\.gpkg holding people of the study area have no group shares, e\.g\. 'N'",
    ):
        join_shares(
            cells,
            table,
            groups,
            zones=_zones("W", "E", "N"),
            file="shares.csv",
            zones_file="z.gpkg",
        )
    # a zone touching a cell only at its edge (the smaller part) needs no shares
    out = join_shares(_cells((1100, 1950, 1200, 2050)), table, groups, zones=_zones("W", "E", "N"))
    assert out["share__older"].iloc[0] == 0.25


def test_cells_outside_every_zone_are_an_error(write_shares, groups):
    table = read_shares(write_shares(), groups)
    with pytest.raises(
        InputError,
        match=r"demand\.zones: 1 cells \(7 people\) lie outside every zone of z\.gpkg that has shares, e\.g\. 'c1'",
    ):
        join_shares(
            _cells((1000, 1700, 1100, 1800), (5000, 5000, 5100, 5100), population=[1.0, 7.0]),
            table,
            groups,
            zones=_zones("W", "E"),
            zones_file="z.gpkg",
        )


def test_join_by_cell_id(tmp_path, groups):
    path = tmp_path / "cells.csv"
    pd.DataFrame(
        {
            "cell_id": ["c0", "c1", "gone"],
            "share__older": [1.0, 0.2, 0.5],
            "share__online": [0.0, 0.8, 0.5],
        }
    ).to_csv(path, index=False)
    table = read_shares(path, groups, key="cell_id")
    cells = _cells((0, 0, 1, 1), (1, 0, 2, 1))
    with pytest.warns(
        GatewayPlannerWarning, match=r"1 keys of the shares table are not among the 2 cells"
    ):
        out = join_shares(cells, table, groups, by="cell")
    assert out["share__older"].tolist() == [1.0, 0.2]
    with pytest.raises(
        InputError, match=r"cell_id: 1 cells \(10 people\) have no row, e\.g\. 'c2'"
    ):
        join_shares(
            _cells((0, 0, 1, 1), (1, 0, 2, 1), (2, 0, 3, 1)),
            table.loc[["c0", "c1"]],
            groups,
            by="cell",
        )


def test_three_groups(write_shares):
    groups = [make_group("a"), make_group("b"), make_group("c")]
    rows = {
        "zone_code": ["W", "E"],
        "share__a": [0.2, 0.0],
        "share__b": [0.3, 0.5],
        "share__c": [0.5, 0.5],
    }
    out = join_shares(
        _cells((1150, 1700, 1250, 1800)),
        read_shares(write_shares(rows), groups),
        groups,
        zones=_zones("W", "E"),
    )
    np.testing.assert_allclose(out[["share__a", "share__b", "share__c"]].iloc[0], [0.1, 0.4, 0.5])


# ---- the README's example: one's own segmentation through the shares table --------------------

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_example() -> dict[str, str]:
    """The code blocks of the README's own-segmentation example, by language."""
    text = README.read_text(encoding="utf-8")
    part = text.split("<!-- own-segmentation:start -->")[1].split("<!-- own-segmentation:end -->")[
        0
    ]
    blocks = re.findall(r"```(\w*)\n(.*?)```", part, flags=re.S)
    return {lang or "csv": body for lang, body in blocks}


def test_the_readme_crosswalk_snippet_gives_shares_summing_to_one(tmp_path, monkeypatch):
    snippet = _readme_example()["python"]
    pd.DataFrame({"LSOA11CD": ["E01024551", "E01024552"], "A": [30, 0], "B": [10, 25]}).to_csv(
        tmp_path / "segments_by_lsoa.csv", index=False
    )
    pd.DataFrame(
        {"segment": ["A", "B"], "share__older": [0.7, 0.2], "share__online": [0.3, 0.8]}
    ).to_csv(tmp_path / "my_crosswalk.csv", index=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "README.md", "exec"), {})
    table = read_shares(
        tmp_path / "segmentation_lsoa.csv",
        [make_group("older", 0.6, 1.5), make_group("online", 0.1, 1.0)],
        key="LSOA11CD",
    )
    np.testing.assert_allclose(table.loc["E01024551"], [0.575, 0.425])
    np.testing.assert_allclose(table.loc["E01024552"], [0.2, 0.8])


def test_the_readme_shares_table_replaces_the_pilots_shares(tmp_path):
    from gateway_planner import load_scenario
    from gateway_planner.area import load_area
    from gateway_planner.pilot import get_path

    example = _readme_example()
    header, *rows = example["csv"].strip().splitlines()
    first, second = ([float(v) for v in row.split(",")[1:]] for row in rows)
    codes = [
        feature["properties"]["code"]
        for feature in json.loads(get_path("boundaries/swale.geojson").read_text())["features"]
    ]
    # the README's two rows; every other LSOA of Swale as the first
    lines = [header] + [
        ",".join([code, *map(str, second if code == "E01024552" else first)]) for code in codes
    ]
    (tmp_path / "segmentation_lsoa.csv").write_text("\n".join(lines) + "\n")
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('name = "own-segmentation"\n' + example["toml"])
    area = load_area(load_scenario(scenario))
    columns = header.split(",")[1:]
    shares = area.cells[columns].to_numpy()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-9)
    low, high = np.minimum(first, second), np.maximum(first, second)
    assert ((shares >= low - 1e-9) & (shares <= high + 1e-9)).all()
    assert np.isclose(shares, first).all(axis=1).sum() > 1000  # most of Swale: the first row
    assert np.isclose(shares, second).all(axis=1).any()  # cells inside E01024552: the second
    assert area.demand is not None
    assert area.demand.shares.startswith("segmentation_lsoa.csv by zone code (pilot:swale boundary")
