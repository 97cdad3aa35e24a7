"""Kubernetes availability and scalability at their edges (issue 13).

One web Deployment (``apache/superset``, 2 replicas by default) plus, as each case
needs, one PodDisruptionBudget and one HorizontalPodAutoscaler; each case differs from
the passing one in a single field. Statuses, subjects and evidence are literals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

SUBJECT = "apps/v1/Deployment/bi/superset"


def _manifests(replicas: str = "2", pdb: str | None = "minAvailable: 1",
               hpa: str | None = None, requests: str = "{cpu: 500m, memory: 1Gi}") -> str:
    docs = [f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: bi}}
spec:
  {replicas}
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: web
          image: apache/superset:4.1.1
          resources: {{requests: {requests}, limits: {{memory: 2Gi}}}}
"""]
    if pdb is not None:
        docs.append(f"""\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: superset, namespace: bi}}
spec:
  {pdb}
  selector: {{matchLabels: {{app: superset}}}}
""")
    if hpa is not None:
        docs.append(f"""\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: superset, namespace: bi}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: superset}}
  {hpa}
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
""")
    return "---\n".join(docs)


def _finding(tmp_path: Path, check_id: str, **kwargs: Any) -> dict[str, Any]:
    target = tmp_path / "manifests"
    target.mkdir()
    replicas = kwargs.pop("replicas", 2)
    kwargs["replicas"] = "" if replicas is None else f"replicas: {replicas}"
    (target / "superset.yaml").write_text(_manifests(**kwargs))
    report = scan_report(tmp_path, str(target))
    (entry,) = report["targets"]
    assert entry["style"] == "kubernetes"
    (finding,) = [f for f in entry["findings"] if f["check_id"] == check_id]
    assert finding["subject"] == SUBJECT
    return finding


# --- K8S-AVAILABILITY-001: web replicas, from spec.replicas or the HPA's minReplicas -----

@pytest.mark.parametrize(("replicas", "status"), [(1, "fail"), (2, "pass"), (3, "pass")])
def test_web_replicas(tmp_path: Path, replicas: int, status: str) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-001", replicas=replicas)
    assert finding["status"] == status
    assert finding["evidence"] == [f"spec.replicas = {replicas}"]


