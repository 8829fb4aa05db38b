"""comparison.html pieces: which maps move together, readable escaped tables, difference layer."""

from report_fixtures import SUMMARY, XSS_SITE, build_run

from gateway_planner import comparison_table, journey_time_difference
from gateway_planner.report import ScenarioView
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
    # option ac against ab: mean journey rises (worse), share within 15 min falls (worse)
    assert "<td class='gp-worse'>+2.2</td>" in groups
    assert "<td class='gp-worse'>-11.1 %</td>" in groups
    assert "<td class='gp-better'>-8.9</td>" in groups  # ab against today
    assert "<td>±0</td>" in groups


def test_difference_layer_only_where_cells_are_shared():
    views = [_view("ab"), _view("ac", ("A", "C"))]
    tables = {"By group": comparison_table(views)}
    change = journey_time_difference(views[0].proposed, views[1].proposed)["change"].to_numpy()
    with_diff = comparison_html(views, tables=tables, changes={"ac": change})
    assert with_diff.count('"key":"minutes-vs-baseline"') == 1
    assert '"same_area":true' in with_diff
    without = comparison_html(views, tables=tables)
    assert "minutes-vs-baseline" not in without
