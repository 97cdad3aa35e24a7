"""Verdicts found false on real Superset deployments (tests/fixtures/realworld/cases-k8s3.json),
pinned on the smallest manifests that show them.

- helm-argocd-connections-data-on-eks: the chart writes its default DB_PASS 'superset' into
  Secret superset-env (envFrom), but the values' extraEnvRaw sets DB_PASS from Secret
  postgresql-secrets in every Superset container (env wins over envFrom) and the only other
  reader is the chart's ``dockerize -wait`` init container. K8S-CONFIG-SECRETS-002 failed the
  Secret as "publicly known default secrets are in use".

Strict xfails name false verdicts whose fix lies in files this batch does not own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report, write_tree

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"

ENV_SECRET = """
apiVersion: v1
kind: Secret
metadata: {name: superset-env, namespace: bi}
stringData:
  DB_HOST: postgresql
  DB_USER: superset
  DB_PASS: superset
"""

WEB = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      initContainers:
        - name: wait-for-postgres
          image: apache/superset:dockerize
          command: [/bin/sh, -c, 'dockerize -wait "tcp://$DB_HOST:5432" -timeout 120s']
          envFrom: [{secretRef: {name: superset-env}}]
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          envFrom: [{secretRef: {name: superset-env}}]
          env:{web_env}
"""

OVERRIDE = """
            - name: DB_PASS
              valueFrom: {secretKeyRef: {name: postgresql-secrets, key: password}}"""

