"""Clusters for a run: none, a connected client, a scheduler address, or local worker processes."""

import logging
import sys

import pytest

import gateway_planner.cluster as cluster_module
import gateway_planner.settings as gps
from gateway_planner.cluster import check_scheduler, dask_client, is_client
from gateway_planner.errors import InputError

distributed = pytest.importorskip("distributed")


@pytest.fixture
def cluster(dask_cluster):
    return dask_cluster


@pytest.fixture
def client(dask_client):
    return dask_client


def test_a_client_is_anything_with_submit_scatter_and_gather(client):
    assert is_client(client)
    assert not is_client("tcp://127.0.0.1:8786")
    assert not is_client(None)


def test_scheduler_addresses_are_checked():
    assert check_scheduler("  tcp://10.0.0.5:8786 ") == "tcp://10.0.0.5:8786"
    assert check_scheduler("tls://[::1]:8786") == "tls://[::1]:8786"
    with pytest.raises(InputError, match=r"--scheduler: scheduler address 'host' is not"):
        check_scheduler("host", field="--scheduler")


def test_dask_client_choices(cluster, client, monkeypatch):
    with dask_client() as none:
        assert none is None
    with dask_client(scheduler=client) as same:
        assert same is client
    with dask_client(scheduler=cluster.scheduler_address) as connected:
        assert connected.scheduler.address == cluster.scheduler_address
        assert connected is not client
    monkeypatch.setattr(gps, "default_scheduler", cluster.scheduler_address)
    with dask_client(workers=2) as default:
        assert default.scheduler.address == cluster.scheduler_address
    with dask_client(workers=1) as none:
        assert none is None  # one worker asks for no cluster


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"scheduler": "localhost:8786"}, r"scheduler: scheduler address 'localhost:8786' is not"),
        ({"scheduler": "tcp://10.0.0.5"}, r"not protocol://host:port. Fix: .*tcp://10.0.0.5:8786"),
        ({"workers": 0}, r"workers: workers is 0"),
    ],
)
def test_bad_cluster_options(options, pattern):
    with pytest.raises(InputError, match=pattern), dask_client(**options):
        pass


def test_a_scheduler_that_does_not_answer_is_reported(monkeypatch):
    monkeypatch.setattr(cluster_module, "_CONNECT_TIMEOUT", 0.5)
    with (
        pytest.raises(InputError, match=r"no Dask scheduler answered at tcp://127.0.0.1:9"),
        dask_client(scheduler="tcp://127.0.0.1:9"),
    ):
        pass


def test_without_dask_runs_in_one_process_unless_a_scheduler_is_named(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with caplog.at_level(logging.WARNING, logger="gateway_planner"), dask_client(workers=2) as c:
        assert c is None
    assert "running in one process instead of 2 workers" in caplog.text
    assert "pip install 'gateway-planner[dask]'" in caplog.text
    with (
        pytest.raises(ImportError, match=r"gateway-planner\[dask\]"),
        dask_client(scheduler="tcp://127.0.0.1:8786"),
    ):
        pass
