import numpy as np
import pytest

from gateway_planner.locate import PMedian
from gateway_planner.locate._radius import radius_model
from gateway_planner.locate.milp import run_highs


@pytest.mark.parametrize(
    ("p", "fixed", "unserved", "closing"),
    [
        (2, (), None, False),
        (3, (1,), None, False),
        (4, (1, 5), None, False),
        (3, (), 45.0, False),
        (3, (1, 5), None, True),
    ],
)
def test_radius_model_alone_matches_brute_force(
    problem_factory, brute_force, p, fixed, unserved, closing
):
    problem = problem_factory(
        30,
        9,
        seed=13,
        unreachable=0.15,
        fixed=fixed,
        p=p,
        unserved_cost=unserved,
        allow_closing=closing,
    )
    model = PMedian.from_problem(problem)
    core = model._core
    radius, free = radius_model(core)
    result = run_highs(radius, time_limit=20, presolve=False)
    is_open = core.forced.copy()
    is_open[free[result.x[: free.size] > 0.5]] = True
    w = np.asarray(problem.weights)
    d = np.asarray(problem.costs)
    if unserved is not None:
        d = np.minimum(d, unserved)

    def value(sites):
        near = d[w > 0][:, sites].min(axis=1)
        return float(w[w > 0] @ near) if np.all(np.isfinite(near)) else np.inf

    best, _ = brute_force(9, p, () if closing else fixed, value)
    assert result.objective == pytest.approx(best)
    assert model.evaluate(is_open) == pytest.approx(best)
