"""The facts of a Kubernetes deployment: objects indexed once, workloads and their roles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from auditor.checks.kubernetes.objects import Item, as_list, as_map

if TYPE_CHECKING:
    from auditor.checks.kubernetes.routes import RouteTable
    from auditor.checks.kubernetes.topology import Relations

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
                            "CronJob", "Pod", "ReplicationController"})


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    spec: Mapping[str, Any]
    init: bool

    @property
    def image(self) -> str:
        return str(self.spec.get("image") or "")

    @property
    def security(self) -> Mapping[str, Any]:
        return as_map(self.spec.get("securityContext"))

    @property
    def command_text(self) -> str:
        words = [*as_list(self.spec.get("command")), *as_list(self.spec.get("args"))]
        return " ".join(str(w) for w in words)


@dataclass(frozen=True, slots=True)
class Workload:
    """A controller (or a bare Pod) with its pod template, read once."""

    item: Item
    role: str
    """``web``, ``worker``, ``beat``, ``database``, ``redis``, ``websocket``, ``job``, ``other``."""
    pod_spec: Mapping[str, Any]
    pod_labels: Mapping[str, str]
    pod_annotations: Mapping[str, str]
    containers: tuple[Container, ...]

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def subject(self) -> str:
        return self.item.subject

    @property
    def replicas(self) -> int | None:
        if self.kind in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
            value = self.item.spec.get("replicas", 1)
            return value if isinstance(value, int) else None
        return None

    @property
    def long_running(self) -> bool:
        return self.kind not in ("Job", "CronJob")

    @property
    def superset(self) -> bool:
        return self.role in ("web", "worker", "beat", "websocket")

    def main_containers(self) -> tuple[Container, ...]:
        return tuple(c for c in self.containers if not c.init)


@dataclass(frozen=True, slots=True)
class HelmRelease:
    name: str
    namespace: str
    revision: int
    status: str
    chart: str | None = None
    app_version: str | None = None


@dataclass(frozen=True)
class KubeFacts:
    items: tuple[Item, ...]
    by_kind: Mapping[str, tuple[Item, ...]]
    workloads: tuple[Workload, ...]
    source: str
    """``manifests``, ``chart``, ``live``."""
    releases: tuple[HelmRelease, ...] = ()
    pods: tuple[Mapping[str, Any], ...] = ()
    """Live pod summaries: namespace, name, owner, node, ready, restarts, phase."""
    kinds_missing: frozenset[str] = frozenset()
    """Kinds that could not be listed (live): checks that need them skip."""
    secrets_read: bool = True
    """False when Secrets' contents were not available (live without --read-secrets)."""
    namespaces: tuple[str, ...] = field(default_factory=tuple)
    by_namespace: Mapping[tuple[str, str], tuple[Item, ...]] = field(default_factory=dict)
    """(kind, namespace) -> objects: checks relate objects within a namespace only."""
    workloads_by_namespace: Mapping[str, tuple[Workload, ...]] = field(default_factory=dict)

    def of(self, *kinds: str) -> tuple[Item, ...]:
        return tuple(item for kind in kinds for item in self.by_kind.get(kind, ()))

    def in_namespace(self, kind: str, namespace: str) -> tuple[Item, ...]:
        return self.by_namespace.get((kind, namespace), ())

    def workloads_in(self, namespace: str) -> tuple[Workload, ...]:
        return self.workloads_by_namespace.get(namespace, ())

    def role(self, role: str) -> tuple[Workload, ...]:
        return tuple(w for w in self.workloads if w.role == role)

    @cached_property
    def relations(self) -> Relations:
        """Selector matches and lookups by name, indexed on first use and kept with these
        facts (a frozen dataclass: the cache lives in the instance, never shared)."""
        from auditor.checks.kubernetes.topology import Relations  # it imports this module

        return Relations(self)

    @cached_property
    def routes(self) -> RouteTable:
        """Every way in and the Services each reaches, read once for the checks that ask."""
        from auditor.checks.kubernetes.routes import RouteTable  # it imports this module

        return RouteTable(self)

    @property
    def live(self) -> bool:
        return self.source == "live"
