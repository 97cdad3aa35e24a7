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


# -- helm-open-datalakehouse-argocd: the apache/superset image's own ENV ------------------
"""The chart runs apache/superset:5.0.0 with an env Secret the chart renders (no
SUPERSET_ENV in it); the image's Dockerfile sets ENV SUPERSET_ENV=production, so Superset's
RATELIMIT_ENABLED default is on. SUPERSET-APP-SECURITY-008 failed it as off."""

ENV_SECRET = """
---
apiVersion: v1
kind: Secret
metadata: {name: superset-env, namespace: bi}
stringData: {DB_HOST: db, DB_PASS: s3cr3t-Not-A-Default}
"""


def _ratelimit(tmp_path: Path, image: str, extra: str = "", env_from: str = "superset-env",
               secret: str = ENV_SECRET) -> dict[str, Any]:
    text = WEB.replace("apache/superset:4.1.1", image).replace(
        "          ports:",
        f"          envFrom: [{{secretRef: {{name: {env_from}}}}}]\n{extra}          ports:")
    (finding,) = _findings(tmp_path, text + secret, "SUPERSET-APP-SECURITY-008")
    return finding


def test_apache_superset_image_sets_superset_env_production(tmp_path: Path) -> None:
    finding = _ratelimit(tmp_path, "apachesuperset.docker.scarf.sh/apache/superset:5.0.0")
    assert finding["status"] == "pass"
    assert any("ENV SUPERSET_ENV=production of the apache/superset image" in e
               for e in finding["evidence"])


def test_pod_env_overrides_the_image_env(tmp_path: Path) -> None:
    extra = "          env: [{name: SUPERSET_ENV, value: development}]\n"
    finding = _ratelimit(tmp_path, "apache/superset:5.0.0", extra)
    assert finding["status"] == "fail"


def test_unaudited_env_source_keeps_it_unknown(tmp_path: Path) -> None:
    finding = _ratelimit(tmp_path, "apache/superset:5.0.0", env_from="elsewhere")
    assert finding["status"] == "skip"


def test_other_images_and_old_tags_assume_nothing(tmp_path: Path) -> None:
    # An image of unknown build may be FROM apache/superset (which sets SUPERSET_ENV):
    # its environment is unknown (8d460e8); a tag before 2.1 sets nothing.
    assert _ratelimit(tmp_path / "a", "tech4dev/superset:6.1.0")["status"] == "skip"
    assert _ratelimit(tmp_path / "b", "apache/superset:2.0.1")["status"] == "fail"
    assert _ratelimit(tmp_path / "c", "python:3.11-slim")["status"] == "fail"


def test_hpa_minimum_of_one_is_a_floor_not_the_count(tmp_path: Path) -> None:
    """helm-hpa-oauth-dalgo: the web HPA scales 1 to 5; the Deployment "has 1 replica" was
    said whatever the HPA runs now."""
    (finding,) = _findings(tmp_path, WEB + HPA, "K8S-AVAILABILITY-001")
    assert finding["status"] == "fail"
    assert "can scale down to 1 replica" in finding["message"]
    assert finding["evidence"] == ["HPA minReplicas = 1"]


def test_one_replica_without_hpa_still_has_one(tmp_path: Path) -> None:
    (finding,) = _findings(tmp_path, WEB, "K8S-AVAILABILITY-001")
    assert finding["message"].startswith("Deployment superset has 1 replica")
