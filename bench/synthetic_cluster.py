"""A deterministic synthetic Kubernetes cluster: plain-dict objects for tests and benchmarks.

    python bench/synthetic_cluster.py                      # counts per kind
    python bench/synthetic_cluster.py --serve --kubeconfig /tmp/kc.yaml

``--serve`` runs ``tests/kubeapi.py``'s FakeKubeAPI over the cluster in this
process, so a benchmark can audit it from another process and measure only the
auditor's memory; on SIGTERM/SIGINT it prints the request log summary as JSON.

The cluster: ``namespaces`` namespaces in total, the first ``superset_releases``
of them (``analytics-N``) holding a Superset Helm release each, the rest
(``team-NNNN``) holding ordinary Deployments with Services, ReplicaSets and
Pods, plus nodes. ``pods`` is the total pod count (the releases' own pods
included). Release profiles rotate: 0 hardened, 1 chart defaults, 2 a failed
upgrade with unpinned images. Pods of one ReplicaSet share their template's
nested dicts (memory stays small at 10,000 pods): deep-copy before mutating.
"""

from __future__ import annotations

import argparse
import base64
import collections
import gzip
import importlib.util
import json
import random
import signal
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

JSON = dict[str, Any]
SUPERSET_IMAGE = "apache/superset:4.1.1"
BOOTSTRAP = ". /app/pythonpath/superset_bootstrap.sh; "
CELERY_APP = "celery --app=superset.tasks.celery_app:app"
GUNICORN = [
    "gunicorn",
    "--bind",
    "0.0.0.0:8088",
    "--workers",
    "4",
    "--worker-class",
    "gthread",
    "--threads",
    "8",
    "--timeout",
    "120",
    "--limit-request-line",
    "0",
    "--limit-request-field_size",
    "0",
    "superset.app:create_app()",
]
IMAGES = [
    "nginx:1.27.3",
    "ghcr.io/acme/api:2.4.1",
    "python:3.12-slim",
    "redis:7.4.1",
    "registry.example.com/billing@sha256:" + "3f" * 32,
    "quay.io/acme/worker:1.9.0",
    "busybox:latest",
    "ghcr.io/acme/frontend:latest",
]
WORDS = [
    "api",
    "web",
    "worker",
    "billing",
    "search",
    "auth",
    "cart",
    "mailer",
    "reports",
    "gateway",
    "ledger",
    "catalog",
    "notifier",
    "scheduler",
    "ingest",
    "export",
]
HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the one pod-template-hash uses
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


class _Gen:
    """Seeded identity source: uids, hashes, timestamps, node names."""

    def __init__(self, seed: int, nodes: int) -> None:
        self.rng = random.Random(seed)
        self.nodes = [f"node-{i:03d}" for i in range(nodes)]

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def suffix(self, n: int) -> str:
        return "".join(self.rng.choice(HASH_ALPHABET) for _ in range(n))

    def time(self, max_days: int = 60) -> str:
        moment = BASE_TIME + timedelta(seconds=self.rng.randrange(max_days * 86400))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def meta(self, name: str, namespace: str | None = None, **extra: Any) -> JSON:
        meta: JSON = {"name": name}
        if namespace is not None:
            meta["namespace"] = namespace
        meta.update(uid=self.uid(), creationTimestamp=self.time(), **extra)
        return meta


def _owner(kind: str, api_version: str, meta: JSON) -> list[JSON]:
    return [
        {
            "apiVersion": api_version,
            "kind": kind,
            "name": meta["name"],
            "uid": meta["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


# --- workloads ---------------------------------------------------------------


def _container(g: _Gen, name: str, image: str, port: int, *, hardened: bool) -> JSON:
    c: JSON = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    roll = g.rng.random()
    if hardened or roll < 0.7:
        c["resources"] = {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
    elif roll < 0.85:
        c["resources"] = {"requests": {"cpu": "50m", "memory": "64Mi"}}
    if hardened or g.rng.random() < 0.75:
        probe: JSON = {
            "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "failureThreshold": 3,
        }
        c["livenessProbe"] = {**probe, "initialDelaySeconds": 15}
        c["readinessProbe"] = {**probe, "httpGet": {**probe["httpGet"], "path": "/ready"}}
    if hardened or g.rng.random() < 0.6:
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
    return c


def _pod_spec(
    containers: list[JSON], sa: str, *, app: str, spread: bool, volumes: list[JSON] | None = None
) -> JSON:
    spec: JSON = {
        "containers": containers,
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": sa,
        "schedulerName": "default-scheduler",
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": volumes or [{"name": "tmp", "emptyDir": {}}],
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            }
        ],
    }
    if spread:
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
            }
        ]
    return spec


