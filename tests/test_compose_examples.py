"""The compose example and fixtures, audited end to end: the verdicts an operator expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from fixturelib import FIXTURES, materialize

from auditor.cli import main
from auditor.model import Row

EXAMPLE = Path(__file__).parents[1] / "examples" / "compose"


def compose_entry(report: dict[str, Any]) -> dict[str, Any]:
    (entry,) = [t for t in report["targets"] if t["style"] == "compose"]
    return entry


def by_key(entry: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["check_id"], f["subject"]): f for f in entry["findings"]}


def test_example_evaluates_every_row_and_is_not_ready(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(EXAMPLE))
    entry = compose_entry(report)
    assert entry["app"] == "superset"
    rows = entry["score"]["rows"]
    assert set(rows) == {row.value for row in Row}
    assert all(rows[row]["evaluated"] >= 1 for row in rows), rows
    assert report["score"]["ready"] is False
    found = by_key(entry)
    # The flaws the README names, each found where it is written.
    assert found[("COMPOSE-ISOLATION-001", "service/superset")]["status"] == "fail"
    assert found[("COMPOSE-NETWORK-001", "service/superset")]["location"] == {
        "path": "docker-compose.yml", "line": 49}
    secret = found[("COMPOSE-CONFIG-SECRETS-001", "service/superset")]
    assert secret["status"] == "fail"
    assert secret["location"]["path"] == "docker/.env"
    assert found[("COMPOSE-CONFIG-SECRETS-001", "script/docker/docker-init.sh")]["status"] == \
        "fail"
    assert found[("SUPERSET-CONFIG-SECRETS-001", "SECRET_KEY")]["status"] == "fail"
    # TAG=4.1.1 names a release; a tag can be re-pushed, so only a digest passes.
    assert found[("COMPOSE-ROLLBACK-001", "service/superset")]["status"] == "warn"
    assert found[("COMPOSE-SUPERVISION-002", "service/superset-worker")]["status"] == "pass"
    assert found[("COMPOSE-STORAGE-001", "service/db")]["status"] == "pass"


def test_example_terminal_report_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(EXAMPLE), "-v"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert lines[-1].startswith("== ") and lines[-1].endswith("s ==")


def test_hardened_fixture_passes_every_compose_check(tmp_path: Path) -> None:
    target = materialize(FIXTURES / "compose" / "pass-hardened", tmp_path)
    report = scan_report(tmp_path, str(target))
    entry = compose_entry(report)
    mine = [f for f in entry["findings"] if f["check_id"].startswith("COMPOSE-")]
    assert {f["status"] for f in mine} == {"pass"}, [f for f in mine if f["status"] != "pass"]
    assert entry["problems"] == []
    assert entry["score"]["value"] >= 90


def test_upstream_defaults_fail_where_superset_documents_them(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(FIXTURES / "compose" / "fail-upstream-dev"))
    found = by_key(compose_entry(report))
    expected_failures = [
        ("COMPOSE-APP-SECURITY-002", "service/superset"),    # flask run --reload --debugger
        ("COMPOSE-APP-SECURITY-003", "service/superset-init"),
        ("COMPOSE-NETWORK-002", "service/db"),                # 5432 published
        ("COMPOSE-STORAGE-001", "service/db"),                # no data volume
        ("COMPOSE-SCALABILITY-002", "service/superset-worker-beat"),
        ("COMPOSE-SUPERVISION-002", "service/superset-worker"),  # image probe on a worker
        ("COMPOSE-ROLLBACK-001", "service/superset"),        # latest-dev
    ]
    for key in expected_failures:
        assert found[key]["status"] == "fail", key
    dev = found[("COMPOSE-APP-SECURITY-001", "service/superset")]
    assert dev["location"] == {"path": "docker/.env", "line": 22}
    assert found[("COMPOSE-ROLLBACK-001", "service/db")]["status"] == "warn"  # postgres:16


def test_hand_edited_override_is_audited_merged(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(FIXTURES / "compose" / "fail-hand-edited"))
    entry = compose_entry(report)
    found = by_key(entry)
    literal = found[("COMPOSE-CONFIG-SECRETS-002", "service/superset")]
    assert literal["status"] == "fail"
    assert literal["location"]["path"] == "compose.override.yaml"
    assert found[("COMPOSE-ISOLATION-002", "service/watchtower")]["status"] == "fail"
    assert found[("COMPOSE-ISOLATION-002", "service/superset")]["status"] == "fail"
    assert found[("COMPOSE-NETWORK-002", "service/db")]["status"] == "warn"  # loopback only
    assert found[("COMPOSE-PROXY-TLS-001", "service/superset")]["status"] == "fail"
    assert found[("COMPOSE-UPDATES-001", "images")]["status"] == "pass"
    # DB_PASSWORD=superset reaches the database through ${DB_PASSWORD}.
    assert found[("COMPOSE-CONFIG-SECRETS-001", "service/db")]["status"] == "fail"
