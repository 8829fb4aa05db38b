"""The recommendation in words: sites named with their place, the objective's own figures.

On the synthetic 3x3 run (report_fixtures): drivers take 10 min a step, walkers 5 min more;
today only A (south-west corner) is open.
"""

import dataclasses

import geopandas as gpd
import numpy as np
import shapely
from report_fixtures import SUMMARY, X0, XSS_SITE, Y0, build_run

from gateway_planner.report import ScenarioView, headline
from gateway_planner.report._headline import (
    key_changes,
    mode_changes,
    objective_settings,
    options_sentence,
    site_label,
    site_places,
)

SHEERNESS = "Sheerness Gateway & <Co>"


def _view(open_sites=("A", "B"), objective=None, boundary=None):
    current, proposed, groups, own = build_run(open_sites=open_sites)
    summary = dict(SUMMARY)
    if objective is not None:
        summary["scenario"] = {**SUMMARY["scenario"], "objective": objective}
    return ScenarioView(
        "t", "T", current, proposed, groups, own if boundary is None else boundary, summary
    )


def test_a_site_is_placed_by_the_unit_that_holds_it():
    _current, proposed, _groups, _boundary = build_run()
    west_east = gpd.GeoDataFrame(
        {"name": ["Westbrook", "Eastling"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 1500, Y0 + 3000),
            shapely.box(X0 + 1500, Y0, X0 + 3000, Y0 + 3000),
        ],
        crs=27700,
    )
    assert site_places(proposed.sites, west_east) == {
        "A": "Westbrook",
        "B": "Eastling",
        "C": "Eastling",
    }
    # a site outside every unit takes the nearest one; the boundary may be in another CRS
    far = proposed.sites.copy()
    far.loc["A", "geometry"] = shapely.Point(X0 - 5000, Y0 + 500)
    assert site_places(far, west_east.to_crs(4326))["A"] == "Westbrook"
    assert site_places(proposed.sites, west_east.drop(columns="name")) == {}
    # units named by an ONS statistical code (LSOA, MSOA) give no place
    coded = west_east.assign(name=["Swale 011E", "Swale 006"])
    assert site_places(proposed.sites, coded) == {}
    mixed = west_east.assign(name=["Swale 011E", "Faversham"])
    assert site_places(proposed.sites, mixed) == {"B": "Faversham", "C": "Faversham"}


def test_the_place_is_added_unless_the_name_says_it():
    assert site_label("Postcode sector ME10 4 centre", "Swale 011E") == (
        "Postcode sector ME10 4 centre, Swale 011E"
    )
    assert site_label("Mairie de  Longuenesse", "Longuenesse") == "Mairie de Longuenesse"
    assert site_label("Mairie d'Arques", "ARQUES") == "Mairie d'Arques"  # in any case
    assert site_label("Depot", "") == "Depot"


def test_the_pmedian_headline_names_the_new_site_and_mean_and_30_minutes():
    assert headline(_view()) == (
        f"Open a new site at {XSS_SITE}, Test area: mean journey 21 min → 12 min; "
        "face-to-face visits within 30 min 83 % → 100 % (+17 pts)."
    )
    assert objective_settings({}) == {"model": "pmedian"}


def test_coverage_headlines_give_the_share_within_the_limit():
    # within 20 min: today 58.3 %; with B every driver and the walkers off the diagonal: 91.7 %
    view = _view(objective={"model": "max_coverage", "limit_minutes": 20})
    assert headline(view).endswith(": face-to-face visits within 20 min 58 % → 92 % (+33 pts).")
    # 25 min is not one of the thresholds of the figures: counted from the cells
    view = _view(objective={"model": "set_cover", "limit_minutes": 25.0})
    assert headline(view).endswith(": face-to-face visits within 25 min 67 % → 100 % (+33 pts).")
    first = key_changes(view)[0]
    assert (first.key, first.label, first.direction) == (
        "pct_within_25",
        "Visits within 25 min",
        "better",
    )


