import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from demand_files import BNG, ZONE_E, ZONE_W

from gateway_planner.demand import choose_crs, population_kind, read_population_cells
from gateway_planner.errors import GatewayPlannerWarning, InputError

# ---- raster -----------------------------------------------------------------------------------


def test_raster_one_cell_per_populated_pixel(write_raster):
    cells = read_population_cells(write_raster(), crs=BNG)
    assert len(cells) == 10  # 12 pixels - 1 no data - 1 empty
    assert cells["population"].sum() == 65.0
    assert cells.index.name == "cell_id"
    assert list(cells.index[:5]) == [
        "1000_1900",
        "1100_1900",
        "1200_1900",
        "1300_1900",
        "1000_1800",
    ]
    assert cells.loc["1300_1700", "population"] == 12.0
    assert cells.loc["1300_1700"].geometry.equals(shapely.box(1300, 1700, 1400, 1800))
    assert cells.crs == BNG


def test_raster_negative_values_are_no_data_with_a_warning(write_raster):
    path = write_raster([[1.0, -3.0], [np.nan, 4.0]])
    with pytest.warns(GatewayPlannerWarning, match=r"1 pixels hold negative values \(lowest -3\)"):
        cells = read_population_cells(path, crs=BNG)
    assert sorted(cells["population"]) == [1.0, 4.0]


def test_raster_clipped_to_study_area_by_cell_centre(write_raster):
    # centres of the left column lie at x = 1050; a boundary to x = 1060 keeps only those
    cells = read_population_cells(write_raster(), crs=BNG, boundary=shapely.box(0, 0, 1060, 5000))
    assert sorted(cells.index) == ["1000_1700", "1000_1800", "1000_1900"]
    assert cells["population"].sum() == 15.0


def test_raster_aggregated_to_cell_size_conserves_totals(write_raster):
    cells = read_population_cells(write_raster(), crs=BNG, cell_size=200)
    # 200 m squares anchored at multiples of 200: x 1000-1200 / 1200-1400, y 1600-1800 / 1800-2000
    assert dict(cells["population"]) == {
        "1000_1600": 19.0,
        "1000_1800": 8.0,
        "1200_1600": 23.0,
        "1200_1800": 15.0,
    }
    assert shapely.area(cells.geometry.array).tolist() == [40000.0] * 4


def test_geographic_raster_is_reprojected_pixel_by_pixel(write_raster):
    # a WorldPop-style raster in degrees near Sittingbourne, Kent
    path = write_raster(
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
        origin=(0.70, 51.35),
        size=(0.001, 0.001),
        crs=pyproj.CRS("EPSG:4326"),
    )
    cells = read_population_cells(path, crs=BNG)
    assert len(cells) == 6 and cells["population"].sum() == 21.0
    assert cells.crs == BNG
    areas = shapely.area(cells.geometry.array)
    assert np.allclose(areas, 69.7 * 111.2, rtol=0.02)  # 0.001 deg x 0.001 deg at 51.35 N
    assert cells.index.is_unique


def test_raster_aggregated_from_another_crs(write_raster):
    path = write_raster(origin=(0.70, 51.35), size=(0.001, 0.001), crs=pyproj.CRS("EPSG:4326"))
    cells = read_population_cells(path, crs=BNG, cell_size=1000)
    assert cells["population"].sum() == 65.0
    assert all(i.endswith("000") for i in cells.index)


def test_raster_without_crs(write_raster):
    with pytest.raises(InputError, match=r"pop\.tif: demand\.population: has no CRS\. Fix: write"):
        read_population_cells(write_raster(crs=None), crs=BNG)


def test_raster_and_area_not_overlapping(write_raster):
    with pytest.raises(
        InputError, match=r"pop\.tif: demand\.population: the raster .* do not overlap"
    ):
        read_population_cells(
            write_raster(), crs=BNG, boundary=shapely.box(50_000, 50_000, 60_000, 60_000)
        )


def test_raster_empty_after_clipping(write_raster):
    # the box overlaps the raster's footprint but holds no pixel centre
    with pytest.raises(InputError, match=r"no populated cell inside the study area \(3 outside\)"):
        read_population_cells(write_raster(), crs=BNG, boundary=shapely.box(1000, 1700, 1040, 2000))


def test_unreadable_raster(tmp_path):
    path = tmp_path / "pop.tif"
    path.write_text("not a raster")
    with pytest.raises(
        InputError, match=r"pop\.tif: demand\.population: cannot be read as a raster"
    ):
        read_population_cells(path, crs=BNG)


# ---- vector grids -----------------------------------------------------------------------------


def _grid(crs=BNG, **columns):
    squares = [shapely.box(x, y, x + 200, y + 200) for y in (0, 200) for x in (0, 200, 400)]
    data = {"cell": ["a", "b", "c", "d", "e", "f"], "pop": [1.0, 2.0, 0.0, 4.0, 5.0, 6.0]}
    return gpd.GeoDataFrame({**data, **columns}, geometry=squares, crs=BNG).to_crs(crs)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet"])
