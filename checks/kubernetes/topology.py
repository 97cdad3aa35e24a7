"""Turning objects into workloads and telling Superset's parts apart."""

from __future__ import annotations

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
    mains = [c for c in containers if not c.init]
    images = " ".join(c.image.lower() for c in mains)
    commands = " ".join(c.command_text.lower() for c in mains)
    name = item.name.lower()
    labels = " ".join(f"{k}={v}" for k, v in item.labels.items()).lower()
    if item.kind in ("Job", "CronJob"):
        return "job"
    superset = "superset" in images or "superset" in commands or "superset" in name
    if "celery" in commands or (superset and ("worker" in name or "beat" in name)):
        if " beat" in f" {commands}" or name.endswith("beat") or "-beat" in name:
            return "beat"
        if "flower" in commands or "flower" in name:
            return "other"
        return "worker"
    if "websocket" in images or "websocket" in name:
        return "websocket"
    if any(w in images for w in ("postgres", "mysql", "mariadb")) or "postgresql" in labels:
        return "database"
    if "redis" in images or "valkey" in images:
        return "redis"
    ports = [p.get("containerPort") for c in mains for p in as_list(c.spec.get("ports"))
             if isinstance(p, Mapping)]
    if superset and ("gunicorn" in commands or "run-server" in commands
                     or "superset run" in commands or 8088 in ports or not commands):
        return "web"
    return "other"


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
