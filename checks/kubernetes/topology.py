"""Turning objects into workloads and telling Superset's parts apart."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.checks.kubernetes.facts import WORKLOAD_KINDS, Container, KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item, as_list, as_map


def pod_template(item: Item) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(pod metadata, pod spec) of any workload kind."""
    spec = item.spec
    if item.kind == "Pod":
        return item.meta, spec
    if item.kind == "CronJob":
        job = as_map(as_map(spec.get("jobTemplate")).get("spec"))
        template = as_map(job.get("template"))
    else:
        template = as_map(spec.get("template"))
    return as_map(template.get("metadata")), as_map(template.get("spec"))


def containers_of(pod_spec: Mapping[str, Any]) -> tuple[Container, ...]:
    found = []
    for key, init in (("initContainers", True), ("containers", False)):
        for entry in as_list(pod_spec.get(key)):
            if isinstance(entry, Mapping):
                found.append(Container(str(entry.get("name") or "?"), entry, init))
    return tuple(found)


def classify(item: Item, containers: Iterable[Container]) -> str:
    """The workload's role, from what its main containers run (names and labels never decide).

    A pod whose main container runs Superset takes that container's role, whatever its
    sidecars are (an envoy TLS proxy, cloud-sql-proxy, a statsd exporter); a pod running
    no Superset process is a database, Redis, cache, websocket or proxy by its image, or
    ``other``.
    """
    if item.kind in ("Job", "CronJob"):
        return "job"
    mains = [c for c in containers if not c.init]
    found = {superset_role(c) for c in mains} - {None}
    for role in ("web", "worker", "beat"):
        if role in found:
            return role
    images = [c.image.lower().rsplit("@", 1)[0] for c in mains]
    for role, words in IMAGE_ROLES:
        if any(word in image for image in images for word in words):
            return role
    return "other"


# Roles of containers that run no Superset process, by image (the first match wins:
# a Bitnami PostgreSQL pod carries a metrics exporter, Redis pods a sentinel).
IMAGE_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("websocket", ("superset-websocket",)),
    ("database", ("postgres", "mysql", "mariadb", "cloudnative-pg", "percona")),
    ("redis", ("redis", "valkey", "keydb", "dragonfly")),
    ("cache", ("memcached",)),
    ("proxy", ("nginx", "envoy", "haproxy", "traefik", "ghostunnel", "oauth2-proxy", "caddy")),
)
BOOTSTRAP_ROLES = {"app": "web", "app-gunicorn": "web", "worker": "worker", "beat": "beat"}
_CELERY_APP = re.compile(r"(?:-a|--app)[= ]+superset\b")
_GUNICORN_APP = re.compile(r"superset(?:\.app)?:(?:create_app\(|app\b)")


def superset_role(container: Container) -> str | None:
    """``web``, ``worker`` or ``beat`` when the container runs that Superset process, else None.

    Only the command line decides (or the official image's own entrypoint when no command is
    given): ``superset init``, ``db upgrade`` and ``npm run dev`` are not Superset processes.
    """
    text = container.command_text.lower()
    words = text.replace(";", " ").replace("&&", " ").split()
    if "celery" in text and _CELERY_APP.search(text):
        if "beat" in words:
            return "beat"
        if "flower" in words or "flower" in text:
            return None  # a monitoring UI over the broker, not a Superset worker
        return "worker" if "worker" in words else None
    if "gunicorn" in text and _GUNICORN_APP.search(text):
        return "web"
    if "superset run" in text or "run-server.sh" in text:
        return "web"
    if "flask run" in text and "superset" in _env_value(container, "FLASK_APP").lower():
        return "web"
    for index, word in enumerate(words):
        if word.endswith("docker-bootstrap.sh") and index + 1 < len(words):
            return BOOTSTRAP_ROLES.get(words[index + 1].strip("'\""))
    if not text and _runs_image_entrypoint(container.image.lower()):
        return "web"  # the image's entrypoint runs /usr/bin/run-server.sh (gunicorn)
    return None


def _runs_image_entrypoint(image: str) -> bool:
    """The official image (apache/superset, also via apachesuperset.docker.scarf.sh) or one
    whose repository is named exactly ``superset``: images built FROM it keep its entrypoint."""
    repository = image.rsplit("@", 1)[0].rsplit("/", 1)[-1]
    return repository.split(":", 1)[0] == "superset"


def _env_value(container: Container, name: str) -> str:
    for entry in as_list(container.spec.get("env")):
        if isinstance(entry, Mapping) and entry.get("name") == name:
            return str(entry.get("value") or "")
    return ""


def workloads(items: Iterable[Item]) -> tuple[Workload, ...]:
    found = []
    for item in items:
        if item.kind not in WORKLOAD_KINDS:
            continue
        owners = [o for o in as_list(item.meta.get("ownerReferences"))
                  if isinstance(o, Mapping) and o.get("controller")]
        if owners:
            continue  # its controller is audited instead (ReplicaSets, pods, Jobs of CronJobs)
        meta, spec = pod_template(item)
        containers = containers_of(spec)
        found.append(Workload(
            item=item,
            role=classify(item, containers),
            pod_spec=spec,
            pod_labels=as_map(meta.get("labels")),
            pod_annotations=as_map(meta.get("annotations")),
            containers=containers,
        ))
    return tuple(found)


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Label selector semantics: matchLabels and matchExpressions (an empty one selects all)."""
    if selector is None:
        return False
    match = as_map(selector.get("matchLabels")) if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    for key, value in match.items():
        if labels.get(key) != value:
            return False
    for expression in as_list(selector.get("matchExpressions")):
        if not isinstance(expression, Mapping):
            continue
        key = str(expression.get("key"))
        op = expression.get("operator")
        values = [str(v) for v in as_list(expression.get("values"))]
        present = key in labels
        if (op == "In" and labels.get(key) not in values) or (
            op == "NotIn" and present and labels.get(key) in values) or (
            op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def workloads_selected(facts: KubeFacts, item: Item, selector: Mapping[str, Any] | None,
                       ) -> list[Workload]:
    """Workloads in ``item``'s namespace whose pods ``selector`` selects."""
    return [w for w in facts.workloads_in(item.namespace) if selects(selector, w.pod_labels)]


def controller_of(pod: Mapping[str, object]) -> tuple[str, str] | None:
    """(kind, name) of the workload behind a pod; a ReplicaSet stands for its Deployment."""
    kind, _, name = str(pod.get("owner") or "").partition("/")
    if kind == "ReplicaSet":
        return "Deployment", name.rsplit("-", 1)[0]
    if kind in ("StatefulSet", "DaemonSet"):
        return kind, name
    return None
