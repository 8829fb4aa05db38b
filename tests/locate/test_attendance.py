"""Maximal attendance (locate/attendance.py) against brute force: the visits made, each cell at
the open site where it makes most, with visits decaying with journey time."""

import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.errors import InputError
from gateway_planner.locate import MODEL_CLASSES, MaxAttendance, Problem, solve
from gateway_planner.locate.problem import PATHS


def _share(problem: Problem, minutes: np.ndarray) -> np.ndarray:
    """Attendance share written out here: exponential or power decay, 0 past the cut-off."""
    t = np.where(np.isfinite(minutes), minutes, 0.0)
    if problem.decay == "exponential":
        f = np.exp(-problem.decay_beta * t)
    else:
        f = (1.0 + t / problem.decay_t0) ** (-problem.decay_beta)
    f = np.where(np.isfinite(minutes), f, 0.0)
    if problem.limit is not None:
        f = np.where(minutes <= problem.limit, f, 0.0)
    return f


def _visits(problem: Problem, sites: list[int]) -> float:
    """Visits made by the cells of positive weight, each at its best open site."""
    costs = np.asarray(problem.costs)
    if problem.attendance is not None:
        a = problem.attendance
        share = a.toarray() if sp.issparse(a) else np.asarray(a)
        share = np.where(np.isfinite(costs), share, 0.0)
    else:
        share = _share(problem, costs)
    w = np.asarray(problem.weights)
    return float(w @ share[:, sites].max(axis=1))


def _best(brute, problem: Problem) -> float:
    best, _ = brute.force(
        problem.n_sites, int(problem.p), tuple(problem.fixed), lambda s: -_visits(problem, s)
    )
    return -best


def _attendance(drawn: Problem, **kw) -> Problem:
    return Problem(
        weights=drawn.weights,
        costs=drawn.costs,
        site_ids=drawn.site_ids,
        p=drawn.p,
        fixed=kw.pop("fixed", ()),
        **kw,
    )


DECAYS = [
    {"decay": "exponential", "decay_beta": 0.08},
    {"decay": "exponential", "decay_beta": 0.03, "limit": 25.0},
    {"decay": "power", "decay_beta": 1.5, "decay_t0": 10.0},
    {"decay": "power", "decay_beta": 2.0, "decay_t0": 5.0, "limit": 30.0},
]


@pytest.mark.parametrize("enumerate_first", [True, False])
@pytest.mark.parametrize("decay", DECAYS)
@pytest.mark.parametrize(("seed", "fixed"), [(0, ()), (2, ()), (3, (1,)), (6, (0, 4))])
def test_max_attendance_matches_brute_force(
    brute, monkeypatch, enumerate_first, decay, seed, fixed
):
    if not enumerate_first:
        from gateway_planner.locate import _enumerate

        monkeypatch.setattr(_enumerate, "ENUMERATION_BUDGET", 0)
    problem = _attendance(brute.drawn("max_coverage", seed), fixed=fixed, **decay)
    best = _best(brute, problem)
    sol = solve(problem, model="max_attendance", method="exact")
    assert sol.objective == pytest.approx(best, rel=1e-9)
    assert _visits(problem, list(sol.open_index)) == pytest.approx(sol.objective, rel=1e-9)
    assert sol.bound >= best - 1e-7 * max(1.0, best)
    assert (sol.status, sol.gap, sol.method) == ("optimal", 0.0, "exact")
    assert sol.path in PATHS
    assert sol.path == "enumeration" if enumerate_first else sol.path != "enumeration"
    assert set(fixed) <= set(sol.open_index)
    assert sol.open_index.size == problem.p


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", [1, 4, 7])
def test_attendance_shares_of_two_groups_match_brute_force(brute, no_enumeration, sparse, seed):
    # two customer groups decaying differently, collapsed per cell and site by their visits
    drawn = brute.drawn("max_coverage", seed)
    costs = np.asarray(drawn.costs)
    rng = np.random.default_rng(seed)
    visits = rng.random((costs.shape[0], 2)) * 4
    t = np.where(np.isfinite(costs), costs, np.inf)
    walk = np.where(t <= 20.0, np.exp(-0.1 * np.where(np.isfinite(t), t, 0.0)), 0.0)
    drive = np.where(np.isfinite(t), (1.0 + np.where(np.isfinite(t), t, 0.0) / 15.0) ** -1.2, 0.0)
    share = (visits[:, :1] * walk + visits[:, 1:] * drive) / visits.sum(axis=1, keepdims=True)
    attendance = sp.csr_array(share) if sparse else share
    problem = Problem(
        weights=visits.sum(axis=1),
        costs=costs,
        site_ids=drawn.site_ids,
        p=drawn.p,
        attendance=attendance,
    )
    best = _best(brute, problem)
    sol = solve(problem, model="max_attendance", method="exact")
    assert sol.objective == pytest.approx(best, rel=1e-9)
    assert sol.bound >= best - 1e-7 * max(1.0, best)
    assert sol.gap == 0.0


