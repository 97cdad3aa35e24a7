"""The fake Kubernetes API server, exercised with the real ``kubernetes`` client.

The client (37.x) has no one-call raw GET: ``ApiClient.param_serialize`` builds
the URL and auth headers, ``ApiClient.call_api`` sends it and returns the
unread response without raising on errors. The generated API methods with
``_preload_content=False`` do raise ``ApiException`` on non-2xx; ``raw_get``
below does the same so every error arrives as the auditor will see it.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import urllib3
from kubeapi import CRDS, FakeKubeAPI
from kubernetes import client
from kubernetes import config as _config
from kubernetes.client.exceptions import ApiException

# kubernetes ships py.typed, but its config functions and REST responses are untyped,
# and list_* is typed as returning models even with _preload_content=False.
config: Any = _config

PARTIAL_LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
JSON_ACCEPT = "application/json"


def _load_bench() -> Any:
    path = Path(__file__).resolve().parents[1] / "bench" / "synthetic_cluster.py"
    spec = importlib.util.spec_from_file_location("synthetic_cluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synthetic_cluster", module)
    spec.loader.exec_module(module)
    return module


synthetic_cluster = _load_bench().synthetic_cluster


def pod(name: str, namespace: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27.3"}]},
        "status": {"phase": "Running" if int(name.rsplit("-", 1)[1]) % 4 else "Pending"},
    }


def helm_secret(name: str, revision: int, status: str, namespace: str = "apps") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "namespace": namespace,
            "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)},
        },
        "data": {"release": base64.b64encode(b"x" * 5000).decode()},
    }


OBJECTS = [
    *(
        pod(f"web-{i}", ns, app="web", tier="front" if i % 2 else "back")
        for ns in ("ns", "ns-a", "ns0")
        for i in range(8)
    ),
    helm_secret("superset", 1, "superseded"),
    helm_secret("superset", 2, "deployed"),
    {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "plain", "namespace": "apps"},
        "data": {"password": "aHVudGVyMg=="},
    },
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}},
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"replicas": 2},
    },
    {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"endpoints": []},
    },
]


@pytest.fixture
def api() -> Iterator[FakeKubeAPI]:
    with FakeKubeAPI(OBJECTS, token="s3cret") as server:
        yield server


@pytest.fixture
def kube(api: FakeKubeAPI, tmp_path: Path) -> client.ApiClient:
    path = api.write_kubeconfig(tmp_path / "kubeconfig")
    kube: client.ApiClient = config.new_client_from_config(config_file=str(path))
    return kube


def core_api(kube: client.ApiClient) -> Any:
    return client.CoreV1Api(kube)


def raw_get(
    kube: client.ApiClient,
    path: str,
    query: Sequence[tuple[str, Any]] = (),
    accept: str = JSON_ACCEPT,
    timeout: float | None = None,
) -> Any:
    method, url, headers, body, post = kube.param_serialize(
        "GET",
        path,
        query_params=list(query),
        header_params={"Accept": accept},
        auth_settings=["BearerToken"],
    )
    response: Any = kube.call_api(method, url, headers, body, post, _request_timeout=timeout)
    response.read()
    if not 200 <= response.status <= 299:
        ApiException.from_response(http_resp=response, body=None, data=None)  # raises
    return json.loads(response.data)


def status_of(exc: pytest.ExceptionInfo[ApiException]) -> dict[str, Any]:
    body = json.loads(exc.value.body or "")
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["status"] == "Failure" and body["code"] == exc.value.status
    return dict(body)


def list_all(
    kube: client.ApiClient,
    path: str,
    limit: int,
    query: Sequence[tuple[str, Any]] = (),
    accept: str = JSON_ACCEPT,
    restarts: int = 2,
) -> list[dict[str, Any]]:
    """What a careful client does: follow continue tokens, restart the list on 410."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        params = [*query, ("limit", limit)] + ([("continue", token)] if token else [])
        try:
            page = raw_get(kube, path, params, accept)
        except ApiException as exc:
            if exc.status != 410 or restarts == 0:
                raise
            restarts, items, token = restarts - 1, [], None
            continue
        items.extend(page["items"])
        token = page["metadata"].get("continue")
        if not token:
            return items


# --- lists and pagination ------------------------------------------------------


