"""Which kinds the Kubernetes checks read, and naming the ones they do not.

An object of a custom or unknown kind (the Superset operator's ``Superset`` resource, a
Crossplane claim, a Kustomize build file found inside a manifest stream) is not judged at
all: saying nothing would let its silence pass for a clean bill. Each such kind is named
once as a target problem. A kustomization file of a directory is no object: it is built
(``kustomize``), and only the objects it makes reach this list.
A check that starts reading a kind (the operator's resource, say) adds it to ``AUDITED``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from auditor.checks.kubernetes.objects import Item

ANY_GROUP: frozenset[str] = frozenset()

AUDITED: Mapping[str, frozenset[str]] = {
    # Workloads, their pods and what they mount, run as or are reached through (any API
    # group: the checks read them by kind, ``extensions/v1beta1`` Deployments included).
    **dict.fromkeys((
        "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
        "Job", "CronJob", "Pod", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim",
        "ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
        "Ingress",
    ), ANY_GROUP),
    # Routes and gateways (proxy-tls): Gateway API, Istio, Traefik, Contour, OpenShift.
    **dict.fromkeys(("HTTPRoute", "TLSRoute", "Gateway", "VirtualService", "IngressRoute",
                     "HTTPProxy", "Route"), ANY_GROUP),
    # Scraping (monitoring), backups, autoscaling, secrets from a store (config-secrets).
    "ServiceMonitor": frozenset({"monitoring.coreos.com"}),
    "PodMonitor": frozenset({"monitoring.coreos.com"}),
    "Schedule": frozenset({"velero.io"}),
    "ScaledObject": frozenset({"keda.sh"}),
    **dict.fromkeys(("ExternalSecret", "SealedSecret", "SecretProviderClass",
                     "VaultStaticSecret"), ANY_GROUP),
    # What keeps the deployment in sync (gitops) and its certificates (proxy-tls). The
    # group matters for ``Kustomization``: kustomize's own build file is no object at all.
    "Application": frozenset({"argoproj.io"}),
    "ApplicationSet": frozenset({"argoproj.io"}),
    "HelmRelease": frozenset({"helm.toolkit.fluxcd.io"}),
    "Kustomization": frozenset({"kustomize.toolkit.fluxcd.io"}),
    **dict.fromkeys(("Certificate", "Issuer", "ClusterIssuer"), frozenset({"cert-manager.io"})),
}


BUILT_IN_GROUPS = frozenset({
    "", "apps", "batch", "autoscaling", "policy", "extensions", "networking.k8s.io",
    "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io",
    "node.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io",
    "apiregistration.k8s.io", "certificates.k8s.io", "discovery.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "authentication.k8s.io",
    "authorization.k8s.io", "internal.apiserver.k8s.io", "storagemigration.k8s.io",
})
"""Kubernetes' own API groups. Their kinds that no check reads (RBAC, quotas, limit ranges,
storage classes) are the cluster's plumbing, whose meaning Kubernetes defines and no row
hinges on; naming each as "not audited" would bury the custom resources that carry a
deployment of their own (the operator's ``Superset``), which is what the list is for."""


def group_of(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> "" (the core group)."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def audited(item: Item) -> bool:
    groups = AUDITED.get(item.kind)
    if groups is None:
        return False
    return not groups or group_of(str(item.obj.get("apiVersion") or "")) in groups


def not_audited(items: Iterable[Item]) -> dict[str, str]:
    """One problem per kind no check reads: ``kind Superset (superset.apache.org/v1alpha1)``
    -> ``not audited`` (``3 objects, not audited`` when there are several)."""
    seen: dict[str, tuple[dict[str, None], int]] = {}
    for item in items:
        if audited(item) or group_of(str(item.obj.get("apiVersion") or "")) in BUILT_IN_GROUPS:
            continue
        versions, count = seen.get(item.kind, ({}, 0))
        versions.setdefault(str(item.obj.get("apiVersion") or "v1"), None)
        seen[item.kind] = (versions, count + 1)
    problems = {}
    for kind, (versions, count) in sorted(seen.items()):
        label = f"kind {kind} ({', '.join(sorted(versions))})"
        problems[label] = "not audited" if count == 1 else f"{count} objects, not audited"
    return problems
