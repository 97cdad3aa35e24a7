"""Reading a live cluster: one cluster-wide, paginated list per kind, GET only.

The kubernetes client supplies configuration (kubeconfig, in-cluster service
account) and transport; responses are read as JSON, never turned into client
model objects (slow, and they reject real-world objects). Kinds are listed
concurrently; every failure becomes a named problem and the audit goes on.

Retries. A GET is idempotent, so repeating one is always safe:

- 500, 502, 503, 504 and no answer (reset, timeout, refused) are retried up to
  ``MAX_RETRIES`` times, after an exponential backoff with equal jitter
  (``backoff_s``), or after the server's Retry-After when it sends one;
- 429 is retried after its Retry-After, at most ``MAX_THROTTLES`` times and
  never for longer than ``RETRY_AFTER_CAP_S``;
- 410 Gone on a continue token restarts that list, at most ``MAX_RESTARTS`` times;
- 403, 404 and anything else is final at once.

All lists of a run share one time budget (``budget_s``: twice ``--timeout``, at
least 10 s). No wait is begun that would end after it: kinds failing together
wait side by side, not one after another, and past the budget a failed request
is final. A server that has answered none of the first ``UNREACHABLE_AFTER``
requests is given up on as a whole, not kind by kind. Listing a failing cluster
so ends within about the budget plus one ``--timeout`` for each kind a worker
has still to start.

Bounded reads. Each request has one deadline, ``--timeout``, for connecting, the
headers and the whole body: urllib3's own timeouts apply to each socket read, so a
server sending a byte a second would never trip them. When the deadline passes, the
request's sockets are shut down (``_Watch``), which ends any read blocked on them; the
request counts as unanswered and is retried like a timeout. A response over the size
cap (``--max-response-mib``) is not read further and is final: the same page would be
as large again. A kind whose list failed on any page contributes nothing (no objects,
no pods, no releases): it is unlisted, never listed in part.

Memory. Objects are slimmed as each page is read (``slim``), never kept whole:
controller-owned pods become summaries and owned ReplicaSets are dropped (their
controllers carry the spec); ``managedFields`` keep their managers but not their
field sets, bookkeeping (uid, resourceVersion, selfLink) and ConfigMaps'
``binaryData`` go, and annotation values over ``LONG_ANNOTATION`` characters
(a last-applied configuration is a whole second copy of the object) keep only
their presence; repeated strings are held once. Nothing a check reads is dropped.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import math
import os
import random
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import yaml

from auditor.checks.kubernetes.facts import HelmRelease
from auditor.checks.kubernetes.objects import Item, as_list, as_map
from auditor.model import Target

PAGE_SIZE = 500
WORKERS = 6
TIMEOUT_S = 30.0
"""Default deadline of one request (connect, headers, body); ``--timeout`` overrides it."""
MAX_RESPONSE_MIB = 256
"""Default cap on one response (``--max-response-mib``): a page of ``PAGE_SIZE`` objects
averaging 512 KiB, some 25 times a large pod with its managedFields. Only ConfigMaps or
Secrets near their 1 MiB limit by the hundred come near it (Helm's release records, the
largest Secrets, are listed as metadata only). It bounds memory: ``WORKERS`` lists read
at once, so bodies hold at most 1.5 GiB, where an endless body would take it all."""
CHUNK = 1 << 16
"""Bytes asked of the socket at once while a body is read."""
METADATA_ONLY = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"

MAX_RETRIES = 3
"""Retries of one request after a 5xx or no answer (so 1 + 3 attempts)."""
RETRYABLE = frozenset({0, 500, 502, 503, 504})
"""0 is no answer at all: a reset, a timeout, a refused connection."""
BACKOFF_S = 0.5
"""The first backoff step; each retry doubles it, up to ``BACKOFF_CAP_S``."""
BACKOFF_CAP_S = 8.0
MAX_THROTTLES = 3
"""429s honoured for one request before the kind is given up."""
RETRY_AFTER_CAP_S = 10.0
"""The longest Retry-After waited for; a longer one is a problem at once."""
MAX_RESTARTS = 3
"""Relists of one kind after its continue token expired (410 Gone)."""
BUDGET_FLOOR_S = 10.0
BUDGET_TIMEOUTS = 2.0
UNREACHABLE_AFTER = WORKERS
"""Requests without any answer, with none ever answered, that make the server unreachable."""
LONG_ANNOTATION = 1024
KEPT_ANNOTATIONS = ("auditor.io/waive.",)
"""Annotations kept whole whatever their length (waiver reasons)."""


def budget_s(timeout: float) -> float:
    """Seconds from the start of a run within which a retry or a wait may still begin.

    Two request timeouts leave room for a retry of a slow list; the floor leaves
    room for a full backoff (0.5 + 1 + 2 s) and a short Retry-After with small timeouts.
    """
    return max(BUDGET_FLOOR_S, BUDGET_TIMEOUTS * timeout)


def backoff_s(retry: int, jitter: float) -> float:
    """The wait before retry ``retry`` (0-based), ``jitter`` in [0, 1).

    Equal jitter: half of the exponential step is fixed, half random. Waits never
    shrink from one retry to the next, and lists failing together do not retry in
    lockstep against a server that is trying to recover.
    """
    step = min(BACKOFF_CAP_S, BACKOFF_S * 2.0 ** retry)
    return step / 2 + step / 2 * jitter


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
    # Other ways in (proxy-tls): Gateway listeners, Istio, Traefik, Contour, OpenShift.
    Kind("gateway.networking.k8s.io/v1", "gateways", "Gateway", crd=True),
    Kind("networking.istio.io/v1beta1", "gateways", "Gateway", crd=True),
    Kind("networking.istio.io/v1beta1", "virtualservices", "VirtualService", crd=True),
    Kind("traefik.io/v1alpha1", "ingressroutes", "IngressRoute", crd=True),
    Kind("traefik.containo.us/v1alpha1", "ingressroutes", "IngressRoute", crd=True),
    Kind("projectcontour.io/v1", "httpproxies", "HTTPProxy", crd=True),
    Kind("route.openshift.io/v1", "routes", "Route", crd=True),
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


Body = bytes | bytearray
Fetch = Callable[[str, list[tuple[str, str]], str], tuple[int, Body, Mapping[str, str]]]


def _timeout(options: Mapping[str, object]) -> tuple[float, float]:
    value = options.get("timeout")
    seconds = float(value) if isinstance(value, int | float) and value > 0 else TIMEOUT_S
    return (min(5.0, seconds), seconds)


def _cap_mib(options: Mapping[str, object]) -> int:
    value = options.get("max_response_mib")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else MAX_RESPONSE_MIB


# --- bounded requests ----------------------------------------------------------------


class Overdue(TimeoutError):
    """A request's deadline passed before its whole answer had arrived."""