def test_the_pcenter_headline_gives_the_longest_journey():
    view = _view(objective={"model": "pcenter", "weighted_center": False})
    # today a walker in the far corner: 45 min; with B nobody is more than 2 steps away
    assert headline(view).endswith(": longest journey 45 min → 25 min.")
    assert key_changes(view)[0].change == "−20 min"


def test_closed_and_several_sites_are_named_in_order():
    assert headline(_view(open_sites=("B",))).startswith(
        f"Open a new site at {XSS_SITE}, Test area; close {SHEERNESS}, Test area: "
    )
    assert headline(_view(open_sites=("A", "B", "C"))).startswith(
        f"Open 2 new sites, at {XSS_SITE}, Test area and Candidate C, Test area: "
    )
    assert headline(_view(open_sites=("A",))).startswith("Keep today's 1 site: mean journey")


def test_many_new_sites_are_counted_after_the_first_three():
    current, proposed, groups, boundary = build_run()
    sites = proposed.sites
    labels = {sid: f"New {k}" for k, sid in enumerate("DEFGH")}
    view = ScenarioView("t", "T", current, proposed, groups, boundary, SUMMARY)
    view = dataclasses.replace(  # five more new sites, as a bigger run would propose
        view,
        proposed=type(proposed)(
            open_sites=(*proposed.open_sites, *labels),
            cells=proposed.cells,
            catchments=proposed.catchments,
            sites=gpd.GeoDataFrame(
                {
                    "name": [*sites["name"], *labels.values()],
                    "status": [*sites["status"], *["proposed"] * 5],
                },
                geometry=[*sites.geometry, *[shapely.Point(X0 + 100, Y0 + 100)] * 5],
                index=[*sites.index, *labels],
                crs=sites.crs,
            ),
            groups=proposed.groups,
        ),
    )
    assert headline(view).startswith(
        f"Open 6 new sites, at {XSS_SITE}, Test area; New 0, Test area; New 1, Test area "
        "and 3 more: "
    )


def test_key_changes_say_which_way_is_better_and_show_who_has_no_site():
    changes = {k.key: k for k in key_changes(_view())}
    assert list(changes) == [
        "mean_minutes",
        "pct_within_30",
        "pct_within_15",
        "worst_decile_minutes",
        "gini",
    ]
    assert (changes["pct_within_15"].today, changes["pct_within_15"].proposed) == (
        "33.3 %",
        "66.7 %",
    )
    assert changes["pct_within_15"].change == "+33.3 pts"
    assert changes["gini"].direction == "worse" and changes["gini"].change == "+0.034"
    assert changes["worst_decile_minutes"].direction == "better"
    # when some people reach no site, the count joins the key figures
    view = _view()
    figures = view.proposed.groups.copy()
    figures.loc["all", "unreachable_people"] = 12.0
    view = dataclasses.replace(view, proposed=dataclasses.replace(view.proposed, groups=figures))
    last = key_changes(view)[-1]
    assert (last.key, last.today, last.proposed, last.direction) == (
        "unreachable_people",
        "0",
        "12",
        "worse",
    )


def test_unreachable_longest_journey_reads_as_a_dash():
    view = _view(objective={"model": "pcenter"})
    for col in [c for c in view.current.cells.columns if c.startswith("minutes__")]:
        view.current.cells[col] = np.inf
    first = key_changes(view)[0]
    assert (first.today, first.change, first.direction) == ("–", "–", "")


