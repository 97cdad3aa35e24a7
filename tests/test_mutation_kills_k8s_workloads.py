"""Direct unit tests for the Kubernetes workload checks' helpers (issue 13, item 3).

What a whole-tree case in tests/conditions/k8s_workloads.py cannot state (a helper's
answer on an edge, a branch the registry's kind guard shadows) is pinned here, each
expected value a literal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

from auditor.checks.kubernetes import (
    availability,
    backups,
    gitops,
    kustapply,
    kustread,
    kustxform,
    rollback,
    scalability,
)
from auditor.checks.kubernetes import helm as helm_module
from auditor.checks.kubernetes.availability import blocks_drains
from auditor.checks.kubernetes.backups import covers
from auditor.checks.kubernetes.collect import build as build_facts
from auditor.checks.kubernetes.facts import Container, KubeFacts
from auditor.checks.kubernetes.helm import Rendered, chart_file, chart_identity, render
from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustomize import build, describe
from auditor.checks.kubernetes.kustpatch import PatchError, Selector, json6902, strategic_merge
from auditor.checks.kubernetes.kustread import Refused, clone
from auditor.checks.kubernetes.objects import Item
from auditor.checks.kubernetes.scalability import measured
from auditor.checks.kubernetes.storage import scratch
from auditor.checks.kubernetes.supervision import stops_all
from auditor.checks.kubernetes.topology import controller_of, selects, superset_role
from auditor.checks.superset.dbhost import DatabaseHost
from auditor.model import Location, Result, Status


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    (None, {"app": "a"}, False),
    ({}, {"app": "a"}, True),
    ({"app": "a"}, {"app": "a", "tier": "web"}, True),
    ({"app": "a"}, {"app": "b"}, False),
    ({"matchLabels": {"app": "a"}}, {"app": "a"}, True),
    ({"matchLabels": {"app": "a"}}, {}, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]},
     {"app": "b"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a"]}]},
     {"app": "c"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
     {"app": "c"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
     {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
     {"app": "a"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {"app": ""}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {"app": "a"}, False),
    ({"matchExpressions": ["not a map", {"key": "app", "operator": "Exists"}]},
     {"app": "a"}, True),
    ({"matchLabels": {"app": "a"},
      "matchExpressions": [{"key": "tier", "operator": "In", "values": [7]}]},
     {"app": "a", "tier": "7"}, True),
])
def test_selects(selector: Mapping[str, Any] | None, labels: dict[str, str],
                 expected: bool) -> None:
    assert selects(selector, labels) is expected


@pytest.mark.parametrize(("pod", "expected"), [
    ({"owner": "ReplicaSet/superset-5d9f"}, ("Deployment", "superset")),
    ({"owner": "ReplicaSet/my-web-app-5d9f"}, ("Deployment", "my-web-app")),
    ({"owner": "StatefulSet/postgres"}, ("StatefulSet", "postgres")),
    ({"owner": "DaemonSet/agent"}, ("DaemonSet", "agent")),
    ({"owner": "Job/migrate"}, None),
    ({"owner": None}, None),
    ({}, None),
])
def test_controller_of(pod: Mapping[str, object], expected: tuple[str, str] | None) -> None:
    assert controller_of(pod) == expected


@pytest.fixture(autouse=True)
def _room_for_the_depth_bounds_under_test() -> Iterator[None]:
    """The Kustomize code bounds nesting itself (TooDeep at 400 levels); under mutmut every
    call is wrapped in two more frames, which would hit Python's recursion limit first."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))
    yield
    sys.setrecursionlimit(limit)


def _container(command: list[str] | None = None, image: str = "apache/superset:4.1.1",
               env: list[dict[str, str]] | None = None) -> Container:
    spec: dict[str, Any] = {"name": "c", "image": image}
    if command is not None:
        spec["command"] = command
    if env is not None:
        spec["env"] = env
    return Container("c", spec, False)


@pytest.mark.parametrize(("command", "image", "expected"), [
    (["celery", "--app=superset.tasks.celery_app:app", "beat"], "x", "beat"),
    (["celery", "-a", "superset.tasks.celery_app:app", "worker"], "x", "worker"),
    (["celery", "--app", "superset.tasks.celery_app:app", "flower"], "x", None),
    (["celery", "--app=superset.tasks.celery_app:app", "inspect", "ping"], "x", None),
    (["celery", "--app=other:app", "worker"], "x", None),
    (["gunicorn", "superset.app:create_app()"], "x", "web"),
    (["gunicorn", "superset:app"], "x", "web"),
    (["gunicorn", "other:app"], "x", None),
    (["superset", "run", "-p", "8088"], "x", "web"),
    (["/usr/bin/run-server.sh"], "x", "web"),
    (["/app/docker/docker-bootstrap.sh", "app-gunicorn"], "x", "web"),
    (["/app/docker/docker-bootstrap.sh", "app"], "x", "web"),
    (["/app/docker/docker-bootstrap.sh", "worker"], "x", "worker"),
    (["/app/docker/docker-bootstrap.sh", "beat"], "x", "beat"),
    (["/app/docker/docker-bootstrap.sh", "'beat'"], "x", "beat"),
    (["/app/docker/docker-bootstrap.sh", "init"], "x", None),
    (["/app/docker/docker-bootstrap.sh"], "x", None),
    (["superset", "init"], "apache/superset:4.1.1", None),
    (None, "apache/superset:4.1.1", "web"),
    (None, "registry.example.com/bi/superset:4.1.1", "web"),
    (None, "apache/superset@sha256:ab", "web"),
    (None, "apache/superset-websocket:latest", None),
    (None, "postgres:16", None),
])
def test_superset_role(command: list[str] | None, image: str, expected: str | None) -> None:
    assert superset_role(_container(command, image)) == expected


def test_flask_run_needs_superset_as_flask_app() -> None:
    web = _container(["flask", "run"], env=[{"name": "FLASK_APP", "value": "superset"}])
    other = _container(["flask", "run"], env=[{"name": "FLASK_APP", "value": "myapp"},
                                              {"name": "X", "value": "superset"}])
    assert superset_role(web) == "web"
    assert superset_role(other) is None


@pytest.mark.parametrize(("spec", "replicas", "expected"), [
    ({"minAvailable": True}, 1, None),
    ({"minAvailable": "2"}, 2, None),
    ({"minAvailable": "x%"}, 2, None),
    ({"maxUnavailable": "1"}, 2, None),
    ({}, 1, None),
])
def test_blocks_drains_edges(spec: Mapping[str, Any], replicas: int,
                             expected: str | None) -> None:
    assert blocks_drains(spec, replicas) == expected


@pytest.mark.parametrize(("value", "replicas", "expected"), [
    (1, 2, False), (2, 2, True), (3, 2, True), (0, 1, False), (True, 1, False),
    ("100%", 3, True), ("99%", 3, False), ("50%", 2, False), ("100%", 1, True),
    ("50", 1, False), ("%", 1, False), (None, 1, False),
])
def test_stops_all(value: object, replicas: int, expected: bool) -> None:
    assert stops_all(value, replicas) is expected


