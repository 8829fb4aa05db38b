"""The radius search of the p-center (locate/_center_search.py): its reductions and bounds keep
the answer of every covering question, checked against brute force on small 0/1 matrices."""

import itertools
import time

import numpy as np
import pytest

from gateway_planner.locate._center_search import CenterSearch, _packing, _reduce
from gateway_planner.locate.base import Deadline


def _fewest(near: np.ndarray) -> int:
    """Fewest columns covering every row (brute force); columns + 1 when none does."""
    n_cols = near.shape[1]
    for q in range(n_cols + 1):
        for cols in itertools.combinations(range(n_cols), q):
            if near[:, list(cols)].any(axis=1).all():
                return q
    return n_cols + 1


@pytest.mark.parametrize("seed", range(30))
def test_reductions_and_packing_keep_the_fewest_sites(seed):
    rng = np.random.default_rng(seed)
    near = rng.random((int(rng.integers(3, 9)), int(rng.integers(3, 9)))) < rng.uniform(0.2, 0.6)
    near[np.arange(near.shape[0]), rng.integers(0, near.shape[1], near.shape[0])] = True
    fewest = _fewest(near)
    block, keep = _reduce(near)
    assert _fewest(block) == fewest
    assert np.all(np.diff(keep) > 0)
    assert _packing(near) <= fewest


@pytest.mark.parametrize("seed", range(12))
def test_every_decision_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m, p = 14, 7, int(rng.integers(1, 4))
    values = np.round(rng.random((n, m)) * 50, 0)
    search = CenterSearch(values, np.zeros(m, dtype=bool), p, big=1e9)
    search.seed_subset(search.fill(np.zeros(m, dtype=bool)))
    deadline = Deadline(time.perf_counter() + 60)
    for r in np.unique(values):
        ok, sites = search.decide(float(r), deadline)
        assert ok == (_fewest(values <= r) <= p)
        if ok:
            assert int(sites.sum()) <= p
            assert values[:, sites].min(axis=1).max() <= r
