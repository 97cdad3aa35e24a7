"""Generate a large, deterministic set of Kubernetes manifests for benchmarks.

    python bench/gen_manifests.py --docs 4000 --out /tmp/manifests

writes multi-document YAML files (``--per-file`` documents each, as ``helm
template`` output would look, with ``# Source:`` comments) describing many
releases spread over many namespaces: web services (Deployment, Service,
ConfigMap, Secret, optional Ingress, HPA and PDB), workers, StatefulSet
databases with headless Services, CronJobs, and now and then a whole Superset
release (web, celery worker, celery beat). A mix of good and bad practice is
drawn from a seeded random generator, so the same arguments always give the
same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The C dumper when available, writing multi-line strings as literal blocks."""


def _represent_str(dumper: Any, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Dumper.add_representer(str, _represent_str)

Doc = tuple[str, dict[str, Any]]  # (# Source: path, object)

TEAMS = (
    "payments",
    "search",
    "analytics",
    "identity",
    "growth",
    "platform",
    "data",
    "ml",
    "checkout",
    "catalog",
    "billing",
    "support",
    "ads",
    "media",
    "ops",
)
SERVICES = (
    "api",
    "web",
    "gateway",
    "auth",
    "events",
    "ingest",
    "export",
    "notifier",
    "scheduler",
    "reports",
    "profile",
    "search",
    "pricing",
    "inventory",
    "ledger",
)
ENVS = ("prod", "staging", "dev", "qa")
REGISTRIES = (
    "ghcr.io/acme",
    "registry.example.com/apps",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "docker.io/acme",
)
SUPERSET_CONFIG = """\
import os

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://{}:{}@{}:5432/superset".format(
    os.environ["DB_USER"], os.environ["DB_PASS"], os.environ["DB_HOST"]
)
ENABLE_PROXY_FIX = True
"""
DATABASES = (
    ("postgres", "16.4", 5432, "/var/lib/postgresql/data"),
    ("mysql", "8.4.2", 3306, "/var/lib/mysql"),
    ("redis", "7.4.1", 6379, "/data"),
    ("mongo", "7.0.14", 27017, "/data/db"),
)


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Generator:
    """Yields (source, object) pairs release after release, forever."""

    def __init__(self, seed: int, namespaces: int) -> None:
        self.rng = random.Random(seed)
        self.namespaces = [
            f"{TEAMS[i % len(TEAMS)]}-{ENVS[(i // len(TEAMS)) % len(ENVS)]}"
            + (f"-{i // (len(TEAMS) * len(ENVS))}" if i >= len(TEAMS) * len(ENVS) else "")
            for i in range(max(1, namespaces))
        ]
        self.release = 0

    # -- building blocks -------------------------------------------------------

    def labels(self, chart: str, name: str, release: str, component: str) -> dict[str, str]:
        if self.rng.random() < 0.15:  # older charts
            return {"app": name, "chart": chart, "release": release, "heritage": "Helm"}
        return {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": release,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/version": chart.rsplit("-", 1)[-1],
            "app.kubernetes.io/managed-by": "Helm",
            "helm.sh/chart": chart,
        }

    def meta(self, name: str, ns: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
        return {"name": name, "namespace": ns, "labels": dict(labels), **extra}

    def image(self, repo: str, version: str) -> str:
        roll = self.rng.random()
        if roll < 0.08:
            return f"{repo}:latest"
        if roll < 0.12:
            return repo
        if roll < 0.55:
            return f"{repo}:{version}@{digest(repo + version)}"
        return f"{repo}:{version}"

    def resources(self, cpu_m: int, mem_mi: int) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.15:
            return {}
        requests = {"cpu": f"{cpu_m}m", "memory": f"{mem_mi}Mi"}
        if roll < 0.3:
            return {"requests": requests}
        return {
            "requests": requests,
            "limits": {"cpu": f"{cpu_m * 4}m", "memory": f"{mem_mi * 2}Mi"},
        }

    def container_security(self) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.1:
            return {"privileged": True}
        if roll < 0.35:
            return {}
        return {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": self.rng.random() < 0.7,
            "capabilities": {"drop": ["ALL"]},
        }

    def pod_security(self) -> dict[str, Any]:
        if self.rng.random() < 0.3:
            return {}
        return {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }

    def probes(self, port: str, path: str) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.15:
            return {}
        http = {"httpGet": {"path": path, "port": port}}
        found: dict[str, Any] = {
            "readinessProbe": {**http, "periodSeconds": 10, "failureThreshold": 3},
            "livenessProbe": {**http, "periodSeconds": 20, "timeoutSeconds": 3},
        }
        if roll > 0.6:
            found["startupProbe"] = {**http, "periodSeconds": 5, "failureThreshold": 30}
        return found

    def env(self, name: str, secret: str) -> list[dict[str, Any]]:
        env: list[dict[str, Any]] = [
            {"name": "LOG_LEVEL", "value": self.rng.choice(("info", "warning", "debug"))},
            {"name": "PORT", "value": "8080"},
            {
                "name": "DATABASE_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}},
            },
        ]
        if self.rng.random() < 0.1:
            env.append({"name": "API_TOKEN", "value": f"tok_{name}_{self.rng.getrandbits(48):x}"})
        return env

    def pod_template(
        self, labels: dict[str, str], containers: list[dict[str, Any]], spread: bool
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        security = self.pod_security()
        if security:
            spec["securityContext"] = security
        if self.rng.random() < 0.5:
            spec["serviceAccountName"] = labels.get("app.kubernetes.io/name", labels.get("app"))
            spec["automountServiceAccountToken"] = False
        if spread:
            spec["topologySpreadConstraints"] = [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": labels},
                }
            ]
        spec["containers"] = containers
        annotations = {"checksum/config": digest(repr(containers))[7:]}
        if self.rng.random() < 0.4:
            annotations |= {"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}
        return {"metadata": {"labels": dict(labels), "annotations": annotations}, "spec": spec}

    def selector(self, labels: dict[str, str]) -> dict[str, str]:
        keys = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app", "release")
        return {k: v for k, v in labels.items() if k in keys}

    # -- releases --------------------------------------------------------------

    def web_service(self, ns: str, release: str, chart: str) -> Iterator[Doc]:
        name = release
        labels = self.labels(chart, chart.rsplit("-", 1)[0], release, "server")
        sel = self.selector(labels)
        src = f"{chart.rsplit('-', 1)[0]}/templates"
        replicas = self.rng.choice((1, 2, 2, 3, 3, 4, 6))
        secret = f"{name}-db"
        yield (
            f"{src}/secret.yaml",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": self.meta(secret, ns, labels),
                "type": "Opaque",
                "data": {"username": b64(name), "password": b64(f"{self.rng.getrandbits(96):x}")},
            },
        )
        yield (
            f"{src}/configmap.yaml",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": self.meta(f"{name}-config", ns, labels),
                "data": {
                    "app.yaml": yaml.dump(
                        {
                            "server": {"port": 8080, "workers": replicas * 2},
                            "features": {
                                f"flag_{i}": self.rng.random() < 0.5
                                for i in range(self.rng.randint(3, 12))
                            },
                        },
                        Dumper=Dumper,
                        sort_keys=False,
                    ),
                    "LOG_FORMAT": "json",
                },
            },
        )
        containers = [
            {
                "name": "app",
                "image": self.image(
                    f"{self.rng.choice(REGISTRIES)}/{name}",
                    f"1.{self.rng.randint(0, 40)}.{self.rng.randint(0, 9)}",
                ),
                "imagePullPolicy": "IfNotPresent",
                "ports": [
                    {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                    {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                ],
                "env": self.env(name, secret),
                "envFrom": [{"configMapRef": {"name": f"{name}-config"}}],
                **self.probes("http", self.rng.choice(("/healthz", "/health", "/ready"))),
                "resources": self.resources(
                    self.rng.choice((50, 100, 250, 500)), self.rng.choice((128, 256, 512, 1024))
                ),
                "securityContext": self.container_security(),
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/app", "readOnly": True},
                    {"name": "tmp", "mountPath": "/tmp"},
                ],
            }
        ]
        if self.rng.random() < 0.2:
            containers.append(
                {
                    "name": "log-shipper",
                    "image": self.image("fluent/fluent-bit", "3.1.9"),
                    "resources": self.resources(20, 64),
                    "securityContext": self.container_security(),
                    "volumeMounts": [{"name": "tmp", "mountPath": "/var/log/app"}],
                }
            )
        template = self.pod_template(
            labels, containers, spread=replicas > 1 and self.rng.random() < 0.6
        )
        template["spec"]["volumes"] = [
            {"name": "config", "configMap": {"name": f"{name}-config"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "128Mi"}},
        ]
        deployment: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.meta(name, ns, labels),
            "spec": {
                "replicas": replicas,
                "revisionHistoryLimit": self.rng.choice((10, 10, 5, 0)),
                "selector": {"matchLabels": sel},
                "template": template,
            },
        }
        if self.rng.random() < 0.7:
            deployment["spec"]["strategy"] = {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            }
        yield f"{src}/deployment.yaml", deployment
        service_type = self.rng.choices(("ClusterIP", "NodePort", "LoadBalancer"), (85, 10, 5))[0]
        yield (
            f"{src}/service.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": self.meta(name, ns, labels),
                "spec": {
                    "type": service_type,
                    "selector": sel,
                    "ports": [
                        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
                    ],
                },
            },
        )
        if self.rng.random() < 0.6:
            host = f"{name}.{ns}.example.com"
            ingress: dict[str, Any] = {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": self.meta(
                    name,
                    ns,
                    labels,
                    annotations={"cert-manager.io/cluster-issuer": "letsencrypt-prod"},
                ),
                "spec": {
                    "ingressClassName": "nginx",
                    "rules": [
                        {
                            "host": host,
                            "http": {
                                "paths": [
                                    {
                                        "path": "/",
                                        "pathType": "Prefix",
                                        "backend": {
                                            "service": {"name": name, "port": {"name": "http"}}
                                        },
                                    }
                                ]
                            },
                        }
                    ],
                },
            }
            if self.rng.random() < 0.8:
                ingress["spec"]["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
            yield f"{src}/ingress.yaml", ingress
        if self.rng.random() < 0.5:
            low = max(1, replicas)
            yield (
                f"{src}/hpa.yaml",
                {
                    "apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler",
                    "metadata": self.meta(name, ns, labels),
                    "spec": {
                        "scaleTargetRef": {
                            "apiVersion": "apps/v1",
                            "kind": "Deployment",
                            "name": name,
                        },
                        "minReplicas": low,
                        "maxReplicas": low * 3,
                        "metrics": [
                            {
                                "type": "Resource",
                                "resource": {
                                    "name": "cpu",
                                    "target": {
                                        "type": "Utilization",
                                        "averageUtilization": self.rng.choice((60, 70, 80)),
                                    },
                                },
                            }
                        ],
                    },
                },
            )
        if self.rng.random() < 0.5:
            budget = (
                {"maxUnavailable": 1} if self.rng.random() < 0.7 else {"minAvailable": replicas}
            )
            yield (
                f"{src}/pdb.yaml",
                {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": self.meta(name, ns, labels),
                    "spec": {**budget, "selector": {"matchLabels": sel}},
                },
            )

    def database(self, ns: str, release: str) -> Iterator[Doc]:
        engine, version, port, data_dir = self.rng.choice(DATABASES)
        chart = f"{engine}-{version}"
        name = f"{release}-{engine}"
        labels = self.labels(chart, engine, release, "primary")
        sel = self.selector(labels)
        src = f"{release}/charts/{engine}/templates"
        yield (
            f"{src}/svc-headless.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": self.meta(f"{name}-hl", ns, labels),
                "spec": {
                    "clusterIP": "None",
                    "publishNotReadyAddresses": True,
                    "selector": sel,
                    "ports": [{"name": "tcp", "port": port, "targetPort": "tcp"}],
                },
            },
        )
        persistent = self.rng.random() < 0.8
        template = self.pod_template(
            labels,
            [
                {
                    "name": engine,
                    "image": self.image(f"docker.io/library/{engine}", version),
                    "ports": [{"name": "tcp", "containerPort": port}],
                    "resources": self.resources(250, 1024),
                    "securityContext": self.container_security(),
                    "volumeMounts": [{"name": "data", "mountPath": data_dir}],
                }
            ],
            spread=False,
        )
        if not persistent:
            template["spec"]["volumes"] = [{"name": "data", "emptyDir": {}}]
        statefulset: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": self.meta(name, ns, labels),
            "spec": {
                "replicas": 1,
                "serviceName": f"{name}-hl",
                "selector": {"matchLabels": sel},
                "template": template,
            },
        }
        if persistent:
            statefulset["spec"]["volumeClaimTemplates"] = [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "gp3",
                        "resources": {
                            "requests": {"storage": f"{self.rng.choice((8, 20, 50, 100))}Gi"}
                        },
                    },
                }
            ]
        yield f"{src}/statefulset.yaml", statefulset
        if engine in ("postgres", "mysql") and self.rng.random() < 0.6:
            dump = "pg_dump -Fc" if engine == "postgres" else "mysqldump --single-transaction"
            target = f"s3://acme-backups/{ns}/{name}/$(date +%F).dump"
            script = f"{dump} -h {name} | aws s3 cp - {target}"
            yield (
                f"{release}/templates/backup-cronjob.yaml",
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "metadata": self.meta(f"{name}-backup", ns, labels),
                    "spec": {
                        "schedule": f"{self.rng.randint(0, 59)} {self.rng.randint(0, 5)} * * *",
                        "concurrencyPolicy": "Forbid",
                        "successfulJobsHistoryLimit": 3,
                        "jobTemplate": {
                            "spec": {
                                "backoffLimit": 2,
                                "template": {
                                    "spec": {
                                        "restartPolicy": "OnFailure",
                                        "containers": [
                                            {
                                                "name": "backup",
                                                "image": self.image(
                                                    "registry.example.com/ops/db-backup", "2.3.1"
                                                ),
                                                "command": [
                                                    "/bin/sh",
                                                    "-c",
                                                    script,
                                                ],
                                                "resources": self.resources(100, 256),
                                            }
                                        ],
                                    }
                                },
                            }
                        },
                    },
                },
            )

    def cronjob(self, ns: str, release: str, chart: str) -> Iterator[Doc]:
        name = f"{release}-{self.rng.choice(('cleanup', 'sync', 'digest', 'rollup', 'reindex'))}"
        labels = self.labels(chart, name, release, "job")
        yield (
            f"{chart.rsplit('-', 1)[0]}/templates/cronjob.yaml",
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": self.meta(name, ns, labels),
                "spec": {
                    "schedule": self.rng.choice(
                        ("*/5 * * * *", "0 * * * *", "30 3 * * 0", "0 6 * * 1-5")
                    ),
                    "concurrencyPolicy": self.rng.choice(("Forbid", "Allow", "Replace")),
                    "jobTemplate": {
                        "spec": {
                            "template": {
                                "metadata": {"labels": labels},
                                "spec": {
                                    "restartPolicy": "Never",
                                    "containers": [
                                        {
                                            "name": "job",
                                            "image": self.image(
                                                f"{self.rng.choice(REGISTRIES)}/{release}", "1.4.0"
                                            ),
                                            "args": ["run", name.rsplit("-", 1)[-1]],
                                            "resources": self.resources(100, 256),
                                            "securityContext": self.container_security(),
                                        }
                                    ],
                                },
                            }
                        }
                    },
                },
            },
        )

    def superset(self, ns: str, release: str) -> Iterator[Doc]:
        """A Superset release the way the upstream chart renders it (trimmed)."""
        chart = "superset-0.13.4"
        src = "superset/templates"
        labels = {"app": "superset", "chart": chart, "release": release, "heritage": "Helm"}
        env_secret, config_secret = f"{release}-env", f"{release}-config"
        key = "thisISaSECRET_1234" if self.rng.random() < 0.3 else f"{self.rng.getrandbits(256):x}"
        yield (
            f"{src}/secret-env.yaml",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": self.meta(env_secret, ns, labels),
                "type": "Opaque",
                "data": {
                    "DB_HOST": b64(f"{release}-postgresql"),
                    "DB_USER": b64("superset"),
                    "DB_PASS": b64(f"{self.rng.getrandbits(96):x}"),
                    "SUPERSET_SECRET_KEY": b64(key),
                },
            },
        )
        yield (
            f"{src}/secret-superset-config.yaml",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": self.meta(config_secret, ns, labels),
                "type": "Opaque",
                "stringData": {"superset_config.py": SUPERSET_CONFIG},
            },
        )
        yield (
            f"{src}/service.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": self.meta(release, ns, labels),
                "spec": {
                    "type": "ClusterIP",
                    "selector": {"app": "superset", "release": release},
                    "ports": [{"name": "http", "port": 8088, "targetPort": "http"}],
                },
            },
        )
        version = self.rng.choice(("3.1.3", "4.0.2", "4.1.1", "latest"))
        celery = "celery --app=superset.tasks.celery_app:app"
        for component, command, replicas in (
            ("", "/usr/bin/run-server.sh", self.rng.choice((1, 2, 3))),
            ("-worker", f"{celery} worker", self.rng.choice((1, 2, 4))),
            ("-celerybeat", f"{celery} beat", self.rng.choice((1, 1, 2))),
        ):
            app = f"superset{component}"
            container: dict[str, Any] = {
                "name": app,
                "image": f"apache/superset:{version}",
                "command": ["/bin/sh", "-c", f". /app/pythonpath/superset_bootstrap.sh; {command}"],
                "envFrom": [{"secretRef": {"name": env_secret}}],
                "resources": self.resources(500, 1024),
                "volumeMounts": [
                    {"name": "superset-config", "mountPath": "/app/pythonpath", "readOnly": True}
                ],
            }
            if not component:
                container["ports"] = [{"name": "http", "containerPort": 8088}]
                container |= self.probes("http", "/health")
            wait = {
                "name": "wait-for-postgres",
                "image": "apache/superset:dockerize",
                "command": ["/bin/sh", "-c", "dockerize -wait tcp://$DB_HOST:5432 -timeout 120s"],
                "envFrom": [{"secretRef": {"name": env_secret}}],
            }
            pod_labels = {"app": app, "release": release}
            pod = {
                "securityContext": {"runAsUser": self.rng.choice((0, 1000))},
                "initContainers": [wait],
                "containers": [container],
                "volumes": [{"name": "superset-config", "secret": {"secretName": config_secret}}],
            }
            yield (
                f"{src}/deployment{component}.yaml",
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": self.meta(f"{release}{component}", ns, {**labels, "app": app}),
                    "spec": {
                        "replicas": replicas,
                        "selector": {"matchLabels": pod_labels},
                        "template": {"metadata": {"labels": pod_labels}, "spec": pod},
                    },
                },
            )

    # -- the stream ------------------------------------------------------------

    def documents(self) -> Iterator[Doc]:
        while True:
            ns = self.namespaces[self.release % len(self.namespaces)]
            self.release += 1
            if self.release % 25 == 0:
                yield from self.superset(ns, f"superset-{self.release}")
                continue
            service = self.rng.choice(SERVICES)
            release = f"{service}-{self.release}"
            rng = self.rng
            chart = f"{service}-{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
            # Generator objects bind their arguments now and run when consumed.
            parts: list[Iterator[Doc]] = [self.web_service(ns, release, chart)]
            if rng.random() < 0.3:
                parts.append(self.database(ns, release))
            if rng.random() < 0.3:
                parts.append(self.cronjob(ns, release, chart))
            for part in parts:
                yield from part


