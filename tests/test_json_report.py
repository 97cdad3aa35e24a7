"""The JSON report (contract, schema_version 1): schema validity and stable fingerprints."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_valid_report
from markerplugin import (
    PIP_NOT_THERE_YET,
    MarkerPlugin,
    fixed,
    isolated_session,
    make_check,
    marker_dir,
    per_file,
    pip_style_detects,
    raising,
    write_pip_target,
)

from auditor import cli
from auditor.api import Session, open_session
from auditor.config import Config, load_config
from auditor.model import (
    Finding,
    Location,
    Result,
    Row,
    Severity,
    Status,
    Style,
    fingerprint,
)
from auditor.reports.base import RenderOptions
from auditor.reports.json_report import render_json
from auditor.runner import ScanOptions, audit
from auditor.targets import parse_targets


def everything() -> MarkerPlugin:
    """Checks producing every status, locations, evidence and a broken one."""
    return MarkerPlugin(
        make_check("T-GITOPS-001", fixed(Result(
            "repo", Status.PASS, "declared in git", ("git ls-files: 3 files",),
            Location("deploy.sh", 3),
        )), severity=Severity.HIGH),
        make_check("T-UPDATES-001", fixed(("os", Status.FAIL), ("app", Status.WARN)),
                   row=Row.UPDATES, severity=Severity.CRITICAL),
        make_check("T-NETWORK-001", per_file(Status.FAIL), row=Row.NETWORK),
        make_check("T-BACKUPS-001", fixed(("x", Status.PASS)), row=Row.BACKUPS,
                   requires=("marker.secret",)),
        make_check("T-STORAGE-001", raising(RuntimeError("disk\nsecond line")),
                   row=Row.STORAGE, severity=Severity.LOW),
        make_check("T-LOGGING-001", fixed(("journal", Status.PASS)), row=Row.LOGGING,
                   severity=Severity.INFO),
        problems={"marker.secret": "permission denied reading /etc/secret"},
    )


WAIVERS = """
[[waivers]]
check = "T-UPDATES-001"
subject = "os"
reason = "kernel updates in the March window"
expires = 2027-03-31

[[waivers]]
check = "T-NETWORK-*"
subject = "nothing/*"
reason = "old"

