"""The blocks of site searches give the same numbers in this process, in worker processes and
on a real Dask cluster."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from network_helpers import HELSINKI_CRS, make_graph, make_points

import gateway_planner.network._routing as routing_module
from gateway_planner.cluster import dask_client
from gateway_planner.errors import InputError
from gateway_planner.groups import CustomerGroup
from gateway_planner.network import travel_times
from gateway_planner.network._blocks import shortest_times
from gateway_planner.network._routing import RoutingGraph, kept_pruning

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cluster(dask_cluster):
    return dask_cluster


@pytest.fixture
def client(dask_client):
    return dask_client


def _line_routing(n=10):
    g = make_graph([(i, i + 1, 10.0) for i in range(n - 1)], {i: (10.0 * i, 0) for i in range(n)})
    return RoutingGraph.from_graph(g)


def test_blocks_cover_every_source_once():
    r = _line_routing()
    where = {node: i for i, node in enumerate(r.node_ids)}
    sources = np.array([where[i] for i in range(10)])
    blocks = list(shortest_times(r, sources, sources, block_bytes=8 * 10 * 3))
    assert [start for start, _ in blocks] == [0, 3, 6, 9]
    full = np.vstack([rows for _, rows in blocks])
    expected = np.abs(np.subtract.outer(np.arange(10), np.arange(10))) * 1.0
    assert np.allclose(full, expected)


@pytest.mark.parametrize("cut", [False, True])
def test_every_way_of_running_the_blocks_gives_the_same_rows_in_order(client, cut):
    r = _line_routing(40)
    sources = np.arange(0, 40, 3)
    targets = np.arange(40)
    pruning = None
    if cut:  # searches cut by two kept sites, as travel_times(kept_sites=...) does
        kept = sources[[1, 9]]
        pruning = kept_pruning(r, kept, np.zeros(2), sources, np.zeros(sources.size))
    options = {"limit_seconds": 15.0, "block_bytes": 8 * 40 * 4, "pruning": pruning}
    here = list(shortest_times(r, sources, targets, **options))
    assert [start for start, _ in here] == [0, 4, 8, 12]
    assert all(rows.dtype == np.float32 for _, rows in here)
    assert np.isinf(here[0][1]).any() and np.isfinite(here[0][1]).any()
    for ways in ({"workers": 2}, {"client": client}):
        other = list(shortest_times(r, sources, targets, **options, **ways))
        assert [start for start, _ in other] == [start for start, _ in here]
        for (_, a), (_, b) in zip(here, other, strict=True):
            assert np.array_equal(a, b)


def test_worker_processes_give_the_same_matrix(helsinki_drive, monkeypatch):
    xy = helsinki_drive.routing.xy
    cells = make_points(xy[::7], prefix="c", crs=HELSINKI_CRS, square_m=40)
    sites = make_points(xy[::61] + 5.0, prefix="s", crs=HELSINKI_CRS)
    monkeypatch.setattr(routing_module, "BLOCK_BYTES", 8 * xy.shape[0] * 5)  # 5 sites a block
    one = travel_times({"drive": helsinki_drive}, cells, sites, limit_minutes=8)
    two = travel_times({"drive": helsinki_drive}, cells, sites, limit_minutes=8, workers=2)
    assert np.array_equal(one.by_mode["drive"], two.by_mode["drive"])
    assert np.isinf(one.by_mode["drive"]).any() and np.isfinite(one.by_mode["drive"]).any()
    with pytest.raises(InputError, match=r"workers: workers is 0"):
        travel_times({"drive": helsinki_drive}, cells, sites, workers=0)


def _group(gid, modes):
    channels = {"face_to_face": 1.0, "phone": 0.0, "web": 0.0}
    return CustomerGroup(
        id=gid, name=gid, description="", channels=channels, visits_per_person_year=1.0, modes=modes
    )


@pytest.fixture
def case(helsinki_drive, helsinki_walk, monkeypatch):
    xy = helsinki_drive.routing.xy
    cells = make_points(xy[::11], prefix="c", crs=HELSINKI_CRS, square_m=40)
    sites = make_points(xy[::83] + 5.0, prefix="s", crs=HELSINKI_CRS)
    n = helsinki_walk.routing.n_nodes
    monkeypatch.setattr(routing_module, "BLOCK_BYTES", 8 * n * 4)  # four sites a block
    networks = {"drive": helsinki_drive, "walk": helsinki_walk}
    groups = [_group("mixed", {"drive": 0.5, "walk": 0.5})]
    return networks, cells, sites, groups


@pytest.mark.parametrize("sparse", [False, True])
def test_blocks_on_the_cluster_give_the_same_matrix(case, client, monkeypatch, sparse):
    networks, cells, sites, groups = case
    options = {"groups": groups, "limit_minutes": 10.0, "sparse": sparse}
    one = travel_times(networks, cells, sites, **options)
    shipped, submitted = [], []
    scatter, submit = client.scatter, client.submit

    def spy_scatter(data, **kwargs):
        shipped.append((data, kwargs))
        return scatter(data, **kwargs)

    def spy_submit(func, *args, **kwargs):
        submitted.append(func.__name__)
        return submit(func, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", spy_scatter)
    monkeypatch.setattr(client, "submit", spy_submit)
    many = travel_times(networks, cells, sites, client=client, **options)
    for key in ("drive", "walk"):
        a, b = one.for_mode(key), many.for_mode(key)
        if sparse:
            assert isinstance(b, sp.csr_array)
            a, b = a.toarray(), b.toarray()
        assert np.array_equal(a, b)
    g1, g2 = one.for_group("mixed"), many.for_group("mixed")
    if sparse:
        assert np.array_equal(g1.indptr, g2.indptr) and np.array_equal(g1.indices, g2.indices)
        g1, g2 = g1.data, g2.data
    assert np.array_equal(g1, g2)
    # the routing arrays went once per mode to every worker, then one task per block of sites
    assert len(shipped) == 2
    for data, kwargs in shipped:
        assert isinstance(data.reverse, sp.csr_matrix) and kwargs["broadcast"] is True
    assert set(submitted) == {"_search_block"} and len(submitted) >= 2 * 3


def test_a_local_cluster_of_worker_processes(case):
    networks, cells, sites, _ = case
    drive = {"drive": networks["drive"]}
    one = travel_times(drive, cells, sites, limit_minutes=10.0)
    with dask_client(workers=2) as client:
        assert len(client.nthreads()) == 2
        assert all(a.startswith("tcp://127.0.0.1:") for a in client.nthreads())
        two = travel_times(drive, cells, sites, limit_minutes=10.0, client=client)
    assert np.array_equal(one.for_mode("drive"), two.for_mode("drive"))


def test_searches_cut_by_kept_sites_give_the_same_matrix_on_the_cluster(case, client):
    networks, cells, sites, _ = case
    kept = list(sites.index[:3])
    drive = {"drive": networks["drive"]}
    options = {"limit_minutes": 10.0, "kept_sites": kept}
    one = travel_times(drive, cells, sites, **options)
    many = travel_times(drive, cells, sites, client=client, **options)
    assert np.array_equal(one.for_mode("drive"), many.for_mode("drive"))
    assert one.kept_sites == many.kept_sites == tuple(kept)