def _pod_status(g: _Gen, spec: JSON, node: str | None) -> JSON:
    if node is None:  # unschedulable
        return {
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/100 nodes are available: 100 Insufficient memory.",
                }
            ],
        }
    crashing = g.rng.random() < 0.015
    started = g.time()
    statuses = [
        {
            "name": c["name"],
            "image": c["image"],
            "imageID": f"{c['image']}@sha256:{'ab' * 32}",
            "ready": not crashing,
            "started": not crashing,
            "restartCount": g.rng.randrange(20, 90) if crashing else g.rng.choice([0, 0, 0, 1]),
            "state": (
                {"waiting": {"reason": "CrashLoopBackOff"}}
                if crashing
                else {"running": {"startedAt": started}}
            ),
        }
        for c in spec["containers"]
    ]
    ready = "False" if crashing else "True"
    return {
        "phase": "Running",
        "hostIP": "10.0.0.1",
        "podIP": "10.244.0.1",
        "startTime": started,
        "qosClass": "Burstable",
        "containerStatuses": statuses,
        "conditions": [
            {"type": t, "status": s}
            for t, s in [
                ("Initialized", "True"),
                ("Ready", ready),
                ("ContainersReady", ready),
                ("PodScheduled", "True"),
            ]
        ],
    }


def _deployment(
    g: _Gen, ns: str, name: str, replicas: int, pod_spec: JSON, labels: JSON, *, history: int = 10
) -> Iterator[JSON]:
    """A Deployment with its ReplicaSet and Pods (owner references chained)."""
    meta = g.meta(
        name,
        ns,
        labels=labels,
        generation=1,
        annotations={"deployment.kubernetes.io/revision": "1"},
    )
    selector = {
        "matchLabels": {
            k: v
            for k, v in labels.items()
            if k
            in (
                "app.kubernetes.io/name",
                "app.kubernetes.io/instance",
                "app",
                "release",
                "component",
            )
        }
    }
    template = {"metadata": {"labels": {**labels}}, "spec": pod_spec}
    ready = replicas
    yield {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": selector,
            "template": template,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "revisionHistoryLimit": history,
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "updatedReplicas": replicas,
        },
    }
    pth = g.suffix(10)
    rs_labels = {**labels, "pod-template-hash": pth}
    rs_meta = g.meta(
        f"{name}-{pth}", ns, labels=rs_labels, ownerReferences=_owner("Deployment", "apps/v1", meta)
    )
    yield {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": rs_meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {**selector["matchLabels"], "pod-template-hash": pth}},
            "template": {"metadata": {"labels": rs_labels}, "spec": pod_spec},
        },
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready},
    }
    for _ in range(replicas):
        yield _pod(
            g,
            ns,
            f"{rs_meta['name']}-{g.suffix(5)}",
            rs_labels,
            pod_spec,
            _owner("ReplicaSet", "apps/v1", rs_meta),
        )


def _pod(g: _Gen, ns: str, name: str, labels: JSON, spec: JSON, owners: list[JSON]) -> JSON:
    node = None if g.rng.random() < 0.005 else g.rng.choice(g.nodes)
    pod_spec = {**spec, "nodeName": node} if node else spec
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": g.meta(name, ns, labels=labels, ownerReferences=owners),
        "spec": pod_spec,
        "status": _pod_status(g, spec, node),
    }