def test_vector_grid_formats(tmp_path, suffix):
    path = tmp_path / f"grid{suffix}"
    frame = _grid(pyproj.CRS("EPSG:4326"), share__g=[1.0] * 6)
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
        frame.to_parquet(path)
    else:
        frame.to_file(path)
    cells = read_population_cells(path, crs=BNG, population_column="pop", id_column="cell")
    assert list(cells.index) == ["a", "b", "d", "e", "f"]  # c is empty
    assert cells["population"].sum() == 18.0
    assert cells.crs == BNG
    # (a BNG -> WGS84 -> BNG round trip off the coast moves corners by centimetres)
    np.testing.assert_allclose(shapely.area(cells.geometry.array), 40000.0, rtol=1e-3)
    assert (cells["share__g"] == 1.0).all()


def test_vector_grid_ids_default_to_feature_ids_and_clip_by_centroid(tmp_path):
    path = tmp_path / "grid.gpkg"
    _grid().to_file(path)
    cells = read_population_cells(
        path, crs=BNG, population_column="pop", boundary=shapely.box(0, 0, 350, 400)
    )
    # centroids at x = 100, 300 kept, x = 500 dropped; GeoPackage feature ids start at 1
    assert list(cells.index) == ["1", "2", "4", "5"]
    assert cells["population"].sum() == 12.0


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (
            {"pop": [1.0, -2.0, 0.0, 4.0, 5.0, 6.0]},
            r"grid\.gpkg: pop: 1 cells have a negative population \(first: 2 = -2\)",
        ),
        (
            {"pop": [1.0, np.nan, 0.0, 4.0, 5.0, 6.0]},
            r"pop: 1 cells have a missing or non-numeric population",
        ),
        ({"cell": ["a", "a", "c", "d", "e", "f"]}, r"cell: 1 duplicate cell ids, e\.g\. 'a'"),
    ],
)
def test_vector_grid_bad_values(tmp_path, change, pattern):
    path = tmp_path / "grid.gpkg"
    frame = _grid()
    for column, values in change.items():
        frame[column] = values
    frame.to_file(path)
    with pytest.raises(InputError, match=pattern):
        read_population_cells(path, crs=BNG, population_column="pop", id_column="cell")


def test_vector_grid_missing_population_column(tmp_path):
    path = tmp_path / "grid.gpkg"
    _grid().to_file(path)
    with pytest.raises(
        InputError,
        match=r"grid\.gpkg: population: column 'population' is missing \(columns: \['cell', 'pop'\]\)",
    ):
        read_population_cells(path, crs=BNG)


def test_vector_grid_without_crs(tmp_path):
    path = tmp_path / "grid.shp"
    _grid().to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError, match=r"grid\.shp: demand\.population: has no CRS"):
        read_population_cells(path, crs=BNG, population_column="pop")


def test_vector_grid_of_points_is_refused(tmp_path):
    path = tmp_path / "grid.gpkg"
    frame = _grid()
    frame.geometry = frame.geometry.centroid
    frame.to_file(path)
    with pytest.raises(InputError, match=r"6 cells are not polygons \(first: 1, Point\)"):
        read_population_cells(path, crs=BNG, population_column="pop")


def test_vector_grid_outside_the_area(tmp_path):
    path = tmp_path / "grid.gpkg"
    _grid().to_file(path)
    with pytest.raises(InputError, match="no feature lies within the study area's bounding box"):
        read_population_cells(
            path, crs=BNG, population_column="pop", boundary=shapely.box(9000, 9000, 9100, 9100)
        )


# ---- zones with counts ------------------------------------------------------------------------


def test_zones_spread_over_cells_conserve_totals(write_zones):
    cells = read_population_cells(write_zones(), crs=BNG, kind="zones", cell_size=100)
    assert len(cells) == 12
    assert cells["population"].sum() == pytest.approx(40.0, rel=1e-12)
    # W: 10 people over 6 squares; E: 30 over 6
    assert cells.loc["1000_1700", "population"] == pytest.approx(10 / 6, rel=1e-12)
    assert cells.loc["1300_1900", "population"] == pytest.approx(5.0, rel=1e-12)


def test_zones_cells_straddling_two_zones(write_zones):
    # a 300 m grid (anchored at 0) cuts across the zone edge at x = 1200
    cells = read_population_cells(write_zones(), crs=BNG, kind="zones", cell_size=300)
    assert cells["population"].sum() == pytest.approx(40.0, rel=1e-12)
    # square 900-1200 x 1500-1800 covers 200 m x 100 m of W (200 m x 300 m)
    assert cells.loc["900_1500", "population"] == pytest.approx(10 * (200 * 100) / (200 * 300))
    assert cells.loc["1200_1800", "population"] == pytest.approx(30 * (200 * 200) / (200 * 300))


