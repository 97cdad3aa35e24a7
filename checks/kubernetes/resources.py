"""resources: requests and limits on every container, init containers included."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _bounded(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in k.workloads:
        gaps = []
        for container in workload.containers:
            resources = as_map(container.spec.get("resources"))
            requests, limits = as_map(resources.get("requests")), as_map(resources.get("limits"))
            kind = "init container" if container.init else "container"
            absent = [name for name, present in (
                ("cpu request", requests.get("cpu")),
                ("memory request", requests.get("memory")),
                ("memory limit", limits.get("memory")),
            ) if not present]
            if absent:
                gaps.append(f"{kind} {container.name}: no {', '.join(absent)}")
        if gaps:
            yield result(workload, Status.FAIL, "; ".join(gaps), gaps)
        else:
            yield result(workload, Status.PASS, "every container has requests and a memory limit")


CHECKS = (
    Check(
        id="K8S-RESOURCES-001", style=Style.KUBERNETES, row=Row.RESOURCES,
        severity=Severity.HIGH, title="Every container has CPU and memory requests and a memory "
        "limit",
        rationale="Without requests the scheduler overpacks nodes; without a memory limit one "
                  "runaway query result can take the node's memory and evict its neighbours.",
        remediation="Set resources.requests.cpu/memory and resources.limits.memory on every "
                    "container and init container (Superset web: about 1-2 GiB).",
        success="requests and memory limits everywhere", failure="unbounded containers",
        references=("https://kubernetes.io/docs/concepts/configuration/"
                    "manage-resources-containers/",),
        requires=("kubernetes",), evaluate=_bounded,
    ),
)
