"""Reading a live cluster: one cluster-wide, paginated list per kind, GET only.

The kubernetes client supplies configuration (kubeconfig, in-cluster service
account) and transport; responses are read as JSON, never turned into client
model objects (slow, and they reject real-world objects). Kinds are listed
concurrently; a 410 Gone mid-list restarts that list; 403, 404 and 5xx become
named problems and the audit goes on.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from auditor.checks.kubernetes.facts import HelmRelease
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.model import Target

PAGE_SIZE = 500
MAX_RESTARTS = 3
MAX_THROTTLES = 3
WORKERS = 6
TIMEOUT_S = 30.0
"""Default per-request read timeout; ``--timeout`` overrides it."""
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"


@dataclass(frozen=True)
class Kind:
    group_version: str
    plural: str
    kind: str
    crd: bool = False
    metadata_only: bool = False
    label_selector: str | None = None
    field_selector: str | None = None

    @property
    def key(self) -> str:
        group = self.group_version.rsplit("/", 1)[0] if "/" in self.group_version else "core"
        return f"{self.plural}.{group}" if group != "core" else self.plural

    def path(self, namespace: str | None) -> str:
        base = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        scope = f"/namespaces/{namespace}" if namespace else ""
        return f"{base}{scope}/{self.plural}"


KINDS: tuple[Kind, ...] = (
    Kind("apps/v1", "deployments", "Deployment"),
    Kind("apps/v1", "statefulsets", "StatefulSet"),
    Kind("apps/v1", "daemonsets", "DaemonSet"),
    Kind("apps/v1", "replicasets", "ReplicaSet", metadata_only=True),
    Kind("batch/v1", "jobs", "Job"),
    Kind("batch/v1", "cronjobs", "CronJob"),
    Kind("v1", "pods", "Pod"),
    Kind("v1", "services", "Service"),
    Kind("v1", "configmaps", "ConfigMap"),
    Kind("v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    Kind("v1", "serviceaccounts", "ServiceAccount"),
    Kind("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    Kind("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    Kind("networking.k8s.io/v1", "ingresses", "Ingress"),
    Kind("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
    Kind("monitoring.coreos.com/v1", "servicemonitors", "ServiceMonitor", crd=True),
    Kind("monitoring.coreos.com/v1", "podmonitors", "PodMonitor", crd=True),
    Kind("velero.io/v1", "schedules", "Schedule", crd=True),
    Kind("keda.sh/v1alpha1", "scaledobjects", "ScaledObject", crd=True),
    Kind("argoproj.io/v1alpha1", "applications", "Application", crd=True),
    Kind("gateway.networking.k8s.io/v1", "httproutes", "HTTPRoute", crd=True),
)
HELM_RELEASES = Kind("v1", "secrets", "Secret", metadata_only=True, label_selector="owner=helm")
SECRETS = Kind("v1", "secrets", "Secret", field_selector="type!=helm.sh/release.v1")


class ListError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Cluster:
    items: list[Item] = field(default_factory=list)
    pods: tuple[Mapping[str, Any], ...] = ()
    releases: tuple[HelmRelease, ...] = ()
    missing: frozenset[str] = frozenset()
    problems: dict[str, str] = field(default_factory=dict)
    secrets_read: bool = False


Fetch = Callable[[str, list[tuple[str, str]], str], tuple[int, bytes, Mapping[str, str]]]


def _timeout(options: Mapping[str, object]) -> tuple[float, float]:
    value = options.get("timeout")
    seconds = float(value) if isinstance(value, int | float) and value > 0 else TIMEOUT_S
    return (min(5.0, seconds), seconds)


def client_fetch(target: Target, options: Mapping[str, object]) -> Fetch:
    """A GET function over the kubernetes client's configuration and connection pool."""
    from kubernetes import client, config

    configuration = client.Configuration()
    kubeconfig = options.get("kubeconfig")
    given = options.get("context")
    context = target.context or (given if isinstance(given, str) and given else None)
    in_cluster = "KUBERNETES_SERVICE_HOST" in os.environ and not kubeconfig and \
        not os.environ.get("KUBECONFIG") and context is None
    # The kubernetes client ships no type hints.
    if in_cluster:
        config.load_incluster_config(  # type: ignore[no-untyped-call]
            client_configuration=configuration)
    else:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig if isinstance(kubeconfig, str) else None,
            context=context, client_configuration=configuration)
    # urllib3 would silently retry resets and timeouts three times (4x --timeout); the
    # lister decides itself what a failed request means.
    configuration.retries = False
    api = client.ApiClient(configuration)
    timeout = _timeout(options)

    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, bytes, Mapping[str, str]]:
        request = api.param_serialize("GET", path, query_params=query,
                                      header_params={"Accept": accept},
                                      auth_settings=["BearerToken"])
        response = api.call_api(*request, _request_timeout=timeout)
        body = response.read() or b""  # type: ignore[no-untyped-call]
        return int(response.status), bytes(body), dict(response.headers or {})

    return fetch


def _status_reason(status: int, body: bytes) -> str:
    try:
        data = json.loads(body)
        message = str(data.get("message") or data.get("reason") or "")
    except (ValueError, AttributeError):
        message = ""
    names = {401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone",
             429: "throttled", 500: "server error", 503: "unavailable"}
    label = names.get(status, "error")
    return f"{label} ({status})" + (f": {message[:160]}" if message else "")


