"""Fixtures of the report tests (helpers live in report_fixtures.py)."""

import pytest
from report_fixtures import build_run


@pytest.fixture
def run():
    """(current, proposed, groups, boundary) of the synthetic 3x3 run."""
    return build_run()