def test_the_journey_by_each_mode_today_and_proposed(transit_run):
    view = ScenarioView("t", "T", *transit_run, SUMMARY)
    changes = mode_changes(view)
    assert [(m.mode, m.label) for m in changes] == [
        ("drive", "By car"),
        ("walk", "On foot"),
        ("bus", "By bus"),
        ("on_demand", "By on-demand minibus"),
    ]
    car, foot, bus, on_demand = changes
    assert (car.share, car.riding) == ("75 % of visits", "")
    assert (car.mean.today, car.mean.proposed, car.mean.change) == ("20 min", "11 min", "−9 min")
    assert car.mean.direction == "better"
    assert (foot.share, foot.within_30.today, foot.within_30.proposed) == (
        "12 % of visits",
        "69 %",
        "100 %",
    )
    # a third of the bus-mode visits board a bus with B open (two steps or more from a site)
    assert (bus.share, bus.riding) == ("12 % of visits", "33 % board a bus")
    assert (on_demand.mean.today, on_demand.mean.proposed) == ("54 min", "28 min")
    assert mode_changes(_view()) == []  # no figures by mode, no line


def _options(options, within=0.05):
    view = _view()
    summary = {**view.summary, "alternatives": {"within": within, "options": options}}
    return options_sentence(dataclasses.replace(view, summary=summary))


def test_the_other_choices_are_named_with_their_gap():
    best = {"rank": 1, "gap": 0.0, "opens": [], "closes": []}
    swap = {"rank": 2, "gap": 0.000743, "opens": ["C"], "closes": ["B"]}
    more = {"rank": 3, "gap": 0.0123, "opens": ["C"], "closes": []}
    fewer = {"rank": 4, "gap": 0.04, "opens": [], "closes": ["B"]}
    assert _options([best, swap, more, fewer]) == (
        "3 other choices within 5 % of the best total journey: Candidate C, Test area instead "
        f"of {XSS_SITE}, Test area (+0.07 %); also Candidate C, Test area (+1.23 %); without "
        f"{XSS_SITE}, Test area (+4.00 %)."
    )
    assert _options([best], within=0.02) == "No other choice within 2 % of the best total journey."
    assert options_sentence(_view()) is None  # the run asked for none


def test_the_footfall_line_says_the_calibration_and_the_visits_lost():
    from gateway_planner.report._headline import footfall_line
    from gateway_planner.report.maps import headline_html

    view = _view()
    # no decay, no calibration: nothing to say (every visit reaches a site)
    assert footfall_line(view) == ""
    assert "gp-footfall" not in headline_html(view)
    fitted = {
        "fitted": True,
        "period": "2011",
        "visit_rate_multiplier": 9.398,
        "sites": {
            "A": {
                "observed_per_month": 11000,
                "modelled_per_month": 10999.99,
                "residual_pct": -1e-4,
            }
        },
    }
    name = view.current.sites.loc["A", "name"]
    text = footfall_line(dataclasses.replace(view, summary={**view.summary, "calibration": fitted}))
    assert text == (
        f"Visit rates x 9.4, fitted to the visits observed, 11,000 a month at {name} (2011): "
        "modelled 11,000 (+0.0 %)."
    )
    sourced = {**fitted, "source": "door count"}
    text = footfall_line(
        dataclasses.replace(view, summary={**view.summary, "calibration": sourced})
    )
    assert text.endswith("modelled 11,000 (+0.0 %) (door count).")
    stored = {"fitted": False, "visit_rate_multiplier": 2.0, "source": "fitted elsewhere"}
    other = dataclasses.replace(view, summary={**view.summary, "calibration": stored})
    assert footfall_line(other) == (
        "Visit rates x 2, fitted elsewhere; not calibrated on this area's own footfall."
    )
    assert "<p class='gp-footfall'>Visit rates x 2, fitted elsewhere;" in headline_html(other)
    # visits lost to distance, today and proposed
    lost = dataclasses.replace(
        view,
        current=dataclasses.replace(view.current, groups=view.current.groups.assign(pct_lost=40.0)),
        proposed=dataclasses.replace(
            view.proposed, groups=view.proposed.groups.assign(pct_lost=25.4)
        ),
    )
    assert footfall_line(lost) == "Visits lost to distance: 40 % today → 25 % proposed."
