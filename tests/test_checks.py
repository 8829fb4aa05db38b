"""The checks of a scenario in its own terms: the area before networks, reach before solving."""

import dataclasses
import re

import numpy as np
import pytest
from run_outputs import drive_walk_groups

from gateway_planner.checks import check_area, check_reach, validate_scenario
from gateway_planner.config import scenario_from_dict
from gateway_planner.costs import build_problem
from gateway_planner.errors import GatewayPlannerWarning, InputError
from gateway_planner.scenario import run_scenario

#: the pilot without its bus feed: its groups by car and on foot
SWALE = {"name": "t", "area": {"pilot": "swale"}, "demand": {"groups": str(drive_walk_groups())}}


@pytest.fixture(scope="module")
def swale_run():
    scenario = scenario_from_dict(SWALE)
    return run_scenario(scenario, write=False)


def _without(times, columns=(), rows=()):
    """The run's dense travel times with some sites (columns) or cells (rows) unreachable."""

    def cut(matrix):
        out = np.array(matrix, dtype=np.float32)
        out[:, list(columns)] = np.inf
        out[list(rows), :] = np.inf
        return out

    return dataclasses.replace(
        times,
        by_mode={k: cut(v) for k, v in times.by_mode.items()},
        by_group={k: cut(v) for k, v in times.by_group.items()},
    )


def test_candidates_no_cell_reaches_are_refused_before_solving(swale_run):
    r = swale_run
    candidates = [i for i, s in enumerate(r.times.site_ids) if s not in r.area.existing]
    times = _without(r.times, columns=candidates)
    problem = build_problem(r.scenario, r.area, r.weights, times)
    with pytest.raises(
        InputError,
        match=r"sites\.file: none of the 20 candidate sites in sites\.csv is reached from any "
        r"cell: the network does not join them to the cells\. Fix: check the sites' coordinates",
    ):
        check_reach(r.scenario, r.area, times, problem)


def test_an_existing_site_no_cell_reaches_is_named(swale_run):
    r = swale_run
    times = _without(r.times, columns=[r.times.site_ids.index("sheerness-gateway")])
    scenario = r.scenario.with_updates({"objective.keep_existing": False})
    problem = build_problem(scenario, r.area, r.weights, times)
    with pytest.warns(
        GatewayPlannerWarning,
        match=r"sites\.csv: existing sites sheerness-gateway are reached from no cell .*; "
        r"today's figures leave them out",
    ):
        check_reach(scenario, r.area, times, problem)


def test_cells_no_site_reaches_name_the_network_keys(swale_run):
    r = swale_run
    times = _without(r.times, rows=[0, 1, 2])
    problem = build_problem(r.scenario, r.area, r.weights, times)
    with pytest.raises(InputError) as info:
        check_reach(r.scenario, r.area, times, problem)
    assert re.search(
        r"network\.max_snap_m: 3 cells with face-to-face demand \(\d+ of 49,612 visits a month\) "
        r"are off the network or not joined to any site: .*Fix: raise network\.limit_minutes or "
        r"network\.max_snap_m, or add candidate sites near those cells",
        str(info.value),
    )
    assert "unserved_cost" not in str(info.value)


def test_check_area_takes_the_objective_into_account(swale_run):
    r = swale_run
    for updates, pattern in (
        ({"objective.new_sites": 21}, r"asks for 21 new sites, but .* has only 20 candidate"),
        (
            {"objective.keep_existing": False, "objective.new_sites": 21},
            r"asks for 21 new sites, but .* has only 20 candidate",
        ),
    ):
        with pytest.raises(InputError, match=pattern):
            check_area(r.scenario.with_updates(updates), r.area, r.weights)
    # a set cover opens as many sites as it needs: no count to check
    check_area(
        r.scenario.with_updates({"objective.model": "set_cover", "objective.limit_minutes": 60}),
        r.area,
        r.weights,
    )


def test_validate_checks_the_output_folder_it_is_given(tmp_path):
    scenario = scenario_from_dict(SWALE)
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"--output: holds files gateway-planner did not write"):
        validate_scenario(scenario, folder=tmp_path)
    assert validate_scenario(scenario, folder=tmp_path, overwrite=True) is scenario


def test_objective_keys_that_contradict_each_other_are_refused_before_networks(swale_run):
    r = swale_run
    with pytest.raises(
        InputError,
        match=r"objective: objective\.decay_start = 25 lies beyond objective\.limit_minutes = 20 "
        r".*Fix: set objective\.decay_start to objective\.limit_minutes or less",
    ):
        r.scenario.with_updates(
            {
                "objective.model": "max_coverage",
                "objective.limit_minutes": 20,
                "objective.decay": "linear",
                "objective.decay_start": 25,
            }
        )
    cover = r.scenario.with_updates(
        {
            "objective.model": "set_cover",
            "objective.limit_minutes": 60,
            "objective.site_cost_column": "cost",
        }
    )
    costs = ["12"] * len(r.area.sites)
    costs[5] = "free"  # after the 3 existing sites and 2 candidates
    area = dataclasses.replace(r.area, sites=r.area.sites.assign(cost=costs))
    with pytest.raises(
        InputError,
        match=r"objective\.site_cost_column: 1 sites of sites\.csv have no cost of 0 or more in "
        r"column 'cost' \(first: 'sector-ME10-3' = nan\)",
    ):
        check_area(cover, area, r.weights)
    with pytest.raises(InputError, match=r"objective\.site_cost_column: the sites have no column"):
        check_area(cover, r.area, r.weights)
