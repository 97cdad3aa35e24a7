"""network: NetworkPolicies select the app's pods; Services are not exposed without need."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.common import app_workloads, kube, missing, result, skip_all
from auditor.checks.kubernetes.objects import as_map
from auditor.checks.kubernetes.topology import workloads_selected
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

EXPOSED = ("NodePort", "LoadBalancer")


def _policies(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    reason = missing(k, "NetworkPolicy")
    if reason:
        yield skip_all(k, reason)
        return
    covered = set()
    for policy in k.of("NetworkPolicy"):
        selector = policy.spec.get("podSelector")
        for workload in workloads_selected(k, policy, as_map(selector)):
            covered.add(workload.subject)
    for workload in app_workloads(k) + list(k.role("database")) + list(k.role("redis")):
        if workload.subject in covered:
            yield result(workload, Status.PASS, "a NetworkPolicy selects its pods")
        else:
            yield result(workload, Status.FAIL, "no NetworkPolicy selects its pods: every pod in "
                         "the cluster can reach them")


def _services(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for service in k.of("Service"):
        kind = service.spec.get("type", "ClusterIP")
        if kind in EXPOSED:
            yield result(service, Status.FAIL, f"Service type {kind} exposes it outside the "
                         "cluster, around the Ingress and its TLS", (f"spec.type = {kind}",))
        else:
            yield result(service, Status.PASS, f"Service type {kind}")


CHECKS = (
    Check(
        id="K8S-NETWORK-001", style=Style.KUBERNETES, row=Row.NETWORK, severity=Severity.MEDIUM,
        title="NetworkPolicies select the app's pods",
        rationale="Without a NetworkPolicy any compromised pod in the cluster can reach "
                  "Superset, its metadata database and Redis (which the chart runs without "
                  "a password).",
        remediation="Add NetworkPolicies: default deny, then allow ingress-controller -> web, "
                    "web/worker -> database and Redis.",
        success="pods selected by a policy", failure="pods open to the whole cluster",
        references=("https://kubernetes.io/docs/concepts/services-networking/"
                    "network-policies/",),
        requires=("kubernetes",), evaluate=_policies,
    ),
    Check(
        id="K8S-NETWORK-002", style=Style.KUBERNETES, row=Row.NETWORK, severity=Severity.MEDIUM,
        title="Services are not exposed as NodePort or LoadBalancer",
        rationale="NodePort and LoadBalancer Services publish the pods directly, bypassing the "
                  "Ingress, its TLS and its access rules.",
        remediation="Use ClusterIP Services behind an Ingress or Gateway.",
        success="ClusterIP services", failure="NodePort or LoadBalancer",
        requires=("kubernetes",), evaluate=_services,
    ),
)