def list_kind(fetch: Fetch, kind: Kind, namespace: str | None) -> Iterator[dict[str, Any]]:
    """Every object of one kind, page by page; restarts the list when its continue expires."""
    restarts = 0
    while True:
        token = ""
        try:
            while True:
                query = [("limit", str(PAGE_SIZE))]
                if token:
                    query.append(("continue", token))
                if kind.label_selector:
                    query.append(("labelSelector", kind.label_selector))
                if kind.field_selector:
                    query.append(("fieldSelector", kind.field_selector))
                page = _get_page(fetch, kind, namespace, query)
                for entry in as_list(page.get("items")):
                    if isinstance(entry, dict):
                        entry.setdefault("apiVersion", kind.group_version)
                        entry.setdefault("kind", kind.kind)
                        yield entry
                token = str(as_map(page.get("metadata")).get("continue") or "")
                if not token:
                    return
        except ListError as exc:
            if exc.status == 410 and token and restarts < MAX_RESTARTS:
                restarts += 1
                continue
            raise


def _get_page(fetch: Fetch, kind: Kind, namespace: str | None,
              query: list[tuple[str, str]]) -> dict[str, Any]:
    accept = METADATA_ONLY if kind.metadata_only else "application/json"
    for attempt in range(MAX_THROTTLES + 1):
        try:
            status, body, headers = fetch(kind.path(namespace), query, accept)
        except Exception as exc:  # timeouts, resets: the kind is a problem, not a crash
            raise ListError(0, f"no answer ({type(exc).__name__})") from None
        if status == 429 and attempt < MAX_THROTTLES:
            time.sleep(min(float(headers.get("Retry-After", "1") or 1), 5.0))
            continue
        if status != 200:
            raise ListError(status, _status_reason(status, body))
        try:
            data = json.loads(body)
        except ValueError:
            raise ListError(status, "truncated or invalid JSON in the response") from None
        if not isinstance(data, dict):
            raise ListError(status, "unexpected response (not a list)")
        return data
    raise ListError(429, "throttled (429) too many times")


POD_SUMMARY_KEYS = ("namespace", "name", "owner", "node", "phase", "ready", "restarts")


def summarize_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    """What runtime checks need of a pod; the spec lives in its controller."""
    meta = as_map(pod.get("metadata"))
    status = as_map(pod.get("status"))
    owner = next((o for o in as_list(meta.get("ownerReferences"))
                  if isinstance(o, Mapping) and o.get("controller")), None)
    conditions = {c.get("type"): c.get("status") for c in as_list(status.get("conditions"))
                  if isinstance(c, Mapping)}
    restarts = sum(int(s.get("restartCount") or 0) for s in as_list(status.get("containerStatuses"))
                   if isinstance(s, Mapping))
    return {
        "namespace": meta.get("namespace"),
        "name": meta.get("name"),
        "owner": f"{owner.get('kind')}/{owner.get('name')}" if owner else None,
        "node": as_map(pod.get("spec")).get("nodeName"),
        "phase": status.get("phase"),
        "ready": conditions.get("Ready") == "True",
        "restarts": restarts,
    }


def release_of(meta: Mapping[str, Any]) -> HelmRelease | None:
    labels = as_map(meta.get("labels"))
    try:
        revision = int(labels.get("version") or 0)
    except ValueError:
        revision = 0
    name = labels.get("name")
    if not name:
        return None
    return HelmRelease(name=str(name), namespace=str(meta.get("namespace") or ""),
                       revision=revision, status=str(labels.get("status") or "unknown"))


def read_cluster(target: Target, options: Mapping[str, object],
                 fetch: Fetch | None = None) -> Cluster:
    cluster = Cluster(secrets_read=bool(options.get("read_secrets")))
    try:
        fetch = fetch or client_fetch(target, options)
    except Exception as exc:
        cluster.problems["cluster"] = f"cannot connect: {type(exc).__name__}: {exc}"[:300]
        cluster.missing = frozenset(k.kind for k in KINDS)
        return cluster
    given = options.get("namespace")
    namespace = given if isinstance(given, str) and given else None
    kinds = [*KINDS, HELM_RELEASES] + ([SECRETS] if cluster.secrets_read else [])
    missing: set[str] = set()
    pods: list[dict[str, Any]] = []
    releases: list[HelmRelease] = []

    def run(kind: Kind) -> tuple[Kind, list[Item] | None, str | None]:
        items: list[Item] = []
        try:
            for entry in list_kind(fetch, kind, namespace):
                if kind is HELM_RELEASES:
                    release = release_of(as_map(entry.get("metadata")))
                    if release:
                        releases.append(release)
                elif kind.kind == "Pod" and owned(entry):
                    pods.append(summarize_pod(entry))
                else:
                    if kind.kind == "Pod":
                        pods.append(summarize_pod(entry))
                    items.append(Item(entry))
        except ListError as exc:
            return kind, None, exc.reason
        return kind, items, None

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for kind, items, problem in pool.map(run, kinds):
            if problem is not None:
                if kind is SECRETS:
                    cluster.secrets_read = False
                label = f"{kind.key}" + (" (Helm releases)" if kind is HELM_RELEASES else "")
                not_installed = kind.crd and problem.startswith("not found")
                cluster.problems[f"list {label}"] = (
                    f"{problem}; not installed" if not_installed else problem
                )
                if not not_installed:
                    missing.add(kind.kind)
                continue
            cluster.items.extend(items or [])
    cluster.pods = tuple(pods)
    cluster.releases = tuple(sorted(releases, key=lambda r: (r.namespace, r.name, r.revision)))
    cluster.missing = frozenset(missing)
    if not cluster.secrets_read:
        cluster.problems["secrets"] = (
            "Secrets not read (no --read-secrets): secret values are not compared"
        )
    return cluster


def owned(entry: Mapping[str, Any]) -> bool:
    return any(isinstance(o, Mapping) and o.get("controller")
               for o in as_list(as_map(entry.get("metadata")).get("ownerReferences")))
