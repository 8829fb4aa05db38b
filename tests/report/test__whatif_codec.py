"""The packing of every cell-site journey for the what-if map: exact order, exact thresholds."""

import base64
import zlib

import numpy as np
import pytest
import scipy.sparse as sp

from gateway_planner.report._whatif_codec import (
    UNIT,
    Packed,
    dense_minutes,
    hundredths,
    mix_prediction,
    mode_weights,
    pack_codes,
    tie_ranks,
    unpack_codes,
)


def test_hundredths_round_up_so_that_each_threshold_is_exact():
    rng = np.random.default_rng(1)
    tricky = np.array([0.0, 15.0, 14.999999999, 15.000000001, 0.1 + 0.2, 30.0 - 1e-12, 0.01])
    minutes = np.concatenate([tricky, rng.uniform(0, 60, 5000), np.float32(rng.uniform(0, 60, 99))])
    q = hundredths(minutes)
    assert q.dtype == np.int64
    assert np.all(q / UNIT >= minutes)  # never shorter than the journey
    assert np.all((q - 1) / UNIT < minutes + 1e-12)  # and at most a hundredth longer
    for t in (10, 15, 20, 30):
        assert np.array_equal(minutes <= t, q <= UNIT * t), t
    assert hundredths(np.array([np.inf, 1.0])).tolist() == [-1, 100]


def test_tie_ranks_keep_the_evaluations_order_of_the_sites():
    rng = np.random.default_rng(2)
    # many journeys equal to the hundredth, some equal exactly (the first site wins those)
    minutes = np.round(rng.uniform(0, 2, (400, 12)), 3)
    minutes[rng.random(minutes.shape) < 0.1] = np.inf
    q = hundredths(minutes)
    ranks = tie_ranks(minutes, q)
    assert ranks[~np.isfinite(minutes)].max() == 0
    key = np.where(q >= 0, q * (ranks.max() + 1) + ranks, np.iinfo(np.int64).max)
    for row in range(len(minutes)):  # every subset of sites picks what argmin picks
        for _ in range(5):
            open_idx = np.flatnonzero(rng.random(12) < 0.5)
            if not len(open_idx):
                continue
            exact = open_idx[np.argmin(minutes[row, open_idx])]
            packed = open_idx[np.argmin(key[row, open_idx])]
            if np.isfinite(minutes[row, exact]):
                assert packed == exact
    # keys are distinct within a row wherever a site is reached
    for row in range(len(minutes)):
        reached = key[row][q[row] >= 0]
        assert len(set(reached.tolist())) == len(reached)


def test_mix_prediction_is_the_whole_number_mix_of_the_modes_that_reach():
    car = np.array([[100, 200], [-1, 50]])
    walk = np.array([[300, -1], [-1, 150]])
    weights = mode_weights({"drive": 0.75, "walk": 0.25}, ["drive", "walk"])
    assert weights == [750_000, 250_000]
    guess = mix_prediction([car, walk], weights)
    assert guess.tolist() == [[150, 200], [0, 75]]
    assert mode_weights({"bus": 1.0}, ["drive", "walk"]) == [0, 0]


@pytest.mark.parametrize("delta", [False, True])
def test_codes_pack_and_unpack_to_the_same_numbers(delta):
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 70_000, (37, 5))
    codes[:, 0] = 0
    data, planes = pack_codes(codes, delta=delta)
    assert planes == 3  # zig-zag values up to 140,000: 18 bits
    assert len(data) == planes * codes.size
    assert np.array_equal(unpack_codes(data, codes.shape, planes, delta=delta), codes)
    with pytest.raises(ValueError, match="cannot be carried exactly"):
        pack_codes(np.array([[2**60]]), delta=False)


def test_packed_parts_are_deflated_together_the_same_way_every_time():
    packed = Packed()
    packed.add_floats("weights", np.array([[1.5, 2.0]]))
    packed.add_codes("codes", np.array([[1], [2], [3]]), delta=True, group=0)
    raw = zlib.decompress(base64.b64decode(packed.encoded()))
    assert raw == b"".join(packed.parts)
    assert packed.encoded() == packed.encoded()
    assert packed.layout[0] == {"name": "weights", "offset": 0, "bytes": 16, "kind": "f64"}
    assert packed.layout[1] == {
        "name": "codes",
        "offset": 16,
        "bytes": 3,
        "kind": "codes",
        "planes": 1,
        "delta": True,
        "group": 0,
    }


def test_sparse_minutes_become_dense_with_unreached_pairs_infinite():
    dense = np.array([[0.0, np.inf], [3.5, 1.0]])
    matrix = sp.csr_array(([0.0, 3.5, 1.0], ([0, 1, 1], [0, 0, 1])), shape=(2, 2))
    assert np.array_equal(dense_minutes(matrix), dense)
    assert np.array_equal(dense_minutes(dense), dense)
