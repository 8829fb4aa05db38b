"""The embedded pilot pack as the pipeline sees it (load_pilot, get_path)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely

from gateway_planner import pilot
from gateway_planner.area import Area, read_sites
from gateway_planner.errors import InputError
from gateway_planner.pilot import _pack, available, get_path, load_pilot

EXPECTED = {
    # area: (crs, units, population, existing site ids: the focus site first, then the rest of
    # the area's real network of service points)
    "swale": (
        "EPSG:27700",
        85,
        151_700,
        ("sheerness-gateway", "swale-house", "faversham-council-office"),
    ),
    "saint-omer": (
        "EPSG:2154",
        53,
        105_743,
        (
            "fauquembergues-maison-des-services",
            "enquin-maison-des-services",
            "aire-sur-la-lys-france-services",
        ),
    ),
}
GROUP_IDS = ["digital_working_age", "families", "older_low_income", "assisted_support"]


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def area(request: pytest.FixtureRequest) -> Area:
    return load_pilot(request.param)


def test_available_names_both_areas() -> None:
    assert available == ("swale", "saint-omer")


def test_unknown_area_names_the_choices() -> None:
    with pytest.raises(InputError, match=r"unknown pilot area 'kent'.*swale, saint-omer"):
        load_pilot("kent")


def test_get_path_resolves_pack_files() -> None:
    assert get_path("swale/cells.csv").name == "cells.csv"
    assert get_path("groups.toml").parent.name == "pilot"
    assert get_path("boundaries/saint-omer.geojson").parent.name == "boundaries"
    with pytest.raises(InputError, match=r"no file 'swale/roads\.csv' in the pilot pack"):
        get_path("swale/roads.csv")


def test_the_pilot_gives_an_area_listing_its_files(area: Area) -> None:
    assert isinstance(area, Area)
    assert area.demand is None
    assert area.inputs == {
        "pilot.area": get_path(f"{area.id}/area.toml"),
        "pilot.boundary": get_path(f"boundaries/{area.id}.geojson"),
        "pilot.cells": get_path(f"{area.id}/cells.csv"),
        "pilot.sites": get_path(f"{area.id}/sites.csv"),
        "pilot.groups": get_path("groups.toml"),
        "pilot.proxy_network": get_path(f"{area.id}/proxy_network.toml"),
    }


def test_crs_and_units(area: Area) -> None:
    crs, units, _, _ = EXPECTED[area.id]
    assert area.crs == crs
    assert area.crs.is_projected
    for frame in (area.boundary, area.cells, area.sites):
        assert frame.crs == crs
    assert len(area.boundary) == units
    assert area.boundary["code"].is_unique
    assert list(area.boundary.columns) == ["code", "name", "geometry"]


def test_population_total_is_exact_to_rounding(area: Area) -> None:
    total = EXPECTED[area.id][2]
    assert float(area.cells["population"].sum()) == pytest.approx(total, abs=0.01)
    assert (area.cells["population"] > 0).all()


def test_cells_contract(area: Area) -> None:
    cells = area.cells
    assert cells.index.name == "cell_id"
    assert cells.index.is_unique
    assert all(isinstance(i, str) for i in cells.index)
    shares = [c for c in cells.columns if c.startswith("share__")]
    assert shares == [f"share__{g}" for g in GROUP_IDS]
    np.testing.assert_allclose(cells[shares].sum(axis=1), 1.0, atol=1e-9)
    assert set(cells["density_class"]) <= {"urban", "town", "rural"}
    assert set(cells.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    # squares of 250 m, clipped: never larger, never empty
    area_m2 = cells.geometry.area.to_numpy()
    assert (area_m2 > 0).all()
    assert (area_m2 <= 250 * 250 + 1e-6).all()


def test_no_cell_lies_outside_the_boundary(area: Area) -> None:
    land = shapely.union_all(area.boundary.geometry.to_numpy()).buffer(0.01)
    assert shapely.covers(land, area.cells.geometry.to_numpy()).all()


def test_sites_contract(area: Area) -> None:
    sites = area.sites
    existing = EXPECTED[area.id][3]
    assert sites.index.name == "site_id"
    assert sites.index.is_unique
    assert set(sites["status"]) == {"existing", "candidate"}
    assert tuple(sites.index[sites["status"] == "existing"]) == existing
    assert sites["capacity"].isna().all()
    assert (sites.geometry.geom_type == "Point").all()
    assert sites["location_source"].str.match(r"^(measured|assumed): ").all()
    land = shapely.union_all(area.boundary.geometry.to_numpy()).buffer(1.0)
    assert shapely.covers(land, sites.geometry.to_numpy()).all()


def test_swale_sites() -> None:
    sites = load_pilot("swale").sites
    gateway = sites.loc["sheerness-gateway"]
    # the ONS centroid of ME12 1NL, labelled as an approximation
    assert (gateway.geometry.x, gateway.geometry.y) == (591999.0, 174904.0)
    assert gateway["location_source"].startswith("assumed: ONS centroid of postcode ME12 1NL")
    candidates = sites[sites["status"] == "candidate"]
    assert len(candidates) >= 15
    assert candidates.index.str.match(r"^sector-[A-Z]{2}\d{1,2}-\d$").all()
    assert candidates["location_source"].str.startswith("assumed:").all()


def test_saint_omer_sites_are_the_mairies() -> None:
    sites = load_pilot("saint-omer").sites
    candidates = sites[sites["status"] == "candidate"]
    assert len(sites) == 53
    assert len(candidates) == 50
    # Fauquembergues, Enquin-lez-Guinegatte and Aire-sur-la-Lys hold service points at their
    # mairies: existing sites, not candidates
    assert not {"mairie-62325", "mairie-62295", "mairie-62014"} & set(sites.index)
    assert sites.loc["fauquembergues-maison-des-services", "location_source"].startswith("assumed:")
    moved = candidates[candidates["location_source"].str.startswith("assumed:")]
    assert len(moved) == 6  # mairie points outside their commune, replaced and labelled


def test_groups_are_common_and_assumed(area: Area) -> None:
    assert [g.id for g in area.groups] == GROUP_IDS
    assert all(g.assumed for g in area.groups)
    for group in area.groups:
        assert math.isclose(sum(group.channels.values()), 1.0)
        assert set(group.modes) == {"drive", "walk", "bus", "on_demand"}
    assert area.inputs["pilot.groups"] == get_path("groups.toml")


def test_proxy_params_and_provenance(area: Area) -> None:
    # drive speeds fitted in Kent (Swale) or transferred from there (Saint-Omer); the rest assumed
    assert area.proxy_params["source"].startswith("calibrated:")
    assert (
        area.proxy_params["calibration"]["after"]["drive_speed_kmh"]
        == (area.proxy_params["drive_speed_kmh"])
    )
    assert area.proxy_params["walk_speed_kmh"] == 4.8
    assert area.inputs["pilot.proxy_network"] == get_path(f"{area.id}/proxy_network.toml")
    text = " ".join(area.sources)
    if area.id == "swale":
        assert "Contains OS data © Crown copyright and database right" in text
        assert "Open Government Licence" in text
    else:
        assert "Licence Ouverte" in text
    assert any("proxy network" in a for a in area.assumptions)


def test_sheppey_has_people_and_a_bridge_link() -> None:
    area = load_pilot("swale")
    links = area.proxy_params["link"]
    assert {link["name"] for link in links} == {
        "Kingsferry Bridge (B2231)",
        "Sheppey Crossing (A249)",
    }
    # about 51.39 N, 0.74 E
    for link in links:
        for lon, lat in (link["from"], link["to"]):
            assert 51.38 < lat < 51.41
            assert 0.73 < lon < 0.76


# ---- the pack's files go through the readers of the planner's files -----------------------------


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the pack that the pilot reads instead of the repository's ``data/``."""
    root = tmp_path / "data"
    shutil.copytree(_pack.data_dir(), root)
    monkeypatch.setattr(_pack, "data_dir", lambda *, must_exist=True: root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_pilot_site_status_is_read_in_any_case(pack: Path) -> None:
    sites = pack / "pilot" / "swale" / "sites.csv"
    _edit(sites, ",existing,", ",Existing,")
    _edit(sites, ",candidate,", ",CANDIDATE,")
    area = load_pilot("swale")
    assert area.existing == EXPECTED["swale"][3]
    assert set(area.sites["status"]) == {"existing", "candidate"}


def test_pilot_site_capacity_is_checked(pack: Path) -> None:
    sites = pack / "pilot" / "swale" / "sites.csv"
    _edit(sites, ",existing,,", ",existing,-40,")
    with pytest.raises(
        InputError,
        match=r"swale/sites\.csv: capacity: 1 sites have a negative capacity "
        r"\(first: 'sheerness-gateway' = -40\)\. Fix: use visits per month, 0 or more",
    ):
        load_pilot("swale")


def test_area_toml_reports_every_problem_at_once(pack: Path) -> None:
    meta = pack / "pilot" / "saint-omer" / "area.toml"
    _edit(meta, 'id = "saint-omer"', 'id = "omer"')
    _edit(meta, "cell_size_m = 250.0", "cell_size_m = -250.0")
    _edit(meta, "[counts]", 'colour = "blue"\n\n[counts]')
    with pytest.raises(InputError, match=r"area\.toml: 3 problems: \(1\) id: id 'omer'") as info:
        load_pilot("saint-omer")
    assert [p.field for p in info.value.problems] == ["id", "cell_size_m", "colour"]
    assert all(p.fix for p in info.value.problems)


def test_pilot_area_is_a_deprecated_name_of_area() -> None:
    with pytest.warns(
        FutureWarning, match=r"PilotArea is deprecated .* 0\.3\.0; use gateway_planner\.area\.Area"
    ):
        assert pilot.PilotArea is Area
    with pytest.raises(AttributeError, match="has no attribute 'PilotAreas'"):
        pilot.PilotAreas  # noqa: B018


def test_read_sites_csv_is_a_deprecated_name_of_read_sites() -> None:
    path = get_path("swale/sites.csv")
    with pytest.warns(FutureWarning, match=r"read_sites_csv is deprecated .* 0\.3\.0") as record:
        sites = pilot.read_sites_csv(path, crs="EPSG:27700")
    assert record[0].filename == __file__
    assert sites.equals(read_sites(path, crs="EPSG:27700"))
