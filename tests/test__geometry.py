"""Square-cell ids, polygonal parts and clipping to the study area."""

import numpy as np
import shapely

from gateway_planner._geometry import cell_ids, clip_to, polygonal


def test_cell_ids_are_lower_left_corners_in_whole_metres():
    ids = cell_ids(np.array([1000.0, 1199.6]), np.array([-0.4, 250.0]))
    assert list(ids) == ["1000_0", "1200_250"]


def test_polygonal_keeps_only_the_polygonal_parts():
    square = shapely.box(0, 0, 1, 1)
    assert polygonal(square) is square
    mixed = shapely.GeometryCollection([square, shapely.LineString([(0, 0), (5, 5)])])
    assert polygonal(mixed).equals(square)
    assert polygonal(shapely.LineString([(0, 0), (1, 1)])).is_empty
    assert polygonal(shapely.GeometryCollection()).geom_type == "Polygon"


def test_clip_to_skips_inner_squares_and_drops_slivers():
    outline = shapely.box(0, 0, 2, 1)
    inner, across, touching = (
        shapely.box(0, 0, 1, 1),
        shapely.box(1.5, 0, 2.5, 1),
        shapely.box(2, 0, 3, 1),
    )
    out = clip_to(np.array([inner, across, touching], dtype=object), outline)
    assert out[0] is inner  # wholly inside: not intersected
    assert out[1].equals(shapely.box(1.5, 0, 2, 1))
    assert out[2].is_empty and out[2].geom_type in ("Polygon", "MultiPolygon")