def _service(
    g: _Gen, ns: str, name: str, selector: JSON, port: int, kind: str = "ClusterIP"
) -> JSON:
    spec: JSON = {
        "type": kind,
        "clusterIP": f"10.96.{g.rng.randrange(256)}.{g.rng.randrange(256)}",
        "selector": selector,
        "ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}],
    }
    if kind == "NodePort":
        spec["ports"][0]["nodePort"] = 30000 + g.rng.randrange(2768)
    return {"apiVersion": "v1", "kind": "Service", "metadata": g.meta(name, ns), "spec": spec}


def _helm_secret(
    g: _Gen,
    ns: str,
    release: str,
    revision: int,
    status: str,
    chart: str,
    version: str,
    app_version: str,
    payload_bytes: int,
) -> JSON:
    """A Helm 3 release record: data.release is base64(gzip(JSON)), then base64 again."""
    record = {
        "name": release,
        "namespace": ns,
        "version": revision,
        "info": {
            "status": status,
            "description": "Upgrade complete",
            "first_deployed": BASE_TIME.isoformat(),
            "last_deployed": g.time(),
        },
        "chart": {
            "metadata": {
                "name": chart,
                "version": version,
                "appVersion": app_version,
                "apiVersion": "v2",
            },
            "templates": [
                {"name": "templates/_payload.tpl", "data": _b64(g.rng.randbytes(payload_bytes))}
            ],
        },
        "manifest": f"---\n# Source: {chart}/templates/deployment.yaml\n",
        "config": {},
    }
    packed = _b64(gzip.compress(json.dumps(record).encode(), mtime=0))
    labels = {
        "name": release,
        "owner": "helm",
        "status": status,
        "version": str(revision),
        "modifiedAt": str(int(BASE_TIME.timestamp()) + revision * 3600),
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": g.meta(f"sh.helm.release.v1.{release}.v{revision}", ns, labels=labels),
        "data": {"release": _b64(packed)},
    }


# --- Superset releases ---------------------------------------------------------