class TooLarge(Exception):
    """A response over the size cap: not read further, and not asked again."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


_CURRENT = threading.local()
"""The ``_Watch`` of the request a worker thread is making, if any."""


class _Watch:
    """One request's deadline. When it passes, every socket the request used is shut down,
    which ends a read blocked on it at once, in connect, TLS, headers or body alike.

    Sockets are held as duplicates, closed when the request ends: shutting a duplicate
    down shuts the connection down, and a duplicate is never a number reused by then.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def attach(self, sock: socket.socket) -> None:
        try:
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # already closed: nothing to end
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Watch:
        _CURRENT.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _CURRENT.watch = None
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected (any more): no read to end
        sock.shutdown(socket.SHUT_RDWR)


def _attach(sock: socket.socket | None) -> None:
    watch: _Watch | None = getattr(_CURRENT, "watch", None)
    if watch is not None and sock is not None:
        watch.attach(sock)


def _watch_sockets(pool_manager: Any) -> None:
    """Have the pool manager's connections hand each socket they use to the request's watch:
    a new one as soon as it is connected (before TLS), a kept-alive one at each request.
    Derived from the pool classes in place, so proxies (SOCKS included) keep working."""
    from urllib3.connection import HTTPConnection

    class Watched(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            _attach(sock)
            return sock

        def request(self, *args: Any, **kwargs: Any) -> None:
            _attach(self.sock)
            super().request(*args, **kwargs)

    def watched(pool: type[Any]) -> type[Any]:
        connection = type(f"Watched{pool.ConnectionCls.__name__}",
                          (Watched, pool.ConnectionCls), {})
        return type(f"Watched{pool.__name__}", (pool,), {"ConnectionCls": connection})

    pool_manager.pool_classes_by_scheme = {
        scheme: watched(pool) for scheme, pool in pool_manager.pool_classes_by_scheme.items()}


def read_body(response: Any, cap_mib: int) -> bytearray:
    """The whole body of a urllib3 response, or TooLarge past ``cap_mib`` MiB.

    Read in chunks so that the cap is checked as bytes arrive (urllib3 bounds what one
    read decompresses), into one buffer that grows in place: a body costs its size once.
    """
    cap = cap_mib << 20
    refusal = f"response larger than {cap_mib} MiB, not read; raise the cap with " \
              "--max-response-mib"
    announced = str(response.headers.get("Content-Length") or "").strip()
    if announced.isdigit() and int(announced) > cap:
        raise TooLarge(int(response.status), refusal)
    body = bytearray()
    while chunk := response.read(CHUNK):
        if len(body) + len(chunk) > cap:
            raise TooLarge(int(response.status), refusal)
        body += chunk
    return body


def _end(response: Any, complete: bool) -> None:
    """Hand the connection back: kept alive after a whole body, closed otherwise (unread
    bytes would be read as the next answer)."""
    if not complete:
        response.close()
    response.release_conn()


class ConfigProblem(Exception):
    """The cluster's configuration cannot be loaded; the message names where it was read."""


def _kubeconfig_paths(given: object) -> list[str]:
    if isinstance(given, str) and given:
        return [given]
    listed = os.environ.get("KUBECONFIG", "")
    if listed:
        return [p for p in listed.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


def _config_reason(exc: Exception, context: str | None) -> str:
    """The loader's error in a few words (its own messages omit the file or read oddly)."""
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        return "not valid YAML" + (f" (line {mark.line + 1})" if mark is not None else "")
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if context and "Expected object with name" in text and "contexts" in text:
        return f"no context {context!r}"
    if type(exc).__name__ == "ConfigException":
        return text.removeprefix("Invalid kube-config file. ").removeprefix(
            "Invalid kube-config. ")[:200]
    return f"not a kubeconfig ({type(exc).__name__}: {text})"[:200]


def load_cluster_config(configuration: Any, options: Mapping[str, object],
                        context: str | None) -> None:
    from kubernetes import config

    kubeconfig = options.get("kubeconfig")
    in_cluster = "KUBERNETES_SERVICE_HOST" in os.environ and not kubeconfig and \
        not os.environ.get("KUBECONFIG") and context is None
    # The kubernetes client ships no type hints.
    if in_cluster:
        try:
            config.load_incluster_config(  # type: ignore[no-untyped-call]
                client_configuration=configuration)
        except Exception as exc:
            raise ConfigProblem("cannot load the in-cluster service account: "
                                f"{_config_reason(exc, None)}") from None
        return
    paths = _kubeconfig_paths(kubeconfig)
    shown = os.pathsep.join(paths)
    if not any(os.path.exists(p) for p in paths):
        raise ConfigProblem(f"cannot load kubeconfig {shown}: no such file")
    try:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig if isinstance(kubeconfig, str) and kubeconfig else None,
            context=context, client_configuration=configuration)
    except Exception as exc:
        raise ConfigProblem(f"cannot load kubeconfig {shown}: "
                            f"{_config_reason(exc, context)}") from None


def connect(target: Target, options: Mapping[str, object]) -> tuple[Fetch, str]:
    """A GET function over the kubernetes client's configuration and connection pool, and
    the API server's URL; ConfigProblem when no configuration can be loaded."""
    from kubernetes import client

    configuration = client.Configuration()
    given = options.get("context")
    context = target.context or (given if isinstance(given, str) and given else None)
    load_cluster_config(configuration, options, context)
    # urllib3 would silently retry resets and timeouts three times (4x --timeout); the
    # lister decides itself what a failed request means.
    configuration.retries = False
    api = client.ApiClient(configuration)
    _watch_sockets(api.rest_client.pool_manager)
    connect_s, deadline_s = _timeout(options)
    cap_mib = _cap_mib(options)

    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, Body, Mapping[str, str]]:
        request = api.param_serialize("GET", path, query_params=query,
                                      header_params={"Accept": accept},
                                      auth_settings=["BearerToken"])
        with _Watch(deadline_s) as watch:
            try:
                # The client never preloads: the body is still on the socket here.
                raw = api.call_api(*request, _request_timeout=(connect_s, deadline_s)).response
                complete = False
                try:
                    body = read_body(raw, cap_mib)
                    complete = True
                finally:
                    _end(raw, complete)
            except TooLarge:
                raise
            except Exception as exc:
                if watch.expired:
                    raise Overdue(f"no answer within {deadline_s:g} s (not complete by "
                                  f"then: {type(exc).__name__})") from None
                raise
        return int(raw.status), body, dict(raw.headers or {})

    return fetch, str(configuration.host or "")