def test_paginated_list_returns_every_object_exactly_once(
    api: FakeKubeAPI, kube: client.ApiClient
) -> None:
    pages = []
    token = None
    while True:
        query: list[tuple[str, Any]] = [("limit", 5)] + ([("continue", token)] if token else [])
        pages.append(raw_get(kube, "/api/v1/pods", query))
        token = pages[-1]["metadata"].get("continue")
        if not token:
            break
    names = [
        f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        for page in pages
        for p in page["items"]
    ]
    assert len(pages) == 5 and len(names) == 24 == len(set(names))
    assert names == sorted(names)  # key order ("ns-a/..." before "ns/..."), as etcd serves them
    assert {p["metadata"]["resourceVersion"] for p in pages} == {
        pages[0]["metadata"]["resourceVersion"]
    }
    assert [p["metadata"].get("remainingItemCount") for p in pages] == [19, 14, 9, 4, None]
    assert all(p["kind"] == "PodList" and p["apiVersion"] == "v1" for p in pages)
    assert len(api.list_requests("pods")) == 5


def test_generated_api_without_preload_reads_the_same_pages(kube: client.ApiClient) -> None:
    core = core_api(kube)
    first = json.loads(core.list_pod_for_all_namespaces(limit=20, _preload_content=False).data)
    rest = json.loads(
        core.list_pod_for_all_namespaces(
            limit=20, _continue=first["metadata"]["continue"], _preload_content=False
        ).data
    )
    assert len(first["items"]) + len(rest["items"]) == 24 and "continue" not in rest["metadata"]


def test_list_items_omit_kind_but_custom_resources_keep_it(kube: client.ApiClient) -> None:
    pods = raw_get(kube, "/api/v1/namespaces/ns/pods")["items"]
    assert pods and all("kind" not in p and "apiVersion" not in p for p in pods)
    single = raw_get(kube, "/api/v1/namespaces/ns/pods/web-1")
    assert (single["apiVersion"], single["kind"]) == ("v1", "Pod")


def test_custom_resource_items_keep_kind_when_crd_enabled(tmp_path: Path) -> None:
    with FakeKubeAPI(OBJECTS, crds=["servicemonitors.monitoring.coreos.com"]) as api:
        kube = config.new_client_from_config(str(api.write_kubeconfig(tmp_path / "kc")))
        items = raw_get(kube, "/apis/monitoring.coreos.com/v1/servicemonitors")["items"]
    assert [(i["apiVersion"], i["kind"]) for i in items] == [
        ("monitoring.coreos.com/v1", "ServiceMonitor")
    ]


def test_namespaced_list_stays_inside_its_namespace(kube: client.ApiClient) -> None:
    # "ns-a" sorts before "ns/" and "ns0" after it: neither may leak into ns's list.
    items = list_all(kube, "/api/v1/namespaces/ns/pods", limit=3)
    assert {i["metadata"]["namespace"] for i in items} == {"ns"} and len(items) == 8
    assert raw_get(kube, "/api/v1/namespaces/absent/pods")["items"] == []


def test_cluster_scoped_and_single_objects(kube: client.ApiClient) -> None:
    assert raw_get(kube, "/api/v1/namespaces/apps")["metadata"]["name"] == "apps"
    deployment = raw_get(kube, "/apis/apps/v1/namespaces/ns/deployments/web")
    assert deployment["spec"] == {"replicas": 2} and deployment["metadata"]["uid"]
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/apis/apps/v1/namespaces/ns/deployments/absent")
    assert status_of(exc)["details"] == {"name": "absent", "kind": "deployments", "group": "apps"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web,tier=front", 12),
        ("tier in (front, back)", 24),
        ("tier notin (front)", 12),
        ("tier!=front", 12),
        ("app", 24),
        ("!app", 0),
        ("app==web,tier in (back)", 12),
    ],
)
def test_label_selectors(kube: client.ApiClient, selector: str, expected: int) -> None:
    items = list_all(kube, "/api/v1/pods", limit=5, query=[("labelSelector", selector)])
    assert len(items) == expected


def test_selected_pages_carry_no_remaining_count(kube: client.ApiClient) -> None:
    page = raw_get(kube, "/api/v1/pods", [("limit", 2), ("labelSelector", "tier=front")])
    assert "continue" in page["metadata"] and "remainingItemCount" not in page["metadata"]