def _superset_release(
    g: _Gen, ns: str, profile: int, payload_bytes: int, custom_resources: bool
) -> Iterator[JSON]:
    hardened, defaults, failed = profile == 0, profile == 1, profile == 2
    chart = {
        "helm.sh/chart": "superset-0.14.2",
        "app.kubernetes.io/managed-by": "Helm",
        "release": "superset",
    }
    image = "apache/superset:latest" if failed else SUPERSET_IMAGE
    yield {"apiVersion": "v1", "kind": "Namespace", "metadata": g.meta(ns)}
    yield {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": g.meta("default", ns)}
    secret_key = "thisISaSECRET_1234" if defaults else _b64(g.rng.randbytes(42))
    db_password = "superset" if defaults else _b64(g.rng.randbytes(18))
    yield {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": g.meta("superset-env", ns, labels=chart),
        "data": {
            k: _b64(v)
            for k, v in {
                "DB_HOST": "superset-postgresql",
                "DB_PORT": "5432",
                "DB_USER": "superset",
                "DB_PASS": db_password,
                "DB_NAME": "superset",
                "REDIS_HOST": "superset-redis-headless",
                "REDIS_PORT": "6379",
                "SUPERSET_SECRET_KEY": secret_key,
            }.items()
        },
    }
    yield {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": g.meta("superset-config", ns, labels=chart),
        "data": {
            "superset_config.py": _b64(
                "import os\nSECRET_KEY = os.environ['SUPERSET_SECRET_KEY']\n"
                "SQLALCHEMY_DATABASE_URI = f\"postgresql+psycopg2://{os.environ['DB_USER']}:"
                "{os.environ['DB_PASS']}@{os.environ['DB_HOST']}/{os.environ['DB_NAME']}\"\n"
            ),
            "superset_bootstrap.sh": _b64("#!/bin/bash\npip install psycopg2-binary\n"),
        },
    }

    volumes = [{"name": "superset-config", "secret": {"secretName": "superset-config"}}]
    mounts = [{"name": "superset-config", "mountPath": "/app/pythonpath", "readOnly": True}]
    env_from = [{"secretRef": {"name": "superset-env"}}]

    def superset_container(name: str, command: list[str], probe: JSON | None) -> JSON:
        c = _container(g, name, image, 8088, hardened=hardened)
        c.update(command=command, envFrom=env_from, volumeMounts=mounts)
        c.pop("livenessProbe", None)
        c.pop("readinessProbe", None)
        if defaults:
            c.pop("resources", None)
            c["securityContext"] = {"runAsUser": 0}
        if probe:
            c["livenessProbe"] = probe
            if name == "superset":
                c["readinessProbe"] = probe
                c["startupProbe"] = {**probe, "failureThreshold": 60}
        return c

    web_probe = {
        "httpGet": {"path": "/health", "port": "http", "scheme": "HTTP"},
        "initialDelaySeconds": 15,
        "periodSeconds": 15,
        "timeoutSeconds": 1,
    }
    ping = {
        "exec": {"command": ["sh", "-c", f"{CELERY_APP} inspect ping -d celery@$HOSTNAME"]},
        "initialDelaySeconds": 120,
        "periodSeconds": 60,
        "timeoutSeconds": 60,
    }
    web_cmd = GUNICORN if hardened else ["/bin/sh", "-c", BOOTSTRAP + "/usr/bin/run-server.sh"]
    parts = [
        ("superset", "web", web_cmd, web_probe, 1 if defaults else 2),
        (
            "superset-worker",
            "worker",
            ["/bin/sh", "-c", BOOTSTRAP + f"{CELERY_APP} worker"],
            ping,
            1 if defaults else 2,
        ),
        (
            "superset-celerybeat",
            "beat",
            [
                "/bin/sh",
                "-c",
                BOOTSTRAP + f"{CELERY_APP} beat "
                "--pidfile /tmp/celerybeat.pid "
                "--schedule /tmp/celerybeat-schedule",
            ],
            None,
            1,
        ),
    ]
    for name, component, command, probe, replicas in parts:
        labels = {"app": name, **chart, "component": component, "app.kubernetes.io/name": name}
        spec = _pod_spec(
            [superset_container("superset" if component == "web" else name, command, probe)],
            "superset" if hardened else "default",
            app=name,
            spread=hardened and replicas > 1,
            volumes=volumes,
        )
        yield from _deployment(g, ns, name, replicas, spec, labels, history=0 if failed else 10)
    yield _service(
        g,
        ns,
        "superset",
        {"app": "superset", "release": "superset"},
        8088,
        "NodePort" if defaults else "ClusterIP",
    )

    yield from _stateful(
        g,
        ns,
        "superset-postgresql",
        "docker.io/bitnami/postgresql:14.17.0",
        5432,
        chart,
        persistent=True,
    )
    yield from _stateful(
        g,
        ns,
        "superset-redis-master",
        "docker.io/bitnami/redis:7.0.10",
        6379,
        chart,
        persistent=hardened,
    )

    if not defaults:
        for target, low, high in [("superset", 2, 6), ("superset-worker", 2, 10)]:
            current = high if failed else low  # the failed release is pinned at maxReplicas
            yield {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": g.meta(target, ns, labels=chart),
                "spec": {
                    "scaleTargetRef": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": target,
                    },
                    "minReplicas": low,
                    "maxReplicas": high,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                },
                "status": {"currentReplicas": current, "desiredReplicas": current},
            }
        yield {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": g.meta("superset", ns, labels=chart),
            "spec": ({"minAvailable": 1} if hardened else {"maxUnavailable": 0})
            | {"selector": {"matchLabels": {"app": "superset"}}},
            "status": {
                "disruptionsAllowed": 1 if hardened else 0,
                "currentHealthy": 2,
                "desiredHealthy": 1 if hardened else 2,
                "expectedPods": 2,
            },
        }
        tls = [{"hosts": ["superset.example.com"], "secretName": "superset-tls"}]
        yield {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": g.meta("superset", ns, labels=chart),
            "spec": {
                "ingressClassName": "nginx",
                **({"tls": tls} if hardened else {}),
                "rules": [
                    {
                        "host": "superset.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": "superset", "port": {"number": 8088}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        }
    if hardened:
        yield from _hardening(g, ns, chart, custom_resources)

    revisions = 3 + profile
    for rev in range(1, revisions + 1):
        status = "superseded"
        if rev == revisions:
            status = "failed" if failed else "deployed"
        elif failed and rev == revisions - 1:
            status = "deployed"  # a failed upgrade leaves the previous revision deployed
        yield _helm_secret(
            g, ns, "superset", rev, status, "superset", "0.14.2", "4.1.1", payload_bytes
        )


def _stateful(
    g: _Gen, ns: str, name: str, image: str, port: int, chart: JSON, *, persistent: bool
) -> Iterator[JSON]:
    labels = {**chart, "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "superset"}
    c = _container(g, name.rsplit("-", 1)[0], image, port, hardened=True)
    c["volumeMounts"] = [{"name": "data", "mountPath": "/bitnami"}]
    volumes = [] if persistent else [{"name": "data", "emptyDir": {}}]
    spec = _pod_spec([c], "default", app=name, spread=False, volumes=volumes)
    meta = g.meta(name, ns, labels=labels, generation=1)
    claims = [
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "8Gi"}},
            },
        }
    ]
    yield {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "serviceName": f"{name}-hl",
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {"metadata": {"labels": labels}, "spec": spec},
            **({"volumeClaimTemplates": claims} if persistent else {}),
        },
        "status": {"replicas": 1, "readyReplicas": 1, "currentReplicas": 1},
    }
    if persistent:
        yield {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": g.meta(f"data-{name}-0", ns, labels={"app.kubernetes.io/name": name}),
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "standard",
                "resources": {"requests": {"storage": "8Gi"}},
                "volumeName": f"pvc-{g.uid()}",
            },
            "status": {"phase": "Bound", "capacity": {"storage": "8Gi"}},
        }
        spec = {
            **spec,
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": f"data-{name}-0"}}],
        }
    yield _pod(
        g,
        ns,
        f"{name}-0",
        {**labels, "statefulset.kubernetes.io/pod-name": f"{name}-0"},
        spec,
        _owner("StatefulSet", "apps/v1", meta),
    )
    yield _service(g, ns, name, {"app.kubernetes.io/name": name}, port)


