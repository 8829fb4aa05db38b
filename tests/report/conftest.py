"""Fixtures of the report tests (helpers live in report_fixtures.py)."""

import pytest
from browser_pages import ARGS
from report_fixtures import build_run, chromium_or_skip


@pytest.fixture
def run():
    """(current, proposed, groups, boundary) of the synthetic 3x3 run."""
    return build_run()


@pytest.fixture
def transit_run():
    """The same run with figures by mode: drivers by car, the second group on foot, by bus
    and on-demand (in the top row of cells only)."""
    return build_run(modes="transit")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_or_skip(pw), args=ARGS)
        yield instance
        instance.close()