def render(docs: list[Doc]) -> str:
    parts = []
    for source, obj in docs:
        body = yaml.dump(obj, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=120)
        parts.append(f"---\n# Source: {source}\n{body}")
    return "".join(parts)


def generate(
    docs: int, out: Path, *, per_file: int = 100, seed: int = 1, namespaces: int | None = None
) -> list[Path]:
    """Write ``docs`` documents into ``out`` (created if needed); returns the files written."""
    if docs < 1 or per_file < 1:
        raise ValueError("--docs and --per-file must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    stream = Generator(
        seed, namespaces if namespaces is not None else max(1, docs // 40)
    ).documents()
    written = []
    for index, start in enumerate(range(0, docs, per_file)):
        batch = [next(stream) for _ in range(min(per_file, docs - start))]
        path = out / f"manifests-{index:04d}.yaml"
        path.write_text(render(batch), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=4000, help="number of documents (default 4000)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--per-file", type=int, default=100, help="documents per file (default 100)"
    )
    parser.add_argument("--namespaces", type=int, help="number of namespaces (default docs/40)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    try:
        files = generate(
            args.docs, args.out, per_file=args.per_file, seed=args.seed, namespaces=args.namespaces
        )
    except (ValueError, OSError) as exc:
        print(f"gen_manifests: error: {exc}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in files)
    print(f"wrote {args.docs} documents in {len(files)} files ({size / 1e6:.1f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