def _hardening(g: _Gen, ns: str, chart: JSON, custom_resources: bool) -> Iterator[JSON]:
    """What the hardened profile adds: network policies, backups, monitoring."""
    yield {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": g.meta("default-deny", ns),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    yield {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": g.meta("superset-web", ns, labels=chart),
        "spec": {
            "podSelector": {"matchLabels": {"app": "superset"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}
                            }
                        }
                    ],
                    "ports": [{"port": 8088, "protocol": "TCP"}],
                }
            ],
        },
    }
    backup = _container(g, "pg-dump", "docker.io/bitnami/postgresql:14.17.0", 5432, hardened=True)
    backup.update(
        command=[
            "sh",
            "-c",
            "pg_dump -h superset-postgresql superset | gzip > /backup/superset-$(date +%F).sql.gz",
        ]
    )
    yield {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": g.meta("superset-db-backup", ns, labels=chart),
        "spec": {
            "schedule": "15 2 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "template": {"spec": {"restartPolicy": "OnFailure", "containers": [backup]}}
                }
            },
        },
    }
    if custom_resources:
        yield {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": g.meta("superset", ns, labels=chart),
            "spec": {
                "selector": {"matchLabels": {"app": "superset"}},
                "endpoints": [{"port": "http", "path": "/metrics"}],
            },
        }
        yield {
            "apiVersion": "velero.io/v1",
            "kind": "Schedule",
            "metadata": g.meta(f"{ns}-daily", "velero"),
            "spec": {
                "schedule": "0 3 * * *",
                "template": {"includedNamespaces": [ns], "ttl": "720h0m0s"},
            },
        }


# --- the cluster ---------------------------------------------------------------


