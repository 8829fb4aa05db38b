"""Deprecated names warn with the removal version and the replacement, then do the same."""

import warnings

import pytest

from gateway_planner._deprecation import REMOVAL, deprecated_alias


def _add(a: int, *, b: int = 1) -> int:
    """Add."""
    return a + b


def test_alias_warns_at_the_caller_and_calls_the_replacement():
    old = deprecated_alias(_add, old="pkg.plus", replacement="pkg.add(a, b=...)")
    assert old.__name__ == "plus"
    assert REMOVAL in (old.__doc__ or "")
    with pytest.warns(
        FutureWarning, match=r"pkg\.plus is deprecated and will be removed in 0\.3\.0; use pkg\.add"
    ) as record:
        assert old(2, b=3) == 5
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _add(2) == 3
