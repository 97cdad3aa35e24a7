"""Real `helm template` output of Apache Superset's chart, audited as users would.

The manifests in tests/fixtures/superset-chart/ were rendered from the real chart (see
SOURCE.md there), so these tests run on a fresh clone with nothing beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

DATA = Path(__file__).parent / "fixtures" / "superset-chart"
WEB = "apps/v1/Deployment/superset/superset"


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(f["check_id"], f["subject"]): f["status"]
            for t in report["targets"] for f in t["findings"]}


@pytest.mark.parametrize("name", ["chart-0.10.1-defaults.yaml",
                                  "chart-0.10.1-ingress-external-db.yaml"])
def test_real_chart_output_audits_without_errors(name: str, tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(DATA / name))
    (target,) = report["targets"]
    assert target["style"] == "kubernetes" and target["app"] == "superset"
    assert "error" not in set(verdicts(report).values())
    assert report["score"]["ready"] is False  # chart defaults are not production-ready
    assert report["score"]["ready_reasons"][-1] == (
        "unwaived critical failure: K8S-CONFIG-SECRETS-002, SUPERSET-CONFIG-SECRETS-001")


def test_chart_defaults_findings_an_operator_would_agree_with(tmp_path: Path) -> None:
    found = verdicts(scan_report(tmp_path, str(DATA / "chart-0.10.1-defaults.yaml")))
    assert found[("K8S-AVAILABILITY-001", WEB)] == "fail"  # one replica
    assert found[("K8S-ISOLATION-001", WEB)] == "fail"  # runAsUser: 0
    # bitnami's subcharts run as non-root
    assert found[("K8S-ISOLATION-001", "apps/v1/StatefulSet/superset/superset-postgresql")] \
        == "pass"
    assert found[("K8S-PROXY-TLS-001", WEB)] == "fail"  # ingress off
    # the chart's published defaults: SECRET_KEY, and the database password "superset"
    assert found[("K8S-CONFIG-SECRETS-002", "v1/Secret/superset/superset-env")] == "fail"
    assert found[("K8S-CONFIG-SECRETS-002", "v1/Secret/superset/superset-postgresql")] \
        == "fail"
    assert found[("SUPERSET-CONFIG-SECRETS-001", f"{WEB}:SECRET_KEY")] == "fail"
    assert found[("K8S-STORAGE-001", "apps/v1/StatefulSet/superset/superset-postgresql")] \
        == "pass"
    # Redis without persistence: the queue and results go with the pod
    assert found[("K8S-STORAGE-001", "apps/v1/StatefulSet/superset/superset-redis-master")] \
        == "warn"


def test_external_database_and_ingress_without_tls(tmp_path: Path) -> None:
    found = verdicts(scan_report(tmp_path, str(DATA / "chart-0.10.1-ingress-external-db.yaml")))
    assert found[("K8S-PROXY-TLS-001", "networking.k8s.io/v1/Ingress/superset/superset")] == "fail"
    assert not any(check == "K8S-STORAGE-001" and "postgresql" in subject
                   for check, subject in found)


def test_the_chart_builds_its_database_uri_from_env(tmp_path: Path) -> None:
    found = verdicts(scan_report(tmp_path, str(DATA / "chart-0.10.1-defaults.yaml")))
    uri = [status for (check, _), status in found.items() if check == "SUPERSET-STORAGE-001"]
    assert uri == ["pass"]  # postgresql+psycopg2://{DB_USER}:{DB_PASS}@... from superset-env
