"""ScenarioView: one scenario as the pages show it; notices and sources come from its summary."""

import dataclasses

import pytest
from report_fixtures import SUMMARY

from gateway_planner.report import ScenarioView, banners
from gateway_planner.report._view import all_banners, all_sources


def test_banners_and_sources_derive_from_the_summary(run):
    view = ScenarioView("t", "T", *run, SUMMARY)
    assert view.banners == tuple(banners(SUMMARY))
    assert [b.split(":")[0] for b in view.banners] == ["Proxy network", "Assumed data"]
    assert view.sources == ("Synthetic grid (tests)", "OpenStreetMap contributors")
    assert view.groups == tuple(run[2])
    osm = {**SUMMARY, "network": {"kind": "osm"}, "assumptions": []}
    assert ScenarioView("t", "T", *run, osm).banners == ()


def test_given_banners_win_and_no_summary_means_no_notices(run):
    assert ScenarioView("t", "T", *run, SUMMARY, ()).banners == ()
    assert ScenarioView("t", "T", *run, SUMMARY, ["<b>x</b>"]).banners == ("<b>x</b>",)
    bare = ScenarioView("t", "T", *run)
    assert bare.summary == {} and bare.banners == () and bare.sources == ()


def test_a_view_is_frozen_and_replace_keeps_its_notices(run):
    view = ScenarioView("t", "T", *run, SUMMARY, ["x"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.title = "U"
    other = dataclasses.replace(view, title="U")
    assert (other.title, other.banners, other.sources) == ("U", ("x",), view.sources)


def test_notices_and_sources_of_several_views_appear_once_in_order(run):
    a = ScenarioView("a", "A", *run, {"sources": ["s1", "s2"]}, ["n1", "n2"])
    b = ScenarioView("b", "B", *run, {"sources": ["s2", "s3"]}, ["n2", "n0"])
    assert all_banners([a, b]) == ["n1", "n2", "n0"]
    assert all_sources([a, b]) == ["s1", "s2", "s3"]
