"""gitops and updates: managed declaratively; no deprecated or removed APIs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.checks.kubernetes.common import kube, result
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

MANAGERS = {
    "app.kubernetes.io/managed-by": None,
    "helm.sh/chart": "Helm",
    "heritage": "Helm",
    "argocd.argoproj.io/instance": "Argo CD",
    "kustomize.toolkit.fluxcd.io/name": "Flux",
    "helm.toolkit.fluxcd.io/name": "Flux",
}

# apiVersion/kind -> the Kubernetes version that removed it.
REMOVED: Mapping[tuple[str, str], str] = {
    ("extensions/v1beta1", "Deployment"): "1.16",
    ("extensions/v1beta1", "DaemonSet"): "1.16",
    ("extensions/v1beta1", "ReplicaSet"): "1.16",
    ("extensions/v1beta1", "Ingress"): "1.22",
    ("extensions/v1beta1", "NetworkPolicy"): "1.16",
    ("apps/v1beta1", "Deployment"): "1.16",
    ("apps/v1beta1", "StatefulSet"): "1.16",
    ("apps/v1beta2", "Deployment"): "1.16",
    ("apps/v1beta2", "StatefulSet"): "1.16",
    ("apps/v1beta2", "DaemonSet"): "1.16",
    ("networking.k8s.io/v1beta1", "Ingress"): "1.22",
    ("policy/v1beta1", "PodDisruptionBudget"): "1.25",
    ("policy/v1beta1", "PodSecurityPolicy"): "1.25",
    ("batch/v1beta1", "CronJob"): "1.25",
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): "1.25",
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): "1.26",
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"): "1.22",
    ("rbac.authorization.k8s.io/v1beta1", "Role"): "1.22",
}


HAND_MANAGERS = ("kubectl-edit", "kubectl-patch", "kubectl-create", "kubectl-client-side-apply",
                 "kubectl-set", "kubectl-scale", "kubectl")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _hand_edits(workload_meta: Mapping[str, object]) -> list[str]:
    managers = []
    fields = workload_meta.get("managedFields")
    for entry in fields if isinstance(fields, list) else []:
        manager = str(entry.get("manager") if isinstance(entry, dict) else "")
        if manager in HAND_MANAGERS:
            managers.append(manager)
    return sorted(set(managers))


def _managed(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in k.workloads:
        labels = {**workload.item.labels, **workload.item.annotations}
        tools = []
        for key, tool in MANAGERS.items():
            if key in labels:
                tools.append(tool or str(labels[key]))
        by_hand = _hand_edits(workload.item.meta)
        if LAST_APPLIED in labels:
            by_hand.append("kubectl apply (last-applied-configuration annotation)")
        if tools:
            yield result(workload, Status.PASS, f"managed by {tools[0]}",
                         [f"{key}={labels[key]}" for key in MANAGERS if key in labels])
        elif k.source == "chart":
            yield result(workload, Status.PASS, "rendered from a Helm chart")
        elif by_hand:
            yield result(workload, Status.FAIL, "changed by hand with kubectl; no Helm, Argo CD "
                         "or Flux manages it", by_hand or ["no manager label"])
        else:
            yield result(workload, Status.WARN, "plain manifests: declarative, but no Helm, "
                         "Argo CD or Flux label says what keeps them in sync")


def _apis(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for item in k.items:
        api = str(item.obj.get("apiVersion") or "")
        removed = REMOVED.get((api, item.kind))
        if removed:
            yield result(item, Status.FAIL, f"{api} {item.kind} was removed in Kubernetes "
                         f"{removed}", (f"apiVersion: {api}",))
    if not any(REMOVED.get((str(i.obj.get("apiVersion")), i.kind)) for i in k.items):
        for workload in k.workloads:
            yield result(workload, Status.PASS, "current API versions")


CHECKS = (
    Check(
        id="K8S-GITOPS-001", style=Style.KUBERNETES, row=Row.GITOPS, severity=Severity.LOW,
        title="Workloads are managed by Helm, Argo CD or Flux",
        rationale="Objects changed by hand with kubectl drift from what is in Git and cannot "
                  "be reviewed or reproduced.",
        remediation="Deploy through Helm with values in Git, or an Argo CD Application / Flux "
                    "Kustomization.",
        success="managed declaratively", failure="no manager",
        requires=("kubernetes",), evaluate=_managed,
    ),
    Check(
        id="K8S-UPDATES-001", style=Style.KUBERNETES, row=Row.UPDATES, severity=Severity.MEDIUM,
        title="No deprecated or removed API versions",
        rationale="Manifests on removed APIs fail to apply after a cluster upgrade, blocking "
                  "both the upgrade and the next deploy.",
        remediation="Move to the current API (apps/v1, networking.k8s.io/v1, policy/v1, "
                    "batch/v1, autoscaling/v2).",
        success="current APIs", failure="removed APIs",
        references=("https://kubernetes.io/docs/reference/using-api/deprecation-guide/",),
        requires=("kubernetes",), evaluate=_apis,
    ),
)