def client_fetch(target: Target, options: Mapping[str, object]) -> Fetch:
    """A GET function over the kubernetes client's configuration and connection pool."""
    return connect(target, options)[0]


# --- one run's shared clock --------------------------------------------------------


class Pacer:
    """What the lists of one run share: the time budget and whether the server answers.

    Thread-safe: the kinds are listed from a pool of workers.
    """

    def __init__(self, budget: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.budget = budget
        self._clock, self._sleep, self.jitter = clock, sleep, jitter
        self._deadline = clock() + budget
        self._lock = threading.Lock()
        self._answered = False
        self._silent = 0
        self.silence = ""
        """Why the first request without an answer got none."""

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def heard(self, answered: bool, why: str = "") -> None:
        with self._lock:
            if answered:
                self._answered = True
            else:
                self._silent += 1
                self.silence = self.silence or why

    @property
    def unreachable(self) -> bool:
        with self._lock:
            return not self._answered and self._silent >= UNREACHABLE_AFTER

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless that would end past the budget (then False, at once)."""
        if seconds > self.remaining():
            return False
        if seconds > 0:
            self._sleep(seconds)
        return True


# --- one request -------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(v) for k, v in headers.items() if str(k).lower() == wanted), "")


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = _header(headers, "Retry-After").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


STATUS_NAMES = {401: "unauthorized", 403: "forbidden", 404: "not found", 410: "gone",
                429: "throttled", 500: "server error", 502: "bad gateway", 503: "unavailable",
                504: "gateway timeout"}


def _status_reason(status: int, body: Body, headers: Mapping[str, str]) -> str:
    label = f"{STATUS_NAMES.get(status, 'error')} ({status})"
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("reason") or "")
        return label + (f": {message[:160]}" if message else "")
    if not body.strip():
        return label
    # A proxy or load balancer in front of the API server answered, not Kubernetes.
    media = _header(headers, "Content-Type").split(";")[0].strip() or "unknown type"
    return f"{label}: not a Kubernetes Status ({media}, {len(body)} bytes)"


def _no_answer(exc: Exception, timeout: float | None) -> str:
    if isinstance(exc, Overdue):
        return str(exc)
    name = type(exc).__name__
    if "timeout" in name.lower() and timeout:
        return f"no answer within {timeout:g} s ({name})"
    cause = _system_error(exc)
    return f"no answer ({name}: {cause})" if cause else f"no answer ({name})"


def _system_error(exc: BaseException) -> str:
    """The system's words for why a connection failed (refused, unreachable, unknown host),
    from the OSError urllib3 wraps; "" when there is none."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror.lower()
        wrapped = [a for a in current.args if isinstance(a, BaseException)]
        current = current.__cause__ or (wrapped[0] if wrapped else current.__context__)
    return ""


def _parse_page(body: Body) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise ListError(200, "truncated or invalid JSON in the response") from None
    except RecursionError:
        raise ListError(200, "a response nested too deeply to be a list") from None
    if not isinstance(data, dict):
        shape = "an array" if isinstance(data, list) else type(data).__name__
        raise ListError(200, f"unexpected response: {shape}, not a list object")
    return data


@dataclass
class _Attempts:
    """How often one request has been repeated: after server errors, after 429s."""

    retries: int = 0
    throttles: int = 0


def _next_wait(error: ListError, headers: Mapping[str, str], done: _Attempts,
               jitter: float) -> float:
    """Seconds to wait before repeating the request, or raise the final ListError."""
    asked = retry_after_s(headers)
    if error.status == 429:
        if done.throttles >= MAX_THROTTLES:
            raise ListError(429, f"{error.reason}; still throttled after {MAX_THROTTLES} waits")
        wait = 1.0 if asked is None else asked
        if wait > RETRY_AFTER_CAP_S:
            raise ListError(429, f"{error.reason}; Retry-After {wait:g} s is longer than the "
                                 f"{RETRY_AFTER_CAP_S:g} s the auditor waits")
        done.throttles += 1
        return wait
    if error.status not in RETRYABLE:
        raise error
    if done.retries >= MAX_RETRIES:
        raise ListError(error.status, f"{error.reason}; {1 + MAX_RETRIES} attempts")
    wait = backoff_s(done.retries, jitter)
    if asked is not None:
        wait = max(wait, min(asked, RETRY_AFTER_CAP_S))
    done.retries += 1
    return wait


def get_page(fetch: Fetch, pacer: Pacer, path: str, query: list[tuple[str, str]],
             accept: str, timeout: float | None = None) -> dict[str, Any]:
    """One page, repeated as the retry policy allows; ListError when it cannot be had."""
    done = _Attempts()
    error: ListError | None = None
    while True:
        if pacer.unreachable:
            raise error or ListError(0, "no answer: the API server has answered no request; "
                                        "not attempted")
        headers: Mapping[str, str] = {}
        try:
            status, body, headers = fetch(path, query, accept)
        except TooLarge as exc:  # final: the same page would be as large again
            pacer.heard(True)
            raise ListError(exc.status, str(exc)) from None
        except Exception as exc:  # resets, timeouts, refusals: the kind is a problem, not a crash
            error = ListError(0, _no_answer(exc, timeout))
            pacer.heard(False, error.reason)
        else:
            pacer.heard(True)
            if status == 200:
                return _parse_page(body)
            error = ListError(status, _status_reason(status, body, headers))
        wait = _next_wait(error, headers, done, pacer.jitter())
        if not pacer.unreachable and not pacer.wait(wait):
            raise ListError(error.status, f"{error.reason}; not retried: a {wait:.1f} s wait "
                                          f"would pass the run's {pacer.budget:g} s budget")


# --- one kind ----------------------------------------------------------------------


def _query(kind: Kind, token: str) -> list[tuple[str, str]]:
    query = [("limit", str(PAGE_SIZE))]
    if token:
        query.append(("continue", token))
    if kind.label_selector:
        query.append(("labelSelector", kind.label_selector))
    if kind.field_selector:
        query.append(("fieldSelector", kind.field_selector))
    return query


def _page_items(kind: Kind, page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The page's objects, each let go once handed out (a page of pods is large)."""
    items = as_list(page.get("items"))
    for index, entry in enumerate(items):
        items[index] = None
        if isinstance(entry, dict):
            entry.setdefault("apiVersion", kind.group_version)
            entry.setdefault("kind", kind.kind)
            yield entry


class Expired(ListError):
    """The continue token of a list expired (410 Gone) between two pages."""


def list_kind(fetch: Fetch, kind: Kind, namespace: str | None,
              pacer: Pacer | None = None, timeout: float | None = None,
              ) -> Iterator[dict[str, Any]]:
    """Every object of one kind, page by page; Expired when the list must start over."""
    pacer = pacer or Pacer(budget_s(TIMEOUT_S))
    accept = METADATA_ONLY if kind.metadata_only else "application/json"
    token = ""
    while True:
        try:
            page = get_page(fetch, pacer, kind.path(namespace), _query(kind, token), accept,
                            timeout)
        except ListError as exc:
            if exc.status == 410 and token:
                raise Expired(410, exc.reason) from None
            raise
        token = str(as_map(page.get("metadata")).get("continue") or "")
        yield from _page_items(kind, page)
        del page
        if not token:
            return


# --- what is kept of an object -------------------------------------------------------


POD_SUMMARY_KEYS = ("namespace", "name", "owner", "node", "phase", "ready", "restarts")


def _shared(value: object) -> object:
    # Thousands of pods repeat the same namespace, node, phase and owner: keep one copy.
    return sys.intern(value) if isinstance(value, str) else value


def summarize_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    """What runtime checks need of a pod; the spec lives in its controller."""
    meta = as_map(pod.get("metadata"))
    status = as_map(pod.get("status"))
    owner = next((o for o in as_list(meta.get("ownerReferences"))
                  if isinstance(o, Mapping) and o.get("controller")), None)
    conditions = {c.get("type"): c.get("status") for c in as_list(status.get("conditions"))
                  if isinstance(c, Mapping)}
    restarts = sum(_count(s.get("restartCount")) for s in as_list(status.get("containerStatuses"))
                   if isinstance(s, Mapping))
    return {
        "namespace": _shared(meta.get("namespace")),
        "name": meta.get("name"),
        "owner": _shared(f"{owner.get('kind')}/{owner.get('name')}") if owner else None,
        "node": _shared(as_map(pod.get("spec")).get("nodeName")),
        "phase": _shared(status.get("phase")),
        "ready": conditions.get("Ready") == "True",
        "restarts": restarts,
    }


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


BOOKKEEPING = ("uid", "resourceVersion", "selfLink")


def _string_map(value: object) -> dict[str, str]:
    """Labels and annotations as the API defines them: strings to strings."""
    return {k: v for k, v in as_map(value).items() if isinstance(k, str) and isinstance(v, str)}


def _managers(value: object) -> list[dict[str, Any]]:
    """managedFields without their field sets: who changed the object, not which fields."""
    return [{k: v for k, v in entry.items() if k != "fieldsV1"}
            for entry in as_list(value) if isinstance(entry, dict)]


def _annotations(value: object) -> dict[str, str]:
    kept = _string_map(value)
    for key, text in kept.items():
        if len(text) > LONG_ANNOTATION and not key.startswith(KEPT_ANNOTATIONS):
            kept[key] = f"({len(text)} characters, not kept)"
    return kept


def _share_strings(obj: dict[str, Any]) -> None:
    """One copy of each repeated string value, in place.

    A cluster's objects repeat a few hundred strings ("IfNotPresent", "TCP", image
    names, label values) hundreds of thousands of times, and JSON parsing gives each
    occurrence its own copy: most of a kept object's size after its dicts. Exact
    type tests, as JSON makes no subclasses: this loop visits every value kept.
    """
    intern = sys.intern
    stack: list[dict[str, Any] | list[Any]] = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():  # replacing values does not resize the dict
                if type(value) is str:
                    node[key] = intern(value)
                elif type(value) is dict or type(value) is list:
                    stack.append(value)
        else:
            for index, value in enumerate(node):
                if type(value) is str:
                    node[index] = intern(value)
                elif type(value) is dict or type(value) is list:
                    stack.append(value)


def slim(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The object as kept for checks, or None when it has no name (no real object)."""
    meta = entry.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        return None
    for key in BOOKKEEPING:
        meta.pop(key, None)
    if "managedFields" in meta:
        meta["managedFields"] = _managers(meta["managedFields"])
    for key, clean in (("labels", _string_map), ("annotations", _annotations)):
        if key in meta:
            meta[key] = clean(meta[key])
    if "ownerReferences" in meta:
        meta["ownerReferences"] = [o for o in as_list(meta["ownerReferences"])
                                   if isinstance(o, dict)]
    if not isinstance(meta.get("namespace", ""), str):
        meta["namespace"] = ""
    if entry.get("kind") == "ConfigMap":
        entry.pop("binaryData", None)  # no check reads binary data
    _share_strings(entry)
    return entry


def release_of(meta: Mapping[str, Any]) -> HelmRelease | None:
    labels = as_map(meta.get("labels"))
    try:
        revision = int(labels.get("version") or 0)
    except (TypeError, ValueError):
        revision = 0
    name = labels.get("name")
    if not name:
        return None
    return HelmRelease(name=str(name), namespace=str(meta.get("namespace") or ""),
                       revision=revision, status=str(labels.get("status") or "unknown"))


def owned(entry: Mapping[str, Any]) -> bool:
    return any(isinstance(o, Mapping) and o.get("controller")
               for o in as_list(as_map(entry.get("metadata")).get("ownerReferences")))


# --- the whole cluster ---------------------------------------------------------------


@dataclass
class _Listed:
    """What one kind's list gave."""

    kind: Kind
    items: list[Item] = field(default_factory=list)
    pods: list[dict[str, Any]] = field(default_factory=list)
    releases: list[HelmRelease] = field(default_factory=list)
    nameless: int = 0
    problem: str | None = None
    namespace: str | None = None
    """Set when one kind is listed in several namespaces (Secrets with --secrets-namespace)."""


def _take(listed: _Listed, entry: dict[str, Any]) -> None:
    """Keep what checks need of one object, as it streams in."""
    kind = listed.kind
    if kind is HELM_RELEASES:
        release = release_of(as_map(entry.get("metadata")))
        if release:
            listed.releases.append(release)
        return
    kept = slim(entry)
    if kept is None:
        listed.nameless += 1
        return
    if kind.kind == "Pod":
        listed.pods.append(summarize_pod(kept))
    if kind.kind in ("Pod", "ReplicaSet") and owned(kept):
        return  # its controller carries the spec and is audited instead
    listed.items.append(Item(kept))


def _list_one(fetch: Fetch, kind: Kind, namespace: str | None, pacer: Pacer,
              timeout: float) -> _Listed:
    restarts = 0
    while True:
        # A relist starts over: what the expired list gave is dropped.
        listed = _Listed(kind, namespace=namespace if kind is SECRETS else None)
        try:
            for entry in list_kind(fetch, kind, namespace, pacer, timeout):
                _take(listed, entry)
            return listed
        except Expired as exc:
            if restarts >= MAX_RESTARTS:
                listed.problem = (f"{exc.reason}; relisted {MAX_RESTARTS} times and the "
                                  "continue token kept expiring")
            elif pacer.remaining() <= 0:
                listed.problem = (f"{exc.reason}; not relisted: the run's {pacer.budget:g} s "
                                  "budget is spent")
            else:
                restarts += 1
                continue
        except ListError as exc:
            listed.problem = exc.reason
        except Exception as exc:  # a bug here must cost one kind, not the audit
            listed.problem = f"could not be read: {type(exc).__name__}: {exc}"[:300]
        return listed


def _record(cluster: Cluster, listed: _Listed, missing: set[str],
            pods: list[dict[str, Any]], releases: list[HelmRelease]) -> None:
    """Keep what one kind's list gave, all of it or, when the list failed on any page,
    none of it: a part of the pods (or releases) would be judged as all of them."""
    kind = listed.kind
    label = f"{kind.key}" + (" (Helm releases)" if kind is HELM_RELEASES else "") + (
        f" in namespace {listed.namespace}" if listed.namespace else "")
    if listed.nameless:
        cluster.problems[f"objects {label}"] = (
            f"{listed.nameless} object(s) without metadata.name ignored")
    if listed.problem is None:
        cluster.items.extend(listed.items)
        pods.extend(listed.pods)
        releases.extend(listed.releases)
        return
    if kind.crd and listed.problem.startswith("not found"):
        # The server does not serve this custom resource: the feature is not installed, so
        # there are none of them. That is a fact had, not a problem (a core kind's 404 is).
        return
    if kind is SECRETS:
        cluster.secrets_read = False
    cluster.problems[f"list {label}"] = listed.problem
    missing.add(kind.kind)


def _secret_namespaces(options: Mapping[str, object], namespace: str | None
                       ) -> list[str | None]:
    """Where Secrets are listed: the namespaces of ``--secrets-namespace`` (so that a Role in
    each of them is enough; a cluster-wide list needs a ClusterRole on every Secret), else
    the audited scope."""
    named = options.get("secrets_namespaces")
    chosen = [ns for ns in named if isinstance(ns, str) and ns] if isinstance(
        named, tuple | list) else []
    if not chosen:
        return [namespace]
    return [ns for ns in dict.fromkeys(chosen) if namespace is None or ns == namespace]


def read_cluster(target: Target, options: Mapping[str, object],
                 fetch: Fetch | None = None) -> Cluster:
    cluster = Cluster(secrets_read=bool(options.get("read_secrets")))
    server = ""
    try:
        if fetch is None:
            fetch, server = connect(target, options)
    except ConfigProblem as exc:
        cluster.problems["cluster"] = str(exc)[:300]
        cluster.missing = frozenset(k.kind for k in KINDS)
        return cluster
    except Exception as exc:
        cluster.problems["cluster"] = f"cannot connect: {type(exc).__name__}: {exc}"[:300]
        cluster.missing = frozenset(k.kind for k in KINDS)
        return cluster
    given = options.get("namespace")
    namespace = given if isinstance(given, str) and given else None
    jobs: list[tuple[Kind, str | None]] = [(k, namespace) for k in (*KINDS, HELM_RELEASES)]
    if cluster.secrets_read:
        jobs += [(SECRETS, ns) for ns in _secret_namespaces(options, namespace)]
    timeout = _timeout(options)[1]
    pacer = Pacer(budget_s(timeout))
    missing: set[str] = set()
    pods: list[dict[str, Any]] = []
    releases: list[HelmRelease] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for listed in pool.map(lambda job: _list_one(fetch, job[0], job[1], pacer, timeout),
                               jobs):
            _record(cluster, listed, missing, pods, releases)
    if pacer.unreachable:
        # First: it is the cause of every other problem, and the one an exit line names.
        where = f" at {server}" if server else ""
        why = " " + pacer.silence.removeprefix("no answer ") if pacer.silence else ""
        cluster.problems = {"cluster": f"the API server{where} answered no request{why}; "
                            "nothing was listed", **cluster.problems}
    cluster.pods = tuple(pods)
    cluster.releases = tuple(sorted(releases, key=lambda r: (r.namespace, r.name, r.revision)))
    cluster.missing = frozenset(missing)
    if not cluster.secrets_read:
        cluster.problems["secrets"] = (
            "Secrets not read (no --read-secrets): secret values are not compared"
        )
    return cluster
