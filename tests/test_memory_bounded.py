"""Memory stays bounded as clusters grow: live objects are slimmed as each page is read.

What the lister keeps is proven semantically, not by measuring memory (bench/
measures): the same objects audit the same from files, where nothing is dropped,
and live, where pods become summaries and server bookkeeping is left behind; and
the facts held after a live list carry none of the bulk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from kubeapi import FakeKubeAPI

from auditor.checks.kubernetes import live
from auditor.checks.kubernetes.collect import collect
from auditor.checks.kubernetes.facts import KubeFacts
from auditor.model import Target, TargetKind

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
SERVED = {"v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"}
WAIVER = "auditor.io/waive.K8S-NETWORK-001"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def fixture_objects(*names: str) -> list[dict[str, Any]]:
    objects = []
    for name in names:
        for path in sorted((FIXTURES / name).glob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                if isinstance(doc, dict) and doc.get("apiVersion") in SERVED:
                    objects.append(doc)
    return objects


def field_set(obj: dict[str, Any]) -> dict[str, Any]:
    """A fieldsV1 set as large as a real one: every field of the object, nested."""
    return {f"f:{key}": field_set(value) if isinstance(value, dict) else {}
            for key, value in obj.items()}


def as_served(obj: dict[str, Any], manager: str = "helm") -> dict[str, Any]:
    """The object as a real API server returns it: managedFields and bookkeeping added."""
    meta = dict(obj.get("metadata") or {})
    meta["managedFields"] = [
        {"manager": manager, "operation": "Update", "apiVersion": obj["apiVersion"],
         "time": "2025-01-01T00:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": field_set({k: v for k, v in obj.items() if k != "metadata"})},
    ]
    meta["selfLink"] = f"/apis/{obj['apiVersion']}/{meta.get('name')}"
    return {**obj, "metadata": meta}


def _template(name: str) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": name},
                         "annotations": {"prometheus.io/scrape": "true"}},
            "spec": {"containers": [{
                "name": "web", "image": "apache/superset:4.1.1", "imagePullPolicy": "IfNotPresent",
                "command": ["gunicorn", "superset.app:create_app()"],
                "env": [{"name": "SUPERSET_SECRET_KEY", "value": "x" * 40}],
                "ports": [{"containerPort": 8088, "protocol": "TCP"}],
                "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False},
                "resources": {"requests": {"cpu": "100m", "memory": "512Mi"},
                              "limits": {"memory": "1Gi"}},
                "readinessProbe": {"httpGet": {"path": "/health", "port": 8088}},
                "livenessProbe": {"httpGet": {"path": "/health", "port": 8088}}}],
                "volumes": [{"name": "cache", "emptyDir": {}}]}}


def runtime_objects() -> list[dict[str, Any]]:
    """Controllers, what they own (a ReplicaSet, pods) and a bare pod, as a cluster holds them."""
    applied = json.dumps({"spec": {"x": "y" * 3000}})  # a whole copy of the object, in real life
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "superset", "namespace": "analytics",
                               "annotations": {LAST_APPLIED: applied,
                                               WAIVER: "reviewed: " + "a long reason " * 100}},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "superset"}},
                           "template": _template("superset")}}
    edited = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "worker", "namespace": "analytics"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "worker"}},
                       "template": _template("worker")}}
    replica_set = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": "superset-7d4b9c", "namespace": "analytics",
                                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                                     "name": "superset", "uid": "u1",
                                                     "controller": True}]},
                   "spec": {"replicas": 2, "template": _template("superset")}}
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "superset-7d4b9c",
              "uid": "u2", "controller": True}]

    def pod(name: str, node: str, ready: str, restarts: int, owners: list[Any]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "analytics", "ownerReferences": owners,
                             "labels": {"app": "superset"},
                             "annotations": {"kubernetes.io/psp": "restricted"}},
                "spec": {**_template("superset")["spec"], "nodeName": node},
                "status": {"phase": "Running",
                           "conditions": [{"type": "Ready", "status": ready}],
                           "containerStatuses": [{"name": "web", "restartCount": restarts,
                                                  "image": "apache/superset:4.1.1"}]}}

    pods = [pod("superset-7d4b9c-a", "node-1", "True", 0, owner),
            pod("superset-7d4b9c-b", "node-1", "False", 7, owner),
            pod("debug", "node-2", "True", 0, [])]
    config = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "superset-config", "namespace": "analytics"},
              "data": {"superset_config.py": "SECRET_KEY = 'thisISaSECRET_1234'\n"},
              "binaryData": {"logo.png": "iVBORw0KGgo" * 500}}
    return [as_served(deployment), as_served(edited, manager="kubectl-edit"),
            as_served(replica_set, manager="kube-controller-manager"),
            *(as_served(p, manager="kubelet") for p in pods), as_served(config)]


def verdicts(report: dict[str, Any]) -> set[tuple[str, str, str, str, tuple[str, ...]]]:
    # Evidence is compared as a set: a file keeps its own order, a server its key order.
    return {(f["check_id"], f["subject"], f["status"], f["message"], tuple(sorted(f["evidence"])))
            for t in report["targets"] for f in t["findings"]}


@pytest.mark.parametrize("objects", [
    pytest.param(lambda: [as_served(o) for o in fixture_objects("pass-hardened")], id="pass"),
    pytest.param(lambda: [as_served(o) for o in fixture_objects("fail-defaults")], id="fail"),
    pytest.param(runtime_objects, id="runtime"),
])
def test_slimmed_live_objects_audit_as_the_same_objects_from_files(
    objects: Any, tmp_path: Path
) -> None:
    served = objects()
    files = tmp_path / "files"
    files.mkdir()
    # Keys in the server's order: a check must not see two orders of the same data.
    (files / "all.yaml").write_text(yaml.safe_dump_all(served, sort_keys=False))
    offline = scan_report(tmp_path, str(files))
    with FakeKubeAPI(served, crds=True) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        online = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--read-secrets")
    assert verdicts(online) == verdicts(offline)
    assert verdicts(online)


@pytest.fixture
def facts(tmp_path: Path) -> Iterator[KubeFacts]:
    with FakeKubeAPI(runtime_objects()) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        collected = collect(Target("kube", TargetKind.KUBE), {"kubeconfig": str(kubeconfig)})
    yield collected.get("kubernetes", KubeFacts)


def test_owned_pods_are_held_as_summaries_only(facts: KubeFacts) -> None:
    assert {p["name"] for p in facts.pods} == {"superset-7d4b9c-a", "superset-7d4b9c-b", "debug"}
    for summary in facts.pods:
        assert set(summary) == set(live.POD_SUMMARY_KEYS)
    troubled = next(p for p in facts.pods if p["name"] == "superset-7d4b9c-b")
    assert troubled["owner"] == "ReplicaSet/superset-7d4b9c" and troubled["restarts"] == 7
    assert troubled["ready"] is False and troubled["node"] == "node-1"
    # Owned pods and ReplicaSets are not kept: their controller carries the spec.
    kept = {(i.kind, i.name) for i in facts.items}
    assert ("Pod", "debug") in kept
    assert not {name for kind, name in kept if kind == "Pod"} - {"debug"}
    assert not any(kind in ("ReplicaSet", "PartialObjectMetadata") for kind, _ in kept)


def test_kept_objects_carry_no_field_sets_bookkeeping_or_long_annotations(
    facts: KubeFacts,
) -> None:
    assert facts.items
    for item in facts.items:
        meta = item.meta
        assert not {"uid", "resourceVersion", "selfLink"} & set(meta), item.subject
        for entry in meta.get("managedFields") or []:
            assert "fieldsV1" not in entry and entry["manager"]
        assert all(len(v) <= live.LONG_ANNOTATION for k, v in item.annotations.items()
                   if not k.startswith(live.KEPT_ANNOTATIONS))
    web = next(i for i in facts.items if i.name == "superset")
    # What checks read stays: who manages it, that kubectl applied it, the waiver's reason.
    assert [m["manager"] for m in web.meta["managedFields"]] == ["helm"]
    assert LAST_APPLIED in web.annotations
    assert web.annotations[WAIVER].startswith("reviewed: ") and len(web.annotations[WAIVER]) > \
        live.LONG_ANNOTATION
    config = next(i for i in facts.items if i.kind == "ConfigMap")
    assert "binaryData" not in config.obj and "superset_config.py" in config.obj["data"]
    bare = next(i for i in facts.items if i.kind == "Pod")
    assert bare.spec["containers"][0]["env"], "a bare pod is a workload: its spec stays"


def test_repeated_strings_are_held_once(facts: KubeFacts) -> None:
    first, second = (next(i for i in facts.items if i.name == n) for n in ("superset", "worker"))
    one, two = (w.spec["template"]["spec"]["containers"][0] for w in (first, second))
    assert one["imagePullPolicy"] is two["imagePullPolicy"]
    assert one["image"] is two["image"]
