"""examples/manual-vm: a hand-built Superset server, audited the way an operator would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

from auditor.cli import main
from auditor.model import Row

EXAMPLE = Path(__file__).parents[1] / "examples" / "manual-vm"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return scan_report(tmp_path_factory.mktemp("manual-vm"), str(EXAMPLE))


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    (target,) = report["targets"]
    return {(f["check_id"], f["subject"]): f["status"] for f in target["findings"]}


def test_every_row_is_evaluated_and_it_is_not_ready(report: dict[str, Any]) -> None:
    (target,) = report["targets"]
    assert target["style"] == "systemd" and target["app"] == "superset"
    rows = target["score"]["rows"]
    assert set(rows) == {row.value for row in Row}
    assert all(rows[row]["evaluated"] >= 1 for row in rows), rows
    assert report["score"]["ready"] is False
    assert target["problems"] == []
    assert not [f for f in target["findings"] if f["status"] == "error"]
    assert not [f for f in target["findings"]
                if f["status"] == "skip" and f["check_id"].startswith("SYSTEMD-")]


def test_the_flaws_people_leave_are_found(report: dict[str, Any]) -> None:
    found = verdicts(report)
    expected_fail = [
        ("SYSTEMD-ISOLATION-001", "superset.service"),          # gunicorn as root
        ("SYSTEMD-SUPERVISION-001", "superset.service"),        # Restart=no
        ("SYSTEMD-PROXY-TLS-002", "nginx superset.example.com:443"),  # TLSv1 from Ubuntu's default
        ("SYSTEMD-PROXY-TLS-003", "nginx superset.example.com:443"),  # no HSTS
        ("SYSTEMD-PROXY-TLS-005", "nginx superset.example.com:443"),  # server_tokens
        ("SYSTEMD-PROXY-TLS-007", "nginx superset.example.com:443 /"),  # 120s < gunicorn's 300s
        ("SYSTEMD-NETWORK-002", "port 5432 (postgresql 14/main)"),  # 'ufw allow 5432'
        ("SYSTEMD-NETWORK-003", "postgresql 14/main"),          # listen_addresses = '*'
        ("SYSTEMD-CONFIG-SECRETS-002", "postgresql 14/main"),   # trust on a host line
        ("SYSTEMD-BACKUPS-001", "metadata-database"),           # no backup job
        ("SYSTEMD-LOGGING-001", "superset.service"),            # gunicorn log files, no logrotate
        ("SYSTEMD-AVAILABILITY-001", "web-tier"),               # one host
        ("SUPERSET-CONFIG-SECRETS-001", "SECRET_KEY"),          # the docs' placeholder key
    ]
    assert {key: found.get(key) for key in expected_fail} == dict.fromkeys(expected_fail, "fail")
    # What the operator did right is credited.
    expected_pass = [
        ("SYSTEMD-SUPERVISION-001", "superset-worker.service"),
        ("SYSTEMD-ISOLATION-001", "superset-worker.service"),
        ("SYSTEMD-PROXY-TLS-004", "nginx superset.example.com:80"),  # certbot's redirect
        ("SYSTEMD-PROXY-TLS-006", "nginx superset.example.com:443 /"),  # via proxy_params
        ("SYSTEMD-NETWORK-001", "ufw"),
        ("SYSTEMD-NETWORK-003", "redis"),
        ("SYSTEMD-UPDATES-001", "apt"),                         # Ubuntu's default
    ]
    assert {key: found.get(key) for key in expected_pass} == dict.fromkeys(expected_pass, "pass")


def test_terminal_report_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(EXAMPLE), "-v"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert lines[-1].startswith("== ") and lines[-1].endswith("s ==")


def test_root_option_gives_the_same_verdicts(report: dict[str, Any], tmp_path: Path) -> None:
    as_root = scan_report(tmp_path, "--root", str(EXAMPLE))
    systemd = [t for t in as_root["targets"] if t["style"] == "systemd"]
    assert len(systemd) == 1
    assert verdicts({"targets": systemd}) == verdicts(report)
