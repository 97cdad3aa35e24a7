"""The objects of ``bench/gen_manifests2.py``: applications as teams deploy them.

Each ``*_app`` method returns one application's documents as trees for
``bench/yamltext.py``. In hand-written form (``hand_written``) they carry
comments, anchors and merge keys; in Helm form, the labels a chart sets.
Good and careless practice are mixed at random rates, the way they are in real
clusters; the rates were chosen without reading the checks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from dataclasses import dataclass
from typing import Any

from yamltext import MERGE, Alias, Anchor, Comment, Note

Tree = dict[Any, Any]

ADJECTIVES = ("amber", "brisk", "cobalt", "dusty", "eager", "fleet", "gentle", "hollow",
              "ivory", "jolly", "keen", "lunar", "mellow", "nimble", "opal", "proud")
NOUNS = ("otter", "falcon", "harbor", "meadow", "quarry", "summit", "tundra", "willow",
         "beacon", "canyon", "delta", "ember", "fjord", "grove", "island", "jetty")
REGISTRIES = ("quay.io/corp", "europe-docker.pkg.dev/corp-prod/apps", "harbor.corp.internal/lib",
              "docker.io/library", "public.ecr.aws/corp")
BASE_IMAGES = {"postgres": ("postgres", "15.6", 5432), "redis": ("redis", "7.2.4", 6379),
               "rabbitmq": ("rabbitmq", "3.13-management", 5672),
               "elasticsearch": ("elasticsearch", "8.12.2", 9200),
               "zookeeper": ("zookeeper", "3.9.1", 2181)}
AGENTS = (("node-exporter", "quay.io/prometheus/node-exporter", "v1.7.0"),
          ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit", "2.2.2"),
          ("datadog-agent", "gcr.io/datadoghq/agent", "7.51.0"),
          ("csi-node", "registry.k8s.io/sig-storage/csi-node-driver-registrar", "v2.10.0"))
OPERATOR_KINDS = (("monitoring.coreos.com/v1", "ServiceMonitor"),
                  ("monitoring.coreos.com/v1", "PrometheusRule"),
                  ("cert-manager.io/v1", "Certificate"),
                  ("external-secrets.io/v1beta1", "ExternalSecret"),
                  ("keda.sh/v1alpha1", "ScaledObject"),
                  ("argoproj.io/v1alpha1", "Rollout"),
                  ("acme.corp.io/v1alpha3", "FeatureGate"))


@dataclass
class DocTree:
    source: str  # the template path Helm would print after "# Source:"
    tree: Tree


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Objects:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.hand_written = False
        self.omit_namespace = False

    # -- small parts ------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def app_name(self, serial: int) -> str:
        return f"{self.rng.choice(ADJECTIVES)}-{self.rng.choice(NOUNS)}-{serial}"

    def labels(self, name: str, component: str) -> dict[str, str]:
        if self.hand_written:
            found = {"app": name, "tier": component}
            if self.chance(0.5):
                found["team"] = self.rng.choice(NOUNS)
            return found
        return {"app.kubernetes.io/name": name.rsplit("-", 1)[0],
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/component": component,
                "app.kubernetes.io/managed-by": "Helm",
                "helm.sh/chart": f"{name.rsplit('-', 1)[0]}-{self.rng.randint(0, 9)}"
                                 f".{self.rng.randint(0, 30)}.0"}

    def selector(self, labels: dict[str, str]) -> dict[str, str]:
        keep = ("app", "tier", "app.kubernetes.io/name", "app.kubernetes.io/instance",
                "app.kubernetes.io/component")
        return {k: v for k, v in labels.items() if k in keep}

    def selector_of(self, workload: Tree) -> dict[str, str]:
        labels = workload["metadata"]["labels"]
        return self.selector(labels.value if isinstance(labels, Anchor) else labels)

    def meta(self, name: str, namespace: str | None, labels: dict[str, str] | None = None,
             anchor: bool = False, annotations: dict[str, str] | None = None) -> Tree:
        found: Tree = {"name": name}
        if namespace is not None and not self.omit_namespace:
            found["namespace"] = namespace
        if labels is not None:
            found["labels"] = Anchor("labels", labels) if anchor else dict(labels)
        if annotations:
            found["annotations"] = annotations
        return found

    def header(self, kind: str, name: str) -> Tree:
        """Hand-written files explain themselves; Helm output rarely does."""
        if self.hand_written and self.chance(0.6):
            return {Comment(f"{kind} {name}: owned by the {self.rng.choice(NOUNS)} team"): None}
        return {}

    def image(self, repo: str, tag: str) -> Any:
        roll = self.rng.random()
        ref = (f"{repo}:{tag}@sha256:{sha(repo + tag)}" if roll < 0.3 else f"{repo}:latest"
               if roll < 0.4 else repo if roll < 0.45 else f"{repo}:{tag}")
        if self.hand_written and self.chance(0.3):
            return Note(ref, "renovate: datasource=docker")
        return ref

    def env(self, name: str, secret: str | None) -> list[Tree]:
        found: list[Tree] = [{"name": f"{name.upper().replace('-', '_')}_{k}",
                              "value": self.rng.choice(("1", "true", "info", "eu-west-1", "30s"))}
                             for k in ("MODE", "REGION", "TIMEOUT", "LOG", "POOL", "CACHE",
                                       "RETRIES", "FLAG_A", "FLAG_B", "FLAG_C")
                             [:self.rng.randint(1, 10)]]
        if secret is not None:
            found.append({"name": "DB_PASSWORD",
                          "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}})
        if self.chance(0.08):
            found.append({"name": "API_KEY", "value": f"ak_{self.rng.getrandbits(80):020x}"})
        found += [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}
                  ] if self.chance(0.5) else []
        if self.chance(0.1):  # the service that grew forty settings
            found += [{"name": f"SETTING_{i}", "value": str(i * 7)} for i in range(30)]
        return found

    def probes(self, container: str, port: int) -> Tree:
        if self.chance(0.2):
            return {}
        check = {"httpGet": {"path": self.rng.choice(("/healthz", "/livez", "/status")),
                             "port": port}, "periodSeconds": 10, "timeoutSeconds": 2}
        if self.hand_written:
            anchor = f"{container}-probe"  # PyYAML refuses an anchor twice in a document
            return {"livenessProbe": Anchor(anchor, check),
                    "readinessProbe": {MERGE: Alias(anchor), "periodSeconds": 5}}
        return {"livenessProbe": check, "readinessProbe": {**check, "periodSeconds": 5}}

    def resources(self) -> Tree:
        roll = self.rng.random()
        if roll < 0.2:
            return {}
        cpu, mem = self.rng.choice((50, 100, 200, 500, 1000)), self.rng.choice((64, 256, 1024))
        found: Tree = {"requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"}}
        if roll > 0.45:
            found["limits"] = {"memory": f"{mem * 2}Mi"} | ({"cpu": f"{cpu * 2}m"}
                                                           if roll > 0.8 else {})
        return {"resources": found}

    def security(self) -> Tree:
        roll = self.rng.random()
        if roll < 0.3:
            return {}
        if roll < 0.38:
            return {"securityContext": {"privileged": True}}
        return {"securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                                    "readOnlyRootFilesystem": roll > 0.6,
                                    "capabilities": {"drop": ["ALL"]}}}

    def container(self, name: str, image: Any, port: int | None, secret: str | None) -> Tree:
        found: Tree = {"name": name, "image": image}
        if self.hand_written and self.chance(0.3):
            found[Comment("pinned until the next release train")] = None
        if self.chance(0.3):
            found["imagePullPolicy"] = self.rng.choice(("Always", "IfNotPresent"))
        if port is not None:
            found["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        found["env"] = self.env(name, secret)
        if port is not None:
            found |= self.probes(name, port)
        found |= self.resources() | self.security()
        if self.chance(0.5):
            found["volumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}]
        return found

    def pod(self, labels: Any, containers: list[Tree], account: str | None) -> Tree:
        spec: Tree = {}
        if account is not None:
            spec["serviceAccountName"] = account
        if self.chance(0.5):
            spec["securityContext"] = {"runAsUser": 1000, "fsGroup": 2000}
        if self.chance(0.3):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if self.chance(0.2):
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": "apps",
                                    "effect": "NoSchedule"}]
        spec["containers"] = containers
        if any("volumeMounts" in c for c in containers):
            spec["volumes"] = [{"name": "tmp", "emptyDir": {}}]
        template: Tree = {"metadata": {"labels": labels}, "spec": spec}
        if self.chance(0.4):
            template["metadata"]["annotations"] = {"checksum/config": sha(repr(labels))[:40]}
        return template

    def workload(self, kind: str, name: str, ns: str, component: str, containers: list[Tree],
                 account: str | None, extra: Tree | None = None) -> Tree:
        labels = self.labels(name, component)
        anchored = self.hand_written and self.chance(0.7)
        selector = self.selector(labels)
        spec: Tree = {}
        if kind in ("Deployment", "StatefulSet"):
            spec["replicas"] = self.rng.choice((1, 1, 2, 3, 3, 5, 10))
        spec["selector"] = {"matchLabels": Alias("labels") if anchored and selector == labels
                            else selector}
        spec |= extra or {}
        spec["template"] = self.pod(Alias("labels") if anchored else dict(labels), containers,
                                    account)
        api = "apps/v1"
        return {**self.header(kind, name), "apiVersion": api, "kind": kind,
                "metadata": self.meta(name, ns, labels, anchor=anchored), "spec": spec}

    def service(self, name: str, ns: str, selector: dict[str, str], port: int,
                headless: bool = False) -> Tree:
        spec: Tree = {"selector": selector,
                      "ports": [{"name": "http", "port": port, "targetPort": port}]}
        if headless:
            spec["clusterIP"] = "None"
        elif self.chance(0.1):
            spec["type"] = self.rng.choice(("NodePort", "LoadBalancer"))
        return {**self.header("Service", name), "apiVersion": "v1", "kind": "Service",
                "metadata": self.meta(name, ns, selector), "spec": spec}

    def config_map(self, name: str, ns: str, data: dict[str, str]) -> Tree:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(name, ns),
                "data": data}

    def secret(self, name: str, ns: str, keys: tuple[str, ...]) -> Tree:
        return {"apiVersion": "v1", "kind": "Secret", "metadata": self.meta(name, ns),
                "type": "Opaque",
                "data": {k: b64(f"{self.rng.getrandbits(64):x}") for k in keys}}

    def src(self, chart: str, template: str) -> str:
        return f"{chart}/templates/{template}"

    # -- applications -------------------------------------------------------------------

    def web_app(self, ns: str, name: str) -> list[DocTree]:
        port = self.rng.choice((8080, 8000, 3000, 9000))
        secret = f"{name}-db" if self.chance(0.6) else None
        account = name if self.chance(0.6) else None
        containers = [self.container("app", self.image(f"{self.rng.choice(REGISTRIES)}/{name}",
                                                       f"2.{self.rng.randint(0, 60)}.1"),
                                     port, secret)]
        if self.chance(0.2):
            containers.append(self.container("envoy", self.image("envoyproxy/envoy", "v1.29.1"),
                                             None, None))
        deployment = self.workload("Deployment", name, ns, "web", containers, account)
        selector = self.selector_of(deployment)
        docs = [DocTree(self.src(name, "deployment.yaml"), deployment),
                DocTree(self.src(name, "service.yaml"), self.service(name, ns, selector, port))]
        docs.append(DocTree(self.src(name, "configmap.yaml"), self.config_map(
            f"{name}-config", ns, {"settings.json": json.dumps(
                {f"feature_{i}": self.chance(0.5) for i in range(self.rng.randint(2, 40))},
                indent=2) + "\n", "LOG_FORMAT": "json"})))
        if secret is not None:
            docs.append(DocTree(self.src(name, "secret.yaml"),
                                self.secret(secret, ns, ("username", "password"))))
        if account is not None:
            docs.append(DocTree(self.src(name, "serviceaccount.yaml"), {
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": self.meta(account, ns),
                "automountServiceAccountToken": self.chance(0.3)}))
        if self.chance(0.5):
            docs.append(DocTree(self.src(name, "ingress.yaml"), self.ingress(name, ns, port)))
        if self.chance(0.4):
            docs.append(DocTree(self.src(name, "hpa.yaml"), self.hpa(name, ns)))
        if self.chance(0.35):
            docs.append(DocTree(self.src(name, "pdb.yaml"), self.pdb(name, ns, selector)))
        return docs

    def ingress(self, name: str, ns: str, port: int) -> Tree:
        host = f"{name}.{self.rng.choice(('corp.example', 'apps.example.net'))}"
        spec: Tree = {"ingressClassName": self.rng.choice(("nginx", "traefik", "alb")),
                      "rules": [{"host": host, "http": {"paths": [
                          {"path": "/", "pathType": "Prefix",
                           "backend": {"service": {"name": name, "port": {"number": port}}}}]}}]}
        if self.chance(0.75):
            spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": self.meta(name, ns, annotations={
                    "nginx.ingress.kubernetes.io/proxy-body-size": "16m"}), "spec": spec}

    def hpa(self, name: str, ns: str) -> Tree:
        low = self.rng.choice((1, 2, 3))
        return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": self.meta(name, ns),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": name},
                         "minReplicas": low, "maxReplicas": low * 4,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization",
                                                       "averageUtilization": 75}}}]}}

    def pdb(self, name: str, ns: str, selector: dict[str, str]) -> Tree:
        budget = {"minAvailable": 1} if self.chance(0.6) else {"maxUnavailable": "25%"}
        return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": self.meta(name, ns),
                "spec": {**budget, "selector": {"matchLabels": dict(selector)}}}

    def worker_app(self, ns: str, name: str) -> list[DocTree]:
        secret = f"{name}-queue" if self.chance(0.5) else None
        containers = [self.container("worker", self.image(
            f"{self.rng.choice(REGISTRIES)}/{name}", f"1.{self.rng.randint(0, 99)}.0"),
            None, secret)]
        docs = [DocTree(self.src(name, "worker.yaml"),
                        self.workload("Deployment", name, ns, "worker", containers, None))]
        if secret is not None:
            docs.append(DocTree(self.src(name, "secret.yaml"),
                                self.secret(secret, ns, ("password", "url"))))
        return docs

    def stateful_app(self, ns: str, name: str) -> list[DocTree]:
        engine = self.rng.choice(sorted(BASE_IMAGES))
        image, tag, port = BASE_IMAGES[engine]
        secret = f"{name}-auth"
        container = self.container(engine, self.image(image, tag), port, secret)
        container.setdefault("volumeMounts", []).append({"name": "data",
                                                         "mountPath": f"/var/lib/{engine}"})
        claim = {"volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "storageClassName": "ssd",
            "resources": {"requests": {"storage": f"{self.rng.choice((10, 50, 200))}Gi"}}}}],
            "serviceName": f"{name}-headless"}
        workload = self.workload("StatefulSet", name, ns, engine, [container], None, claim)
        selector = self.selector_of(workload)
        docs = [DocTree(self.src(name, "statefulset.yaml"), workload),
                DocTree(self.src(name, "svc-headless.yaml"),
                        self.service(f"{name}-headless", ns, selector, port, headless=True)),
                DocTree(self.src(name, "svc.yaml"), self.service(name, ns, selector, port)),
                DocTree(self.src(name, "secret.yaml"), self.secret(secret, ns, ("password",)))]
        if self.chance(0.5):
            docs.append(DocTree(self.src(name, "pdb.yaml"), self.pdb(name, ns, selector)))
        if self.chance(0.5):
            docs.append(DocTree(self.src(name, "networkpolicy.yaml"), {
                "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": self.meta(name, ns),
                "spec": {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress"],
                         "ingress": [{"from": [{"podSelector": {}}],
                                      "ports": [{"port": port, "protocol": "TCP"}]}]}}))
        return docs

    def node_agent_app(self, ns: str, name: str) -> list[DocTree]:
        agent, image, tag = self.rng.choice(AGENTS)
        container = self.container(agent, self.image(image, tag), 9100, None)
        if self.chance(0.4):
            container.setdefault("volumeMounts", []).append(
                {"name": "host-root", "mountPath": "/host", "readOnly": True})
        extra = {"updateStrategy": {"type": "RollingUpdate"}}
        daemon = self.workload("DaemonSet", name, ns, "agent", [container], name, extra)
        spec = daemon["spec"]["template"]["spec"]
        if any(m["name"] == "host-root" for m in container.get("volumeMounts", [])):
            spec.setdefault("volumes", []).append({"name": "host-root",
                                                   "hostPath": {"path": "/"}})
        if self.chance(0.5):
            spec["hostNetwork"] = True
        rules = [{"apiGroups": [""], "resources": ["pods", "nodes", "namespaces"],
                  "verbs": ["get", "list", "watch"]}]
        return [DocTree(self.src(name, "daemonset.yaml"), daemon),
                DocTree(self.src(name, "serviceaccount.yaml"), {
                    "apiVersion": "v1", "kind": "ServiceAccount", "metadata": self.meta(name, ns)}),
                DocTree(self.src(name, "role.yaml"), {
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                    "metadata": self.meta(name, ns), "rules": rules}),
                DocTree(self.src(name, "rolebinding.yaml"), {
                    "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                    "metadata": self.meta(name, ns),
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                "name": name},
                    "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]}),
                DocTree(self.src(name, "configmap.yaml"), self.config_map(
                    f"{name}-conf", ns, {f"{agent}.conf": "".join(
                        f"[INPUT]\n    Name tail\n    Path /var/log/{i}/*.log\n"
                        for i in range(self.rng.randint(1, 30)))}))]

    def batch_app(self, ns: str, name: str) -> list[DocTree]:
        docs = []
        for i in range(self.rng.randint(1, 3)):
            job = {"template": {"spec": {
                "restartPolicy": "OnFailure",
                "containers": [self.container("task", self.image(
                    f"{self.rng.choice(REGISTRIES)}/{name}", "2024.03.1"), None, None)]}},
                "backoffLimit": self.rng.choice((0, 3, 6))}
            if self.chance(0.25):
                docs.append(DocTree(self.src(name, f"job-{i}.yaml"), {
                    "apiVersion": "batch/v1", "kind": "Job",
                    "metadata": self.meta(f"{name}-once-{i}", ns), "spec": job}))
                continue
            docs.append(DocTree(self.src(name, f"cronjob-{i}.yaml"), {
                **self.header("CronJob", name),
                "apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": self.meta(f"{name}-{i}", ns),
                "spec": {"schedule": self.rng.choice(("*/5 * * * *", "0 3 * * *", "@hourly")),
                         "concurrencyPolicy": self.rng.choice(("Forbid", "Allow")),
                         "jobTemplate": {"spec": job}}}))
        return docs

    def superset_release(self, ns: str, name: str) -> list[DocTree]:
        tag = self.rng.choice(("3.1.3", "4.0.2", "4.1.1", "latest"))
        image = f"apache/superset:{tag}"
        env_secret = f"{name}-env"
        docs = [DocTree(self.src("superset", "secret-env.yaml"), self.secret(
                    env_secret, ns, ("DB_HOST", "DB_USER", "DB_PASS", "REDIS_HOST",
                                     "SUPERSET_SECRET_KEY"))),
                DocTree(self.src("superset", "secret-superset-config.yaml"), self.config_map(
                    f"{name}-config", ns, {"superset_config.py": self.superset_config(name)}))]
        for role, port in (("web", 8088), ("worker", None), ("beat", None)):
            container = self.container(f"superset-{role}", image, port, None)
            container["envFrom"] = [{"secretRef": {"name": env_secret}}]
            container.setdefault("volumeMounts", []).append(
                {"name": "superset-config", "mountPath": "/app/pythonpath", "readOnly": True})
            if role != "web":
                container["command"] = ["celery", "--app=superset.tasks.celery_app:app",
                                        role if role == "worker" else "beat"]
            workload = self.workload("Deployment", f"{name}-{role}", ns, role, [container], None)
            workload["spec"]["template"]["spec"].setdefault("volumes", []).append(
                {"name": "superset-config", "configMap": {"name": f"{name}-config"}})
            docs.append(DocTree(self.src("superset", f"deployment-{role}.yaml"), workload))
        selector = self.selector_of(docs[2].tree)  # the web Deployment
        docs.append(DocTree(self.src("superset", "service.yaml"),
                            self.service(name, ns, selector, 8088)))
        if self.chance(0.6):
            docs.append(DocTree(self.src("superset", "ingress.yaml"), self.ingress(name, ns, 8088)))
        docs.append(DocTree(self.src("superset", "init-job.yaml"), {
            "apiVersion": "batch/v1", "kind": "Job", "metadata": self.meta(f"{name}-init", ns),
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
                {"name": "init", "image": image,
                 "command": ["/bin/sh", "-c", "superset db upgrade && superset init"],
                 "envFrom": [{"secretRef": {"name": env_secret}}]}]}}}}))
        return docs

    def superset_config(self, name: str) -> str:
        key = ('os.environ["SUPERSET_SECRET_KEY"]' if self.chance(0.7)
               else json.dumps(f"{self.rng.getrandbits(128):032x}"))
        flags = ", ".join(f'"{f}": {self.chance(0.5)}' for f in
                          ("DASHBOARD_RBAC", "ALERT_REPORTS", "EMBEDDED_SUPERSET",
                           "ENABLE_TEMPLATE_PROCESSING", "DRILL_TO_DETAIL"))
        return (
            f"# superset_config.py for {name}\nimport os\n\n"
            f"SECRET_KEY = {key}\n"
            'SQLALCHEMY_DATABASE_URI = (\n    "postgresql+psycopg2://"\n'
            '    f"{os.environ[\'DB_USER\']}:{os.environ[\'DB_PASS\']}"\n'
            '    f"@{os.environ[\'DB_HOST\']}/superset"\n)\n'
            f"FEATURE_FLAGS = {{{flags}}}\n"
            'CACHE_CONFIG = {"CACHE_TYPE": "RedisCache", "CACHE_DEFAULT_TIMEOUT": 300,\n'
            '                "CACHE_REDIS_HOST": os.environ.get("REDIS_HOST", "redis")}\n'
            f"WTF_CSRF_ENABLED = {self.chance(0.9)}\n"
            f"TALISMAN_ENABLED = {self.chance(0.6)}\n"
            f"ROW_LIMIT = {self.rng.choice((5000, 10000, 50000))}\n"
        )

    def namespace_plumbing(self, ns: str, name: str) -> list[DocTree]:
        docs = [DocTree(self.src("platform", "deny-all.yaml"), {
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": self.meta(f"{name}-default-deny", ns),
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})]
        if self.chance(0.6):
            docs.append(DocTree(self.src("platform", "quota.yaml"), {
                "apiVersion": "v1", "kind": "ResourceQuota", "metadata": self.meta(name, ns),
                "spec": {"hard": {"requests.cpu": "40", "requests.memory": "80Gi",
                                  "pods": "200"}}}))
        if self.chance(0.5):
            docs.append(DocTree(self.src("platform", "limits.yaml"), {
                "apiVersion": "v1", "kind": "LimitRange", "metadata": self.meta(name, ns),
                "spec": {"limits": [{"type": "Container",
                                     "default": {"cpu": "500m", "memory": "512Mi"}}]}}))
        docs.append(DocTree(self.src("platform", "deployer.yaml"), {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": self.meta(f"{name}-deployers", ns),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": self.rng.choice(("edit", "admin", "view"))},
            "subjects": [{"kind": "Group", "name": f"team-{self.rng.choice(NOUNS)}",
                          "apiGroup": "rbac.authorization.k8s.io"}]}))
        return docs

    def custom_resources(self, ns: str, name: str) -> list[DocTree]:
        docs = []
        for i in range(self.rng.randint(1, 4)):
            api, kind = self.rng.choice(OPERATOR_KINDS)
            docs.append(DocTree(self.src(name, f"{kind.lower()}-{i}.yaml"), {
                "apiVersion": api, "kind": kind, "metadata": self.meta(f"{name}-{i}", ns),
                "spec": {"selector": {"matchLabels": {"app": name}},
                         "endpoints": [{"port": "http", "interval": "30s"}],
                         "rules": [{"alert": f"{name}Down{j}", "expr": f"up{{job=\"{name}\"}} == 0",
                                    "for": "5m"} for j in range(self.rng.randint(0, 8))]}}))
        if self.chance(0.15):  # an operator's CRD, as big as their schemas get
            props = {f"field{j}": {"type": "string", "description": "x" * self.rng.randint(40, 400)}
                     for j in range(self.rng.randint(20, 120))}
            docs.append(DocTree(self.src(name, "crd.yaml"), {
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": self.meta(f"widgets{len(docs)}.{name}.corp.io", None),
                "spec": {"group": f"{name}.corp.io", "scope": "Namespaced",
                         "names": {"kind": "Widget", "plural": f"widgets{len(docs)}"},
                         "versions": [{"name": "v1", "served": True, "storage": True,
                                       "schema": {"openAPIV3Schema": {
                                           "type": "object", "properties": {"spec": {
                                               "type": "object", "properties": props}}}}}]}}))
        return docs

    def big_config(self, ns: str, name: str) -> list[DocTree]:
        panels = [{"id": i, "type": "timeseries", "title": f"panel {i}",
                   "targets": [{"expr": f"rate(http_requests_total{{app=\"{name}\"}}[5m])"}],
                   "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": i * 8}}
                  for i in range(self.rng.randint(20, 400))]
        return [DocTree(self.src(name, "dashboard.yaml"), self.config_map(
            f"{name}-dashboard", ns, {"dashboard.json": json.dumps({"panels": panels},
                                                                   indent=1) + "\n"}))]