def test_field_selectors(kube: client.ApiClient) -> None:
    def count(selector: str) -> int:
        return len(raw_get(kube, "/api/v1/pods", [("fieldSelector", selector)])["items"])

    assert count("metadata.namespace=ns0") == 8
    assert count("status.phase!=Running") == 6
    assert count("metadata.namespace=ns,metadata.name=web-3") == 1
    # Field values may hold "/" (label values may not): a Secret's type is one.
    helm = raw_get(kube, "/api/v1/secrets", [("fieldSelector", "type=helm.sh/release.v1")])
    assert len(helm["items"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        [("labelSelector", "app in (web")],
        [("fieldSelector", "a in (b)")],
        [("continue", "not-a-token")],
        [("limit", "ten")],
        [("watch", "true")],
    ],
)
def test_bad_requests_are_400_status(kube: client.ApiClient, query: list[tuple[str, str]]) -> None:
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/api/v1/pods", query)
    assert status_of(exc)["reason"] == "BadRequest"


# --- metadata-only lists -------------------------------------------------------


def test_partial_object_metadata_list_has_no_payload(
    api: FakeKubeAPI, kube: client.ApiClient
) -> None:
    body = raw_get(kube, "/api/v1/secrets", [("labelSelector", "owner=helm")], PARTIAL_LIST)
    assert (body["kind"], body["apiVersion"]) == ("PartialObjectMetadataList", "meta.k8s.io/v1")
    assert [i["metadata"]["labels"]["status"] for i in body["items"]] == ["superseded", "deployed"]
    for item in body["items"]:
        assert set(item) == {"kind", "apiVersion", "metadata"}
        assert (item["kind"], item["apiVersion"]) == ("PartialObjectMetadata", "meta.k8s.io/v1")
    assert "xxxx" not in json.dumps(body)  # base64 of the planted payload
    assert api.log[-1].accept == PARTIAL_LIST


def test_partial_single_object_and_unacceptable_media(kube: client.ApiClient) -> None:
    one = raw_get(
        kube,
        "/api/v1/namespaces/apps/secrets/plain",
        accept="application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
    )
    assert one["kind"] == "PartialObjectMetadata" and "data" not in one
    # Offering a fallback is how clients stay compatible: the first servable offer wins.
    fallback = raw_get(
        kube, "/api/v1/secrets", accept="application/vnd.kubernetes.protobuf,application/json"
    )
    assert fallback["kind"] == "SecretList"
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/api/v1/secrets", accept="application/vnd.kubernetes.protobuf")
    assert status_of(exc)["code"] == 406


# --- discovery ------------------------------------------------------------------


def test_discovery_shapes(kube: client.ApiClient) -> None:
    versions = raw_get(kube, "/api")
    assert versions["kind"] == "APIVersions" and versions["versions"] == ["v1"]
    core = raw_get(kube, "/api/v1")
    assert (core["kind"], core["groupVersion"]) == ("APIResourceList", "v1")
    pods = next(r for r in core["resources"] if r["name"] == "pods")
    assert pods == {
        "name": "pods",
        "singularName": "pod",
        "namespaced": True,
        "kind": "Pod",
        "verbs": ["get", "list", "watch"],
        "shortNames": ["po"],
    }
    assert any(r["name"] == "pods/status" for r in core["resources"])
    groups = raw_get(kube, "/apis")
    assert groups["kind"] == "APIGroupList"
    names = [g["name"] for g in groups["groups"]]
    assert {"apps", "batch", "autoscaling", "policy", "networking.k8s.io"} <= set(names)
    assert "monitoring.coreos.com" not in names
    apps = raw_get(kube, "/apis/apps")
    assert apps["kind"] == "APIGroup" and apps["preferredVersion"] == {
        "groupVersion": "apps/v1",
        "version": "v1",
    }
    resources = raw_get(kube, "/apis/autoscaling/v2")
    assert resources["groupVersion"] == "autoscaling/v2"
    assert resources["resources"][0]["kind"] == "HorizontalPodAutoscaler"
    assert raw_get(kube, "/version")["gitVersion"] == "v1.31.4"


