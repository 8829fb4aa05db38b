"""Fixtures and hooks shared by every test folder.

- No silent skips in CI: with ``CI=true`` in the environment (``.ci/run`` sets it for
  ``make test``), a test that skips (``pytest.skip``, ``pytest.importorskip``, a ``skipif``
  marker, a fixture that skips, a module skipped at import) fails instead, because ``make test``
  installs everything the suite needs. Only the skips in :data:`ALLOWED_SKIPS` stay skips there.
  Expected failures (``xfail``) are not skips and are left alone.
- A Dask cluster of in-process workers, and a client connected to it.
"""

import os

import pytest

pytest_plugins = ["pytester"]

#: skips that can never be satisfied on a CI machine, even after ``make test`` installed
#: everything: node-id prefix (as pytest prints it, e.g. "tests/x/test_y.py::test_z") -> why.
#: Empty today: every skip in the suite names a dependency the Makefile installs.
ALLOWED_SKIPS: dict[str, str] = {}


def _in_ci() -> bool:
    """True when the environment says this is a CI run (``CI=true``, any case)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def _allowed(nodeid: str) -> bool:
    return any(nodeid.startswith(prefix) for prefix in ALLOWED_SKIPS)


def _skip_reason(longrepr: object) -> str:
    """The reason of a skip report (pytest keeps it as (path, line, reason))."""
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Turn a skip report into a failure that says why and what to do."""
    reason = _skip_reason(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (
        f"skipped under CI=true ({reason}): make test installs what this test needs, so a skip "
        "here hides a broken setup. Install it, or add the test to ALLOWED_SKIPS in "
        "tests/conftest.py with the reason it can never run in CI."
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under CI=true, a skipped test (in setup or in its body) is reported as failed."""
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")  # xfail is reported as a skip; it is not one
        and _in_ci()
        and not _allowed(report.nodeid)
    ):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """Under CI=true, a module that skips itself at import (importorskip) fails to collect."""
    report = yield
    if report.skipped and _in_ci() and not _allowed(report.nodeid):
        _as_failure(report)
    return report


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
