"""Regression gates: a pull request that adds a failing finding to a baseline run fails;
one that only keeps the old findings passes. Also the comparison in every report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import assert_valid_report

from auditor.cli import main
from auditor.model import Severity

PIP = Path(__file__).parent / "fixtures" / "pip"
NEW_CHECK = "SUPERSET-APP-SECURITY-004"
"""What turning DEBUG on newly fails in the hardened pip project."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    shutil.copytree(PIP / "pass-hardened", path)
    return path


def _scan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["scan", *argv])
    return code, capsys.readouterr().err


def _baseline(tmp_path: Path, project: Path) -> Path:
    out = tmp_path / "baseline.json"
    assert main(["scan", str(project), "-q", "--report", f"json={out}"]) == 0
    return out


def _add_a_failure(project: Path) -> None:
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\nDEBUG = True\n")


def _keep_old_findings(project: Path) -> None:
    # A change that touches the deployment without changing any verdict.
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\n# tuned the docs link\n")


def test_a_pull_request_adding_one_failing_finding_fails_the_gate(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _baseline(tmp_path, project)
    _add_a_failure(project)
    md = tmp_path / "comment.md"
    code, err = _scan(capsys, str(project), "-q", "--baseline", str(baseline),
                      "--fail-on-regression", "--report", f"markdown={md}")
    assert code == 1
    assert "1 new failing finding(s)" in err and NEW_CHECK in err
    comment = md.read_text()
    assert "**1 new failing**" in comment and NEW_CHECK in comment


def test_a_pull_request_keeping_old_findings_passes(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _baseline(tmp_path, project)
    assert json.loads(baseline.read_text())["score"]["value"] < 100, "needs old failures"
    _keep_old_findings(project)
    out = tmp_path / "now.json"
    code, err = _scan(capsys, str(project), "-q", "--baseline", str(baseline),
                      "--fail-on-regression", "--report", f"json={out}")
    assert (code, err) == (0, "")
    data = json.loads(out.read_text())
    assert_valid_report(data)
    comparison = data["comparison"]
    assert comparison["new_failures"] == [] and comparison["fixed"] == []
    assert comparison["unchanged_failures"] > 0 and comparison["score"]["delta"] == 0


def test_regression_severity_floor(tmp_path: Path, project: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _baseline(tmp_path, project)
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\nSESSION_COOKIE_SECURE = False\n")
    out = tmp_path / "now.json"
    gate = ("--baseline", str(baseline), "--score-tolerance", "100", "--report", f"json={out}")
    assert _scan(capsys, str(project), "-q", *gate, "--fail-on-regression")[0] == 1
    (new,) = json.loads(out.read_text())["comparison"]["new_failures"]
    severity = Severity(new["severity"])
    assert severity is not Severity.CRITICAL, "needs a failure below the top severity"
    assert _scan(capsys, str(project), "-q", *gate, "--fail-on-regression",
                 severity.value)[0] == 1
    above = [s for s in Severity if s.rank == severity.rank + 1]
    assert _scan(capsys, str(project), "-q", *gate, "--fail-on-regression",
                 above[0].value) == (0, "")


def test_score_drop_within_tolerance(tmp_path: Path, project: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _baseline(tmp_path, project)
    data = json.loads(baseline.read_text())
    now = data["score"]["value"]
    data["score"]["value"] = now + 10     # the same findings, a better score back then
    baseline.write_text(json.dumps(data))
    gate = ("--baseline", str(baseline), "--fail-on-regression")
    code, err = _scan(capsys, str(project), "-q", *gate)
    assert code == 1 and f"score dropped from {now + 10:.1f} to {now:.1f}" in err
    assert "new failing" not in err
    assert _scan(capsys, str(project), "-q", *gate, "--score-tolerance", "10") == (0, "")


def test_history_dir_is_the_baseline_of_a_scheduled_audit(
        tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history"
    argv = (str(project), "-q", "--history-dir", str(history), "--fail-on-regression")
    assert _scan(capsys, *argv) == (0, "")          # nothing to compare with yet
    assert _scan(capsys, *argv) == (0, "")          # the same findings as last time
    _add_a_failure(project)
    code, err = _scan(capsys, *argv)
    assert code == 1 and NEW_CHECK in err
    assert _scan(capsys, *argv) == (0, "")          # now the failure is the known state
    assert len(list(history.glob("*.json"))) == 4


def test_terminal_report_shows_the_comparison(tmp_path: Path, project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _baseline(tmp_path, project)
    _add_a_failure(project)
    capsys.readouterr()
    assert main(["scan", str(project), "--baseline", str(baseline)]) == 1
    out = capsys.readouterr().out
    assert "since baseline" in out
    assert "1 new failing, 0 fixed" in out
    assert f"new   critical {NEW_CHECK}" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (("--fail-on-regression",), "--fail-on-regression needs --baseline"),
    (("--history-keep", "3"), "--history-keep and --history-max-age need --history-dir"),
    (("--score-tolerance", "-1", "--baseline", "x.json"), "must not be negative"),
])
def test_regression_usage_errors(project: Path, capsys: pytest.CaptureFixture[str],
                                 argv: tuple[str, ...], needle: str) -> None:
    code, err = _scan(capsys, str(project), "-q", *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