def test_missing_crd_is_a_404_status(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    for path in (
        "/apis/monitoring.coreos.com/v1",
        "/apis/monitoring.coreos.com/v1/servicemonitors",
        "/apis/velero.io/v1/namespaces/velero/schedules",
        "/apis/nope/v1/things",
    ):
        with pytest.raises(ApiException) as exc:
            raw_get(kube, path)
        assert status_of(exc)["reason"] == "NotFound"
    assert api.count("servicemonitors") == 1  # stored, but not served without its CRD


def test_enabled_crds_are_discovered_and_listed(tmp_path: Path) -> None:
    with FakeKubeAPI(OBJECTS, crds=True) as api:
        kube = config.new_client_from_config(str(api.write_kubeconfig(tmp_path / "kc")))
        names = [g["name"] for g in raw_get(kube, "/apis")["groups"]]
        assert {r.group for r in CRDS} <= set(names)
        assert len(raw_get(kube, "/apis/monitoring.coreos.com/v1/servicemonitors")["items"]) == 1
        assert raw_get(kube, "/apis/keda.sh/v1alpha1/scaledobjects")["items"] == []


def test_unknown_kinds_are_rejected_and_unknown_crds_named() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        FakeKubeAPI([{"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "x"}}])
    with pytest.raises(ValueError, match="unknown CRD"):
        FakeKubeAPI(crds=["things.example.com"])


# --- errors and fault injection -----------------------------------------------------


@pytest.mark.parametrize(
    ("inject", "code", "reason"),
    [
        (lambda api: api.forbid("pods"), 403, "Forbidden"),
        (lambda api: api.fail("pods"), 500, "InternalError"),
        (lambda api: api.fail("pods", 503), 503, "ServiceUnavailable"),
        (lambda api: api.fail("pods", 504), 504, "Timeout"),
    ],
)
def test_faults_arrive_as_api_exceptions_with_status(
    api: FakeKubeAPI, kube: client.ApiClient, inject: Any, code: int, reason: str
) -> None:
    fault = inject(api)
    with pytest.raises(ApiException) as exc:
        core_api(kube).list_pod_for_all_namespaces(limit=5, _preload_content=False)
    status = status_of(exc)
    assert (exc.value.status, status["reason"]) == (code, reason)
    assert fault.hits == 1 and api.log[-1].status == code
    assert raw_get(kube, "/api/v1/services")["items"] == []  # other kinds are unaffected
    if code == 403:
        assert status["message"].startswith('pods is forbidden: User "system:serviceaccount:')
        assert status["message"].endswith("at the cluster scope")


def test_throttling_is_retried_by_urllib3_unless_retries_are_off(
    api: FakeKubeAPI, kube: client.ApiClient, tmp_path: Path
) -> None:
    # urllib3's default Retry honours Retry-After on 429 (and 413/503): one sleep, then 200.
    api.throttle("pods", retry_after=1)
    started = time.monotonic()
    assert raw_get(kube, "/api/v1/pods")["kind"] == "PodList"
    assert time.monotonic() - started >= 1 and [r.status for r in api.log] == [429, 200]
    configuration = client.Configuration()
    config.load_kube_config(
        str(api.write_kubeconfig(tmp_path / "kc")), client_configuration=configuration
    )
    configuration.retries = False
    api.throttle("pods", retry_after=2)
    with pytest.raises(ApiException) as exc:
        raw_get(client.ApiClient(configuration), "/api/v1/pods")
    assert status_of(exc)["reason"] == "TooManyRequests"
    assert exc.value.headers is not None and exc.value.headers["Retry-After"] == "2"
    assert status_of(exc)["details"] == {"retryAfterSeconds": 2}


def test_forbidden_in_one_namespace_only(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    api.forbid("secrets", namespace="apps")
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/api/v1/namespaces/apps/secrets")
    assert status_of(exc)["message"].endswith('in the namespace "apps"')
    assert raw_get(kube, "/api/v1/namespaces/other/secrets")["items"] == []
    assert len(raw_get(kube, "/api/v1/secrets")["items"]) == 3


def test_fault_times_and_group_qualified_plural(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    fault = api.fail("deployments.apps", times=1)
    with pytest.raises(ApiException):
        raw_get(kube, "/apis/apps/v1/deployments")
    assert len(raw_get(kube, "/apis/apps/v1/deployments")["items"]) == 1
    assert fault.hits == 1
    api.forbid("*")
    with pytest.raises(ApiException):
        raw_get(kube, "/api/v1")
    api.clear_faults()
    assert raw_get(kube, "/api/v1")["kind"] == "APIResourceList"


def test_expired_continue_is_410_and_a_restart_completes(
    api: FakeKubeAPI, kube: client.ApiClient
) -> None:
    first = raw_get(kube, "/api/v1/pods", [("limit", 10)])
    api.expire_continue("pods", after_pages=1)
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/api/v1/pods", [("limit", 10), ("continue", first["metadata"]["continue"])])
    status = status_of(exc)
    assert status["reason"] == "Expired" and status["metadata"]["continue"]
    api.clear_log()
    api.expire_continue("pods", after_pages=2)  # a fresh one, for the full list below
    items = list_all(kube, "/api/v1/pods", limit=10)
    assert len(items) == 24 == len({i["metadata"]["uid"] for i in items})
    assert [(r.is_continue, r.status) for r in api.log] == [
        (False, 200),
        (True, 200),
        (True, 410),
        (False, 200),
        (True, 200),
        (True, 200),
    ]


def test_slow_response_and_client_timeout(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    api.delay("pods", 0.3, times=1)
    started = time.monotonic()
    assert raw_get(kube, "/api/v1/pods")["items"]
    assert time.monotonic() - started >= 0.3
    api.delay("pods", 0.4)
    # urllib3 retries a read timeout on GET (3 retries by default): 4 attempts in all.
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        raw_get(kube, "/api/v1/pods", timeout=0.05)


def test_truncated_body_is_a_200_that_does_not_parse(
    api: FakeKubeAPI, kube: client.ApiClient
) -> None:
    api.truncate("pods", times=1)
    response = core_api(kube).list_pod_for_all_namespaces(_preload_content=False)
    assert response.status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.data)
    assert api.log[-1].faults == ("truncate",)


def test_reset_connection(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    api.reset("pods", times=1)
    # urllib3 silently retries a reset GET: the log shows the reset (status 0), then the answer.
    assert raw_get(kube, "/api/v1/pods")["kind"] == "PodList"
    assert [r.status for r in api.log] == [0, 200]
    api.reset("pods")
    with pytest.raises(urllib3.exceptions.MaxRetryError, match="reset"):
        raw_get(kube, "/api/v1/pods")


def _open(api: FakeKubeAPI, path: str, read_timeout: float = 5.0) -> Any:
    """GET with urllib3 directly, the body left on the socket for the test to read."""
    pool = urllib3.PoolManager(retries=False)
    return pool.request("GET", api.url + path, headers={"Authorization": "Bearer s3cret"},
                        preload_content=False,
                        timeout=urllib3.Timeout(connect=5.0, read=read_timeout))


def test_a_trickled_answer_is_whole_and_never_trips_a_read_timeout(api: FakeKubeAPI) -> None:
    api.trickle("pods", seconds=0.01, times=1)
    response = _open(api, "/api/v1/namespaces/none/pods", read_timeout=0.3)
    length = int(response.headers["Content-Length"])
    # Each byte comes well within the read timeout; the whole answer takes longer than it.
    assert length * 0.01 > 0.3
    body = response.read()
    assert len(body) == length
    assert json.loads(body)["kind"] == "PodList"
    assert api.log[-1].faults == ("trickle",) and api.log[-1].status == 200


@pytest.mark.parametrize("announce", [False, True])
def test_an_endless_body_goes_on_for_as_long_as_it_is_read(
    api: FakeKubeAPI, announce: bool
) -> None:
    api.endless("pods", announce=announce)
    response = _open(api, "/api/v1/pods")
    if announce:
        assert response.headers["Content-Length"] == str(1 << 40)
    else:
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in response.headers
    read = 0
    first = b""
    while read < 8 << 20:  # 8 MiB, more than any test cap, and it still goes on
        chunk = response.read(1 << 16)
        assert chunk, "the body ended"
        first = first or chunk
        read += len(chunk)
    response.close()
    assert first.startswith(b'{"kind":"List","apiVersion":"v1","metadata":{},"items":[')
    assert b'{"metadata":{"name":"endless","namespace":"default"}},' in first
    # The next request is answered as usual: the fault holds every matching request.
    api.clear_faults()
    assert json.loads(_open(api, "/api/v1/pods").read())["kind"] == "PodList"


def test_a_hang_after_headers_sends_headers_then_nothing(api: FakeKubeAPI) -> None:
    api.hang_after_headers("pods", times=1)
    response = _open(api, "/api/v1/pods", read_timeout=0.2)
    assert response.status == 200 and int(response.headers["Content-Length"]) > 0
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        response.read()
    response.close()
    assert api.log[-1].faults == ("hang_after_headers",)
    assert json.loads(_open(api, "/api/v1/pods").read())["kind"] == "PodList"


def test_a_streamed_fault_ends_with_the_server(tmp_path: Path) -> None:
    api = FakeKubeAPI(OBJECTS).start()
    api.hang_after_headers("pods")
    response = _open(api, "/api/v1/pods", read_timeout=10.0)
    api.stop()  # the hanging handler sees the server stop and closes its connection
    with pytest.raises(urllib3.exceptions.ProtocolError):
        response.read()


def test_a_list_can_fail_from_its_second_page_on(api: FakeKubeAPI,
                                                 kube: client.ApiClient) -> None:
    api.fail("pods", 500, from_page=1)
    first = raw_get(kube, "/api/v1/pods", [("limit", 5)])
    assert len(first["items"]) == 5 and first["metadata"]["continue"]
    with pytest.raises(ApiException) as failed:
        raw_get(kube, "/api/v1/pods", [("limit", 5), ("continue", first["metadata"]["continue"])])
    assert failed.value.status == 500
    assert [r.status for r in api.list_requests("pods")][-2:] == [200, 500]


# --- the request log, methods and auth ------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_non_get_is_refused_and_logged(
    api: FakeKubeAPI, kube: client.ApiClient, method: str
) -> None:
    verb, url, headers, body, post = kube.param_serialize(
        method,
        "/api/v1/namespaces/ns/pods/web-1",
        header_params={"Accept": JSON_ACCEPT, "Content-Type": JSON_ACCEPT},
        body={"metadata": {"labels": {"x": "y"}}},
        auth_settings=["BearerToken"],
    )
    response: Any = kube.call_api(verb, url, headers, body, post)
    response.read()
    assert response.status == 405
    assert json.loads(response.data)["reason"] == "MethodNotAllowed"
    assert api.methods() == {method}
    assert raw_get(kube, "/api/v1/namespaces/ns/pods/web-1")["metadata"].get("labels") == {
        "app": "web",
        "tier": "front",
    }


def test_log_records_every_request(api: FakeKubeAPI, kube: client.ApiClient) -> None:
    raw_get(kube, "/api/v1/namespaces/ns/pods", [("limit", 3), ("labelSelector", "app=web")])
    raw_get(kube, "/apis/apps/v1")
    with pytest.raises(ApiException):
        raw_get(kube, "/apis/monitoring.coreos.com/v1/servicemonitors")
    first, discovery, missing = api.log
    assert (first.method, first.path, first.query, first.accept, first.status) == (
        "GET",
        "/api/v1/namespaces/ns/pods",
        {"limit": "3", "labelSelector": "app=web"},
        JSON_ACCEPT,
        200,
    )
    assert (first.verb, first.plural, first.namespace, first.faults) == ("list", "pods", "ns", ())
    assert (discovery.verb, discovery.plural) == ("discovery", None)
    assert (missing.verb, missing.status) == ("list", 404)
    assert api.methods() == {"GET"} and len(api.list_requests()) == 2


def test_bearer_token_is_required(api: FakeKubeAPI, tmp_path: Path) -> None:
    path = api.write_kubeconfig(tmp_path / "kc", context="wrong", token="nope")
    kube = config.new_client_from_config(str(path))
    with pytest.raises(ApiException) as exc:
        raw_get(kube, "/api/v1/pods")
    assert status_of(exc)["reason"] == "Unauthorized" and exc.value.status == 401


def test_kubeconfig_context_and_namespace(api: FakeKubeAPI, tmp_path: Path) -> None:
    path = api.write_kubeconfig(tmp_path / "kc", context="prod", namespace="apps")
    _, active = config.list_kube_config_contexts(str(path))
    assert active["name"] == "prod" and active["context"]["namespace"] == "apps"
    kube = config.new_client_from_config(str(path), context="prod")
    assert kube.configuration.host == api.url


def test_in_cluster_files_are_read_by_the_real_loader(api: FakeKubeAPI, tmp_path: Path) -> None:
    env = api.service_account_env(tmp_path / "sa", namespace="apps")
    assert env == {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(api.port)}
    configuration = client.Configuration()
    config.incluster_config.InClusterConfigLoader(
        token_filename=str(tmp_path / "sa" / "token"),
        cert_filename=str(tmp_path / "sa" / "ca.crt"),
        try_refresh_token=False,
        environ=env,
    ).load_and_set(configuration)
    assert configuration.host == f"https://127.0.0.1:{api.port}"  # TLS: not servable here
    assert (tmp_path / "sa" / "namespace").read_text() == "apps"
    configuration.host = api.url  # the loader's token ("bearer ...") still authenticates
    kube = client.ApiClient(configuration)
    assert raw_get(kube, "/api/v1/namespaces/apps/secrets")["kind"] == "SecretList"


# --- lifecycle and scale -------------------------------------------------------------


def test_concurrent_lists_and_clean_stop(tmp_path: Path) -> None:
    before = threading.active_count()
    api = FakeKubeAPI(OBJECTS).start()
    kube = config.new_client_from_config(str(api.write_kubeconfig(tmp_path / "kc")))
    paths = [
        "/api/v1/pods",
        "/api/v1/secrets",
        "/apis/apps/v1/deployments",
        "/api/v1/namespaces",
        "/apis/batch/v1/cronjobs",
        "/api/v1/services",
    ] * 4
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda p=p: results.append(len(list_all(kube, p, limit=2))))
        for p in paths
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(set(results)) == [0, 1, 3, 24] and len(results) == len(paths)
    api.delay("pods", 30)
    errors: list[Exception] = []

    def slow_list() -> None:
        try:
            raw_get(kube, "/api/v1/pods")
        except Exception as exc:  # the reset, then "connection refused" on urllib3's retries
            errors.append(exc)

    slow = threading.Thread(target=slow_list, daemon=True)
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    api.stop()  # wakes the sleeping handler instead of waiting 30 s
    assert time.monotonic() - started < 5
    slow.join(5)
    kube.close()
    assert not slow.is_alive() and isinstance(errors[0], urllib3.exceptions.MaxRetryError)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def test_ten_thousand_pods_list_in_pages_of_500(tmp_path: Path) -> None:
    with FakeKubeAPI(synthetic_cluster(namespaces=500, pods=10_000), crds=True) as api:
        kube = config.new_client_from_config(str(api.write_kubeconfig(tmp_path / "kc")))
        core = core_api(kube)
        uids: set[str] = set()
        token = None
        while True:
            page = json.loads(
                core.list_pod_for_all_namespaces(
                    limit=500, _continue=token, _preload_content=False
                ).data
            )
            assert len(page["items"]) <= 500
            uids.update(p["metadata"]["uid"] for p in page["items"])
            token = page["metadata"].get("continue")
            if not token:
                break
        assert len(uids) == 10_000 and len(api.list_requests("pods")) == 20
        namespaces = list_all(kube, "/api/v1/namespaces", limit=500)
        assert len(namespaces) == 500
        releases = list_all(
            kube,
            "/api/v1/secrets",
            limit=500,
            accept=PARTIAL_LIST,
            query=[("labelSelector", "owner=helm,name=superset")],
        )
        assert {r["metadata"]["labels"]["status"] for r in releases} == {
            "superseded",
            "deployed",
            "failed",
        }
        assert api.methods() == {"GET"}


def test_synthetic_cluster_is_deterministic_and_counted() -> None:
    small = list(
        synthetic_cluster(namespaces=12, pods=150, superset_releases=3, release_payload_bytes=2_000)
    )
    assert small == list(
        synthetic_cluster(namespaces=12, pods=150, superset_releases=3, release_payload_bytes=2_000)
    )
    kinds = [o["kind"] for o in small]
    assert kinds.count("Pod") == 150 and kinds.count("Namespace") == 12
    web = next(
        o for o in small if o["kind"] == "Deployment" and o["metadata"]["name"] == "superset"
    )
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "apache/superset:4.1.1" and "gunicorn" in container["command"]
    helm = [
        o
        for o in small
        if o.get("type") == "helm.sh/release.v1" and o["metadata"]["labels"]["name"] == "superset"
    ]
    assert {o["metadata"]["labels"]["owner"] for o in helm} == {"helm"}
    assert all(len(o["data"]["release"]) > 2_000 for o in helm)
    pods = [o for o in small if o["kind"] == "Pod"]
    assert all(
        o["metadata"]["ownerReferences"][0]["kind"] in ("ReplicaSet", "StatefulSet") for o in pods
    )