@pytest.mark.parametrize(("hpa", "expected"), [
    ({}, [("cpu", None)]),
    ({"metrics": []}, [("cpu", None)]),
    ({"metrics": [{"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "Utilization"}}}]}, [("memory", None)]),
    ({"metrics": [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "AverageValue"}}}]}, []),
    ({"metrics": [{"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "web", "target": {"type": "Utilization"}}}]},
     [("cpu", "web")]),
    ({"metrics": [{"type": "ContainerResource", "resource": {
        "name": "cpu", "target": {"type": "Utilization"}}}]}, []),
    ({"metrics": [{"type": "Pods", "pods": {"target": {"type": "Utilization"}}}]}, []),
])
def test_measured(hpa: Mapping[str, Any], expected: list[tuple[str, str | None]]) -> None:
    assert measured(hpa) == expected


@pytest.mark.parametrize(("path", "expected"), [
    ("/tmp", True), ("/tmp/", True), ("/tmp/x", True), ("/tmpx", False), ("/run", True),
    ("/runner", False), ("/var/run/pg", True), ("/dev/shm", True),
    ("/opt/bitnami/redis/tmp", True), ("/opt/bitnami/postgresql/conf/x", True),
    ("/var/lib/postgresql/data", False), ("", False), ("tmp", False),
])
def test_scratch(path: str, expected: bool) -> None:
    assert scratch(path) is expected


@pytest.mark.parametrize(("template", "namespaces", "expected"), [
    ({}, {"bi"}, True),
    ({"includedNamespaces": ["bi"]}, {"bi"}, True),
    ({"includedNamespaces": ["*"]}, {"bi"}, True),
    ({"includedNamespaces": ["x"]}, {"bi"}, False),
    ({"includedNamespaces": ["bi"]}, {"bi", "db"}, False),
    ({"includedNamespaces": ["bi", "db"]}, {"bi", "db"}, True),
    ({"excludedNamespaces": ["bi"]}, {"bi"}, False),
    ({"includedNamespaces": ["*"], "excludedNamespaces": ["bi"]}, {"bi"}, False),
    ({"excludedNamespaces": ["x"]}, {"bi"}, True),
])
def test_covers(template: Mapping[str, Any], namespaces: set[str], expected: bool) -> None:
    assert covers(template, namespaces) is expected


# --- helm.py: finding the chart, its identity, and the exact helm command ----------------

def test_chart_file(tmp_path: Path) -> None:
    assert chart_file(tmp_path) is None
    (tmp_path / "Chart.yaml").mkdir()
    assert chart_file(tmp_path) is None  # a folder named Chart.yaml is no chart
    (tmp_path / "Chart.yaml").rmdir()
    (tmp_path / "Chart.yaml").write_text("name: superset\n")
    assert chart_file(tmp_path) == tmp_path / "Chart.yaml"
    assert chart_file(tmp_path / "Chart.yaml") is None  # a file is not a chart folder


@pytest.mark.parametrize(("text", "expected"), [
    ("name: superset\nversion: 0.12.9\n", ("superset", "0.12.9")),
    ("name: superset\n", ("superset", "?")),
    ("version: 1.0.0\n", ("mychart", "1.0.0")),
    ("name: ''\nversion: 0\n", ("mychart", "?")),
    ("name: 7\nversion: 1.5\n", ("7", "1.5")),
    ("name: [a]\nversion: {b: 1}\n", ("mychart", "?")),
    ("- a list\n", ("mychart", "?")),
    ("name: !!int abc\n", ("mychart", "?")),
    ("name: : :\n  - [\n", ("mychart", "?")),
])
def test_chart_identity(tmp_path: Path, text: str, expected: tuple[str, str]) -> None:
    chart = tmp_path / "mychart" / "Chart.yaml"
    chart.parent.mkdir()
    chart.write_text(text)
    assert chart_identity(chart) == expected


def test_chart_identity_of_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    chart = tmp_path / "c" / "Chart.yaml"
    chart.parent.mkdir()
    chart.write_bytes(b"name: \xff\xfe\n")
    assert chart_identity(chart) == ("c", "?")


def test_scalar_limits() -> None:
    assert helm_module._scalar(1 << 13_999) == str(1 << 13_999)  # 14,000 bits
    assert helm_module._scalar(1 << 14_000) is None
    assert helm_module._scalar(0) is None
    assert helm_module._scalar(True) == "True"
    assert helm_module._scalar(None) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("a.yaml", ["a.yaml"]), (["a", 1], ["a", "1"]), (("b",), ["b"]), (None, []), (3, []),
])
def test_strings(value: object, expected: list[str]) -> None:
    assert helm_module._strings(value) == expected


def _fake_helm(folder: Path, body: str) -> Path:
    """A ``helm`` that runs ``body`` (sh), with its argv written to ``argv`` beside it."""
    folder.mkdir(exist_ok=True)
    helm = folder / "helm"
    helm.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{folder}/argv"\n{body}\n')
    helm.chmod(0o755)
    return helm


def test_render_runs_helm_template_with_namespace_values_and_sets(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    _fake_helm(bin_dir, "echo 'kind: Service'; exit 0")
    monkeypatch.setenv("PATH", str(bin_dir))
    chart = tmp_path / "chart"
    chart.mkdir()
    done = render(chart, {"namespace": "bi", "values": ["v1.yaml", "v2.yaml"], "set": "a=1"})
    assert done == Rendered(text="kind: Service\n")
    argv = (bin_dir / "argv").read_text().splitlines()
    # helm renders a private copy of the chart (3fcb2f6), so the path is the copy's
    assert Path(argv[2]).name == "chart" and argv[2] != str(chart)
    assert argv[:2] + argv[3:] == [
        "template", "chart", "--namespace", "bi", "--values", "v1.yaml",
        "--values", "v2.yaml", "--set", "a=1"]


@pytest.mark.parametrize("namespace", [None, "", 5])
def test_render_always_passes_a_namespace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          namespace: object) -> None:
    bin_dir = tmp_path / "bin"
    _fake_helm(bin_dir, "exit 0")
    monkeypatch.setenv("PATH", str(bin_dir))
    chart = tmp_path / "c"
    chart.mkdir()
    assert render(chart, {"namespace": namespace}) == Rendered(text="")
    argv = (bin_dir / "argv").read_text().splitlines()
    assert Path(argv[2]).name == "c"
    assert argv[:2] + argv[3:] == ["template", "c", "--namespace", "default"]


def test_render_reports_helms_last_error_line(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    _fake_helm(bin_dir, "echo first >&2; echo 'Error: bad values' >&2; exit 1")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert render(tmp_path, {}) == Rendered(
        error=f"{tmp_path}: helm template failed: Error: bad values")
    _fake_helm(bin_dir, "exit 3")
    assert render(tmp_path, {}) == Rendered(error=f"{tmp_path}: helm template failed: failed")


def test_render_without_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(helm_module.sys, "executable", str(tmp_path / "python"))
    assert helm_module.helm_binary() is None
    assert render(tmp_path, {}) == Rendered(error=(
        f"{tmp_path}: a Helm chart, and helm is not installed: install helm, or render it "
        f"yourself ('helm template {tmp_path} > rendered.yaml') and audit the output"))


def test_helm_beside_the_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(helm_module.sys, "executable", str(tmp_path / "python"))
    (tmp_path / "helm").write_text("not executable")
    assert helm_module.helm_binary() is None
    (tmp_path / "helm").chmod(0o755)
    assert helm_module.helm_binary() == str(tmp_path / "helm")


def test_render_timeout_and_oserror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    _fake_helm(bin_dir, "exec /bin/sleep 5")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(helm_module, "RENDER_TIMEOUT_S", 0.2)
    assert render(tmp_path, {}) == Rendered(
        error=f"{tmp_path}: helm template did not finish in 0.2s")
    (bin_dir / "helm").write_text("")  # an empty file: exec format error
    monkeypatch.setattr(helm_module, "RENDER_TIMEOUT_S", 120)
    error = render(tmp_path, {}).error
    assert error is not None and error.startswith(f"{tmp_path}: cannot run helm (")


# --- kustpatch.py: JSON 6902 and strategic merge on one object, patch targets -------------

def _res(obj: dict[str, Any]) -> Res:
    return Res(obj, Location("k.yaml", 1))


DEPLOY: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "bi", "labels": {"app": "web", "tier": "a"}},
    "spec": {"replicas": 1, "template": {"spec": {"containers": [
        {"name": "web", "image": "superset:1", "env": [{"name": "A", "value": "1"}]}]}}},
}


def _patched(operations: list[Any]) -> dict[str, Any]:
    res = _res(clone(DEPLOY))
    json6902(res, operations)
    return res.obj


def test_json6902_operations() -> None:
    containers = "/spec/template/spec/containers"
    assert _patched([{"op": "replace", "path": "/spec/replicas", "value": 3}])["spec"][
        "replicas"] == 3
    assert _patched([{"op": "add", "path": f"{containers}/-", "value": {"name": "x"}}])[
        "spec"]["template"]["spec"]["containers"][1] == {"name": "x"}
    assert [c["name"] for c in _patched([{"op": "add", "path": f"{containers}/0", "value": {
        "name": "x"}}])["spec"]["template"]["spec"]["containers"]] == ["x", "web"]
    assert "replicas" not in _patched([{"op": "remove", "path": "/spec/replicas"}])["spec"]
    moved = _patched([{"op": "move", "from": "/spec/replicas", "path": "/spec/count"}])
    assert moved["spec"]["count"] == 1 and "replicas" not in moved["spec"]
    copied = _patched([{"op": "copy", "from": "/spec/replicas", "path": "/spec/count"}])
    assert copied["spec"]["count"] == 1 and copied["spec"]["replicas"] == 1
    assert _patched([{"op": "test", "path": "/spec/replicas", "value": 1},
                     {"op": "replace", "path": "/metadata/labels/tier", "value": "b"}])[
        "metadata"]["labels"] == {"app": "web", "tier": "b"}
    escaped = _patched([{"op": "add", "path": "/metadata/labels/a~1b~0c", "value": "x"}])
    assert escaped["metadata"]["labels"]["a/b~c"] == "x"
    assert _patched([{"op": "replace", "path": f"{containers}/0/image", "value": "s:2"}])[
        "spec"]["template"]["spec"]["containers"][0]["image"] == "s:2"
    assert _patched([{"op": "replace", "path": "", "value": {"kind": "X"}}]) == {"kind": "X"}


@pytest.mark.parametrize(("operations", "error"), [
    (["add"], "operation 1 is not a map"),
    ([{"op": "add", "path": "/spec/x"}], "operation 1 (add) has no value"),
    ([{"op": "replace", "path": "/spec/x"}], "operation 1 (replace) has no value"),
    ([{"op": "test", "path": "/spec/replicas"}], "operation 1 (test) has no value"),
    ([{"op": "test", "path": "/spec/replicas", "value": 2}], "operation 1 (test) does not hold"),
    ([{"op": "frob", "path": "/spec"}], "operation 1: op 'frob' is not a JSON patch operation"),
    ([{"op": "remove", "path": "spec"}], "operation 1: path 'spec' is not a JSON pointer"),
    ([{"op": "remove", "path": 7}], "operation 1: path 7 is not a JSON pointer"),
    ([{"op": "remove", "path": ""}], "operation 1: cannot remove the whole object"),
    ([{"op": "remove", "path": "/spec/nothing"}], "operation 1: /spec/nothing does not exist"),
    ([{"op": "replace", "path": "/spec/nothing", "value": 1}],
     "operation 1: /spec/nothing does not exist"),
    ([{"op": "add", "path": "/spec/nothing/x", "value": 1}],
     "operation 1: /spec/nothing does not exist"),
    ([{"op": "add", "path": "/spec/replicas/x", "value": 1}],
     "operation 1: /spec/replicas holds no map or list"),
    ([{"op": "add", "path": "/spec/template/spec/containers/2", "value": 1}],
     "operation 1: index 2 is beyond the list"),
    ([{"op": "replace", "path": "/spec/template/spec/containers/1", "value": 1}],
     "operation 1: index 1 is beyond the list"),
    ([{"op": "remove", "path": "/spec/template/spec/containers/01"}],
     "operation 1: '01' is not a list index"),
    ([{"op": "remove", "path": "/spec/template/spec/containers/-"}],
     "operation 1: '-' is not a list index"),
    ([{"op": "replace", "path": "/spec/replicas", "value": 2}, {"op": "nope"}],
     "operation 2: path None is not a JSON pointer"),
    ([{"op": "replace", "path": "", "value": []}], "the patch does not leave an object"),
])
def test_json6902_refuses_whole(operations: list[Any], error: str) -> None:
    res = _res(clone(DEPLOY))
    with pytest.raises(PatchError) as raised:
        json6902(res, operations)
    assert str(raised.value) == error
    assert res.obj == DEPLOY  # all or nothing


def _merged(patch: dict[str, Any], obj: dict[str, Any] | None = None) -> dict[str, Any]:
    res = _res(clone(obj or DEPLOY))
    assert strategic_merge(res, patch) is True
    return res.obj


def test_strategic_merge_keeps_identity_and_merges_by_key() -> None:
    merged = _merged({"apiVersion": "v9", "kind": "X", "metadata": {
        "name": "other", "namespace": "x", "labels": {"tier": None, "b": "2"}},
        "spec": {"template": {"spec": {"containers": [
            {"name": "web", "env": [{"name": "B", "value": "2"}]},
            {"name": "side", "image": "envoy:1"}]}}}})
    assert merged["apiVersion"] == "apps/v1" and merged["kind"] == "Deployment"
    assert merged["metadata"] == {"name": "web", "namespace": "bi",
                                  "labels": {"app": "web", "b": "2"}}
    containers = merged["spec"]["template"]["spec"]["containers"]
    assert containers == [
        {"name": "web", "image": "superset:1",
         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "side", "image": "envoy:1"}]


def test_strategic_merge_directives() -> None:
    assert strategic_merge(_res(clone(DEPLOY)), {"$patch": "delete"}) is False
    spec = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "$patch": "delete"}]}}}}
    assert _merged(spec)["spec"]["template"]["spec"]["containers"] == []
    replaced_spec = _merged({"spec": {"$patch": "replace", "paused": True}})["spec"]
    assert replaced_spec == {"paused": True}
    removed = _merged({"spec": {"template": {"$patch": "delete"}}})["spec"]
    assert removed == {"replicas": 1}
    whole = _merged({"spec": {"template": {"spec": {"containers": [
        {"name": "new"}, {"$patch": "replace"}]}}}})
    assert whole["spec"]["template"]["spec"]["containers"] == [{"name": "new"}]
    ordered = _merged({"metadata": {"$setElementOrder/finalizers": ["a"], "finalizers": ["a"]}})
    assert ordered["metadata"]["finalizers"] == ["a"]
    finalizers = {"metadata": {"name": "web", "finalizers": ["a", "b"]}}
    assert _merged({"metadata": {"finalizers": ["b", "c"]}}, finalizers)["metadata"][
        "finalizers"] == ["a", "b", "c"]
    assert _merged({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, finalizers)[
        "metadata"]["finalizers"] == ["b"]


@pytest.mark.parametrize(("patch", "error"), [
    ({"spec": {"$patch": "frob"}}, "directive $patch: frob at spec is not supported"),
    ({"$patch": "frob"}, "directive $patch: frob at the object is not supported"),
    ({"spec": {"$retainKeys": ["a"]}}, "directive $retainKeys at spec is not supported"),
    ({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
     "an element of spec.template.spec.containers has no name, the key the list merges on"),
    ({"spec": {"template": {"spec": {"args": [{"$patch": "delete"}]}}}},
     "$patch in a list that is not merged by key (spec.template.spec.args)"),
])
def test_strategic_merge_refuses(patch: dict[str, Any], error: str) -> None:
    with pytest.raises(PatchError) as raised:
        strategic_merge(_res(clone(DEPLOY)), patch)
    assert str(raised.value) == error


def test_strategic_merge_list_keys() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 80, "name": "http"}]}}
    ports = _merged({"spec": {"ports": [{"port": 80, "targetPort": 8088}, {"port": 443}]}},
                    service)["spec"]["ports"]
    assert ports == [{"port": 80, "name": "http", "targetPort": 8088}, {"port": 443}]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "a"}],
                        "volumeMounts": [{"mountPath": "/a", "name": "x"}]}],
        "args": ["a"]}}
    merged = _merged({"spec": {"args": ["b"], "containers": [
        {"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}],
         "volumeMounts": [{"mountPath": "/a", "readOnly": True}]}]}}, pod)
    assert merged["spec"]["args"] == ["b"]
    assert merged["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "name": "a", "protocol": "TCP"}]
    assert merged["spec"]["containers"][0]["volumeMounts"] == [
        {"mountPath": "/a", "name": "x", "readOnly": True}]
    custom = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"},
              "spec": {"items": [{"name": "a", "v": 1}], "plain": [1, 2],
                       "mixed": [{"name": "a"}, {"id": 1}]}}
    merged = _merged({"spec": {"items": [{"name": "a", "v": 2}, {"name": "b"}],
                               "plain": [3], "mixed": [{"name": "b"}]}}, custom)
    assert merged["spec"] == {"items": [{"name": "a", "v": 2}, {"name": "b"}], "plain": [3],
                              "mixed": [{"name": "b"}]}


