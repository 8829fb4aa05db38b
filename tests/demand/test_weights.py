import geopandas as gpd
import numpy as np
import pytest
import shapely
from demand_files import make_group

from gateway_planner.demand import face_to_face_weights


@pytest.fixture
def cells():
    return gpd.GeoDataFrame(
        {"population": [100.0, 50.0], "share__a": [0.25, 1.0], "share__b": [0.75, 0.0]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        index=["c1", "c2"],
        crs=27700,
    )


def test_weights_are_population_share_channel_visits(cells):
    w = face_to_face_weights(cells, [make_group("a", 0.5, 2.0), make_group("b", 0.1, 4.0)])
    np.testing.assert_allclose(w, [[100 * 0.25 * 0.5 * 2, 100 * 0.75 * 0.1 * 4], [50 * 1.0, 0.0]])


def test_channel_shift_scales_face_to_face_and_caps_at_one(cells):
    groups = [make_group("a", 0.5, 2.0), make_group("b", 0.8, 1.0)]
    base = face_to_face_weights(cells, groups)
    down = face_to_face_weights(cells, groups, channel_shift=-0.2)
    np.testing.assert_allclose(down, base * 0.8)
    up = face_to_face_weights(cells, groups, channel_shift=0.5)
    np.testing.assert_allclose(up[:, 1], base[:, 1] / 0.8)  # 0.8 x 1.5 capped at 1
    with pytest.raises(ValueError, match=r"demand\.channel_shift: channel_shift is -1\.5"):
        face_to_face_weights(cells, groups, channel_shift=-1.5)


def test_bad_cells_are_reported_together(cells):
    cells.loc["c1", "population"] = -1
    cells.loc["c2", "share__b"] = 0.5
    with pytest.raises(
        ValueError, match=r"pilot: cells: 1 cells have a negative.*do not sum to 1 in 1 cells.*Fix:"
    ):
        face_to_face_weights(
            cells, [make_group("a", 0.5, 2.0), make_group("b", 0.1, 4.0)], source="pilot"
        )


def test_missing_share_column(cells):
    with pytest.raises(ValueError, match=r"share columns \['share__c'\] are missing"):
        face_to_face_weights(cells, [make_group("a", 0.5, 2.0), make_group("c", 0.1, 4.0)])
