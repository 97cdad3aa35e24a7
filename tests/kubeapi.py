"""A fake Kubernetes API server for the test suite.

No real API server can run on the test machines, so live-cluster tests point the
real ``kubernetes`` client at this one. It serves plain-dict objects over HTTP
with the shapes a real server uses, and records every request so tests can
prove the auditor stays read-only and keeps its request count flat::

    with FakeKubeAPI(objects, crds=["monitoring.coreos.com"]) as api:
        api.forbid("secrets")
        api.write_kubeconfig(tmp_path / "kubeconfig")
        ...
        assert api.methods() == {"GET"}

What it serves (GET only; every other method gets a 405 Status):

- ``/version``, discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/{g}``,
  ``/apis/{g}/{v}``), lists (cluster-wide and per namespace) and single
  objects. Subresources and ``watch=true`` are not served.
- Lists honour ``limit``/``continue`` (an opaque base64 token holding the next
  key, the resourceVersion it was issued at and the page number),
  ``labelSelector`` (``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``,
  ``a notin (x)``, ``a``, ``!a``) and equality ``fieldSelector`` on any dotted
  path (``metadata.name``, ``status.phase``...).
- Like a real server, items of built-in list kinds omit ``apiVersion`` and
  ``kind`` (the client knows them from the list kind), while custom-resource
  list items keep them (the server treats CRs as unstructured).
- ``Accept: application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io``
  gives metadata-only lists (``as=PartialObjectMetadata`` for single objects).
- Objects are stored in key order (``namespace/name``) as a real server's etcd
  does; pages are serialised per request, never ahead of time.
- Known CRD kinds exist only when enabled with ``crds=``; otherwise their paths
  answer 404 with a Status body, as a server without the CRD does.

Faults (methods returning a ``Fault``): ``forbid``, ``fail`` (from a given page
on, for lists failing part-way), ``expire_continue``, ``throttle``, ``delay``,
``truncate``, ``reset``, ``respond``, and three that keep a connection busy:
``trickle`` (the headers, then the body a byte at a time), ``endless`` (a body that
never ends) and ``hang_after_headers`` (the headers, then silence).

Objects are never copied deeply: ``add`` keeps a shallow copy with
``metadata`` completed (namespace, resourceVersion, uid, creationTimestamp).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import select
import socket
import struct
import sys
import threading
import time
import uuid
from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

JSON = dict[str, Any]


# --- resource registry -------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource kind the server can serve (one group/version per kind)."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    has_status: bool = True

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"


def _r(
    gv: str, plural: str, kind: str, *short: str, cluster: bool = False, status: bool = True
) -> Resource:
    group, _, version = gv.rpartition("/")
    return Resource(group, version, plural, kind, not cluster, short, status)


BUILTIN: tuple[Resource, ...] = (
    _r("v1", "namespaces", "Namespace", "ns", cluster=True),
    _r("v1", "nodes", "Node", "no", cluster=True),
    _r("v1", "persistentvolumes", "PersistentVolume", "pv", cluster=True),
    _r("v1", "pods", "Pod", "po"),
    _r("v1", "services", "Service", "svc"),
    _r("v1", "configmaps", "ConfigMap", "cm", status=False),
    _r("v1", "secrets", "Secret", status=False),
    _r("v1", "persistentvolumeclaims", "PersistentVolumeClaim", "pvc"),
    _r("v1", "serviceaccounts", "ServiceAccount", "sa", status=False),
    _r("apps/v1", "deployments", "Deployment", "deploy"),
    _r("apps/v1", "statefulsets", "StatefulSet", "sts"),
    _r("apps/v1", "daemonsets", "DaemonSet", "ds"),
    _r("apps/v1", "replicasets", "ReplicaSet", "rs"),
    _r("batch/v1", "jobs", "Job"),
    _r("batch/v1", "cronjobs", "CronJob", "cj"),
    _r("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", "hpa"),
    _r("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", "pdb"),
    _r("networking.k8s.io/v1", "ingresses", "Ingress", "ing"),
    _r("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", "netpol", status=False),
)

_BUILTIN_SET = frozenset(BUILTIN)

# Custom resources the auditor recognises; served only when enabled (crds=...).
CRDS: tuple[Resource, ...] = (
    _r("monitoring.coreos.com/v1", "servicemonitors", "ServiceMonitor", "smon", status=False),
    _r("monitoring.coreos.com/v1", "podmonitors", "PodMonitor", "pmon", status=False),
    _r("velero.io/v1", "schedules", "Schedule"),
    _r("keda.sh/v1alpha1", "scaledobjects", "ScaledObject", "so"),
    _r("argoproj.io/v1alpha1", "applications", "Application", "app"),
    _r("gateway.networking.k8s.io/v1", "gateways", "Gateway", "gtw"),
    _r("gateway.networking.k8s.io/v1", "httproutes", "HTTPRoute"),
    _r("networking.istio.io/v1beta1", "gateways", "Gateway"),
    _r("networking.istio.io/v1beta1", "virtualservices", "VirtualService", "vs"),
    _r("traefik.io/v1alpha1", "ingressroutes", "IngressRoute"),
    _r("traefik.containo.us/v1alpha1", "ingressroutes", "IngressRoute"),
    _r("projectcontour.io/v1", "httpproxies", "HTTPProxy", "proxy"),
    _r("route.openshift.io/v1", "routes", "Route"),
    _r("external-secrets.io/v1beta1", "externalsecrets", "ExternalSecret", "es"),
    _r("helm.toolkit.fluxcd.io/v2", "helmreleases", "HelmRelease", "hr"),
    _r("kustomize.toolkit.fluxcd.io/v1", "kustomizations", "Kustomization", "ks"),
)


def _select_crds(crds: Iterable[str] | bool) -> set[Resource]:
    """CRDs named by CRD name (``servicemonitors.monitoring.coreos.com``) or group."""
    if isinstance(crds, bool):
        return set(CRDS) if crds else set()
    names = [crds] if isinstance(crds, str) else list(crds)
    chosen: set[Resource] = set()
    for name in names:
        matched = {r for r in CRDS if name in (r.crd_name, r.group)}
        if not matched:
            known = ", ".join(sorted({r.group for r in CRDS}))
            raise ValueError(f"unknown CRD {name!r}; known groups: {known}")
        chosen |= matched
    return chosen


# --- Status bodies -----------------------------------------------------------

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
NOT_FOUND = "the server could not find the requested resource"
EXPIRED = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results. Continuing with the "
    "provided token results in an inconsistent list - objects that were created, modified, "
    "or deleted between the time the first chunk was returned and now may show up in the list."
)


def status_body(
    code: int, message: str, *, details: JSON | None = None, metadata: JSON | None = None
) -> JSON:
    """A ``Status`` failure body in a real server's field order."""
    body: JSON = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata or {},
        "status": "Failure",
        "message": message,
        "reason": REASONS.get(code, "Unknown"),
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