@pytest.mark.parametrize(("target", "expected"), [
    ({}, True),
    ({"kind": "Deployment", "name": "web"}, True),
    ({"kind": "Deploy"}, False),
    ({"kind": "Deploy.*"}, True),
    ({"group": "apps", "version": "v1"}, True),
    ({"group": "", "version": ""}, True),
    ({"group": "batch"}, False),
    ({"namespace": "bi"}, True),
    ({"namespace": "b"}, False),
    ({"labelSelector": "app=web"}, True),
    ({"labelSelector": "app==web,tier"}, True),
    ({"labelSelector": "app!=web"}, False),
    ({"labelSelector": "app in (x, web)"}, True),
    ({"labelSelector": "app notin (x, web)"}, False),
    ({"labelSelector": "app notin (x)"}, True),
    ({"labelSelector": "missing notin (x)"}, True),
    ({"labelSelector": "missing in (None)"}, False),
    ({"labelSelector": "!tier"}, False),
    ({"labelSelector": "!missing"}, True),
    ({"labelSelector": "missing"}, False),
    ({"labelSelector": "missing="}, False),
    ({"labelSelector": "missing!=x"}, True),
    ({"annotationSelector": "a"}, False),
    ({"labelSelector": ""}, True),
])
def test_selector(target: dict[str, Any], expected: bool) -> None:
    assert Selector(target).matches(_res(clone(DEPLOY))) is expected