WORKER_WITHOUT_OVERRIDE = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset-worker, namespace: bi}
spec:
  selector: {matchLabels: {app: superset-worker}}
  template:
    metadata: {labels: {app: superset-worker}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [celery, --app=superset.tasks.celery_app:app, worker]
          envFrom: [{secretRef: {name: superset-env}}]
"""


def _secret_defaults(tmp_path: Path, text: str) -> dict[str, Any]:
    root = write_tree(tmp_path / "m", {"all.yaml": text})
    report = scan_report(tmp_path, str(root), "--style", "kubernetes")
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "K8S-CONFIG-SECRETS-002"
                  and f["subject"] == "v1/Secret/bi/superset-env"]
    return finding


def test_a_default_every_reader_overrides_is_not_in_use(tmp_path: Path) -> None:
    finding = _secret_defaults(tmp_path, ENV_SECRET + WEB.replace("{web_env}", OVERRIDE))
    assert finding["status"] == "pass"
    assert "not used" in finding["evidence"][0]
    assert "DB_PASS" in finding["evidence"][0]


def test_a_default_the_superset_container_reads_still_fails(tmp_path: Path) -> None:
    finding = _secret_defaults(tmp_path, ENV_SECRET + WEB.replace("{web_env}", " []"))
    assert finding["status"] == "fail"


def test_one_reader_without_the_override_keeps_the_default_in_use(tmp_path: Path) -> None:
    text = ENV_SECRET + WEB.replace("{web_env}", OVERRIDE) + WORKER_WITHOUT_OVERRIDE
    assert _secret_defaults(tmp_path, text)["status"] == "fail"


def test_an_init_container_that_templates_files_reads_the_default(tmp_path: Path) -> None:
    text = (ENV_SECRET + WEB.replace("{web_env}", OVERRIDE)).replace(
        "dockerize -wait", "dockerize -template /t:/etc/app.ini -wait")
    assert _secret_defaults(tmp_path, text)["status"] == "fail"


def test_a_secret_mounted_as_a_volume_is_read_whole(tmp_path: Path) -> None:
    text = ENV_SECRET + WEB.replace("{web_env}", OVERRIDE).replace(
        "      initContainers:",
        "      volumes: [{name: env, secret: {secretName: superset-env}}]\n"
        "      initContainers:")
    assert _secret_defaults(tmp_path, text)["status"] == "fail"


def _case_report(tmp_path: Path, name: str, *args: str) -> dict[str, Any]:
    cases = json.loads((REALWORLD / "cases-k8s3.json").read_text())["cases"]
    (case,) = [c for c in cases if c["name"] == name]
    folder = case["target"].split("/", 1)[0]
    shutil.copytree(REALWORLD / folder, tmp_path / folder)
    return scan_report(tmp_path, str(tmp_path / case["target"]), *case["args"], *args)


def test_custom_image_of_unknown_env_does_not_fail_ratelimit(tmp_path: Path) -> None:
    report = _case_report(tmp_path, "helm-argocd-connections-data-on-eks")
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "SUPERSET-APP-SECURITY-008"]
    assert finding["status"] != "fail", finding


# -- flux-helmrelease-traefik-statsd-scout --------------------------------------------------
# washu-tag/scout serves Superset through an Ingress of class traefik without spec.tls: TLS
# is set on Traefik's websecure entry point and web redirects to it (an Ansible role, not in
# the audited objects). K8S-PROXY-TLS-001 failed it as "no TLS: logins travel in clear text".
# The web pod's statsd-exporter sidecar is scraped by a static Prometheus job (not in the
# input either); K8S-MONITORING-001 passed it as "metrics are scraped".

WEB_BEHIND = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          ports: [{name: http, containerPort: 8088}]
        - name: statsd-exporter
          image: prom/statsd-exporter:v0.29.0
---
apiVersion: v1
kind: Service
metadata: {name: superset, namespace: bi}
spec:
  selector: {app: superset}
  ports: [{name: http, port: 8088, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: superset
  namespace: bi{annotations}
spec:
  ingressClassName: {klass}
  rules:
    - host: superset.example.org
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: superset, port: {number: 8088}}}
"""


def _ingress_findings(tmp_path: Path, klass: str, annotations: str = "") -> dict[str, Any]:
    text = WEB_BEHIND.replace("{klass}", klass).replace("{annotations}", annotations)
    root = write_tree(tmp_path / "m", {"all.yaml": text})
    report = scan_report(tmp_path, str(root), "--style", "kubernetes")
    return {f"{f['check_id']} {f['subject']}": f for t in report["targets"]
            for f in t["findings"] if f["check_id"] in ("K8S-PROXY-TLS-001", "K8S-MONITORING-001")}


INGRESS = "K8S-PROXY-TLS-001 networking.k8s.io/v1/Ingress/bi/superset"
WEB_TLS = "K8S-PROXY-TLS-001 apps/v1/Deployment/bi/superset"


def test_traefik_ingress_without_tls_depends_on_its_entry_points(tmp_path: Path) -> None:
    found = _ingress_findings(tmp_path, "traefik")
    assert found[INGRESS]["status"] == "warn", found[INGRESS]
    assert "not among the audited objects" in found[INGRESS]["message"]
    assert any("entry points" in e for e in found[INGRESS]["evidence"])
    assert found[WEB_TLS]["status"] == "warn"


def test_traefik_router_tls_annotation_terminates_tls(tmp_path: Path) -> None:
    found = _ingress_findings(tmp_path, "traefik", "\n  annotations: {traefik.ingress.kubernetes"
                              ".io/router.tls: \"true\"}")
    assert found[INGRESS]["status"] == "pass"
    assert found[WEB_TLS]["status"] == "pass"


def test_traefik_router_on_the_web_entry_point_only_is_plain_http(tmp_path: Path) -> None:
    found = _ingress_findings(tmp_path, "traefik", "\n  annotations: {traefik.ingress.kubernetes"
                              ".io/router.entrypoints: web}")
    assert found[INGRESS]["status"] == "fail"
    assert found[WEB_TLS]["status"] == "fail"


def test_nginx_ingress_without_tls_still_fails(tmp_path: Path) -> None:
    found = _ingress_findings(tmp_path, "nginx")
    assert found[INGRESS]["status"] == "fail"
    assert "no TLS" in found[INGRESS]["message"]


def test_an_exporter_sidecar_alone_claims_no_scraping(tmp_path: Path) -> None:
    found = _ingress_findings(tmp_path, "nginx")
    monitoring = found["K8S-MONITORING-001 apps/v1/Deployment/bi/superset"]
    assert monitoring["status"] == "pass"
    assert monitoring["evidence"] == ["exporter sidecar"]
    assert "are scraped" not in monitoring["message"]
    assert "not among the audited objects" in monitoring["message"]


# -- helm-nodeport-oauth-toolforge ----------------------------------------------------------
# toolforge/superset-deploy (superset.wmcloud.org): the chart's Service on NodePort 30665,
# fronted by the cloud's HTTPS web proxy that no manifest describes, and the chart's
# extraConfigs import_datasources.yaml holding replica passwords in ConfigMap
# superset-extra-config. K8S-PROXY-TLS-001 failed the UI as "reachable only by port-forward
# or an exposed Service, without TLS"; SUPERSET-PROXY-TLS-001 warned "ENABLE_PROXY_FIX is on
# with no proxy in front"; K8S-NETWORK-002 said the NodePort goes "around the Ingress and its
# TLS" with no Ingress anywhere; and no finding named the passwords in the ConfigMap.

NODEPORT_WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          ports: [{name: http, containerPort: 8088}]
          volumeMounts: [{name: config, mountPath: /app/pythonpath}]
      volumes: [{name: config, configMap: {name: superset-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-config, namespace: bi}
data:
  superset_config.py: |
    import os
    SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
    ENABLE_PROXY_FIX = True
---
apiVersion: v1
kind: Service
metadata: {name: superset, namespace: bi}
spec:
  type: {type}
  selector: {app: superset}
  ports: [{name: http, port: 8088, targetPort: http{node_port}}]
"""


def _by_check(tmp_path: Path, text: str) -> dict[str, list[dict[str, Any]]]:
    root = write_tree(tmp_path / "m", {"all.yaml": text})
    report = scan_report(tmp_path, str(root), "--style", "kubernetes")
    found: dict[str, list[dict[str, Any]]] = {}
    for t in report["targets"]:
        for f in t["findings"]:
            found.setdefault(f["check_id"], []).append(f)
    return found


def test_a_nodeport_web_without_routes_leaves_tls_unknown(tmp_path: Path) -> None:
    found = _by_check(tmp_path, NODEPORT_WEB.replace("{type}", "NodePort")
                      .replace("{node_port}", ", nodePort: 30665"))
    (tls,) = found["K8S-PROXY-TLS-001"]
    assert tls["status"] == "warn", tls
    assert tls["evidence"] == ["Service superset type NodePort (node port 30665)"]
    assert "without TLS" not in tls["message"]
    assert not [f for f in found.get("SUPERSET-PROXY-TLS-001", [])
                if "no proxy in front" in f["message"]]
    (service,) = found["K8S-NETWORK-002"]
    assert service["status"] == "fail"
    assert "around the Ingress" not in service["message"]


def test_a_cluster_ip_web_without_routes_still_fails_tls(tmp_path: Path) -> None:
    found = _by_check(tmp_path, NODEPORT_WEB.replace("{type}", "ClusterIP")
                      .replace("{node_port}", ""))
    (tls,) = found["K8S-PROXY-TLS-001"]
    assert tls["status"] == "fail"
    (proxy_fix,) = found["SUPERSET-PROXY-TLS-001"]
    assert proxy_fix["status"] == "warn" and "no proxy in front" in proxy_fix["message"]


EXTRA_CONFIG = """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-extra-config, namespace: bi}
data:
  import_datasources.yaml: |
    databases:
    - database_name: s1
      password: {password}
      sqlalchemy_uri: mysql+mysqldb://reader@s1.example.org:3306/information_schema?ssl=1
"""


def _config_maps(tmp_path: Path, password: str) -> list[dict[str, Any]]:
    text = (NODEPORT_WEB.replace("{type}", "ClusterIP").replace("{node_port}", "")
            + EXTRA_CONFIG.replace("{password}", password))
    return [f for f in _by_check(tmp_path, text)["K8S-CONFIG-SECRETS-001"]
            if f["subject"] == "v1/ConfigMap/bi/superset-extra-config"]


def test_passwords_in_a_configmap_file_are_found(tmp_path: Path) -> None:
    (finding,) = _config_maps(tmp_path, "fakeReplicaPw1234")
    assert finding["status"] == "fail"
    assert finding["evidence"] == [
        "key import_datasources.yaml line 3: password set literally (17 characters)"]
    assert "fakeReplicaPw1234" not in json.dumps(finding)


@pytest.mark.parametrize("reference", ["${REPLICA_PASSWORD}", "'{{ replica_password }}'",
                                       '""', "null"])
def test_a_password_field_that_references_or_is_empty_holds_none(
        tmp_path: Path, reference: str) -> None:
    assert _config_maps(tmp_path, reference) == []


def test_pods_mounting_that_configmap_do_not_pass_as_secrets_from_secrets(
        tmp_path: Path) -> None:
    text = (NODEPORT_WEB.replace("{type}", "ClusterIP").replace("{node_port}", "")
            .replace("volumes: [{name: config, configMap: {name: superset-config}}]",
                     "volumes: [{name: config, configMap: {name: superset-config}}, "
                     "{name: extra, configMap: {name: superset-extra-config}}]")
            + EXTRA_CONFIG.replace("{password}", "fakeReplicaPw1234"))
    (web,) = [f for f in _by_check(tmp_path, text)["K8S-CONFIG-SECRETS-001"]
              if f["subject"] == "apps/v1/Deployment/bi/superset"]
    assert web["status"] == "fail", web
    assert web["evidence"] == ["ConfigMap superset-extra-config"]


# -- flux-helmrelease-traefik-statsd-scout: supervision -------------------------------------
# The web pod's prom/statsd-exporter sidecar has no probes; K8S-SUPERVISION-001 failed the web
# Deployment ("statsd-exporter: no livenessProbe; no readinessProbe") although every Superset
# container is probed. A readiness probe on a metrics sidecar would only take the UI out of
# service with it; the kubelet restarts it when it exits.

PROBED_WEB_WITH_SIDECAR = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          ports: [{name: http, containerPort: 8088}]
          livenessProbe: {httpGet: {path: /health, port: http}}
          readinessProbe: {httpGet: {path: /health, port: http}}
        - name: statsd-exporter
          image: prom/statsd-exporter:v0.29.0
          ports: [{name: metrics, containerPort: 9102}]
"""


def test_an_unprobed_exporter_sidecar_does_not_fail_superset_supervision(
        tmp_path: Path) -> None:
    (finding,) = _by_check(tmp_path, PROBED_WEB_WITH_SIDECAR)["K8S-SUPERVISION-001"]
    assert finding["status"] == "pass", finding
    assert finding["evidence"] == [
        "sidecar statsd-exporter: no probes (restarted by the kubelet when it exits)"]


def test_an_unprobed_superset_container_still_fails(tmp_path: Path) -> None:
    text = PROBED_WEB_WITH_SIDECAR.replace(
        "          livenessProbe: {httpGet: {path: /health, port: http}}\n", "")
    (finding,) = _by_check(tmp_path, text)["K8S-SUPERVISION-001"]
    assert finding["status"] == "fail"
    assert finding["evidence"] == ["superset: no livenessProbe"]


def test_custom_oauth_user_info_is_not_judged_as_registration_into_public(
        tmp_path: Path) -> None:
    report = _case_report(tmp_path, "helm-nodeport-oauth-toolforge")
    (finding,) = [f for t in report["targets"] for f in t["findings"]
                  if f["check_id"] == "SUPERSET-APP-SECURITY-011"]
    assert not (finding["status"] == "pass" and "role Public" in finding["message"]), finding


# -- kustomize-flux-sops-cberg ------------------------------------------------------------
# nachtschatt3n/cberg-home-nextgen: Flux applies kubernetes/apps/databases/superset/app, whose
# Secret superset-secrets is committed SOPS-encrypted (ENC[AES256_GCM,...] values, a `sops`
# block). K8S-CONFIG-SECRETS-002 passed it as "no known default value" from the ciphertext,
# and pods reading it got the ciphertext as their environment. Its single Postgres (Recreate,
# RWO Longhorn volume) and Redis broker (maxSurge 0) failed K8S-SUPERVISION-002 as "each
# deploy is an outage" / "a rollout stops every pod".

IV_TAG = "iv:aXZpdml2aXZpdml2aXZpdg==,tag:dGFndGFndGFndGFn,type:str"
SOPS_SECRET = f"""
apiVersion: v1
kind: Secret
metadata: {{name: superset-secrets, namespace: bi}}
type: Opaque
stringData:
  SUPERSET_SECRET_KEY: ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4,{IV_TAG}]
  DB_PASS: ENC[AES256_GCM,data:c3VwZXJzZXQ=,{IV_TAG}]
sops:
  encrypted_regex: ^(data|stringData)$
  version: 3.12.1
"""

SOPS_WEB = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset, namespace: bi}
spec:
  replicas: 2
  selector: {matchLabels: {app: superset}}
  template:
    metadata: {labels: {app: superset}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          envFrom: [{secretRef: {name: superset-secrets}}]
          volumeMounts: [{name: config, mountPath: /app/pythonpath}]
      volumes: [{name: config, configMap: {name: superset-config}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: superset-config, namespace: bi}
data:
  superset_config.py: |
    import os
    SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
"""


def test_a_sops_encrypted_secret_is_not_compared(tmp_path: Path) -> None:
    found = _by_check(tmp_path, SOPS_SECRET + SOPS_WEB)
    (secret,) = [f for f in found["K8S-CONFIG-SECRETS-002"]
                 if f["subject"] == "v1/Secret/bi/superset-secrets"]
    assert secret["status"] == "skip", secret
    assert "SOPS-encrypted" in secret["message"]
    assert secret["evidence"] == ["key DB_PASS", "key SUPERSET_SECRET_KEY"]
    (key,) = found["SUPERSET-CONFIG-SECRETS-001"]
    assert key["status"] == "skip", key
    assert "SOPS-encrypted" in key["message"]


def test_a_decrypted_secret_is_still_compared(tmp_path: Path) -> None:
    plain = SOPS_SECRET.replace("sops:\n  encrypted_regex: ^(data|stringData)$\n"
                                "  version: 3.12.1\n", "")
    found = _by_check(tmp_path, plain + SOPS_WEB)
    (secret,) = [f for f in found["K8S-CONFIG-SECRETS-002"]
                 if f["subject"] == "v1/Secret/bi/superset-secrets"]
    assert secret["status"] == "pass"


SINGLE_DATABASE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: superset-pg, namespace: bi}
spec:
  replicas: 1
  strategy: {type: Recreate}
  selector: {matchLabels: {app: superset-pg}}
  template:
    metadata: {labels: {app: superset-pg}}
    spec:
      containers:
        - name: postgresql
          image: postgres:17.11-alpine
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: superset-pg-data}}]
"""


def test_a_single_database_recreated_is_not_a_rollout_outage(tmp_path: Path) -> None:
    assert "K8S-SUPERVISION-002" not in _by_check(tmp_path, SINGLE_DATABASE)


def test_a_database_without_superset_beside_it_is_not_called_the_metadata_database(
        tmp_path: Path) -> None:
    (finding,) = _by_check(tmp_path, SINGLE_DATABASE)["K8S-BACKUPS-001"]
    assert finding["status"] == "fail"
    assert "metadata database (every dashboard" not in finding["message"], finding
    assert "superset-pg" in finding["message"]


def test_a_sops_encrypted_superset_config_is_not_read_as_superset_defaults(
        tmp_path: Path) -> None:
    text = f"""
apiVersion: v1
kind: Secret
metadata: {{name: superset-config, namespace: bi}}
stringData:
  superset_config.py: ENC[AES256_GCM,data:U0VDUkVUX0tFWSA9ICd4Jw==,{IV_TAG}]
sops:
  version: 3.12.1
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: superset, namespace: bi}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: superset}}}}
  template:
    metadata: {{labels: {{app: superset}}}}
    spec:
      containers:
        - name: superset
          image: apache/superset:5.0.0
          command: [/usr/bin/run-server.sh]
          volumeMounts: [{{name: config, mountPath: /app/pythonpath}}]
      volumes: [{{name: config, secret: {{secretName: superset-config}}}}]
"""
    found = _by_check(tmp_path, text)
    (key,) = found["SUPERSET-CONFIG-SECRETS-001"]
    assert key["status"] == "skip", key
    assert "SOPS-encrypted" in key["message"]
    (csrf,) = found["SUPERSET-APP-SECURITY-002"]
    assert csrf["status"] == "skip", csrf
