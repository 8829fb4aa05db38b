"""Under CI=true every skip fails (tests/conftest.py), whatever way the test skips.

Each case runs a small suite in a pytester folder with a copy of the real tests/conftest.py.
"""

from pathlib import Path

import pytest

CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")

SUITE = """
import pytest

@pytest.fixture
def needs_missing():
    pytest.importorskip("no_such_module_for_the_ci_check")

def test_runs():
    assert True

def test_skips_in_body():
    pytest.skip("no data here")

@pytest.mark.skipif(True, reason="tool not installed")
def test_skipif():
    pass

def test_fixture_skips(needs_missing):
    pass

@pytest.mark.xfail(strict=True, reason="known bug")
def test_known_bug():
    assert False
"""


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str | None, **files):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makeconftest(CONFTEST + files.pop("extra_conftest", ""))
    pytester.makepyfile(**files)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rA")


@pytest.mark.parametrize("ci", [None, "false", ""])
def test_outside_ci_skips_stay_skips(pytester, monkeypatch, ci):
    result = _run(pytester, monkeypatch, ci, test_suite=SUITE)
    result.assert_outcomes(passed=1, skipped=3, xfailed=1)


@pytest.mark.parametrize("ci", ["true", "TRUE", " True "])
def test_in_ci_every_skip_fails_and_says_why(pytester, monkeypatch, ci):
    result = _run(pytester, monkeypatch, ci, test_suite=SUITE)
    # a skip in the body fails; skips in setup (skipif, a fixture) become setup errors
    result.assert_outcomes(passed=1, failed=1, errors=2, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = result.stdout.str()
    for reason in (
        "no data here)",
        "tool not installed)",
        "could not import 'no_such_module_for_the_ci_check'",
    ):
        assert f"skipped under CI=true ({reason}" in text, reason
    assert "add the test to ALLOWED_SKIPS in tests/conftest.py" in text


def test_a_module_skipped_at_import_fails_collection_in_ci(pytester, monkeypatch):
    module = 'import pytest\npytest.importorskip("no_such_module_for_the_ci_check")\n\n'
    module += "def test_never_runs():\n    pass\n"
    result = _run(pytester, monkeypatch, "true", test_module=module)
    result.assert_outcomes(errors=1)
    assert result.ret == pytest.ExitCode.INTERRUPTED  # collection errors stop the run
    assert "skipped under CI=true (could not import 'no_such_module_for_the_ci_check'" in (
        result.stdout.str()
    )
    outside = _run(pytester, monkeypatch, None, test_module=module)
    outside.assert_outcomes(skipped=1)


def test_allowed_skips_stay_skips_in_ci(pytester, monkeypatch):
    allow = '\nALLOWED_SKIPS["test_suite.py::test_skips_in_body"] = "never possible here"\n'
    result = _run(pytester, monkeypatch, "true", test_suite=SUITE, extra_conftest=allow)
    result.assert_outcomes(passed=1, skipped=1, errors=2, xfailed=1)
