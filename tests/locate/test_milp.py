import numpy as np
import pytest

from gateway_planner.errors import InfeasibleError
from gateway_planner.locate.milp import (
    MilpModel,
    RowBuilder,
    relative_gap,
    require_solution,
    run_highs,
)


def _knapsack(capacity: float) -> MilpModel:
    # max 5a + 4b + 3c  s.t. 2a + 3b + c <= capacity, binary (as a minimisation)
    rb = RowBuilder()
    r = rb.add_rows(-np.inf, capacity, count=1)
    rb.add_entries(np.full(3, r), np.arange(3), np.array([2.0, 3.0, 1.0]))
    return MilpModel(
        cost=-np.array([5.0, 4.0, 3.0]),
        lower=np.zeros(3),
        upper=np.ones(3),
        integer=np.ones(3, dtype=bool),
        rows=rb,
        name="knapsack",
    )


def test_run_highs_solves_silently(capfd):
    result = run_highs(_knapsack(3.0), time_limit=10)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(-8.0)
    assert result.x.round().tolist() == [1.0, 0.0, 1.0]
    assert result.solver.startswith("HiGHS ") and "MIP (knapsack)" in result.solver
    out, _ = capfd.readouterr()
    assert out == ""


def test_lp_relaxation_and_infeasible():
    relaxed = run_highs(_knapsack(4.0), time_limit=10, relax=True)
    assert relaxed.objective == pytest.approx(-8.0 - 4.0 / 3.0)
    assert run_highs(_knapsack(4.0), time_limit=10).objective == pytest.approx(-8.0)
    model = _knapsack(3.0)
    model.rows.add_rows(4.0, np.inf, count=1)
    model.rows.add_entries(np.array([1, 1]), np.array([0, 1]), 1.0)
    result = run_highs(model, time_limit=10)
    with pytest.raises(InfeasibleError, match="proved it infeasible"):
        require_solution(result, "the knapsack problem")


def test_relative_gap():
    assert relative_gap(100.0, 100.0) == 0.0
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(100.0, -np.inf) == np.inf


def test_unit_model_has_columns_in_zero_one():
    rb = RowBuilder()
    r = rb.add_rows(1.5, np.inf, count=1)
    rb.add_entries(np.full(2, r), np.arange(2), 1.0)
    model = MilpModel.unit(np.array([2.0, 3.0]), np.array([True, False]), rb, offset=1.0, name="u")
    assert model.lower.tolist() == [0.0, 0.0] and model.upper.tolist() == [1.0, 1.0]
    assert (model.offset, model.name, model.n_cols) == (1.0, "u", 2)
    result = run_highs(model, time_limit=10)
    assert result.x.tolist() == pytest.approx([1.0, 0.5])
    assert result.objective == pytest.approx(2.0 + 1.5 + 1.0)


def test_a_run_whose_set_up_alone_would_pass_the_time_limit_is_not_started(monkeypatch):
    import gateway_planner.locate.milp as milp

    model = _knapsack(3.0)
    assert milp.setup_seconds(model) == pytest.approx(
        milp.SETUP_SECONDS_PER_ENTRY * (model.nnz + model.n_cols + 1)
    )
    monkeypatch.setattr(milp, "SETUP_SECONDS_PER_ENTRY", 1.0)  # 7 s to set this model up
    result = run_highs(model, time_limit=5.0)
    assert (result.status, result.x, result.iterations) == ("time_limit", None, 0)
    assert result.bound == -np.inf
    assert "not started" in result.solver
    solved = run_highs(model, time_limit=8.0)
    assert solved.status == "optimal"


@pytest.mark.parametrize(
    ("cutoff", "status", "objective"),
    [(-7.5, "optimal", -8.0), (-8.5, "infeasible", None), (-9.0, "infeasible", None)],
)
def test_a_cutoff_keeps_only_cheaper_solutions(cutoff, status, objective):
    # the knapsack's optimum is -8 (items a and c): a cutoff above it finds it, below it HiGHS
    # proves that nothing cheaper exists
    result = run_highs(_knapsack(3.0), time_limit=10, cutoff=cutoff)
    assert result.status == status
    if objective is None:
        assert result.x is None
    else:
        assert result.objective == pytest.approx(objective)


def test_a_start_passed_with_presolve_on_is_never_worse_than_the_start():
    start = (np.arange(3), np.array([0.0, 1.0, 0.0]))  # b alone: -4
    result = run_highs(_knapsack(3.0), time_limit=10, start=start, start_with_presolve=True)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(-8.0)


def _market_split(m: int = 4, seed: int = 0) -> MilpModel:
    # Cornuejols and Dawande's market split: sum_j a_ij x_j + s_i - t_i = b_i with the slacks
    # minimised; branch and bound needs far longer than these tests wait
    rng = np.random.default_rng(seed)
    n = 10 * (m - 1)
    a = rng.integers(0, 100, (m, n)).astype(float)
    b = np.floor(a.sum(axis=1) / 2)
    rb = RowBuilder()
    first = rb.add_rows(b, b, count=m)
    rows = np.repeat(first + np.arange(m), n)
    rb.add_entries(rows, np.tile(np.arange(n), m), a.ravel())
    rb.add_entries(first + np.arange(m), n + np.arange(m), 1.0)
    rb.add_entries(first + np.arange(m), n + m + np.arange(m), -1.0)
    cost = np.concatenate([np.zeros(n), np.ones(2 * m)])
    upper = np.concatenate([np.ones(n), np.full(2 * m, np.inf)])
    integer = np.concatenate([np.ones(n, dtype=bool), np.zeros(2 * m, dtype=bool)])
    return MilpModel(cost, np.zeros(n + 2 * m), upper, integer, rb, name="market split")


def test_an_interrupt_set_by_another_thread_stops_a_run_early():
    import threading

    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    try:
        result = run_highs(_market_split(), time_limit=60, interrupt=stop)
    finally:
        timer.cancel()
    assert result.status == "interrupted"
    assert result.seconds < 5
    assert result.bound <= result.objective


def test_an_interrupt_already_set_starts_nothing():
    import threading

    stop = threading.Event()
    stop.set()
    result = run_highs(_knapsack(3.0), time_limit=10, interrupt=stop)
    assert (result.status, result.x, result.iterations) == ("interrupted", None, 0)
    assert "not started" in result.solver
    # unset, the same run solves the knapsack
    assert run_highs(_knapsack(3.0), time_limit=10, interrupt=threading.Event()).status == "optimal"