# --- selectors ---------------------------------------------------------------


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class _Requirement:
    key: str
    op: str  # "in", "notin", "exists", "!"  ("=" is "in", "!=" is "notin")
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, Any]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!":
            return value is None
        if self.op == "in":
            return value in self.values
        return value not in self.values  # notin: an absent key matches, as in Kubernetes


_KEY = r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?"
_VALUE = r"[A-Za-z0-9._-]*"
_SET_RE = re.compile(rf"^(?P<key>{_KEY})\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_EQ_RE = re.compile(rf"^(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>{_VALUE})$")
_EXISTS_RE = re.compile(rf"^(?P<neg>!?)\s*(?P<key>{_KEY})$")
# Field values are not label values: a Secret's type is "helm.sh/release.v1".
_FIELD_EQ_RE = re.compile(rf"^(?P<key>{_KEY})\s*(?P<op>==|=|!=)\s*(?P<value>[^,]*)$")


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses (``a in (x,y),b`` has two parts)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts]


def parse_selector(text: str, *, sets: bool = True) -> tuple[_Requirement, ...]:
    """Parse a label selector (or, with ``sets=False``, an equality field selector)."""
    if not text.strip():
        return ()
    requirements = []
    for part in _split_top_level(text):
        if m := (_EQ_RE if sets else _FIELD_EQ_RE).match(part):
            op = "notin" if m["op"] == "!=" else "in"
            requirements.append(_Requirement(m["key"], op, frozenset([m["value"]])))
        elif sets and (m := _SET_RE.match(part)):
            values = frozenset(v.strip() for v in m["values"].split(",") if v.strip())
            requirements.append(_Requirement(m["key"], m["op"], values))
        elif sets and (m := _EXISTS_RE.match(part)):
            requirements.append(_Requirement(m["key"], "!" if m["neg"] else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: {part!r}")
    return tuple(requirements)


def _field_value(obj: Mapping[str, Any], path: str) -> str:
    """A field selector compares strings; a missing field reads as ""."""
    value: Any = obj
    for step in path.split("."):
        value = value.get(step) if isinstance(value, Mapping) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _matches(
    obj: Mapping[str, Any], labels: tuple[_Requirement, ...], fields: tuple[_Requirement, ...]
) -> bool:
    obj_labels = obj["metadata"].get("labels") or {}
    return all(r.matches(obj_labels) for r in labels) and all(
        r.matches({r.key: _field_value(obj, r.key)}) for r in fields
    )


# --- continue tokens ---------------------------------------------------------


@dataclass(frozen=True)
class _Continue:
    rv: int  # the list's resourceVersion when the first page was served
    start: str  # first key of the next page
    page: int  # pages served before this one

    def encode(self) -> str:
        raw = json.dumps(
            {"v": "meta.k8s.io/v1", "rv": self.rv, "start": self.start, "page": self.page},
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> _Continue:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(int(raw["rv"]), str(raw["start"]), int(raw["page"]))
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise SelectorError("continue key is not valid") from exc


# --- faults and the request log ------------------------------------------------


@dataclass
class Fault:
    """An injected failure; returned by the fault methods so tests can read ``hits``."""

    action: str  # forbid, fail, expire_continue, throttle, delay, truncate, reset, respond,
    # trickle, endless, hang_after_headers
    plural: str  # "pods", "deployments.apps" (plural.group) or "*" (every request)
    namespace: str | None = None  # only requests scoped to this namespace
    times: int | None = None  # None: every matching request
    code: int = 0
    seconds: float = 0.0
    after_pages: int = 1
    fraction: float = 0.5
    hits: int = 0
    body: bytes = b""  # respond: the body sent as is
    headers: dict[str, str] = field(default_factory=dict)  # respond, fail: extra headers
    outside: frozenset[str] | None = None  # only requests not scoped to one of these
    from_page: int = 0  # only requests for this page of a list or a later one (0: the first)
    announce: bool = False  # endless: a Content-Length of 1 TiB rather than chunked encoding

    def applies(self, target: _Target, page: int | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.plural != "*":
            plural, _, group = self.plural.partition(".")
            if plural != target.plural or (group and group != target.group):
                return False
        if self.namespace is not None and self.namespace != target.namespace:
            return False
        if self.outside is not None and target.namespace in self.outside:
            return False
        if self.from_page and (page or 0) < self.from_page:
            return False
        return self.action != "expire_continue" or (page is not None and page >= self.after_pages)


@dataclass(frozen=True)
class Request:
    """One logged request. ``status`` is 0 when the connection was reset.

    ``received`` is ``time.monotonic()`` when the request arrived (before any
    injected delay), so tests can measure the waits between a client's retries.
    """

    method: str
    path: str
    query: dict[str, str]
    accept: str
    status: int
    verb: str  # list, get, discovery, version, unknown (any non-GET is still classified)
    plural: str | None = None
    namespace: str | None = None
    faults: tuple[str, ...] = ()
    received: float = 0.0

    @property
    def is_continue(self) -> bool:
        return "continue" in self.query


@dataclass(frozen=True)
class _Target:
    verb: str  # list, get, discovery, version, unknown
    group: str = ""
    version: str = ""
    plural: str | None = None
    namespace: str | None = None
    name: str | None = None
    root: str = ""  # "api" or "apis" for discovery


def _parse_path(path: str) -> _Target:
    parts = [unquote(p) for p in path.split("/") if p]
    if parts == ["version"]:
        return _Target("version")
    if parts[:1] == ["api"] and len(parts) <= 2:
        return _Target("discovery", "", parts[1] if len(parts) == 2 else "", root="api")
    if parts[:1] == ["apis"] and len(parts) <= 3:
        group, version = [*parts[1:], "", ""][:2]
        return _Target("discovery", group, version, root="apis")
    if parts[:1] == ["api"]:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"]:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return _Target("unknown")
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    verb = {1: "list", 2: "get"}.get(len(rest), "unknown")  # subresources are not served
    return _Target(verb, group, version, rest[0], namespace, rest[1] if len(rest) > 1 else None)


def _partial_requested(accept: str, list_kind: bool) -> bool | None:
    """True for metadata-only, False for full JSON, None when nothing acceptable is offered."""
    wanted = "PartialObjectMetadataList" if list_kind else "PartialObjectMetadata"
    for media in accept.split(",") if accept.strip() else ["application/json"]:
        kind, *raw = (p.strip() for p in media.split(";"))
        params = dict(p.split("=", 1) for p in raw if "=" in p)
        if kind.lower() not in ("application/json", "application/*", "*/*"):
            continue  # protobuf, yaml, ...: not served, try the next offer
        if "as" not in params:
            return False
        if (
            params["as"] == wanted
            and params.get("g") == "meta.k8s.io"
            and params.get("v") in ("v1", "v1beta1")
        ):
            return True
    return None


STREAMED = ("trickle", "endless", "hang_after_headers")
"""Faults whose body is sent by the handler over time, not at once."""
ENDLESS_ITEM = b'{"metadata":{"name":"endless","namespace":"default"}},'
"""Repeated for ever after the start of a list: valid JSON so far, never a whole list."""


@dataclass
class _Reply:
    status: int
    body: JSON | bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    stream: Fault | None = None  # a STREAMED fault: how the body goes out


# --- the server --------------------------------------------------------------


class _Table:
    """One resource's objects, ordered by key as etcd orders them."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.objects: dict[str, JSON] = {}

    def put(self, key: str, obj: JSON) -> None:
        if key not in self.objects:
            insort(self.keys, key)
        self.objects[key] = obj


class FakeKubeAPI:
    """An HTTP server speaking enough of the Kubernetes API for the auditor's live mode."""

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        crds: Iterable[str] | bool = (),
        token: str | None = None,
        extra_resources: Iterable[Resource] = (),
        server_version: str = "v1.31.4",
        user: str = "system:serviceaccount:auditor:auditor",
    ) -> None:
        self.token = token
        self.server_version = server_version
        self.user = user  # named in Forbidden messages, as a real server does
        extra = tuple(extra_resources)
        enabled = set(BUILTIN) | _select_crds(crds) | set(extra)
        self._known = {(r.group, r.kind): r for r in (*BUILTIN, *CRDS, *extra)}
        self._served: dict[tuple[str, str], dict[str, Resource]] = {}
        for r in (*BUILTIN, *CRDS, *extra):
            if r in enabled:
                self._served.setdefault((r.group, r.version), {})[r.plural] = r
        self._tables: dict[Resource, _Table] = {}
        self._rv = 1000
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._log: list[Request] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.add(objects)

    # objects

    def add(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Store objects (an iterable, consumed once); same key replaces."""
        for obj in objects:
            res, key, stored = self._prepare(obj)
            with self._lock:
                self._tables.setdefault(res, _Table()).put(key, stored)

    def _prepare(self, obj: Mapping[str, Any]) -> tuple[Resource, str, JSON]:
        api_version, kind, meta = obj.get("apiVersion"), obj.get("kind"), obj.get("metadata")
        if (
            not isinstance(api_version, str)
            or not isinstance(kind, str)
            or not isinstance(meta, Mapping)
            or not meta.get("name")
        ):
            raise ValueError(f"object needs apiVersion, kind and metadata.name: {obj!r:.200}")
        group = api_version.rpartition("/")[0]
        res = self._known.get((group, kind))
        if res is None:
            raise ValueError(f"unknown kind {api_version} {kind}: pass extra_resources=")
        metadata = dict(meta)
        if res.namespaced:
            metadata["namespace"] = metadata.get("namespace") or "default"
            key = f"{metadata['namespace']}/{metadata['name']}"
        else:
            metadata.pop("namespace", None)
            key = str(metadata["name"])
        with self._lock:
            self._rv += 1
            metadata.setdefault("resourceVersion", str(self._rv))
        metadata.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{res.crd_name}/{key}")))
        metadata.setdefault("creationTimestamp", "2025-01-01T00:00:00Z")
        return res, key, {**obj, "metadata": metadata}

    def count(self, plural: str) -> int:
        """How many objects of this plural are stored (served or not)."""
        with self._lock:
            return sum(len(t.keys) for r, t in self._tables.items() if r.plural == plural)

    # lifecycle

    def start(self) -> FakeKubeAPI:
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeKubeAPI",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping in delay()
        self._server.shutdown()
        self._server.close_all()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeKubeAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeKubeAPI is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # faults

    def _add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def forbid(
        self, plural: str, *, namespace: str | None = None, times: int | None = None,
        outside: frozenset[str] | None = None,
    ) -> Fault:
        """403 Forbidden, as when RBAC does not grant list/get. ``outside``: forbidden
        everywhere but in these namespaces, as with Roles granted only there."""
        return self._add_fault(Fault("forbid", plural, namespace, times, code=403,
                                     outside=outside))

    def fail(
        self,
        plural: str,
        code: int = 500,
        *,
        namespace: str | None = None,
        times: int | None = None,
        retry_after: int | None = None,
        from_page: int = 0,
    ) -> Fault:
        """A server error (500 InternalError, 503 ServiceUnavailable, 504 Timeout...).

        Any code gives a Status body with that code (404 for a kind not served).
        ``retry_after`` adds a Retry-After header, as an overloaded server may.
        ``from_page``: only continue requests for that page (0-based) or a later one, so
        that a list fails part-way, after its first pages were served.
        """
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return self._add_fault(
            Fault("fail", plural, namespace, times, code=code, headers=headers,
                  from_page=from_page)
        )

    def expire_continue(
        self,
        plural: str,
        *,
        after_pages: int = 1,
        times: int | None = 1,
        namespace: str | None = None,
    ) -> Fault:
        """410 Expired on a continue request once ``after_pages`` pages were served."""
        return self._add_fault(
            Fault("expire_continue", plural, namespace, times, code=410, after_pages=after_pages)
        )

    def throttle(
        self,
        plural: str,
        retry_after: int = 1,
        *,
        times: int | None = 1,
        namespace: str | None = None,
    ) -> Fault:
        """429 TooManyRequests with a Retry-After header (seconds)."""
        return self._add_fault(
            Fault("throttle", plural, namespace, times, code=429, seconds=retry_after)
        )

    def delay(
        self, plural: str, seconds: float, *, times: int | None = None, namespace: str | None = None
    ) -> Fault:
        """Sleep before answering (then answer normally, or with another fault)."""
        return self._add_fault(Fault("delay", plural, namespace, times, seconds=seconds))

    def truncate(
        self,
        plural: str,
        *,
        fraction: float = 0.5,
        times: int | None = None,
        namespace: str | None = None,
    ) -> Fault:
        """200 whose body is cut to ``fraction``; Content-Length matches the cut body."""
        return self._add_fault(Fault("truncate", plural, namespace, times, fraction=fraction))

    def trickle(
        self,
        plural: str,
        seconds: float = 1.0,
        *,
        times: int | None = None,
        namespace: str | None = None,
    ) -> Fault:
        """200 with the real headers (Content-Length of the whole answer), then the body one
        byte every ``seconds``: every socket read gets data, the answer takes for ever."""
        return self._add_fault(Fault("trickle", plural, namespace, times, seconds=seconds))

    def endless(
        self,
        plural: str,
        *,
        announce: bool = False,
        times: int | None = None,
        namespace: str | None = None,
    ) -> Fault:
        """200 whose body never ends: the start of a list, then the same item for as long as
        the client reads. Chunked encoding, or with ``announce`` a Content-Length of 1 TiB."""
        return self._add_fault(
            Fault("endless", plural, namespace, times, announce=announce)
        )

    def hang_after_headers(
        self, plural: str, *, times: int | None = None, namespace: str | None = None
    ) -> Fault:
        """200 with the real headers, then nothing until the client goes or the server stops."""
        return self._add_fault(Fault("hang_after_headers", plural, namespace, times))

    def reset(
        self, plural: str, *, times: int | None = None, namespace: str | None = None
    ) -> Fault:
        """Close the connection (RST) without any response."""
        return self._add_fault(Fault("reset", plural, namespace, times))

    def respond(
        self,
        plural: str,
        body: bytes | str | JSON | list[Any],
        *,
        status: int = 200,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
        namespace: str | None = None,
    ) -> Fault:
        """Answer with exactly this body, whatever was asked: an HTML error page from a
        proxy, a Status that is not JSON, a JSON array, a list of malformed objects.

        ``bytes`` and ``str`` go out as they are; anything else as compact JSON.
        """
        if isinstance(body, str):
            raw = body.encode()
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body, separators=(",", ":")).encode()
        sent = {"Content-Type": content_type, **(headers or {})}
        return self._add_fault(
            Fault("respond", plural, namespace, times, code=status, body=raw, headers=sent)
        )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # the request log

    @property
    def log(self) -> list[Request]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def methods(self) -> set[str]:
        return {r.method for r in self.log}

    def list_requests(self, plural: str | None = None) -> list[Request]:
        return [r for r in self.log if r.verb == "list" and plural in (None, r.plural)]

    # kubeconfig and in-cluster files

    def kubeconfig(
        self, context: str = "test", namespace: str | None = None, token: str | None = None
    ) -> JSON:
        """A kubeconfig dict; merge several for multi-context tests."""
        ctx: JSON = {"cluster": context, "user": context}
        if namespace:
            ctx["namespace"] = namespace
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": context,
            "clusters": [
                {"name": context, "cluster": {"server": self.url, "insecure-skip-tls-verify": True}}
            ],
            "contexts": [{"name": context, "context": ctx}],
            "users": [{"name": context, "user": {"token": token or self.token or "unused"}}],
        }

    def write_kubeconfig(
        self,
        path: str | Path,
        context: str = "test",
        namespace: str | None = None,
        token: str | None = None,
    ) -> Path:
        path = Path(path)
        path.write_text(yaml.safe_dump(self.kubeconfig(context, namespace, token)))
        return path

    def service_account_env(
        self, directory: str | Path, namespace: str = "default"
    ) -> dict[str, str]:
        """Write ``token``, ``ca.crt`` and ``namespace`` files; return the in-cluster env.

        The in-cluster loader reads its files from fixed paths (monkeypatch
        ``kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME`` and
        ``SERVICE_CERT_FILENAME``, or use ``InClusterConfigLoader(token_filename,
        cert_filename, environ=env)``) and always builds an ``https://`` host:
        this plain-HTTP server cannot complete that TLS handshake (``ca.crt`` is
        a placeholder). Tests check what the loader read, then point
        ``Configuration.host`` at ``api.url`` - with ``try_refresh_token=False``,
        since the refresh hook rewrites the host before every request.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "token").write_text(self.token or "unused")
        (directory / "namespace").write_text(namespace)
        (directory / "ca.crt").write_text(
            "-----BEGIN CERTIFICATE-----\nRkFLRQ==\n-----END CERTIFICATE-----\n"
        )
        return {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(self.port)}

    # request handling (called from handler threads)

    def _handle(self, method: str, raw_path: str, accept: str, authorization: str | None) -> _Reply:
        received = time.monotonic()
        split = urlsplit(raw_path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        target = _parse_path(split.path)
        applied: list[Fault] = []
        reply = self._answer(method, target, query, accept, authorization, applied)
        status = 0 if reply.reset else reply.status
        with self._lock:
            self._log.append(
                Request(
                    method,
                    split.path,
                    query,
                    accept,
                    status,
                    target.verb,
                    target.plural,
                    target.namespace,
                    tuple(f.action for f in applied),
                    received,
                )
            )
        return reply

    def _answer(
        self,
        method: str,
        target: _Target,
        query: dict[str, str],
        accept: str,
        authorization: str | None,
        applied: list[Fault],
    ) -> _Reply:
        if method != "GET":
            return _status(
                405, f"the server does not allow this method ({method}) on the requested resource"
            )
        scheme, _, credential = (authorization or "").partition(" ")
        # The in-cluster loader sends "bearer <token>": the scheme is case-insensitive.
        if self.token is not None and (scheme.lower(), credential) != ("bearer", self.token):
            return _status(401, "Unauthorized")
        page = None
        if "continue" in query:
            with contextlib.suppress(SelectorError):  # a bad token is answered 400 later
                page = _Continue.decode(query["continue"]).page
        with self._lock:
            applied.extend(
                f for f in self._faults if f.action == "delay" and f.applies(target, page)
            )
            fault = next(
                (f for f in self._faults if f.action != "delay" and f.applies(target, page)), None
            )
            if fault is not None:
                applied.append(fault)
            for f in applied:
                f.hits += 1
        wait = sum(f.seconds for f in applied if f.action == "delay")
        if wait and self._stopping.wait(wait):
            return _Reply(0, reset=True)  # stopped while sleeping
        if fault is None or fault.action == "truncate" or fault.action in STREAMED:
            reply = self._serve(target, query, accept)
            if fault is not None and fault.action == "truncate":
                body = _encode(reply.body)
                reply.body = body[: int(len(body) * fault.fraction)]
            elif fault is not None:
                reply.stream = fault
            return reply
        return self._fault_reply(fault, target, query)

    def _fault_reply(self, fault: Fault, target: _Target, query: dict[str, str]) -> _Reply:
        if fault.action == "reset":
            return _Reply(0, reset=True)
        if fault.action == "respond":
            return _Reply(fault.code, fault.body, dict(fault.headers))
        if fault.action == "forbid":
            scope = (
                f'in the namespace "{target.namespace}"'
                if target.namespace
                else "at the cluster scope"
            )
            resource = target.plural or "resource"
            details: JSON = {"kind": resource}
            if target.group:
                details["group"] = target.group
            verb = "get" if target.verb == "get" else "list"
            return _status(
                403,
                f'{resource} is forbidden: User "{self.user}" cannot {verb} '
                f'resource "{resource}" in API group "{target.group}" {scope}',
                details,
            )
        if fault.action == "throttle":
            seconds = int(fault.seconds)
            reply = _status(
                429, "Too many requests, please try again later.", {"retryAfterSeconds": seconds}
            )
            reply.headers["Retry-After"] = str(seconds)
            return reply
        if fault.action == "expire_continue":
            old = _Continue.decode(query["continue"])
            with self._lock:
                rv = self._rv
            fresh = _Continue(rv, old.start, old.page).encode()  # inconsistent resume, as real
            return _status(410, EXPIRED, metadata={"continue": fresh})
        message = (
            NOT_FOUND
            if fault.code == 404
            else f"Internal error occurred: injected {fault.code} for "
            f"{target.plural or 'this request'}"
        )
        reply = _status(fault.code, message, {} if fault.code == 404 else None)
        reply.headers.update(fault.headers)
        return reply

    def _serve(self, target: _Target, query: dict[str, str], accept: str) -> _Reply:
        if target.verb == "version":
            return _Reply(200, self._version())
        if target.verb == "discovery":
            body = self._discovery(target)
            return _Reply(200, body) if body else _status(404, NOT_FOUND, {})
        if query.get("watch") in ("true", "1"):
            return _status(400, "watch is not supported by this test server")
        res = self._served.get((target.group, target.version), {}).get(target.plural or "")
        if (
            res is None
            or target.verb == "unknown"
            or (target.namespace is not None and not res.namespaced)
            or (target.verb == "get" and res.namespaced and target.namespace is None)
        ):
            return _status(404, NOT_FOUND, {})
        partial = _partial_requested(accept, target.verb == "list")
        if partial is None:
            return _status(
                406,
                "only application/json is served, optionally with "
                "as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1",
            )
        if target.verb == "get":
            return self._get(res, target, partial)
        try:
            return self._list(res, target.namespace, query, partial)
        except SelectorError as exc:
            return _status(400, str(exc))

    def _get(self, res: Resource, target: _Target, partial: bool) -> _Reply:
        key = f"{target.namespace}/{target.name}" if res.namespaced else str(target.name)
        with self._lock:
            obj = self._tables.get(res, _Table()).objects.get(key)
        if obj is None:
            details: JSON = {"name": target.name, "kind": res.plural}
            if res.group:
                details["group"] = res.group
            return _status(
                404,
                f'{res.plural}{"." + res.group if res.group else ""} "{target.name}" not found',
                details,
            )
        if partial:
            return _Reply(
                200,
                {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj["metadata"],
                },
            )
        return _Reply(200, {**obj, "apiVersion": res.group_version, "kind": res.kind})

    def _list(
        self, res: Resource, namespace: str | None, query: dict[str, str], partial: bool
    ) -> _Reply:
        labels = parse_selector(query.get("labelSelector", ""))
        fields = parse_selector(query.get("fieldSelector", ""), sets=False)
        try:
            limit = int(query.get("limit") or 0)
        except ValueError as exc:
            raise SelectorError(f"invalid limit: {query['limit']!r}") from exc
        prefix = f"{namespace}/" if namespace is not None else ""
        token = _Continue.decode(query["continue"]) if query.get("continue") else None
        start = token.start if token else prefix
        items: list[JSON] = []
        more = False
        with self._lock:
            table = self._tables.get(res, _Table())
            index = bisect_left(table.keys, start)
            # "0" sorts just after "/", so this bound ends the namespace's keys
            end = (
                bisect_left(table.keys, f"{namespace}0")
                if namespace is not None
                else len(table.keys)
            )
            while index < end:
                obj = table.objects[table.keys[index]]
                if _matches(obj, labels, fields):
                    if limit and len(items) == limit:
                        more = True  # one more match exists, so a continue token is honest
                        break
                    items.append(obj)
                index += 1
            rv = token.rv if token else self._rv
        metadata: JSON = {"resourceVersion": str(rv)}
        if more:
            last = items[-1]["metadata"]
            last_key = f"{last['namespace']}/{last['name']}" if res.namespaced else last["name"]
            page = token.page + 1 if token else 1
            metadata["continue"] = _Continue(rv, last_key + "\x00", page).encode()
            if not labels and not fields:
                metadata["remainingItemCount"] = end - index
        if partial:
            return _Reply(
                200,
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": metadata,
                    "items": [
                        {
                            "kind": "PartialObjectMetadata",
                            "apiVersion": "meta.k8s.io/v1",
                            "metadata": o["metadata"],
                        }
                        for o in items
                    ],
                },
            )
        if res not in _BUILTIN_SET:  # custom resources are unstructured: items keep both
            shaped = [{**o, "apiVersion": res.group_version, "kind": res.kind} for o in items]
        else:
            shaped = [
                {k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in items
            ]
        return _Reply(
            200,
            {
                "kind": f"{res.kind}List",
                "apiVersion": res.group_version,
                "metadata": metadata,
                "items": shaped,
            },
        )

    def _version(self) -> JSON:
        major, minor, *_ = self.server_version.lstrip("v").split(".")
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self.server_version,
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.22.9",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _discovery(self, target: _Target) -> JSON | None:
        if target.root == "api" and not target.version:
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.port}"}
                ],
            }
        groups: dict[str, list[str]] = {}
        for group, version in self._served:
            if group:
                groups.setdefault(group, []).append(version)
        if target.root == "apis" and not target.group:
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [_api_group(g, vs) for g, vs in groups.items()],
            }
        if target.root == "apis" and not target.version:
            versions = groups.get(target.group)
            return (
                {"kind": "APIGroup", "apiVersion": "v1", **_api_group(target.group, versions)}
                if versions
                else None
            )
        served = self._served.get((target.group, target.version))
        if not served:
            return None
        resources: list[JSON] = []
        for r in served.values():
            entry: JSON = {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"],
            }
            if r.short_names:
                entry["shortNames"] = list(r.short_names)
            resources.append(entry)
            if r.has_status:  # real lists name subresources too; clients must skip "a/b"
                resources.append(
                    {
                        "name": f"{r.plural}/status",
                        "singularName": "",
                        "namespaced": r.namespaced,
                        "kind": r.kind,
                        "verbs": ["get"],
                    }
                )
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": served[next(iter(served))].group_version,
            "resources": resources,
        }


