"""The contract of tests/needs.py: a missing tool skips naming it and its install command,
and fails instead under AUDITOR_TESTS_REQUIRE_ALL=1 (as .ci/run sets)."""

from __future__ import annotations

from pathlib import Path

import needs
import pytest

MISSING = "deploy-auditor-no-such-tool"


@pytest.fixture
def developer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(needs.REQUIRE_ALL, raising=False)


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(needs.REQUIRE_ALL, "1")


def test_a_missing_tool_skips_naming_it_and_how_to_install_it(developer: None) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        needs.require_tool(MISSING, "apt-get install something")
    assert str(skipped.value) == (
        f"{MISSING} not installed: apt-get install something (or run .ci/run)")


def test_a_missing_tool_fails_under_require_all(ci: None) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        needs.require_tool(MISSING, "apt-get install something")
    assert str(failed.value).startswith(
        f"{MISSING} not installed: apt-get install something (or run .ci/run)")
    assert "AUDITOR_TESTS_REQUIRE_ALL=1" in str(failed.value)


def test_a_present_tool_is_found_on_path_or_at_a_fallback(ci: None, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tool = tmp_path / MISSING
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert needs.require_tool(MISSING, "-", also=(str(tool),)) == str(tool)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert needs.require_tool(MISSING, "-") == str(tool)
    tool.chmod(0o644)  # not executable: not a tool
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(pytest.fail.Exception):
        needs.require_tool(MISSING, "-", also=(str(tool),))


def test_a_missing_python_package_names_the_extras(developer: None) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        needs.require_module("deploy_auditor_no_such_module")
    assert str(skipped.value) == (
        "deploy_auditor_no_such_module not installed: pip install -e '.[test]'")
    needs.require_module("json")


def test_an_opt_out_skips_for_developers_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(needs.REQUIRE_ALL, raising=False)
    monkeypatch.delenv("AUDITOR_TESTS_NO_BROWSER", raising=False)
    needs.opted_out("AUDITOR_TESTS_NO_BROWSER", "browser tests")  # not set: nothing happens
    monkeypatch.setenv("AUDITOR_TESTS_NO_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception, match="browser tests skipped: "
                       "AUDITOR_TESTS_NO_BROWSER=1"):
        needs.opted_out("AUDITOR_TESTS_NO_BROWSER", "browser tests")
    monkeypatch.setenv(needs.REQUIRE_ALL, "1")
    with pytest.raises(pytest.fail.Exception):
        needs.opted_out("AUDITOR_TESTS_NO_BROWSER", "browser tests")


def test_shared_data_skips_without_shared_even_in_ci(ci: None, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # ../shared not beside the clone: a skip naming the folder, REQUIRE_ALL or not.
    monkeypatch.setattr(needs, "SHARED", tmp_path / "shared")
    with pytest.raises(pytest.skip.Exception, match="not present"):
        needs.require_shared(tmp_path / "shared" / "data")
    # ../shared there but the data not: expected, so a failure under REQUIRE_ALL.
    (tmp_path / "shared").mkdir()
    with pytest.raises(pytest.fail.Exception, match="although"):
        needs.require_shared(tmp_path / "shared" / "data")
    (tmp_path / "shared" / "data").mkdir()
    assert needs.require_shared(tmp_path / "shared" / "data") == tmp_path / "shared" / "data"
