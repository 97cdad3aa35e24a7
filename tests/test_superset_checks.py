"""Superset's own settings audited in every style: the app pack's checks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

PIP = Path(__file__).parent / "fixtures" / "pip"
K8S = Path(__file__).parent / "fixtures" / "kubernetes"
APP_CHECKS = ["SUPERSET-APP-SECURITY-001", "SUPERSET-APP-SECURITY-002",
              "SUPERSET-APP-SECURITY-003", "SUPERSET-APP-SECURITY-004",
              "SUPERSET-APP-SECURITY-005", "SUPERSET-APP-SECURITY-006",
              "SUPERSET-APP-SECURITY-007", "SUPERSET-APP-SECURITY-008",
              "SUPERSET-APP-SECURITY-009", "SUPERSET-CONFIG-SECRETS-002",
              "SUPERSET-CONFIG-SECRETS-003", "SUPERSET-PROXY-TLS-001",
              "SUPERSET-SCALABILITY-001", "SUPERSET-STORAGE-002"]


def statuses(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for target in report["targets"]:
        for finding in target["findings"]:
            found.setdefault(finding["check_id"], set()).add(finding["status"])
    return found


def _copy(fixture: Path, tmp_path: Path) -> Path:
    target = tmp_path / fixture.name
    shutil.copytree(fixture, target)
    return target


def test_weak_settings_fail_and_strong_ones_pass(tmp_path: Path) -> None:
    weak = statuses(scan_report(tmp_path, str(_copy(PIP / "fail-dev", tmp_path))))
    strong = statuses(scan_report(tmp_path, str(_copy(PIP / "pass-hardened", tmp_path))))
    for check in APP_CHECKS:
        assert weak.get(check) == {"fail"}, check
        assert strong.get(check) == {"pass"}, check


def test_same_weak_setting_is_found_in_every_style(tmp_path: Path) -> None:
    """DEBUG and a published key given as a file, as process env, and as a k8s Secret."""
    as_file = _copy(PIP / "pass-hardened", tmp_path)
    (as_file / "superset_config.py").write_text(
        (as_file / "superset_config.py").read_text() + "\nDEBUG = True\n")
    as_env = _copy(PIP / "pass-hardened", tmp_path / "env")
    config = (as_env / "superset_config.py").read_text()
    (as_env / "superset_config.py").write_text(config + "\nDEBUG = os.environ.get('DBG') == '1'"
                                               "\n")
    manifests = _copy(K8S / "pass-hardened", tmp_path / "k8s")
    text = (manifests / "superset.yaml").read_text()
    (manifests / "superset.yaml").write_text(text.replace(
        "SESSION_COOKIE_SECURE = True\n", "SESSION_COOKIE_SECURE = True\n    DEBUG = True\n"))
    for target in (as_file, manifests):
        assert statuses(scan_report(tmp_path, str(target)))["SUPERSET-APP-SECURITY-004"] == {
            "fail"}, target
    # An expression the analysis cannot settle is unknown, never guessed.
    assert statuses(scan_report(tmp_path, str(as_env)))["SUPERSET-APP-SECURITY-004"] == {"skip"}


def test_features_off_means_their_secrets_are_not_judged(tmp_path: Path) -> None:
    project = _copy(PIP / "fail-dev", tmp_path)
    config = project / "superset_config.py"
    config.write_text(config.read_text().replace('"EMBEDDED_SUPERSET": True',
                                                 '"EMBEDDED_SUPERSET": False'))
    found = statuses(scan_report(tmp_path, str(project)))
    assert "SUPERSET-CONFIG-SECRETS-002" not in found
    assert found["SUPERSET-CONFIG-SECRETS-003"] == {"fail"}


@pytest.mark.parametrize("flags, expected", [
    ('{"ENABLE_TEMPLATE_PROCESSING": True}', "warn"),
    ('{"DYNAMIC_PLUGINS": True}', "fail"),
    ("{}", "pass"),
])
def test_feature_flag_verdicts(flags: str, expected: str, tmp_path: Path) -> None:
    project = _copy(PIP / "pass-hardened", tmp_path)
    config = project / "superset_config.py"
    config.write_text(config.read_text() + f"\nFEATURE_FLAGS = {flags}\n")
    assert statuses(scan_report(tmp_path, str(project)))["SUPERSET-APP-SECURITY-009"] == {
        expected}
