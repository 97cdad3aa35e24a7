"""Helm charts audited through the real ``helm template`` (never rendered by us)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from helmbin import path_with_helm, require_helm

CHARTS = Path(__file__).parent / "fixtures" / "kubernetes" / "charts"


@pytest.fixture
def helm_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    helm = require_helm()
    monkeypatch.setenv("PATH", path_with_helm())
    return helm




def statuses(report: dict[str, Any], check_id: str) -> set[str]:
    return {f["status"] for t in report["targets"] for f in t["findings"]
            if f["check_id"] == check_id}


def test_hardened_chart_is_ready_and_flawed_chart_is_not(helm_on_path: str,
                                                        tmp_path: Path) -> None:
    good = scan_report(tmp_path, str(CHARTS / "pass-chart"))
    bad = scan_report(tmp_path, str(CHARTS / "fail-chart"))
    assert good["targets"][0]["detection"]["evidence"][0].startswith("Helm chart")
    assert good["score"]["ready"] is True and good["score"]["value"] == 100.0
    assert bad["score"]["ready"] is False and bad["score"]["grade"] == "F"
    assert statuses(bad, "K8S-PROXY-TLS-001") == {"fail"}
    assert statuses(good, "K8S-PROXY-TLS-001") == {"pass"}
    # Locations point at the template that wrote each object (helm's "# Source:" comments),
    # relative to the chart, so forge annotations land on the file (issue 17, item 7).
    located = [f["location"] for t in good["targets"] for f in t["findings"] if f["location"]]
    assert located and all(loc["path"].startswith("templates/") for loc in located)
    assert all((CHARTS / "pass-chart" / loc["path"]).is_file() for loc in located)


def test_values_and_set_reach_helm(helm_on_path: str, tmp_path: Path) -> None:
    off = scan_report(tmp_path, str(CHARTS / "pass-chart"), "--set", "ingress.enabled=false")
    assert statuses(off, "K8S-PROXY-TLS-001") == {"fail"}
    values = tmp_path / "values.yaml"
    values.write_text("ingress:\n  enabled: false\n")
    from_file = scan_report(tmp_path, str(CHARTS / "pass-chart"), "-f", str(values))
    assert statuses(from_file, "K8S-PROXY-TLS-001") == {"fail"}


def test_chart_without_helm_says_how_to_render_it(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr("auditor.checks.kubernetes.helm.sys.executable", str(empty / "python"))
    # Nothing could be judged: exit 2 (DESIGN, CLI contract), the report written anyway.
    report = scan_report(tmp_path, str(CHARTS / "pass-chart"), code=2)
    problems = " ".join(report["targets"][0]["problems"])
    assert "helm is not installed" in problems and "helm template" in problems
    assert report["score"]["value"] is None


def test_broken_chart_is_a_named_problem(helm_on_path: str, tmp_path: Path) -> None:
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "x.yaml").write_text("kind: {{ .Values.nope.deeper }}\n")
    report = scan_report(tmp_path, str(chart), code=2)  # nothing evaluated
    assert any("helm template failed" in p for p in report["targets"][0]["problems"])
