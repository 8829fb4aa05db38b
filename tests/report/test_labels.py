"""The one list of key figures and the lists each output derives from it, with their labels."""

from gateway_planner.report import BRIEFING_FIGURES, KEY_FIGURES, SITE_FIGURES
from gateway_planner.report._labels import (
    FIGURE_LABELS,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    POPUP_FIGURES,
    change_direction,
    change_text,
    figure_label,
)


def test_the_briefing_shows_the_key_figures_but_the_head_counts_in_their_order():
    assert BRIEFING_FIGURES == (
        "people",
        "visits",
        "pct_within_15",
        "pct_within_30",
        "mean_minutes",
        "median_minutes",
        "p90_minutes",
        "worst_decile_minutes",
        "gini",
        "unreachable_people",
    )
    assert set(KEY_FIGURES) - set(BRIEFING_FIGURES) == {"people_within_15", "people_within_30"}
    assert KEY_FIGURES.index("people_within_30") < KEY_FIGURES.index("mean_minutes")


def test_every_listed_figure_has_a_label():
    for key in {*KEY_FIGURES, *SITE_FIGURES, *(k for k, *_ in POPUP_FIGURES)}:
        assert key in FIGURE_LABELS, key
    assert figure_label("pct_within_15") == ("Visits within 15 min", 1, " %")
    assert figure_label("new_thing") == ("new thing", 1, "")


def test_changes_are_in_points_for_percentages_and_signed():
    assert change_text("pct_within_30", 27.85) == "+27.9 pts"
    assert change_text("pct_within_30", 27.85, digits=0) == "+28 pts"
    assert change_text("mean_minutes", -72.86) == "−72.9"
    assert change_text("mean_minutes", -72.86, digits=0, suffix=" min") == "−73 min"
    assert change_text("load_pct", 12.0) == "+12 pts"
    assert change_text("gini", 0.0004) == "±0"  # rounds to nothing at 3 decimals
    assert change_text("gini", float("nan")) == "–"


def test_better_and_worse_follow_the_figure_s_direction():
    assert change_direction("pct_within_15", 3.0) == "better"
    assert change_direction("pct_within_45", -3.0) == "worse"  # any limit of a coverage run
    assert change_direction("people_within_30", 10.0) == "better"
    assert change_direction("mean_minutes", -1.0) == "better"
    assert change_direction("gini", 0.05) == "worse"
    assert change_direction("unreachable_people", 3.0) == "worse"
    assert change_direction("longest_minutes", -5.0) == "better"
    assert change_direction("people", 100.0) == ""  # no better way
    assert change_direction("mean_minutes", 0.04) == ""  # shown as ±0.0
    assert change_direction("mean_minutes", 0.04, 2) == "worse"
    assert change_direction("gini", float("inf")) == ""
    assert {"mean_minutes", "gini"} <= LOWER_IS_BETTER and "pct_within_30" in HIGHER_IS_BETTER


def _summary(kind, *sources, assumptions=()):
    modes = {f"m{i}": {"provenance": {"params": {"source": s}}} for i, s in enumerate(sources)}
    return {"network": {"kind": kind, "modes": modes}, "assumptions": list(assumptions)}


def test_banners_say_whether_the_proxy_speeds_are_fitted():
    from gateway_planner.report import banners

    fitted = banners(_summary("proxy", "calibrated against road times", "calibrated: x"))
    assert fitted == [
        "Proxy network: journey times are estimated from straight-line links and speeds "
        "fitted to road times, not real roads."
    ]
    assumed = banners(_summary("proxy", "calibrated: x", "assumed: guess"))
    assert "and assumed speeds, not real roads" in assumed[0]
    assert banners(_summary("osm")) == []
    assert banners(_summary("file", assumptions=["a"]))[0].startswith("Assumed data:")