def test_zones_clipped_to_area_drop_the_outside_part(write_zones):
    outline = shapely.box(1000, 1700, 1350, 2000)  # leaves out a quarter of E
    cells = read_population_cells(
        write_zones(), crs=BNG, kind="zones", cell_size=100, boundary=outline
    )
    assert cells["population"].sum() == pytest.approx(10 + 30 * 0.75, rel=1e-12)
    assert cells.loc["1300_1800"].geometry.equals(shapely.box(1300, 1800, 1350, 1900))


def test_zones_errors(write_zones):
    with pytest.raises(InputError, match=r"zones\.gpkg: code: column 'code' is missing"):
        read_population_cells(write_zones(), crs=BNG, kind="zones", zone_id_column="code")
    with pytest.raises(InputError, match=r"zone_code: 1 duplicate zone ids, e\.g\. 'W'"):
        read_population_cells(write_zones(codes=("W", "W")), crs=BNG, kind="zones")
    with pytest.raises(
        InputError, match=r"population: 1 zones have a negative population \(first: 'E' = -30\)"
    ):
        read_population_cells(write_zones(population=(10.0, -30.0)), crs=BNG, kind="zones")
    with pytest.raises(InputError, match="the zones and the study area do not overlap"):
        read_population_cells(
            write_zones(), crs=BNG, kind="zones", boundary=shapely.box(0, 0, 10, 10)
        )
    with pytest.raises(InputError, match=r"demand\.cell_size: a 1 m grid over the zones needs"):
        read_population_cells(
            write_zones(geoms=(shapely.box(0, 0, 9000, 9000), ZONE_E)),
            crs=BNG,
            kind="zones",
            cell_size=1,
        )


def test_zones_in_another_crs(write_zones):
    path = write_zones(geoms=gpd.GeoSeries([ZONE_W, ZONE_E], crs=BNG).to_crs(4326), crs=4326)
    cells = read_population_cells(path, crs=BNG, kind="zones", cell_size=100)
    assert cells["population"].sum() == pytest.approx(40.0, rel=1e-9)


# ---- CSV grids, kinds, CRS ---------------------------------------------------------------------


def test_csv_grid(tmp_path):
    path = tmp_path / "cells.csv"
    pd.DataFrame(
        {"x": [1050.0, 1150.0, 1250.0], "y": [1050.0] * 3, "population": [3.0, 0.0, 4.0]}
    ).to_csv(path, index=False)
    cells = read_population_cells(path, crs=BNG, cell_size=100)
    assert dict(cells["population"]) == {"1000_1000": 3.0, "1200_1000": 4.0}
    with pytest.raises(InputError, match=r"demand\.cell_size: a CSV grid needs the cell size"):
        read_population_cells(path, crs=BNG)
    pd.DataFrame({"x": [1.0], "population": [1.0]}).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"cells\.csv: y: columns \['y'\] are missing"):
        read_population_cells(path, crs=BNG, cell_size=100)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("pop.tif", "auto", "raster"),
        ("pop.TIFF", "auto", "raster"),
        ("mosaic.vrt", "auto", "raster"),
        ("grid.gpkg", "auto", "vector"),
        ("cells.csv", "auto", "csv"),
        ("lsoa.gpkg", "zones", "zones"),
    ],
)
def test_population_kind(name, kind, expected):
    assert population_kind(name, kind) == expected


def test_unknown_population_kind():
    with pytest.raises(InputError, match=r"demand\.population_kind: population kind 'grid'"):
        population_kind("a.gpkg", "grid")


def test_choose_crs():
    frame = gpd.GeoSeries([shapely.Point(0.75, 51.35)], crs=4326)
    assert choose_crs(frame).to_epsg() == 32631  # UTM 31N for north Kent
    assert choose_crs(frame, "EPSG:27700").to_epsg() == 27700
    with pytest.raises(InputError, match=r"area\.crs: CRS EPSG:4326 is geographic"):
        choose_crs(frame, "EPSG:4326")
    with pytest.raises(InputError, match=r"area\.crs: 'EPSG:99999' is not a CRS"):
        choose_crs(frame, "EPSG:99999")


def test_build_cells_is_the_deprecated_name_of_read_population_cells(write_raster):
    from gateway_planner.demand import build_cells

    path = write_raster()
    with pytest.warns(
        FutureWarning,
        match=r"gateway_planner\.demand\.build_cells is deprecated and will be removed in 0\.3\.0; "
        r"use gateway_planner\.demand\.read_population_cells",
    ) as record:
        old = build_cells(path, crs=BNG, cell_size=200)
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert build_cells.__name__ == "build_cells"
    pd.testing.assert_frame_equal(
        old.to_wkb(), read_population_cells(path, crs=BNG, cell_size=200).to_wkb()
    )
