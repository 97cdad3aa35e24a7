"""network: NetworkPolicies select the app's pods; Services are not exposed without need."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.common import app_workloads, kube, missing, result, skip_all
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.checks.kubernetes.topology import workloads_selected
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

EXPOSED = ("NodePort", "LoadBalancer")


def _policies(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    reason = missing(k, "NetworkPolicy")
    if reason:
        yield skip_all(k, reason)
        return
    covered: dict[str, str] = {}
    egress_only: dict[str, str] = {}
    open_to_all: dict[str, str] = {}
    # A workload is named with the first policy of each kind that selects it. Policies of
    # one kind and namespace with equal selectors select the same pods, so only the first
    # of each such group is matched: a namespace of hundreds of default-deny policies and
    # workloads costs one pass per group, not one per policy (issue 16).
    first: dict[tuple[str, str, Hashable], tuple[Item, Mapping[str, Any]]] = {}
    for policy in k.of("NetworkPolicy"):
        selector = as_map(policy.spec.get("podSelector"))
        restricts = "Ingress" in policy_types(policy.spec)
        # Policies add up: one that admits every peer opens the pods whatever the others deny.
        kind = "open" if restricts and admits_all(policy.spec) else \
            "covered" if restricts else "egress"
        first.setdefault((kind, policy.namespace, frozen(selector)), (policy, selector))
    named = {"open": open_to_all, "covered": covered, "egress": egress_only}
    for (kind, _, _), (policy, selector) in first.items():
        for workload in workloads_selected(k, policy, selector):
            named[kind].setdefault(workload.subject, policy.name)
    # Without Superset workloads app_workloads is every workload, the database included:
    # one verdict per workload, not one per list it is in.
    judged = {w.subject: w for w in [*app_workloads(k), *k.role("database"), *k.role("redis")]}
    for workload in judged.values():
        if workload.subject in open_to_all:
            name = open_to_all[workload.subject]
            yield result(workload, Status.FAIL, f"NetworkPolicy {name} admits ingress from "
                         "every pod in the cluster: it does not restrict who can reach the pods",
                         (f"NetworkPolicy {name} admits ingress from any pod",))
        elif workload.subject in covered:
            yield result(workload, Status.PASS, f"NetworkPolicy {covered[workload.subject]} "
                         "restricts ingress to its pods")
        elif workload.subject in egress_only:
            name = egress_only[workload.subject]
            yield result(workload, Status.FAIL, f"NetworkPolicy {name} has policyTypes [Egress] "
                         "only: it does not restrict who can reach the pods",
                         (f"NetworkPolicy {name} policyTypes: Egress",))
        else:
            yield result(workload, Status.FAIL, "no NetworkPolicy restricts ingress to its pods: "
                         "every pod in the cluster can reach them")


def frozen(value: object) -> Hashable:
    """A hashable stand-in for a YAML value: equal values, equal stand-ins (keys of any
    type, as YAML allows, are compared by their repr)."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((repr(k), frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(frozen(v) for v in value))
    return (type(value).__name__, repr(value))


def admits_all(spec: Mapping[str, Any]) -> bool:
    """Whether an ingress rule admits every pod: a rule without ``from`` (ports alone
    limit the ports, not the peers), or a peer that is every namespace
    (``namespaceSelector: {}`` with no or an empty ``podSelector``)."""
    for rule in as_list(spec.get("ingress")):
        peers = as_list(as_map(rule).get("from"))
        if not peers:
            return True
        for peer in map(as_map, peers):
            if "namespaceSelector" in peer and not as_map(peer.get("namespaceSelector")) \
                    and not as_map(peer.get("podSelector")):
                return True
    return False


def policy_types(spec: Mapping[str, Any]) -> list[str]:
    """The directions a policy restricts: policyTypes, or by default Ingress (and Egress
    when it has egress rules), as the API server fills them in."""
    given = [str(t) for t in as_list(spec.get("policyTypes"))]
    if given:
        return given
    return ["Ingress", *(["Egress"] if as_list(spec.get("egress")) else [])]


def _services(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    reached = {backend: r.label for r in k.routes.routes for backend in r.backends}
    for service in k.of("Service"):
        kind = service.spec.get("type", "ClusterIP")
        behind = workloads_selected(k, service, as_map(service.spec.get("selector")) or None)
        if kind in EXPOSED and behind and all(w.role == "proxy" for w in behind):
            # The ingress controller's or gateway's own Service: the way in, not around it.
            yield result(service, Status.PASS, f"Service type {kind} fronts the proxy "
                         f"{behind[0].item.name}, the way in", (f"spec.type = {kind}",))
        elif kind in EXPOSED:
            # "Around the Ingress" only where a route leads to these pods: with none among
            # the objects (helm-nodeport-oauth-toolforge) there is no Ingress to go around.
            routed = (service.namespace, service.name) in reached or any(
                k.routes.to(w) for w in behind)
            yield result(service, Status.FAIL, f"Service type {kind} exposes it outside the "
                         "cluster" + (", around the Ingress and its TLS" if routed else
                                      "; no Ingress or route among the audited objects "
                                      "leads to it"), (f"spec.type = {kind}",))
        else:
            route = reached.get((service.namespace, service.name))
            yield result(service, Status.PASS, f"Service type {kind}"
                         + (f", reached through {route}" if route else ""))


CHECKS = (
    Check(
        id="K8S-NETWORK-001", style=Style.KUBERNETES, row=Row.NETWORK, severity=Severity.MEDIUM,
        title="NetworkPolicies restrict ingress to the app's pods",
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
