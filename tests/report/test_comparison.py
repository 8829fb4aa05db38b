"""comparison.html pieces: which maps move together, readable escaped tables, difference layer."""

import dataclasses
import re

from report_fixtures import SUMMARY, XSS_SITE, build_run

from gateway_planner import comparison_table, journey_time_difference
from gateway_planner.report import ScenarioView
from gateway_planner.report._view import variant_labels
from gateway_planner.report.comparison import comparison_html, same_area, table_html


def _view(name, sites=("A", "B"), x0=590_000):
    current, proposed, groups, boundary = build_run(open_sites=sites, x0=x0)
    return ScenarioView(name, f"Option <{name}>", current, proposed, groups, boundary, SUMMARY, ())


def test_same_area_means_overlapping_outlines():
    assert same_area([_view("a"), _view("b", ("A", "C"))])
    assert not same_area([_view("a"), _view("far", x0=400_000)])


def test_table_is_readable_escaped_and_marks_better_and_worse():
    views = [_view("ab"), _view("ac", ("A", "C"))]
    html = table_html(comparison_table(views, by="site"), views, caption="By <site>")
    assert "<h2>By &lt;site&gt;</h2>" in html
    assert XSS_SITE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<th>Option &lt;ab&gt;: proposed</th>" in html
    assert "<th>Option &lt;ac&gt; vs Option &lt;ab&gt; (proposed)</th>" in html
    groups = table_html(comparison_table(views), views, caption="By group")
    # option ac against ab: mean journey rises (worse), share within 15 min falls (worse), in
    # percentage points; the Gini of ab rises against today (worse), its mean falls (better)
    assert "<td class='gp-worse'>+2.2</td>" in groups
    assert "<td class='gp-worse'>−11.1 pts</td>" in groups
    assert "<td class='gp-better'>−8.9</td>" in groups  # ab against today
    assert "<td class='gp-worse'>+0.034</td>" in groups
    assert "<td>±0</td>" in groups
    changes = re.findall(r"<td[^>]*>([+−][^<]*)</td>", groups)
    assert changes and not [c for c in changes if c.endswith("%")]  # points, never " %"


def test_difference_layer_only_where_cells_are_shared():
    views = [_view("ab"), _view("ac", ("A", "C"))]
    tables = {"By group": comparison_table(views)}
    change = journey_time_difference(views[0].proposed, views[1].proposed)["change"].to_numpy()
    with_diff = comparison_html(views, tables=tables, changes={"ac": change})
    assert with_diff.count('"key":"minutes-vs-baseline"') == 1
    assert '"same_area":true' in with_diff
    without = comparison_html(views, tables=tables)
    assert "minutes-vs-baseline" not in without


def test_variants_of_one_scenario_are_labelled_by_what_differs():
    head = "Sheerness Gateway, Swale (Kent) — "
    views = [
        dataclasses.replace(_view("one"), title=head + "1 new site"),
        dataclasses.replace(_view("two", ("A", "C")), title=head + "2 new sites"),
    ]
    assert variant_labels(views) == ["1 new site", "2 new sites"]
    html = comparison_html(views, tables={"By group": comparison_table(views)})
    assert "<h1>Comparison of 2 variants: Sheerness Gateway, Swale (Kent)</h1>" in html
    assert "<th>1 new site: today</th>" in html and "<th>2 new sites: proposed</th>" in html
    assert "<th>2 new sites vs 1 new site (proposed)</th>" in html
    assert "<h2>Sheerness Gateway, Swale (Kent) — 1 new site (baseline)</h2>" in html
    assert html.count("class='gp-panel-headline'>Open a new site at ") == 2
    assert html.count("Inequality of journey times (Gini): 0 when") == 1  # explained once
    # other scenarios keep their titles (nothing in common, or the same tail)
    assert variant_labels([_view("a"), _view("b")]) == ["Option <a>", "Option <b>"]
    same = [dataclasses.replace(v, title=f"{t} — x") for v, t in zip(views, "AB", strict=True)]
    assert variant_labels(same) == ["A — x", "B — x"]