def _api_group(group: str, versions: list[str]) -> JSON:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def _status(
    code: int, message: str, details: JSON | None = None, *, metadata: JSON | None = None
) -> _Reply:
    return _Reply(code, status_body(code, message, details=details, metadata=metadata))


def _encode(body: JSON | bytes) -> bytes:
    if isinstance(body, bytes):
        return body
    return json.dumps(body, separators=(",", ":")).encode()


# --- HTTP plumbing -----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes
    timeout = 60  # a backstop for idle keep-alive connections
    server: _Server

    def _dispatch(self) -> None:
        if self.command != "GET":
            # Drain the body so the refusal is readable, then close: bodies are never parsed.
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.close_connection = True
        reply = self.server.api._handle(
            self.command,
            self.path,
            self.headers.get("Accept", ""),
            self.headers.get("Authorization"),
        )
        if reply.reset:
            self.server.reset_on_close(self.connection)
            self.close_connection = True
            return
        body = _encode(reply.body)
        if reply.stream is not None:
            self._stream(reply.status, body, reply.stream)
            return
        headers = {"Content-Type": "application/json", **reply.headers}
        self.send_response(reply.status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def _stream(self, status: int, body: bytes, fault: Fault) -> None:
        """Send the headers now and the body as ``fault`` says, until the client goes."""
        self.close_connection = True  # whatever happens, this connection carries no more
        endless = fault.action == "endless"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if endless and not fault.announce:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(1 << 40 if endless else len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        stopping = self.server.api._stopping
        with contextlib.suppress(OSError):  # the client closed: the point of the fault
            if fault.action == "trickle":
                for index in range(len(body)):
                    if stopping.wait(fault.seconds) or self._client_gone():
                        return
                    self.wfile.write(body[index : index + 1])
            elif endless:
                self._write_endless(not fault.announce, stopping)
            else:
                while not stopping.wait(0.05) and not self._client_gone():
                    pass

    def _write_endless(self, chunked: bool, stopping: threading.Event) -> None:
        block = ENDLESS_ITEM * 1024  # about 56 KiB a write
        if chunked:
            block = b"%x\r\n%s\r\n" % (len(block), block)
        start = b'{"kind":"List","apiVersion":"v1","metadata":{},"items":['
        self.wfile.write(b"%x\r\n%s\r\n" % (len(start), start) if chunked else start)
        while not stopping.is_set():
            self.wfile.write(block)

    def _client_gone(self) -> bool:
        """Whether the client closed its end (readable, and nothing to read)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        return bool(readable) and not self.connection.recv(1, socket.MSG_PEEK)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the API keeps its own structured log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the auditor lists kinds concurrently

    def __init__(self, api: FakeKubeAPI) -> None:
        self.api = api
        self._open: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def reset_on_close(self, sock: socket.socket) -> None:
        # SO_LINGER 0 makes close() send RST; skipping the usual shutdown(SHUT_WR)
        # avoids a FIN first, so the client sees ECONNRESET rather than a clean EOF.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._open_lock:
            self._resets.add(sock)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def close_all(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self._open_lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):  # already closed by the client
                    sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # clients that time out or reset their end are part of the tests
        super().handle_error(request, client_address)
