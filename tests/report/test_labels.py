"""The one list of key figures and the lists each output derives from it, with their labels."""

from gateway_planner.report import BRIEFING_FIGURES, KEY_FIGURES, SITE_FIGURES
from gateway_planner.report._labels import FIGURE_LABELS, POPUP_FIGURES, figure_label


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
