"""Verdicts found false on real Superset charts (tests/fixtures/realworld/cases-k8s2.json),
pinned on the smallest manifests that show them.

- helm-hpa-oauth-dalgo: the web Deployment writes no replicas (its HPA sets them, 1 to 5);
  K8S-LOAD-BALANCING-001 quoted "replicas 1", a field the input does not hold.
- the same chart's Bitnami Redis runs under ServiceAccount dalgo-redis with
  automountServiceAccountToken: true; K8S-ISOLATION-005 passed it as "token not mounted".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import scan_report, write_tree

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      serviceAccountName: superset
      containers:
        - name: superset
          image: apache/superset:4.1.1
          command: ["/usr/bin/run-server.sh"]
          ports: [{name: http, containerPort: 8088}]
---
apiVersion: v1
kind: Service
metadata: {name: superset, namespace: bi}
spec:
  selector: {app: superset}
  ports: [{port: 8088, targetPort: http}]
"""

HPA = """
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: superset, namespace: bi}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: superset}
  minReplicas: 1
  maxReplicas: 5
"""

ACCOUNT = """
---
apiVersion: v1
kind: ServiceAccount
automountServiceAccountToken: true
metadata: {name: superset, namespace: bi}
"""


def _findings(tmp_path: Path, text: str, check: str) -> list[dict[str, Any]]:
    root = write_tree(tmp_path / "m", {"all.yaml": text})
    report = scan_report(tmp_path, str(root), "--style", "kubernetes")
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]


def test_load_balancing_quotes_the_hpa_minimum_not_absent_replicas(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB + HPA, "K8S-LOAD-BALANCING-001")
    assert finding["status"] == "fail"
    assert finding["evidence"] == ["HPA minReplicas 1"]
    assert "HPA" in finding["message"]


def test_load_balancing_without_hpa_still_quotes_replicas(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB, "K8S-LOAD-BALANCING-001")
    assert finding["status"] == "fail"
    assert finding["evidence"] == ["replicas 1"]


def test_dedicated_account_that_mounts_its_token_is_not_called_unmounted(
        tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB + ACCOUNT, "K8S-ISOLATION-005")
    assert finding["status"] == "pass"
    assert "not mounted" not in finding["message"]
    assert "service account superset" in finding["message"]
    assert finding["evidence"] == ["serviceAccountName superset"]


def test_pod_that_mounts_the_token_itself_is_named_too(tmp_path: Path) -> None:
    text = WEB.replace("      serviceAccountName: superset\n",
                       "      serviceAccountName: superset\n"
                       "      automountServiceAccountToken: true\n")
    (finding,) = _findings(tmp_path, text, "K8S-ISOLATION-005")
    assert finding["status"] == "pass"
    assert "not mounted" not in finding["message"]


def test_dedicated_account_not_audited_keeps_the_plain_pass(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB, "K8S-ISOLATION-005")
    assert finding["status"] == "pass"
    assert finding["message"] == "own namespace; token not mounted needlessly"


def test_dedicated_account_that_mounts_none(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB + ACCOUNT.replace("true", "false"),
                           "K8S-ISOLATION-005")
    assert finding["message"] == "own namespace; token not mounted needlessly"