def test_cells_go_where_they_make_most_visits_and_past_the_cut_off_nowhere():
    costs = np.array([[5.0, 2.0, 40.0], [50.0, 60.0, 45.0], [3.0, 3.0, 9.0]])
    problem = Problem(
        weights=np.array([10.0, 4.0, 2.0]),
        costs=costs,
        site_ids=("a", "b", "c"),
        p=2,
        decay="exponential",
        decay_beta=0.1,
        limit=30.0,
    )
    sol = solve(problem, model="max_attendance", method="exact")
    assert sol.open_sites == ("a", "b")  # a and b tie for the third cell: the lower index
    assert sol.assignment.tolist() == [1, -1, 0]
    expected = 10 * np.exp(-0.2) + 2 * np.exp(-0.3)
    assert sol.objective == pytest.approx(expected)


def test_assignment_follows_the_shares_not_the_minutes():
    # site b is nearer in minutes but its share is lower (another group's slower mode)
    costs = np.array([[10.0, 5.0], [4.0, 8.0]])
    share = np.array([[0.9, 0.5], [0.7, 0.2]])
    problem = Problem(
        weights=np.ones(2), costs=costs, site_ids=("a", "b"), fixed=(0, 1), p=2, attendance=share
    )
    sol = solve(problem, model="max_attendance")
    assert sol.assignment.tolist() == [0, 0]
    assert sol.objective == pytest.approx(1.6)


@pytest.mark.parametrize("seed", [9, 10, 11])
def test_heuristic_bound_lies_above_the_optimum(brute, seed):
    problem = _attendance(brute.drawn("max_coverage", seed), **DECAYS[2])
    best = _best(brute, problem)
    sol = MaxAttendance.from_problem(problem).solve(method="heuristic")
    tol = 1e-9 * max(1.0, best)
    assert sol.bound >= best - tol
    assert best >= sol.objective - tol
    assert sol.method == "heuristic"


def test_max_attendance_is_a_registered_model():
    assert MODEL_CLASSES["max_attendance"] is MaxAttendance


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"decay": "exponential", "decay_beta": -0.1}, r"decay_beta = -0\.1 must be a number > 0"),
        ({"decay": "exponential", "decay_beta": "fast"}, r"decay_beta = 'fast' must be a number"),
        ({"decay": "exponential"}, r"decay_beta = None must be a number > 0"),
        ({"decay": "power", "decay_beta": 1.0}, r"decay_t0 = None must be a number of minutes"),
        ({"decay": "power", "decay_beta": 1.0, "decay_t0": -5}, r"decay_t0 = -5 must be"),
        ({"decay": "gravity", "decay_beta": 1.0}, r"decay 'gravity' is not one of step, linear"),
        ({"decay": "exponential", "decay_beta": 0.1, "limit": -3.0}, r"cut-off = -3\.0"),
        ({"decay": "step"}, r"step decay needs limit"),
        ({"attendance": np.ones((2, 2))}, r"attendance must be a \(3, 2\) matrix"),
        ({"attendance": np.full((3, 2), 1.5)}, r"6 attendance shares are NaN or outside \[0, 1\]"),
    ],
)
def test_bad_decay_parameters_are_one_line_errors(kw, match):
    problem = Problem(weights=np.ones(3), costs=np.ones((3, 2)), site_ids=("a", "b"), p=1, **kw)
    with pytest.raises(InputError, match=match) as info:
        solve(problem, model="max_attendance")
    assert "\n" not in str(info.value)


def test_every_bad_parameter_is_reported_at_once():
    problem = Problem(
        weights=np.ones(3),
        costs=np.ones((3, 2)),
        site_ids=("a", "b"),
        p=1,
        decay="power",
        decay_beta=-1.0,
        decay_t0="ten",
        limit=-1.0,
    )
    with pytest.raises(InputError, match=r"3 problem\(s\).*decay_beta.*decay_t0.*cut-off"):
        solve(problem, model="max_attendance")