@pytest.mark.parametrize(("target", "error"), [
    ({"name": "(a)"}, "target name '(a)' is a pattern the auditor does not evaluate (groups, "
     "counted repeats or more than two repeats)"),
    ({"kind": "a{2}"}, "target kind 'a{2}' is a pattern"),
    ({"name": "a*b*c*"}, "target name 'a*b*c*' is a pattern"),
    ({"name": "x" * 254}, "is a pattern the auditor does not evaluate"),
    ({"name": "a**"}, "target name 'a**' is not a regular expression"),
    ({"labelSelector": 5}, "target labelSelector is not a selector the auditor reads"),
    ({"labelSelector": "a" * 1025}, "target labelSelector is not a selector the auditor reads"),
    ({"annotationSelector": "a b c"},
     "target annotationSelector 'a b c' is not a selector the auditor reads"),
])
def test_selector_refuses(target: dict[str, Any], error: str) -> None:
    with pytest.raises(PatchError) as raised:
        Selector(target)
    assert error in str(raised.value)


def test_selector_patterns_allowed() -> None:
    assert Selector({"name": "a*b*"}).patterns["name"].pattern == "a*b*"
    assert Selector({"name": r"a\(b"}).patterns["name"].pattern == r"a\(b"
    assert Selector({"name": "x" * 253}).patterns["name"].pattern == "x" * 253


# --- kustxform.py: image references, label values -------------------------------------------

@pytest.mark.parametrize(("image", "parts"), [
    ("superset", ("superset", "", "")),
    ("superset:4.1", ("superset", ":4.1", "")),
    ("reg:5000/superset", ("reg:5000/superset", "", "")),
    ("reg:5000/superset:4.1@sha256:ab", ("reg:5000/superset", ":4.1", "@sha256:ab")),
    ("superset@sha256:ab", ("superset", "", "@sha256:ab")),
])
def test_split_image(image: str, parts: tuple[str, str, str]) -> None:
    assert kustxform._split(image) == parts


@pytest.mark.parametrize(("image", "rule", "expected"), [
    ("superset:1", {"name": "superset", "newTag": "2"}, "superset:2"),
    ("superset:1@sha256:a", {"name": "superset", "newTag": "2"}, "superset:2"),
    ("superset:1", {"name": "superset", "digest": "sha256:b"}, "superset@sha256:b"),
    ("superset:1", {"name": "superset", "newTag": "2", "digest": "sha256:b"},
     "superset:2@sha256:b"),
    ("superset:1", {"name": "superset", "newName": "r/s"}, "r/s:1"),
    ("superset:1", {"name": "superset"}, "superset:1"),
])
def test_retag(image: str, rule: dict[str, str], expected: str) -> None:
    assert kustxform._retag(image, rule) == expected


def test_label_strings() -> None:
    assert kustxform._strings({"a": True, "b": False, "c": None, "d": 1, 2: "x"}) == {
        "a": "true", "b": "false", "c": "", "d": "1", "2": "x"}
    assert kustxform._strings(["a"]) is None


def test_put_walks_lists_and_creates_only_when_told() -> None:
    node: dict[str, Any] = {"spec": [{"a": {}}, {"a": None}, "x"]}
    kustxform._put(node, ("spec", "a", "labels"), {"k": "v"}, False, 0)
    assert node == {"spec": [{"a": {}}, {"a": None}, "x"]}
    kustxform._put(node, ("spec", "a", "labels"), {"k": "v"}, True, 0)
    assert node == {"spec": [{"a": {"labels": {"k": "v"}}}, {"a": {"labels": {"k": "v"}}},
                             "x"]}
    deep: dict[str, Any] = {}
    kustxform._put(deep, ("a",), {"k": "v"}, True, 399)  # MAX_NESTING is 400
    assert deep == {"a": {"k": "v"}}
    kustxform._put(deep, ("b",), {"k": "v"}, True, 400)  # the map made, 401 stops
    assert deep == {"a": {"k": "v"}, "b": {}}
    kustxform._put(deep, ("c",), {"k": "v"}, True, 401)
    assert deep == {"a": {"k": "v"}, "b": {}}


# --- kustgen.py through a whole build: generators, their options, behaviors and notes -----

GENERATORS = """\
namespace: bi
generatorOptions:
  labels: {g: "1"}
  annotations: {ga: x}
configMapGenerator:
  - name: cfg
    files: [superset_config.py, k=other.txt, missing.txt, bin.dat, ../outside.txt,
            "bad key=other.txt"]
    envs: [app.env]
    env: second.env
    literals: ["A=1", "Q='quoted'", "noequals", "=v", 5, true, "A=2"]
    options: {labels: {g: "2"}, immutable: true}
  - name: ""
  - files: [x]
  - name: cfg2
    behavior: frob
  - name: base-cfg
    behavior: merge
    literals: [N=1]
  - name: nothing
    behavior: replace
secretGenerator:
  - name: sec
    literals: [P=s3cret]
    type: kubernetes.io/basic-auth
  - name: sec2
    envs: [latin.env]
resources: [base.yaml]
"""
GENERATOR_FILES: dict[str, bytes] = {
    "superset_config.py": b"X = 1\n", "other.txt": b"o", "bin.dat": b"\xff\xfe",
    "app.env": b"\xef\xbb\xbf# c\n\nE=1\n  F=2\nBARE\n1BAD=x\n", "second.env": b"S=1\n",
    "latin.env": b"K=\xff\n",
    "base.yaml": b'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: base-cfg, labels: {b: "1"}}'
                 b'\ndata: {O: "0", N: "0"}\n',
}
META = {"annotations": {"ga": "x"}, "namespace": "bi"}