def _team_namespace(g: _Gen, index: int, quota: int) -> Iterator[JSON]:
    ns = f"team-{index:04d}"
    yield {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": g.meta(ns, labels={"kubernetes.io/metadata.name": ns}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    yield {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": g.meta("default", ns)}
    yield {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": g.meta("kube-root-ca.crt", ns),
        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"},
    }
    yield {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": g.meta("app-credentials", ns),
        "data": {"password": _b64(g.rng.randbytes(12))},
    }
    if index % 4 == 0:
        yield _helm_secret(g, ns, "app", 1, "deployed", "app", "1.2.0", "1.2.0", 1_000)
    if index % 5 == 0:
        yield {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": g.meta("default-deny", ns),
            "spec": {"podSelector": {}},
        }
    j = 0
    while quota > 0:
        replicas = min(quota, g.rng.randint(1, 4))
        quota -= replicas
        name = f"{WORDS[(index + j) % len(WORDS)]}-{j}"
        j += 1
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name, "team": ns}
        hardened = g.rng.random() < 0.3
        containers = [_container(g, "app", g.rng.choice(IMAGES), 8080, hardened=hardened)]
        if g.rng.random() < 0.2:
            containers.append(
                _container(g, "log-shipper", "fluent/fluent-bit:3.2.4", 2020, hardened=hardened)
            )
        spec = _pod_spec(containers, "default", app=name, spread=replicas > 1 and hardened)
        yield from _deployment(g, ns, name, replicas, spec, labels)
        yield _service(
            g,
            ns,
            name,
            {"app.kubernetes.io/name": name},
            8080,
            "NodePort" if g.rng.random() < 0.05 else "ClusterIP",
        )
        if replicas > 1 and g.rng.random() < 0.3:
            yield {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": g.meta(name, ns),
                "spec": {
                    "maxUnavailable": 1,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                },
                "status": {"disruptionsAllowed": 1},
            }


def synthetic_cluster(
    namespaces: int = 500,
    pods: int = 10_000,
    superset_releases: int = 3,
    *,
    nodes: int | None = None,
    seed: int = 0,
    release_payload_bytes: int = 64_000,
    custom_resources: bool = True,
) -> Iterator[JSON]:
    """Yield the cluster's objects; the same arguments always give the same objects."""
    g = _Gen(seed, nodes if nodes is not None else max(3, pods // 100))
    for node in g.nodes:
        yield {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": g.meta(
                node,
                labels={
                    "kubernetes.io/hostname": node,
                    "topology.kubernetes.io/zone": f"zone-{node[-1]}",
                },
            ),
            "status": {
                "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }
    releases = min(superset_releases, namespaces)
    release_pods = 0
    for i in range(releases):
        for obj in _superset_release(
            g, f"analytics-{i}", i % 3, release_payload_bytes, custom_resources
        ):
            release_pods += obj["kind"] == "Pod"
            yield obj
    teams = namespaces - releases
    remaining = max(0, pods - release_pods)
    for i in range(teams):
        quota = remaining // teams + (1 if i < remaining % teams else 0)
        yield from _team_namespace(g, i, quota)


# --- command line ----------------------------------------------------------------


def _load_fake_api() -> Any:
    """tests/ is not a package; load its kubeapi module by path."""
    path = Path(__file__).resolve().parents[1] / "tests" / "kubeapi.py"
    spec = importlib.util.spec_from_file_location("kubeapi", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kubeapi"] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespaces", type=int, default=500)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--superset-releases", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--serve", action="store_true", help="serve it with FakeKubeAPI")
    parser.add_argument("--kubeconfig", type=Path, help="with --serve: write a kubeconfig here")
    args = parser.parse_args(argv)
    objects = synthetic_cluster(args.namespaces, args.pods, args.superset_releases, seed=args.seed)
    if not args.serve:
        counts = collections.Counter(obj["kind"] for obj in objects)
        for kind, n in sorted(counts.items()):
            print(f"{kind:28} {n:>7}")
        print(f"{'total':28} {sum(counts.values()):>7}")
        return 0
    api = _load_fake_api().FakeKubeAPI(objects, crds=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with api:
        if args.kubeconfig:
            api.write_kubeconfig(args.kubeconfig)
        print(api.url, flush=True)
        done.wait()
        log = api.log
    summary = collections.Counter(f"{r.method} {r.verb}" for r in log)
    print(json.dumps({"requests": len(log), "by": dict(summary)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
