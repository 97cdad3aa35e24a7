"""Kubernetes objects as plain dicts with where they came from (no client models)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.model import Location

Obj = dict[str, Any]


# Kinds the API server keeps outside every namespace: it drops a ``metadata.namespace`` they
# carry, so they relate to nothing by namespace. Any other kind, a custom one included (the
# large majority of custom resources are namespaced), lands in a namespace.
CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterIssuer", "ClusterRole",
    "ClusterRoleBinding", "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition",
    "FlowSchema", "GatewayClass", "IngressClass", "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding", "MutatingWebhookConfiguration", "Namespace", "Node",
    "PersistentVolume", "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass",
    "StorageClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration", "VolumeAttachment", "VolumeSnapshotClass",
    "VolumeSnapshotContent",
    # Well-known custom resources that are cluster-scoped.
    "ClusterPolicy", "ClusterPolicyReport", "ClusterCleanupPolicy", "ClusterSecretStore",
    "ClusterExternalSecret", "ClusterServingRuntime", "ClusterTriggerBinding",
    "ClusterInterceptor", "ClusterTask", "ClusterRepo", "SecurityContextConstraints",
    "ClusterVersion", "ClusterOperator", "ClusterResourceSet",
    "ClusterImagePolicy", "ClusterComplianceReport", "ClusterConfigAuditReport",
})
DEFAULT_NAMESPACE = "default"


def cluster_scoped(kind: str) -> bool:
    return kind in CLUSTER_SCOPED


@dataclass(frozen=True, slots=True)
class Item:
    """One object and where it was read (a file and line, or None for live objects)."""

    obj: Obj
    location: Location | None = None
    applied_namespace: str = ""
    """The namespace the object lands in when it names none, as ``kubectl apply`` and
    ``helm install`` place it: ``--namespace``, the Helm release namespace, else
    ``default``. Set once by the collector (``build``); "" where nobody resolved it."""
    copy: str = ""
    """Set on the second and later definitions of one object (same kind, namespace and
    name) in one input, so that each keeps a subject of its own (see ``collect``)."""
    _subject: str = field(default="", init=False, repr=False, compare=False)
    """``subject`` once worked out: every check names the object by it, and one string
    shared by all of an object's findings is what keeps 100,000 findings small."""

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def meta(self) -> Mapping[str, Any]:
        return as_map(self.obj.get("metadata"))

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or "")

    @property
    def declared_namespace(self) -> str:
        """``metadata.namespace`` as written ("" when absent): what a check that cares who
        chose the namespace reads (an explicit ``default`` is a choice, an absent one is not)."""
        return str(self.meta.get("namespace") or "")

    @property
    def namespace(self) -> str:
        """The namespace Kubernetes puts the object in: every relation between objects
        (HPA and PDB targets, Services, policies, mounts) is made in this one."""
        if cluster_scoped(self.kind):
            return ""
        return self.declared_namespace or self.applied_namespace

    @property
    def labels(self) -> Mapping[str, str]:
        return as_map(self.meta.get("labels"))

    @property
    def annotations(self) -> Mapping[str, str]:
        return as_map(self.meta.get("annotations"))

    @property
    def subject(self) -> str:
        # The effective namespace, not the written one: that is the name Kubernetes gives
        # the object, so an audit of the files and an audit of the cluster they were
        # applied to name it (and fingerprint its findings) alike, and a namespace-less
        # HPA of a chart is named where it lands. It depends on --namespace only where
        # the object names none, and then it is a different object in the cluster too.
        if self._subject:
            return self._subject
        base = subject_of(self.obj, self.namespace)
        subject = f"{base}{self.copy}" if self.copy else base
        object.__setattr__(self, "_subject", subject)  # a cache of a derived value
        return subject

    @property
    def spec(self) -> Mapping[str, Any]:
        return as_map(self.obj.get("spec"))


def as_map(value: object) -> Mapping[str, Any]:
    """Real-world objects carry nulls where a map is expected (``volumeMounts:`` emptied)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def subject_of(obj: Mapping[str, Any], namespace: str | None = None) -> str:
    """``apps/v1/Deployment/ns/name``: stable across files, clusters and checkouts.

    ``namespace`` is the effective one (``Item.namespace``); without it the written one.
    "-" stands for none (a cluster-scoped object, or one nobody placed)."""
    api = str(obj.get("apiVersion") or "v1")
    meta = as_map(obj.get("metadata"))
    where = str(meta.get("namespace") or "") if namespace is None else namespace
    return f"{api}/{obj.get('kind') or '?'}/{where or '-'}/{meta.get('name') or '?'}"


def flatten(documents: Iterable[tuple[object, Location | None]]) -> Iterator[Item]:
    """Objects out of documents, ``List`` kinds unwrapped, non-objects dropped."""
    for document, location in documents:
        if not isinstance(document, dict):
            continue
        kind = document.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(
            document.get("items"), list
        ):
            item_api = document.get("apiVersion")
            for entry in document["items"]:
                if isinstance(entry, dict) and entry.get("kind"):
                    yield Item(entry, location)
                elif isinstance(entry, dict) and kind != "List" and item_api:
                    yield Item({"apiVersion": item_api, "kind": kind[:-4], **entry}, location)
            continue
        if isinstance(kind, str) and kind and "apiVersion" in document:
            yield Item(document, location)