def test_generators_build(tmp_path: Path) -> None:
    root = tmp_path / "k"
    root.mkdir()
    (root / "kustomization.yaml").write_text(GENERATORS)
    for name, data in GENERATOR_FILES.items():
        (root / name).write_bytes(data)
    (tmp_path / "outside.txt").write_text("o")
    built = build(root, root)
    assert built is not None
    assert [item.obj for item in built.items] == [
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"O": "0", "N": "1"},
         "metadata": {"name": "base-cfg", "labels": {"b": "1", "g": "1"}, **META}},
        {"apiVersion": "v1", "kind": "ConfigMap", "immutable": True,
         "metadata": {"name": "cfg", "labels": {"g": "2"}, **META},
         "data": {"superset_config.py": "X = 1\n", "k": "o", "bad key": "o", "E": "1",
                  "F": "2", "S": "1", "Q": "quoted", "A": "2"},
         "binaryData": {"bin.dat": "//4="},
         "x-auditor-unknown-data": "ConfigMap cfg generated from missing.txt, ../outside.txt, "
                                   "app.env (BARE from the environment of the build)"},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "cfg2", "labels": {"g": "1"}, **META}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "nothing", "labels": {"g": "1"}, **META}},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/basic-auth",
         "data": {"P": "czNjcmV0"}, "metadata": {"name": "sec", "labels": {"g": "1"}, **META}},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": "sec2", "labels": {"g": "1"}, **META},
         "x-auditor-unknown-data": "Secret sec2 generated from latin.env"},
    ]
    cfg = "configMapGenerator cfg: "
    refuses = "(kustomize refuses it)"
    assert built.problems == {
        "kustomize kustomization.yaml:6": f"{cfg}missing.txt is not among the audited files "
        "(kustomize needs it to build; it is kept out of version control?): what it holds is "
        "unknown, and settings read from it are not judged",
        "kustomize kustomization.yaml:6 (2)": f"{cfg}../outside.txt lies outside the audited "
        "directory (no git repository encloses it): not read",
        "kustomize kustomization.yaml:6 (3)": f"{cfg}key 'bad key' is not a valid "
        f"ConfigMap/Secret key {refuses}",
        "kustomize kustomization.yaml:6 (4)": f"{cfg}app.env line 6 has no valid key {refuses}",
        "kustomize kustomization.yaml:6 (5)": f"{cfg}a literal without KEY=value {refuses}",
        "kustomize kustomization.yaml:6 (6)": f"{cfg}a literal without KEY=value {refuses}",
        "kustomize kustomization.yaml:6 (7)": f"{cfg}a literal without KEY=value {refuses}",
        "kustomize kustomization.yaml:6 (8)": f"{cfg}key A given twice {refuses}; the last is "
        "kept",
        "kustomize kustomization.yaml:13": "configMapGenerator entry without a name; not "
        "applied",
        "kustomize kustomization.yaml:14": "configMapGenerator entry without a name; not "
        "applied",
        "kustomize kustomization.yaml:15": "configMapGenerator cfg2: unknown behavior 'frob'; "
        "generated as new",
        "kustomize kustomization.yaml:20": "configMapGenerator nothing: behavior replace but no "
        "ConfigMap nothing comes from the resources (kustomize refuses this); generated as new",
        "kustomize kustomization.yaml:26": f"secretGenerator sec2: latin.env is not UTF-8 "
        f"{refuses}; its keys are unknown",
    }
    assert built.roots == (".",)


# --- kustxform.py and kustapply.py through a whole build -----------------------------------

KUSTOMIZATION = """\
namespace: bi
commonLabels: {team: data, on-call: "true"}
labels:
  - pairs: {tier: web}
    includeSelectors: true
  - pairs: {t2: x}
    includeTemplates: true
  - pairs: {t3: y}
  - pairs: {t4: z}
    fields: [{path: spec/x}]
  - nopairs: 1
  - "scalar"
commonAnnotations: {note: "1"}
replicas:
  - {name: web, count: 3}
  - {name: ghost, count: 1}
  - {name: web}
  - {name: web, count: true}
images:
  - {name: superset, newTag: "4.1.2"}
  - {name: envoy, newName: reg/envoy, digest: "sha256:aa", tagSuffix: "-x"}
  - {newTag: "1"}
resources: [app.yaml]
patches:
  - target: {kind: Deployment, name: web}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env
        value: [{name: A, value: "1"}]
  - path: patch.yaml
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: nobody}
      spec: {paused: true}
  - target: {name: "(x)"}
    patch: '[{"op": "remove", "path": "/spec"}]'
patchesStrategicMerge:
  - |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec: {revisionHistoryLimit: 2}
patchesJson6902:
  - target: {version: v1, kind: Service, name: web}
    patch: |-
      - op: test
        path: /spec/type
        value: NodePort
"""
APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: web, image: "superset:4.1.1"}
        - {name: envoy, image: "envoy:1.0"}
      initContainers:
        - {name: init, image: "superset"}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, type: ClusterIP}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
"""
PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  strategy: {type: Recreate}
"""
TRANSFORMS = {"kustomization.yaml": KUSTOMIZATION, "app.yaml": APP, "patch.yaml": PATCH}
LABELS = {"on-call": "true", "t2": "x", "t3": "y", "t4": "z", "team": "data", "tier": "web"}
SELECTED = {"on-call": "true", "app": "web", "team": "data", "tier": "web"}
NOTE = {"note": "1"}


