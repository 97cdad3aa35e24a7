"""scalability: HPA or KEDA present and sane."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.availability import hpa_for
from auditor.checks.kubernetes.common import kube, missing, result, skip_all
from auditor.checks.kubernetes.facts import Container
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.checks.kubernetes.tiers import serving, tier
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _autoscaled(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    reason = missing(k, "HorizontalPodAutoscaler")
    if reason:
        yield skip_all(k, reason)
        return
    scaled = {(s.namespace, as_map(s.spec.get("scaleTargetRef")).get("name"))
              for s in k.of("ScaledObject")}
    for web in serving(k):
        hpa = hpa_for(k, web)
        if hpa is None:
            if (web.item.namespace, web.item.name) in scaled:
                yield result(web, Status.PASS, f"a KEDA ScaledObject scales the {tier(web)} tier")
            else:
                yield result(web, Status.FAIL, "no HorizontalPodAutoscaler: capacity is added "
                             "by hand")
            continue
        low, high = hpa.get("minReplicas", 1), hpa.get("maxReplicas")
        evidence = [f"minReplicas {low}, maxReplicas {high}"]
        unmeasured = [name for name, only in measured(hpa) if not all(
            _requests(c).get(name) for c in web.main_containers() if only in (None, c.name))]
        # The status of the HPA that scales this workload: matched by kind as hpa_for does
        # (by name alone, an HPA of a StatefulSet of the same name lent its status).
        scaler = k.relations.targeting("HorizontalPodAutoscaler", web)
        status = as_map(scaler.obj.get("status")) if scaler is not None else {}
        if not isinstance(high, int) or not isinstance(low, int) or high <= low:
            yield result(web, Status.FAIL, "the HPA cannot scale (maxReplicas <= minReplicas)",
                         evidence)
        elif unmeasured:
            names = " or ".join(dict.fromkeys("CPU" if n == "cpu" else n for n in unmeasured))
            yield result(web, Status.FAIL, f"the HPA has no {names} requests to measure against",
                         evidence)
        elif status.get("currentReplicas") == high:
            evidence.append(f"currentReplicas {status.get('currentReplicas')}")
            yield result(web, Status.WARN, "the HPA is pinned at maxReplicas", evidence)
        else:
            yield result(web, Status.PASS, f"autoscaled from {low} to {high}", evidence)


def _requests(container: Container) -> Mapping[str, Any]:
    return as_map(as_map(container.spec.get("resources")).get("requests"))


def measured(hpa: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(resource, container or None for every one) whose requests an HPA's utilization
    targets are a percentage of.

    A memory-only target, an AverageValue target or a custom/external metric needs no CPU
    request (a false "no CPU requests" fail before); a ContainerResource target needs the
    request on its one container; with no metric at all autoscaling/v2 (and v1, with or
    without targetCPUUtilizationPercentage) scales on CPU utilization."""
    metrics = as_list(hpa.get("metrics"))
    if not metrics:
        return [("cpu", None)]
    found: list[tuple[str, str | None]] = []
    for metric in map(as_map, metrics):
        kind = metric.get("type")
        if kind == "Resource":
            source, only = as_map(metric.get("resource")), None
        elif kind == "ContainerResource":
            source = as_map(metric.get("containerResource"))
            only = str(source.get("container"))
        else:
            continue
        if as_map(source.get("target")).get("type") == "Utilization":
            found.append((str(source.get("name")), only))
    return found


CHECKS = (
    Check(
        id="K8S-SCALABILITY-001", style=Style.KUBERNETES, row=Row.SCALABILITY,
        severity=Severity.MEDIUM, title="The web tier is autoscaled",
        rationale="Dashboards load in bursts (Monday mornings); without an autoscaler "
                  "capacity is fixed and slow queries queue up.",
        remediation="Add a HorizontalPodAutoscaler (autoscaling/v2) on CPU with minReplicas 2 "
                    "and CPU requests on the web containers, or a KEDA ScaledObject.",
        success="an HPA or KEDA object that can scale", failure="no autoscaler, or one that "
        "cannot scale",
        references=("https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",),
        requires=("kubernetes",), evaluate=_autoscaled,
    ),
)