[[waivers]]
check = "T-NETWORK-001"
reason = "expired long ago"
expires = 2020-01-01
"""


def to_json(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_json(report, RenderOptions()))
    return data


def scan(session: Session, *targets: Path, config: Config | None = None,
         today: dt.date = dt.date(2027, 1, 1)) -> dict[str, Any]:
    report = audit(parse_targets([str(t) for t in targets]), session.host, session.registry,
                   config or Config(), ScanOptions(today=today))
    return to_json(report)


def findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for t in data["targets"] for f in t["findings"]]


@pytest.fixture
def deploy(tmp_path: Path) -> Path:
    return marker_dir(tmp_path / "deploy", {
        "deploy.sh": "#!/bin/sh\n", "conf/app.ini": "[app]\n", "a very long name.txt": "",
    })


def test_the_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    from auditor.reportschema import report_schema

    Draft202012Validator.check_schema(report_schema())


def test_report_with_every_status_waivers_and_an_error_is_valid(
    deploy: Path, tmp_path: Path
) -> None:
    config = load_config(_write(tmp_path / "auditor.toml", WAIVERS))
    data = scan(isolated_session(everything()), deploy, config=config)
    assert_valid_report(data)
    statuses = {f["status"] for f in findings(data)}
    assert statuses == {"pass", "warn", "fail", "skip", "error", "waived"}
    waived = next(f for f in findings(data) if f["status"] == "waived")
    assert waived["waiver"] == {"reason": "kernel updates in the March window",
                                "expires": "2027-03-31", "source": str(tmp_path / "auditor.toml")}
    assert [w["state"] for w in data["waivers"]] == ["active", "unused", "expired"]
    error = next(f for f in findings(data) if f["status"] == "error")
    assert error["check_id"] == "T-STORAGE-001"
    assert error["message"].startswith("check raised RuntimeError: disk")
    assert error["evidence"] == []
    skipped = next(f for f in findings(data) if f["status"] == "skip")
    assert "permission denied" in skipped["message"]
    assert data["targets"][0]["problems"] == ["marker.secret: permission denied reading "
                                              "/etc/secret"]
    located = next(f for f in findings(data) if f["check_id"] == "T-GITOPS-001")
    assert located["location"] == {"path": "deploy.sh", "line": 3}
    assert located["evidence"] == ["git ls-files: 3 files"]
    # an unwaived critical fail: capped and not ready
    assert data["score"]["ready"] is False
    assert data["score"]["grade"] in ("D", "F")


def test_every_run_writes_the_same_keys(deploy: Path, tmp_path: Path) -> None:
    full = scan(isolated_session(everything()), deploy)
    only_skips = scan(isolated_session(MarkerPlugin(
        make_check("T-BACKUPS-001", fixed(("x", Status.PASS)), requires=("marker.secret",)),
        problems={"marker.secret": "forbidden (403)"},
    )), deploy)
    assert_valid_report(only_skips)
    assert only_skips["score"] == {
        "value": None, "grade": None, "ready": False, "coverage": 0.0,
        "ready_reasons": ["nothing was evaluated, so there is no score",
                          "coverage 0.0% is under the READY bar of 80%"]}
    assert full["score"]["ready_reasons"] == [
        "score 41.7 is under the READY bar of 80", "unwaived critical failure: T-UPDATES-001"]
    assert full["targets"][0]["score"]["ready_reasons"] == full["score"]["ready_reasons"]
    assert set(full) == set(only_skips)
    assert set(full["targets"][0]) == set(only_skips["targets"][0])
    assert set(full["targets"][0]["score"]) == set(only_skips["targets"][0]["score"])


def test_multi_target_report_is_valid(tmp_path: Path) -> None:
    one = marker_dir(tmp_path / "one", {"a": ""})
    two = marker_dir(tmp_path / "two", {"b": "", "c": ""})
    data = scan(isolated_session(everything()), one, two)
    assert_valid_report(data)
    assert [t["target"] for t in data["targets"]] == [str(one), str(two)]


def test_app_check_findings_take_the_style_of_their_target(deploy: Path) -> None:
    app_check = dataclasses.replace(
        make_check("T-APP-SECURITY-001", fixed(("config", Status.FAIL)),
                   row=Row.APP_SECURITY),
        style=Style.ANY, app="superset",
    )
    data = scan(isolated_session(MarkerPlugin(app_check, app="superset")), deploy)
    assert_valid_report(data)
    [finding] = findings(data)
    assert finding["style"] == "pip"
    assert data["targets"][0]["app"] == "superset"


def test_cli_json_output_is_valid(deploy: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    from auditor import commands

    session = isolated_session(everything())
    monkeypatch.setattr(commands, "open_session", lambda **_: session)
    out = tmp_path / "report.json"
    assert cli.main(["scan", str(deploy), "-q", "--report", f"json={out}"]) == 0
    capsys.readouterr()
    assert_valid_report(json.loads(out.read_text(encoding="utf-8")))


def test_pip_style_report_is_valid(tmp_path: Path) -> None:
    target = write_pip_target(tmp_path / "deploy")
    if not pip_style_detects(target):
        pytest.skip(PIP_NOT_THERE_YET)
    data = to_json(audit(parse_targets([str(target)]), *_builtin(), Config(), ScanOptions()))
    assert_valid_report(data)
    assert data["targets"][0]["style"] == "pip"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("targets", 0, "findings", 0, "waiver"),
         {"reason": "r", "expires": "next spring", "source": "auditor.toml"}),
        (("targets", 0, "findings", 0, "status"), "passed"),
        (("targets", 0, "findings", 0, "fingerprint"), "not-hex"),
        (("score", "grade"), "E"),
        (("started_at",), "yesterday"),
    ],
)
def test_the_helper_rejects_invalid_reports(deploy: Path, path: tuple[Any, ...],
                                            value: Any) -> None:
    data = scan(isolated_session(everything()), deploy)
    assert_valid_report(data)
    broken = copy.deepcopy(data)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(AssertionError, match="does not match the shipped schema"):
        assert_valid_report(broken)
    missing = copy.deepcopy(data)
    del missing["targets"][0]["findings"][0]["location"]
    with pytest.raises(AssertionError, match="'location' is a required property"):
        assert_valid_report(missing)


# fingerprints ---------------------------------------------------------------------------------


def keyed(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["check_id"], f["subject"], f["fingerprint"]) for f in findings(data))


def test_fingerprint_is_a_hash_of_check_style_and_subject_only() -> None:
    base = Finding("T-GITOPS-001", Row.GITOPS, Style.PIP, Severity.LOW, Status.FAIL, "t",
                   "message one", "web/a", "r", Location("a.py", 3))
    moved = dataclasses.replace(base, message="message two", location=Location("b.py", 99),
                                severity=Severity.HIGH, status=Status.WARN, title="other")
    assert base.fingerprint == moved.fingerprint == fingerprint("T-GITOPS-001", "pip", "web/a")
    assert dataclasses.replace(base, subject="web/b").fingerprint != base.fingerprint
    assert dataclasses.replace(base, style=Style.SYSTEMD).fingerprint != base.fingerprint
    assert dataclasses.replace(base, check_id="T-GITOPS-002").fingerprint != base.fingerprint


def test_fingerprints_are_stable_across_runs(deploy: Path) -> None:
    session = isolated_session(everything())
    first, second = scan(session, deploy), scan(session, deploy)
    assert keyed(first) == keyed(second)
    assert len({f for _, _, f in keyed(first)}) == len(keyed(first))  # all distinct


def assert_location_independent(make: Any, tmp_path: Path, audit_one: Any) -> None:
    original = make(tmp_path / "original")
    here = shutil.copytree(original, tmp_path / "checkouts" / "a" / "deploy")
    there = shutil.copytree(original, tmp_path / "elsewhere" / "b" / "c" / "deploy")
    reports = [audit_one(here), audit_one(there)]
    for report in reports:
        assert_valid_report(report)
        for finding in findings(report):
            assert str(tmp_path) not in finding["subject"]
            assert not finding["subject"].startswith("/")
            if finding["location"]:
                assert not Path(finding["location"]["path"]).is_absolute()
                assert str(tmp_path) not in finding["location"]["path"]
    assert keyed(reports[0]) == keyed(reports[1])
    assert keyed(reports[0])


def test_fingerprints_do_not_depend_on_where_the_target_is(tmp_path: Path) -> None:
    session = isolated_session(everything())

    def make(path: Path) -> Path:
        return marker_dir(path, {"deploy.sh": "", "conf/app.ini": ""})

    assert_location_independent(make, tmp_path, lambda p: scan(session, p))


def test_pip_fingerprints_do_not_depend_on_where_the_target_is(tmp_path: Path) -> None:
    probe = write_pip_target(tmp_path / "probe")
    if not pip_style_detects(probe):
        pytest.skip(PIP_NOT_THERE_YET)
    host, registry = _builtin()

    def audit_one(path: Path) -> dict[str, Any]:
        return to_json(audit(parse_targets([str(path)]), host, registry, Config(), ScanOptions()))

    assert_location_independent(write_pip_target, tmp_path, audit_one)


def _builtin() -> tuple[Any, Any]:
    session = open_session(autoload=False)
    return session.host, session.registry


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_streamed_report_equals_the_data_one_finding_per_line() -> None:
    from reportdata import all_examples_report, options

    from auditor.reports.json_report import render_json, report_dict

    report = all_examples_report()
    text = render_json(report, options())
    assert json.loads(text) == json.loads(json.dumps(report_dict(report)))
    lines = [line for line in text.splitlines() if line.lstrip().startswith('{"check_id"')]
    assert len(lines) == sum(len(t.findings) for t in report.targets)