def test_replicas_left_out_is_one(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-001", replicas=None)
    assert finding["status"] == "fail"
    assert finding["evidence"] == ["spec.replicas = 1"]


@pytest.mark.parametrize(("replicas", "hpa", "status", "evidence"), [
    (3, "minReplicas: 1\n  maxReplicas: 5", "fail", "HPA minReplicas = 1"),
    (1, "minReplicas: 2\n  maxReplicas: 5", "pass", "HPA minReplicas = 2"),
    (3, "maxReplicas: 5", "fail", "HPA minReplicas = 1"),  # minReplicas defaults to 1
])
def test_hpa_min_replicas_decides(tmp_path: Path, replicas: int, hpa: str, status: str,
                                  evidence: str) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-001", replicas=replicas, hpa=hpa)
    assert finding["status"] == status
    assert finding["evidence"] == [evidence]


# --- K8S-AVAILABILITY-002: a PodDisruptionBudget that still lets one pod go ------------

@pytest.mark.parametrize(("replicas", "pdb", "status", "shown", "why"), [
    (2, "minAvailable: 2", "fail", "minAvailable=2 maxUnavailable=None",
     "minAvailable 2 with 2 replica(s) leaves no pod to evict"),
    (2, "minAvailable: 1", "pass", "minAvailable=1 maxUnavailable=None", None),
    (3, "minAvailable: 3", "fail", "minAvailable=3 maxUnavailable=None",
     "minAvailable 3 with 3 replica(s) leaves no pod to evict"),
    (3, "minAvailable: 2", "pass", "minAvailable=2 maxUnavailable=None", None),
    (2, "minAvailable: 3", "fail", "minAvailable=3 maxUnavailable=None",
     "minAvailable 3 with 2 replica(s) leaves no pod to evict"),
    (2, "minAvailable: 50%", "pass", "minAvailable=50% maxUnavailable=None", None),
    (2, "minAvailable: 100%", "fail", "minAvailable=100% maxUnavailable=None",
     "minAvailable 100% of 2 replica(s) rounds up to every pod"),
    (1, "minAvailable: 50%", "fail", "minAvailable=50% maxUnavailable=None",
     "minAvailable 50% of 1 replica(s) rounds up to every pod"),
    (3, "minAvailable: 66%", "pass", "minAvailable=66% maxUnavailable=None", None),
    (3, "minAvailable: 67%", "fail", "minAvailable=67% maxUnavailable=None",
     "minAvailable 67% of 3 replica(s) rounds up to every pod"),
    (2, "maxUnavailable: 0", "fail", "minAvailable=None maxUnavailable=0",
     "maxUnavailable 0 lets no pod go"),
    (2, "maxUnavailable: 1", "pass", "minAvailable=None maxUnavailable=1", None),
    (2, "maxUnavailable: 0%", "fail", "minAvailable=None maxUnavailable=0%",
     "maxUnavailable 0% lets no pod go"),
    (2, "maxUnavailable: 50%", "pass", "minAvailable=None maxUnavailable=50%", None),
])
def test_pdb(tmp_path: Path, replicas: int, pdb: str, status: str, shown: str,
             why: str | None) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-002", replicas=replicas, pdb=pdb)
    assert finding["status"] == status
    assert finding["evidence"] == ["PodDisruptionBudget superset", shown,
                                   f"replicas {replicas}"]
    if why:
        assert finding["message"].endswith(why)


def test_no_pdb_fails(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-002", pdb=None)
    assert finding["status"] == "fail"
    assert finding["message"].startswith("no PodDisruptionBudget covers the web pods")


@pytest.mark.parametrize(("hpa", "status", "count"), [
    ("minReplicas: 3\n  maxReplicas: 6", "pass", 3),   # 2 of 3 must stay: one may go
    ("minReplicas: 2\n  maxReplicas: 6", "fail", 2),   # 2 of 2 must stay
    ("maxReplicas: 6", "fail", 1),                     # minReplicas defaults to 1
])
def test_pdb_counts_the_hpa_minimum(tmp_path: Path, hpa: str, status: str,
                                    count: int) -> None:
    finding = _finding(tmp_path, "K8S-AVAILABILITY-002", replicas=5, pdb="minAvailable: 2",
                       hpa=hpa)
    assert finding["status"] == status
    assert finding["evidence"][-1] == f"replicas {count}"


# --- K8S-SCALABILITY-001: an HPA that can scale ------------------------------------------

@pytest.mark.parametrize(("hpa", "status", "evidence"), [
    ("minReplicas: 2\n  maxReplicas: 5", "pass", "minReplicas 2, maxReplicas 5"),
    ("maxReplicas: 5", "pass", "minReplicas 1, maxReplicas 5"),
    ("minReplicas: 1\n  maxReplicas: 2", "pass", "minReplicas 1, maxReplicas 2"),
    ("minReplicas: 3\n  maxReplicas: 3", "fail", "minReplicas 3, maxReplicas 3"),
    ("minReplicas: 4\n  maxReplicas: 3", "fail", "minReplicas 4, maxReplicas 3"),
])
def test_hpa_range(tmp_path: Path, hpa: str, status: str, evidence: str) -> None:
    finding = _finding(tmp_path, "K8S-SCALABILITY-001", hpa=hpa)
    assert finding["status"] == status
    assert finding["evidence"] == [evidence]


def test_no_hpa_fails(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "K8S-SCALABILITY-001")
    assert finding["status"] == "fail"
    assert finding["message"] == "no HorizontalPodAutoscaler: capacity is added by hand"


def test_hpa_without_cpu_requests_fails(tmp_path: Path) -> None:
    finding = _finding(tmp_path, "K8S-SCALABILITY-001", hpa="minReplicas: 2\n  maxReplicas: 5",
                       requests="{memory: 1Gi}")
    assert finding["status"] == "fail"
    assert finding["message"] == "the HPA has no CPU requests to measure against"
