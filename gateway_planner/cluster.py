"""Dask clusters for a run, a sweep or the CLI: opened, checked and closed in one place.

``dask.distributed`` is optional (the ``dask`` extra) and imported only inside these functions.
:func:`dask_client` gives a run its cluster: a local one started for the run (``workers``), an
existing one (``scheduler``, ``tcp://host:port``) or, without either, none (one process). The
stages only receive the connected client (travel-time searches, solves); none of them opens one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import settings
from ._optional import import_optional_dependency
from .errors import InputError

__all__ = ["check_scheduler", "dask_client", "is_client", "worker_threads"]

logger = logging.getLogger(__name__)

#: a scheduler address: protocol, host and port
_ADDRESS = re.compile(r"^(tcp|tls|ucx|ws|wss)://(\[[0-9A-Fa-f:]+\]|[^\s/:\[\]]+):\d{1,5}$")
#: seconds to wait for an existing scheduler to answer
_CONNECT_TIMEOUT = 30


def is_client(value: Any) -> bool:
    """Tell whether ``value`` is a connected ``dask.distributed.Client`` (or works like one).

    Parameters
    ----------
    value
        Anything.

    Returns
    -------
    bool
        True when it has the ``submit``, ``scatter`` and ``gather`` methods of a client.
    """
    return all(callable(getattr(value, name, None)) for name in ("submit", "scatter", "gather"))


def check_scheduler(address: str, *, field: str = "scheduler") -> str:
    """Check a scheduler address such as ``tcp://10.0.0.5:8786``.

    Parameters
    ----------
    address
        The address given.
    field
        Name of the option, for the message.

    Returns
    -------
    str
        The address, stripped.

    Raises
    ------
    InputError
        When it is not ``protocol://host:port``.
    """
    text = str(address).strip()
    if not _ADDRESS.match(text):
        msg = f"scheduler address {address!r} is not protocol://host:port"
        raise InputError(
            msg, field=field, fix="give the Dask scheduler's address, e.g. tcp://10.0.0.5:8786"
        )
    return text


def _check_workers(workers: int) -> None:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"workers is {workers!r}"
        raise InputError(
            msg, field="workers", fix="give a whole number of worker processes, 1 or more"
        )


@contextmanager
def dask_client(*, workers: int = 1, scheduler: Any = None) -> Iterator[Any]:
    """Give a run its Dask cluster, or None to run in this process.

    Parameters
    ----------
    workers
        Worker processes of a local cluster started for the run (one thread each, loopback
        only, no dashboard); 1 runs in this process unless ``scheduler`` is given. When
        ``settings.default_scheduler`` is set, a run asking for more than one worker uses that
        cluster instead of starting one.
    scheduler
        Address of an existing scheduler (``tcp://host:port``), or a connected
        ``dask.distributed.Client`` (used as it is and left open).

    Yields
    ------
    distributed.Client or None
        The client, closed (and the local cluster stopped) when the block ends; None when
        the run stays in one process.

    Raises
    ------
    ImportError
        When a scheduler is named but ``dask.distributed`` is not installed (the message names
        the ``dask`` extra). Asking only for local workers without it logs a warning and runs
        in one process.
    InputError
        For a bad worker count or scheduler address, or a scheduler that does not answer.
    """
    _check_workers(workers)
    if scheduler is not None and is_client(scheduler):
        yield scheduler
        return
    if scheduler is None and workers > 1 and settings.default_scheduler:
        scheduler = settings.default_scheduler
    if scheduler is None and workers <= 1:
        yield None
        return
    if scheduler is None:
        try:
            distributed = import_optional_dependency("distributed", "dask")
        except ImportError as exc:
            logger.warning("%s; running in one process instead of %d workers", exc, workers)
            yield None
            return
        with _local_cluster(distributed, workers) as client:
            yield client
        return
    address = check_scheduler(scheduler)
    distributed = import_optional_dependency("distributed", "dask")
    try:
        client = distributed.Client(address, timeout=_CONNECT_TIMEOUT, set_as_default=False)
    except OSError as exc:
        msg = f"no Dask scheduler answered at {address} within {_CONNECT_TIMEOUT} s ({exc})"
        raise InputError(
            msg, field="scheduler", fix="start the scheduler or correct the address"
        ) from None
    logger.info("using the Dask cluster at %s (%d worker threads)", address, worker_threads(client))
    try:
        yield client
    finally:
        client.close()


@contextmanager
def _local_cluster(distributed: Any, workers: int) -> Iterator[Any]:
    """Start a local cluster of worker processes on the loopback interface, for one run."""
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        # the scheduler's HTTP server would otherwise try port 8787 (and warn when it is taken)
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            logger.info("started a local Dask cluster of %d worker processes", workers)
            yield client
    finally:
        cluster.close()


def worker_threads(client: Any) -> int:
    """Return the number of worker threads of a connected client (at least 1).

    Parameters
    ----------
    client
        A connected ``dask.distributed.Client``.

    Returns
    -------
    int
        Threads over all its workers.
    """
    return max(1, int(sum(client.nthreads().values())))
