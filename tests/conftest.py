"""Fixtures shared by every test folder: a Dask cluster of in-process workers."""

import pytest


@pytest.fixture(scope="session")
def dask_cluster():
    """Two single-thread workers in this process, on the loopback interface, no dashboard."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
        # the scheduler's HTTP server on a free loopback port (8787 may be taken)
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    ) as local:
        yield local


@pytest.fixture(scope="session")
def dask_client(dask_cluster):
    """A client connected to :func:`dask_cluster` (not set as the default client)."""
    distributed = pytest.importorskip("distributed")
    with distributed.Client(dask_cluster, set_as_default=False) as connected:
        yield connected