def test_transformers_and_patches_build(tmp_path: Path) -> None:
    for name, text in TRANSFORMS.items():
        (tmp_path / name).write_text(text)
    built = build(tmp_path, tmp_path)
    assert built is not None
    deployment, service, namespace = (item.obj for item in built.items)
    assert deployment == {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"annotations": NOTE, "labels": LABELS, "name": "web", "namespace": "bi"},
        "spec": {"replicas": 3, "revisionHistoryLimit": 2,
                 "selector": {"matchLabels": SELECTED}, "strategy": {"type": "Recreate"},
                 "template": {
                     "metadata": {"annotations": NOTE, "labels": {
                         "on-call": "true", "app": "web", "t2": "x", "team": "data",
                         "tier": "web"}},
                     "spec": {"containers": [
                         {"env": [{"name": "A", "value": "1"}], "image": "superset:4.1.2",
                          "name": "web"},
                         {"image": "reg/envoy@sha256:aa", "name": "envoy"}],
                         "initContainers": [{"image": "superset:4.1.2", "name": "init"}]}}}}
    assert service == {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"annotations": NOTE, "labels": LABELS, "name": "web", "namespace": "bi"},
        "spec": {"selector": SELECTED, "type": "ClusterIP"}}
    # A cluster-scoped kind takes no namespace.
    assert namespace == {"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"annotations": NOTE, "labels": LABELS, "name": "other"}}
    assert [item.location for item in built.items] == [
        Location("app.yaml", 1), Location("app.yaml", 15), Location("app.yaml", 20)]
    no_count = "a replicas entry without a name and a whole count; not applied"
    assert built.problems == {
        "kustomize kustomization.yaml:31": "patch for Deployment nobody matches no object "
        "(kustomize refuses it); not applied",
        "kustomize kustomization.yaml:36": "patch not applied: target name '(x)' is a pattern "
        "the auditor does not evaluate (groups, counted repeats or more than two repeats)",
        "kustomize kustomization.yaml:9": "labels fields (custom paths) are not applied; the "
        "pairs go where includeSelectors/includeTemplates say",
        "kustomize kustomization.yaml:11": "a labels entry without pairs; not applied",
        "kustomize kustomization.yaml:12": "a labels entry without pairs; not applied",
        "kustomize kustomization.yaml:45": "JSON patch not applied to Service web: operation 1 "
        "(test) does not hold",
        "kustomize kustomization.yaml:16": "replicas ghost: no Deployment, StatefulSet, "
        "ReplicaSet or ReplicationController of that name; not applied",
        "kustomize kustomization.yaml:17": no_count,
        "kustomize kustomization.yaml:18": no_count,
        "kustomize kustomization.yaml:21": "images envoy: tagSuffix is not applied; the image "
        "is judged without it",
        "kustomize kustomization.yaml:22": "an images entry without a name; not applied",
    }


# --- kustbuild.py and kustomize.py: what is built, from where, and what is refused ---------

BUILDS = {
    "base/kustomization.yaml": """\
resources: [web.yaml]
""",
    "base/web.yaml": """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
""",
    "comp/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
configMapGenerator:
  - {name: from-comp, literals: [A=1]}
""",
    "loop/kustomization.yaml": """\
resources: [../loop]
""",
    "notcomp/kustomization.yaml": """\
configMapGenerator:
  - {name: from-notcomp, literals: [B=1]}
""",
    "overlay/flux.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
metadata: {name: x}
""",
    "overlay/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: prod-
nameSuffix: ""
vars: [{name: X}]
frobnicate: 1
crds: []
resources:
  - ../base
  - ../empty
  - ../comp
  - ../loop
  - flux.yaml
  - ../base/web.yaml
  - missing.yaml
  - 7
components: [../comp, ../notcomp, ../nowhere]
namespace: [x]
""",
}


def test_builds_roots_and_refusals(tmp_path: Path) -> None:
    for name, text in BUILDS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "empty").mkdir()
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert [(item.obj, item.location) for item in built.items] == [
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web"}},
         Location("base/web.yaml", 1)),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-comp"},
          "data": {"A": "1"}}, Location("comp/kustomization.yaml", 4)),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-notcomp"},
          "data": {"B": "1"}}, Location("notcomp/kustomization.yaml", 2)),
    ]
    overlay = "kustomize overlay/kustomization.yaml"
    renames = ("the objects keep the names their files give (kustomize renames them and their "
               "references alike)")
    assert built.problems == {
        f"{overlay}:3": f"namePrefix is not applied: {renames}",
        f"{overlay}:5": "vars is not applied: $(VAR) references are left as written",
        f"{overlay}:6": "field 'frobnicate' is not a kustomization field the auditor applies",
        f"{overlay}:10": "../empty is a directory without a kustomization file (kustomize "
        "refuses it); not read",
        f"{overlay}:11": "../comp is a Component listed as a resource (kustomize refuses it: "
        "list it under components); not read",
        "kustomize loop/kustomization.yaml:1": "../loop includes itself (a cycle kustomize "
        "refuses); not read again",
        f"{overlay}:13": "overlay/flux.yaml holds a Kustomization as a resource (kustomize "
        "refuses it); not read",
        f"{overlay}:14": "resource ../base/web.yaml lies outside the kustomization's directory: "
        "kustomize refuses to load it (its default load restrictor); not read",
        f"{overlay}:15": "resource missing.yaml does not exist in the audited directory (no git "
        "repository encloses it)",
        f"{overlay}:16": "a resources entry that is not a path; not read",
        f"{overlay}:17": "../notcomp is not a Component (kind Component); applied as one",
        f"{overlay}:17 (2)": "component ../nowhere does not exist in the audited directory (no "
        "git repository encloses it)",
        f"{overlay}:18": "namespace is not a string; not applied",
    }
    assert built.roots == ("overlay",)
    assert built.directories == tuple(str(tmp_path / d) for d in (
        "base", "comp", "loop", "notcomp", "overlay"))
    assert built.covers(tmp_path / "base" / "web.yaml") is True
    assert built.covers(tmp_path / "empty" / "x.yaml") is False


OVERLAYS = {
    "base/kustomization.yaml": "resources: [web.yaml]\n",
    "base/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n",
    "base/stray.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: stray}\n",
    "base/notes.yaml": "not: a manifest\n",
    "base/readme.txt": "apiVersion: v1\nkind: Secret\n",
    "dev/kustomization.yaml": "resources: [../base]\n",
    "prod/kustomization.yaml": "resources: [../base]\n",
    "comp/kustomization.yaml": "kind: Component\napiVersion: kustomize.config.k8s.io/v1alpha1\n",
}
STRAY = ("1 manifest file(s) in its directory that it does not list are not audited (not "
         "applied by kubectl apply -k): base/stray.yaml")


def test_overlays_side_by_side(tmp_path: Path) -> None:
    for name, text in OVERLAYS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.roots == ("dev", "prod")
    assert [item.location for item in built.items] == [Location("base/web.yaml", 1)] * 2
    assert built.problems == {
        "kustomize comp": "a Component no kustomization uses; not audited",
        "kustomize dev": "kustomizations dev, prod make the same objects: they are audited "
        "together as if all were applied (audit each directory on its own for its own "
        "verdicts)",
        "kustomize base/kustomization.yaml": STRAY,
    }
    assert describe(tmp_path) == ("Kustomize builds dev/kustomization.yaml, "
                                  "prod/kustomization.yaml (as kubectl apply -k would apply "
                                  "them)")
    assert describe(tmp_path / "base" / "web.yaml") is None


def test_the_audited_directorys_own_kustomization_is_the_root(tmp_path: Path) -> None:
    for name, text in OVERLAYS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "kustomization.yaml").write_text("resources: [dev]\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.roots == (".",)
    assert len(built.items) == 1
    assert built.problems == {
        "kustomize comp": "2 kustomization(s) that the audited directory's kustomization does "
        "not include are not audited: comp, prod",
        "kustomize base/kustomization.yaml": STRAY,
    }
    shown = "Kustomize builds kustomization.yaml (as kubectl apply -k would apply them)"
    assert describe(tmp_path) == shown
    assert describe(tmp_path / "kustomization.yaml") == shown
    assert build(tmp_path / "base" / "web.yaml", tmp_path) is None


# --- tiers.py: which workloads are judged as serving tiers without Superset ------------------

def _deployment(name: str, image: str, kind: str = "Deployment") -> str:
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: bi}}\n"
            f"spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec: {{containers: [{{name: c, image: '{image}'}}]}}\n")


def _service(name: str, selector: str) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: bi}}\n"
            f"spec: {{selector: {selector}, ports: [{{port: 80}}]}}\n")


def test_serving_tiers_without_superset(tmp_path: Path) -> None:
    docs = [
        _deployment("proxy", "nginx:1.27.0"), _service("proxy", "{app: proxy}"),
        _deployment("db", "postgres:16.4"), _service("db", "{app: db}"),
        _deployment("cache", "redis:7.4.0"), _service("cache", "{app: cache}"),
        _deployment("mc", "memcached:1.6"), _service("mc", "{app: mc}"),
        _deployment("tool", "example/tool:1.0"), _service("tool", "{}"),
        _deployment("alone", "example/alone:1.0"),
        _deployment("agent", "example/agent:1.0", kind="DaemonSet"),
        _service("agent", "{app: agent}"),
        _deployment("app", "example/app:1.0", kind="StatefulSet"), _service("app", "{app: app}"),
    ]
    (tmp_path / "all.yaml").write_text("---\n".join(docs))
    report = scan_report(tmp_path, str(tmp_path / "all.yaml"))
    judged = sorted(f["subject"] for t in report["targets"] for f in t["findings"]
                    if f["check_id"] == "K8S-AVAILABILITY-001")
    assert judged == ["apps/v1/Deployment/bi/proxy", "apps/v1/StatefulSet/bi/app"]


# --- kustread.py: the bounds of every read --------------------------------------------------

def _refused(call: Any) -> str:
    with pytest.raises(Refused) as raised:
        call()
    return str(raised.value)


def test_tree_resolve(tmp_path: Path) -> None:
    root = tmp_path / "audited"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.yaml").write_text("x")
    (root / "leak").symlink_to(tmp_path)
    tree = kustread.Tree(root, root)
    scope = "the audited directory (no git repository encloses it)"
    assert tree.resolve(root / "sub", "a.yaml") == root / "sub" / "a.yaml"
    assert tree.resolve(root / "sub", "../sub/./a.yaml") == root / "sub" / "a.yaml"
    for remote in ("https://example.com/x.yaml", "git@github.com:a/b", "github.com/a/b",
                   "gitlab.com/a/b", "bitbucket.org/a/b"):
        assert _refused(lambda r=remote: tree.resolve(root, r)) == (
            f"{remote} is remote (a URL or git repository): not fetched, the objects it holds "
            "are not audited")
    assert _refused(lambda: tree.resolve(root, "/etc/passwd")) == (
        f"/etc/passwd is an absolute path: not read (only relative paths inside {scope} are)")
    assert _refused(lambda: tree.resolve(root, "../x")) == f"../x lies outside {scope}: not read"
    assert _refused(lambda: tree.resolve(root, "leak/x")) == (
        f"leak/x is reached through a symbolic link that leaves {scope}: not read")
    with pytest.raises(kustread.Missing) as missing:
        tree.resolve(root, "nope.yaml")
    assert str(missing.value) == f"nope.yaml does not exist in {scope}"
    assert tree.label(root / "sub" / "a.yaml") == "sub/a.yaml"
    assert tree.label(tmp_path / "else" / "b.yaml") == "b.yaml"
    assert tree.inside(root / "sub") is True
    assert tree.inside(root / "leak") is False
    assert tree.inside(tmp_path) is False


def test_tree_scope() -> None:
    assert kustread.Tree(Path("/r"), Path("/r/a/b"), up=2, repository=True).scope == (
        "the git repository around the audited directory (up to ../..)")
    assert kustread.Tree(Path("/r"), Path("/r"), repository=True).scope == (
        "the audited directory (the root of its git repository)")


def test_tree_read_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = kustread.Tree(tmp_path, tmp_path)
    (tmp_path / "ok.txt").write_bytes(b"12345")
    (tmp_path / "bin").write_bytes(b"a\0b")
    (tmp_path / "latin").write_bytes(b"ab\xff")
    (tmp_path / "folder").mkdir()
    assert tree.read(tmp_path / "ok.txt", 5) == b"12345"
    assert (tree.files_read, tree.bytes_read) == (1, 5)
    assert tree.used == {str(tmp_path / "ok.txt")}
    assert _refused(lambda: tree.read(tmp_path / "ok.txt", 4)) == (
        "ok.txt: larger than 0 MiB; not read")
    assert _refused(lambda: tree.read(tmp_path / "folder", 5)) == (
        "folder: not a regular file; not read")
    assert _refused(lambda: tree.read(tmp_path / "gone", 5)) == (
        "gone: cannot read (No such file or directory)")
    assert _refused(lambda: tree.read_text(tmp_path / "bin")) == "bin: binary file, not read"
    assert _refused(lambda: tree.read_text(tmp_path / "latin")) == "latin: not UTF-8 (byte 2)"
    monkeypatch.setattr(kustread, "MAX_TOTAL_BYTES", 12)
    assert _refused(lambda: tree.read(tmp_path / "ok.txt", 5)) == (
        "ok.txt: kustomizations read more than 0 MiB; not read")
    tree.files_read = 2000
    assert _refused(lambda: tree.read(tmp_path / "ok.txt", 5)) == (
        "ok.txt: more than 2000 files read for kustomizations; not read")


def test_within_and_under() -> None:
    assert kustread.within("/a/b", "/a") is True
    assert kustread.within("/a", "/a") is True
    assert kustread.within("/ab", "/a") is False
    assert kustread.within("/a/b", "/a/") is True
    assert kustread.under(Path("/k"), "x/y.yaml") is True
    assert kustread.under(Path("/k"), "../k/y.yaml") is True
    assert kustread.under(Path("/k"), "../y.yaml") is False


@pytest.mark.parametrize(("text", "error"), [
    ("a: 1\n---\nb: 2\n", "kustomization.yaml: holds 2 documents; a kustomization is one"),
    ("- a\n", "kustomization.yaml: not a mapping; not a kustomization"),
])
def test_parse_refuses(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "kustomization.yaml").write_text(text)
    tree = kustread.Tree(tmp_path, tmp_path)
    assert _refused(lambda: kustread.parse(tree, tmp_path / "kustomization.yaml")) == error


def test_parse_lines_and_empty(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "# c\nresources:\n  - a.yaml\n\n  - b.yaml\nnamespace: x\n")
    tree = kustread.Tree(tmp_path, tmp_path)
    kust = kustread.parse(tree, tmp_path / "kustomization.yaml")
    assert kust.lines == {("resources", -1): 2, ("resources", 0): 3, ("resources", 1): 5,
                          ("namespace", -1): 6}
    assert kust.where("resources", 1) == "kustomization.yaml:5"
    assert kust.where("resources", 7) == "kustomization.yaml:2"
    assert kust.where("images") == "kustomization.yaml:1"
    assert kust.location("namespace") == Location("kustomization.yaml", 6)
    assert kust.component is False
    (tmp_path / "kustomization.yaml").write_text("")
    assert kustread.parse(tree, tmp_path / "kustomization.yaml").data == {}


def test_kustomization_file(tmp_path: Path) -> None:
    assert kustread.kustomization_file(tmp_path) == (None, [])
    (tmp_path / "Kustomization").write_text("")
    assert kustread.kustomization_file(tmp_path) == (tmp_path / "Kustomization", [])
    (tmp_path / "kustomization.yml").write_text("")
    (tmp_path / "kustomization.yaml").write_text("")
    assert kustread.kustomization_file(tmp_path) == (
        tmp_path / "kustomization.yaml", ["kustomization.yml", "Kustomization"])


def test_list_fields_that_are_not_lists(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: web.yaml\ncomponents: [7]\npatches: {a: 1}\n"
        "configMapGenerator: [x]\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {
        "kustomize kustomization.yaml:1": "resources is not a list; not read",
        "kustomize kustomization.yaml:2": "a components entry that is not a path; not read",
        "kustomize kustomization.yaml:4": "a configMapGenerator entry that is not a map; not "
        "applied",
        "kustomize kustomization.yaml:3": "patches is not a list; not applied",
    }


def test_clone_shares_nothing_and_is_bounded() -> None:
    inner = {"a": [1]}
    copied = kustread.clone({"x": inner, "y": inner})
    copied["x"]["a"].append(2)
    assert copied == {"x": {"a": [1, 2]}, "y": {"a": [1]}}
    deep: Any = 1
    for _ in range(400):
        deep = [deep]
    assert kustread.clone(deep) == deep
    with pytest.raises(kustread.TooDeep):
        kustread.clone([deep])


# --- the checks' own guards for kinds a live cluster would not list --------------------------
# The registry wraps each check (common.with_kinds) and skips it before it runs; the
# checks' own guards still answer when called directly (a plugin reusing them).

@pytest.mark.parametrize(("evaluate", "kind"), [
    (scalability._autoscaled, "HorizontalPodAutoscaler"),
    (availability._pdb, "PodDisruptionBudget"),
])
def test_guard_for_a_kind_not_listed(evaluate: Any, kind: str) -> None:
    facts = build_facts([], "live", {}, kinds_missing=frozenset({kind, "Secret"}))
    assert list(evaluate(facts)) == [
        Result(f"kinds:{kind}", Status.SKIP, f"skipped: {kind} could not be listed")]


# --- backups._in_cluster: which database host names a Service among the objects -------------

def test_database_host_in_cluster() -> None:
    services = [Item({"apiVersion": "v1", "kind": "Service",
                      "metadata": {"name": name, "namespace": "bi"}, "spec": spec})
                for name, spec in (("pg", {"type": "ClusterIP"}),
                                   ("rds", {"type": "ExternalName", "externalName": "x.aws"}))]
    facts = build_facts(services, "manifests", {})
    inside = backups._in_cluster(facts.get("kubernetes", KubeFacts))

    def host(name: str) -> DatabaseHost:
        return DatabaseHost(name, 5432, None, "config")

    for name in ("pg", "pg.bi", "pg.bi.svc", "pg.bi.svc.cluster.local", "PG.BI.SVC.",
                 "127.0.0.1", "localhost", ""):
        assert inside(host(name)) is True, name
    for name in ("rds", "rds.bi", "pg.other", "pg.bi.svc.cluster", "db.example.com"):
        assert inside(host(name)) is False, name


# --- rollback.py: Helm release records and chart labels -------------------------------------

def _record(name: str, namespace: str, revision: object, status: str) -> Item:
    return Item({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
                 "metadata": {"name": f"sh.helm.release.v1.{name}.v{revision}",
                              "namespace": namespace,
                              "labels": {"owner": "helm", "name": name,
                                         "version": str(revision), "status": status}}})


def test_releases_by_namespace_and_name() -> None:
    records = [_record("b", "x", 1, "deployed"), _record("a", "y", 2, "superseded"),
               _record("a", "y", 3, "uninstalling"), _record("a", "x", 4, "deployed"),
               _record("a", "x", 5, "failed")]
    facts = build_facts(records, "manifests", {})
    assert [(r.subject, r.status, r.message, r.evidence) for r in rollback._releases(facts)] == [
        ("helm/x/a", Status.FAIL, "release a is failed", ("revision 5, status failed",
                                                          "2 revision(s) kept")),
        ("helm/x/b", Status.PASS, "release b is deployed", ("revision 1, status deployed",
                                                            "1 revision(s) kept")),
        ("helm/y/a", Status.WARN, "release a is uninstalling, not deployed", (
            "revision 3, status uninstalling", "2 revision(s) kept")),
    ]


@pytest.mark.parametrize(("labels", "expected"), [
    ({"helm.sh/chart": "superset-0.22.8"}, ("helm.sh/chart", "superset-0.22.8", (0, 22, 8))),
    ({"helm.sh/chart": "superset-1.2.3-rc.1"}, ("helm.sh/chart", "superset-1.2.3-rc.1",
                                                (1, 2, 3))),
    ({"chart": "superset-0.3.10"}, ("chart", "superset-0.3.10", (0, 3, 10))),
    ({"helm.sh/chart": "superset-0.22.8", "chart": "superset-0.1.0"},
     ("helm.sh/chart", "superset-0.22.8", (0, 22, 8))),
    ({"helm.sh/chart": "", "chart": "superset-0.1.0"}, ("chart", "superset-0.1.0", (0, 1, 0))),
    ({"helm.sh/chart": "superset-1.0"}, None),
    ({"helm.sh/chart": "my-superset-1.0.0"}, None),
    ({"helm.sh/chart": "supersetx-1.0.0"}, None),
    ({}, None),
])
def test_chart_version(labels: dict[str, str], expected: object) -> None:
    item = Item({"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "s", "labels": labels}})
    assert rollback._chart_version(item) == expected


@pytest.mark.parametrize(("meta", "expected"), [
    ({}, []),
    ({"managedFields": {"manager": "kubectl-edit"}}, []),
    ({"managedFields": ["kubectl-edit", {"manager": "helm"}]}, []),
    ({"managedFields": [{"manager": "kubectl-patch"}, {"manager": "kubectl-edit"},
                        {"manager": "kubectl-patch"}]}, ["kubectl-edit", "kubectl-patch"]),
    ({"managedFields": [{"manager": "kubectl-editor"}, {"manager": "Kubectl"}]}, []),
])
def test_hand_edits(meta: dict[str, object], expected: list[str]) -> None:
    assert gitops._hand_edits(meta) == expected


def test_a_strategic_patch_that_cannot_apply_is_named() -> None:
    """A patch nested too deeply was named with an empty reason ('... web: '): TooDeep()
    is truthy but prints nothing."""
    notes = kustread.Notes()
    acc = [_res(clone(DEPLOY))]
    kustapply._smp({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                    "spec": {"$retainKeys": ["a"]}}, None, acc, "k.yaml:3", notes)
    deep: Any = {}
    for _ in range(401):
        deep = {"a": deep}
    kustapply._smp({"kind": "Deployment", "metadata": {"name": "web"}, "spec": deep},
                   {"kind": "Deployment"}, acc, "k.yaml:9", notes)
    assert notes.problems == {
        "kustomize k.yaml:3": "patch not applied to Deployment web: directive $retainKeys at "
        "spec is not supported",
        "kustomize k.yaml:9": "patch not applied to Deployment web: nested too deeply",
    }
    kustapply._json([{"op": "add", "path": "/spec/x", "value": deep}], {"kind": "Deployment"},
                    acc, "k.yaml:12", notes)
    assert notes.problems["kustomize k.yaml:12"] == (
        "JSON patch not applied to Deployment web: nested too deeply")
    assert acc[0].obj == DEPLOY


# --- survivors of the bench/mutation.py run of 44599e5 (docs/mutation/k8s_workloads.md) ----


def test_patches_that_select_nothing_are_named_exactly() -> None:
    notes = kustread.Notes()
    acc = [_res(clone(DEPLOY))]
    kustapply._smp("spec: {}", None, acc, "k.yaml:1", notes)
    kustapply._smp({"metadata": {"name": "gone"}}, None, acc, "k.yaml:2", notes)
    kustapply._smp({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"paused": True}},
                   {"kind": "Service", "labelSelector": "app=x"}, acc, "k.yaml:3", notes)
    assert notes.problems == {
        "kustomize k.yaml:1": "a strategic merge patch that is not a map; not applied",
        "kustomize k.yaml:2": "patch for ? gone matches no object (kustomize refuses it); "
                              "not applied",
        "kustomize k.yaml:3": "patch target (kind=Service, labelSelector=app=x) matches no "
                              "object; not applied",
    }
    assert acc[0].obj == DEPLOY


def test_a_patch_naming_another_namespace_does_not_identify_the_object() -> None:
    res = _res(clone(DEPLOY))
    assert kustapply._identified(res, {"kind": "Deployment", "metadata": {"name": "web"}})
    assert kustapply._identified(
        res, {"kind": "Deployment", "metadata": {"name": "web", "namespace": "bi"}})
    assert not kustapply._identified(
        res, {"kind": "Deployment", "metadata": {"name": "web", "namespace": "other"}})


def test_a_patch_entry_with_neither_patch_nor_path_is_refused_by_name() -> None:
    with pytest.raises(Refused) as refused:
        kustapply._content(None, {"target": {"kind": "Deployment"}}, "k.yaml:4",
                           None)  # type: ignore[arg-type]
    assert str(refused.value) == "a patch with neither patch nor path; not applied"


def test_map_fields_that_are_not_maps(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [web.yaml]\ncommonLabels: [a]\ncommonAnnotations: x\n"
        "patchesJson6902:\n- target: {kind: Deployment, name: web}\n  patch: 'op: add'\n")
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {
        "kustomize kustomization.yaml:2": "commonLabels is not a map; not applied",
        "kustomize kustomization.yaml:3": "commonAnnotations is not a map; not applied",
        "kustomize kustomization.yaml:5": "a patchesJson6902 patch that is not a list of "
                                          "operations; not applied",
    }


def test_several_kustomization_files_are_named_in_one_note(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [web.yaml]\n")
    (tmp_path / "kustomization.yml").write_text("")
    (tmp_path / "Kustomization").write_text("")
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {
        "kustomize kustomization.yaml": "the directory also holds kustomization.yml, "
        "Kustomization (kustomize refuses several); kustomization.yaml is read"}


# --- survivors of the uniform first 100 of the 44599e5 sample (session 4) -------------------


def test_a_list_field_that_is_not_a_list_is_noted_on_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("components: []\nresources: web.yaml\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems["kustomize kustomization.yaml:2"] == "resources is not a list; not read"
    assert "kustomize kustomization.yaml:1" not in built.problems


def test_a_generator_merges_into_the_object_of_its_own_namespace(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\nconfigMapGenerator:\n- name: app\n  namespace: bi\n"
        "  behavior: merge\n  literals: [B=2]\n")
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: other}\n"
        "data: {A: '1'}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: bi}\n"
        "data: {A: '1'}\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {}
    assert [item.obj for item in built.items] == [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "app", "namespace": "other"}, "data": {"A": "1"}},
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "app", "namespace": "bi"}, "data": {"A": "1", "B": "2"}},
    ]


def test_an_unlisted_manifest_below_a_base_is_named_when_an_overlay_includes_it(
        tmp_path: Path) -> None:
    (tmp_path / "base" / "extra").mkdir(parents=True)
    (tmp_path / "kustomization.yaml").write_text("resources: [base]\n")
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [web.yaml]\n")
    (tmp_path / "base" / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    (tmp_path / "base" / "extra" / "stray.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {
        "kustomize base/kustomization.yaml": "1 manifest file(s) in its directory that it "
        "does not list are not audited (not applied by kubectl apply -k): "
        "base/extra/stray.yaml"}


def test_a_nameless_patch_identifies_a_nameless_object() -> None:
    nameless = _res({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {}})
    assert kustapply._identified(nameless, {"kind": "Deployment"})
    assert not kustapply._identified(nameless, {"kind": "Deployment",
                                                "metadata": {"name": "web"}})


def test_a_labels_field_given_as_one_map_is_applied_as_one_entry(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [web.yaml]\nlabels: {pairs: {team: bi}}\n")
    (tmp_path / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert built.problems == {}
    assert [item.obj["metadata"] for item in built.items] == [
        {"name": "web", "labels": {"team": "bi"}}]


def test_put_counts_list_levels_towards_the_nesting_bound() -> None:
    node: list[Any] = [{}]
    kustxform._put(node, (), {"k": "v"}, True, 400)  # the element would be level 401
    assert node == [{}]
    kustxform._put(node, (), {"k": "v"}, True, 399)
    assert node == [{"k": "v"}]
