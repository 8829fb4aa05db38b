"""Each location model, chosen in a scenario file, runs end to end on the Swale pilot."""

import numpy as np
import pytest

from gateway_planner.config import scenario_from_dict
from gateway_planner.errors import InputError
from gateway_planner.scenario import build_problem, run_scenario


def swale(**objective):
    return scenario_from_dict({"name": "t", "area": {"pilot": "swale"}, "objective": objective})


@pytest.fixture(scope="module")
def pmedian_run():
    return run_scenario(swale(new_sites=1), write=False)


@pytest.mark.parametrize(
    "objective",
    [
        {"model": "max_coverage", "new_sites": 1, "limit_minutes": 20},
        {
            "model": "max_coverage",
            "new_sites": 1,
            "limit_minutes": 30,
            "decay": "linear",
            "decay_start": 10,
        },
        {"model": "pcenter", "new_sites": 1},
        {"model": "pcenter", "new_sites": 1, "weighted_center": True},
        {"model": "set_cover", "limit_minutes": 120, "coverage_share": 0.8},
    ],
    ids=["coverage", "coverage-linear", "pcenter", "pcenter-weighted", "set-cover-share"],
)
def test_every_model_runs_from_a_scenario(objective):
    result = run_scenario(swale(**objective), write=False)
    sol = result.solution
    assert sol.model == objective["model"]
    assert "sheerness-gateway" in sol.open_sites
    assert sol.gap <= 1e-6 and sol.status == "optimal"
    if objective["model"] != "set_cover":
        assert len(sol.open_sites) == 2
    assert result.summary["solver"]["model"] == objective["model"]


def test_costs_are_visit_weighted_group_times(pmedian_run):
    r = pmedian_run

    def dense(problem):
        c = problem.costs
        return c.toarray() if hasattr(c, "toarray") else np.asarray(c)

    free = build_problem(
        r.scenario.with_updates({"objective.keep_existing": False}), r.area, r.weights, r.times
    )
    np.testing.assert_allclose(free.weights, r.weights.sum(axis=1))
    i = int(np.argmax(r.weights.sum(axis=1)))
    expected = sum(
        r.weights[i, g] * r.times.for_group(grp.id)[i] for g, grp in enumerate(r.area.groups)
    )
    np.testing.assert_allclose(dense(free)[i], expected / r.weights[i].sum(), rtol=1e-5)
    # with the existing site kept, pairs slower than it are left out: they can never serve the cell
    kept = dense(build_problem(r.scenario, r.area, r.weights, r.times))
    j = list(free.site_ids).index("sheerness-gateway")
    slower = dense(free) > dense(free)[:, [j]]
    assert np.isinf(kept[slower]).all()
    np.testing.assert_allclose(kept[~slower], dense(free)[~slower])


def test_capacities_come_from_the_sites_table(pmedian_run):
    r = pmedian_run
    sites = r.area.sites.copy()
    sites["capacity"] = 1e9  # visits per month: never binding
    sites.loc["sheerness-gateway", "capacity"] = 100.0
    area = type(r.area)(**{**r.area.__dict__, "sites": sites})
    problem = build_problem(r.scenario, area, r.weights, r.times)
    assert problem.capacities is not None
    assert problem.capacities[list(problem.site_ids).index("sheerness-gateway")] == pytest.approx(
        1200.0
    )
    off = build_problem(
        r.scenario.with_updates({"objective.capacities": False}), area, r.weights, r.times
    )
    assert off.capacities is None


def test_a_coverage_target_out_of_reach_is_refused_before_solving():
    with pytest.raises(
        InputError, match=r"limit: 1386 cell\(s\) of positive weight .* beyond 1 minutes"
    ):
        run_scenario(swale(model="set_cover", limit_minutes=1, coverage_share=1.0), write=False)
