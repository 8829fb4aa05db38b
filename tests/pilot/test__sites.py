"""The pilots' sites: the real network of service points, cited; candidates named by place."""

from __future__ import annotations

import re

import pytest

from gateway_planner.pilot import load_pilot
from gateway_planner.pilot._params import NETWORK_DATES, SERVICE_POINTS
from gateway_planner.pilot._sites import sector_name

AREAS = ("swale", "saint-omer")
#: a dated source: an address and a year
CITED = re.compile(r"https?://\S+.*\b(19|20)\d\d\b")


def test_sector_names_say_where_they_are() -> None:
    assert sector_name("ME10 4") == "Sittingbourne (ME10 4)"
    assert sector_name("ME12 4") == "Isle of Sheppey (ME12 4)"
    assert sector_name("ME9 7") == "Sittingbourne villages (ME9 7)"
    assert sector_name("ME13 0") == "Faversham (ME13 0)"
    assert sector_name("ZZ1 1") == "Postcode sector ZZ1 1"  # no place known: the sector


@pytest.mark.parametrize("area", AREAS)
def test_the_existing_sites_are_the_areas_service_points_in_order(area: str) -> None:
    sites = load_pilot(area).sites
    existing = sites[sites["status"] == "existing"]
    assert list(existing.index) == [p.site_id for p in SERVICE_POINTS[area]]
    assert list(existing["name"]) == [p.name for p in SERVICE_POINTS[area]]
    assert len(existing) >= 3  # more than the focus site: the real network


@pytest.mark.parametrize("area", AREAS)
def test_every_service_point_cites_its_dated_sources(area: str) -> None:
    sites = load_pilot(area).sites
    existing = sites[sites["status"] == "existing"]
    for site_id, row in existing.iterrows():
        service = row["service_source"]
        assert service.startswith(f"Network of {NETWORK_DATES[area]}. "), site_id
        assert CITED.search(service), site_id
        # whatever could not be confirmed is said to be assumed
        assert "assumed" in service, site_id
        assert row["location_source"].startswith("assumed: "), site_id
    candidates = sites[sites["status"] == "candidate"]
    assert candidates["service_source"].isna().all()  # no service point there today


@pytest.mark.parametrize("area", AREAS)
def test_no_candidate_stands_where_a_service_point_stands(area: str) -> None:
    sites = load_pilot(area).sites
    points = {(g.x, g.y) for g in sites.geometry[sites["status"] == "existing"]}
    candidates = sites.geometry[sites["status"] == "candidate"]
    assert not any((g.x, g.y) in points for g in candidates)


def test_swale_candidates_keep_their_ids_and_are_named_by_place() -> None:
    sites = load_pilot("swale").sites
    candidates = sites[sites["status"] == "candidate"]
    assert candidates.index.str.fullmatch(r"sector-ME\d{1,2}-\d").all()
    for site_id, name in candidates["name"].items():
        _, district, digit = site_id.split("-")
        assert re.fullmatch(rf"[A-Z][A-Za-z ]+ \({district} {digit}\)", name), name
    assert sites.loc["sector-ME10-4", "name"] == "Sittingbourne (ME10 4)"
    assert candidates["location_source"].str.contains("ME_postcode_area").all()
