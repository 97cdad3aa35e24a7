"""Live-cluster mode: the real kubernetes client against the test API server (tests/kubeapi.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from kubeapi import FakeKubeAPI

from auditor.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
SERVED_APIS = {"v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"}


def fixture_objects(*names: str) -> list[dict[str, Any]]:
    """Objects of fixture directories that a current API server can hold."""
    objects = []
    for name in names:
        for path in sorted((FIXTURES / name).glob("*.yaml")):
            for doc in yaml.safe_load_all(path.read_text()):
                if isinstance(doc, dict) and doc.get("apiVersion") in SERVED_APIS:
                    objects.append(doc)
    return objects


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[FakeKubeAPI, Path]]:
    with FakeKubeAPI(fixture_objects("pass-hardened", "fail-defaults", "fail-release-state"),
                     crds=True) as api:
        yield api, api.write_kubeconfig(tmp_path / "kubeconfig")




def verdicts(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(f["check_id"], f["subject"], f["status"], f["message"])
            for t in report["targets"] for f in t["findings"]}


def test_same_objects_give_the_same_findings_from_files_and_live(
    cluster: tuple[FakeKubeAPI, Path], tmp_path: Path
) -> None:
    _, kubeconfig = cluster
    files = tmp_path / "files"
    files.mkdir()
    objects = fixture_objects("pass-hardened", "fail-defaults", "fail-release-state")
    (files / "all.yaml").write_text(yaml.safe_dump_all(objects))
    offline = scan_report(tmp_path, str(files))
    live = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--read-secrets")
    assert live["targets"][0]["style"] == "kubernetes"
    assert verdicts(live) == verdicts(offline)
    assert len(verdicts(live)) > 100


def test_only_get_requests_and_list_count_independent_of_namespaces(tmp_path: Path) -> None:
    def deployments(count: int) -> list[dict[str, Any]]:
        return [{"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "web", "namespace": f"team-{i}"},
                 "spec": {"replicas": 1, "template": {"spec": {"containers": [
                     {"name": "c", "image": "apache/superset:4.1.1"}]}}}}
                for i in range(count)]

    counts = []
    for namespaces in (5, 120):
        with FakeKubeAPI(deployments(namespaces)) as api:
            kubeconfig = api.write_kubeconfig(tmp_path / f"kc-{namespaces}")
            report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig))
            assert api.methods() == {"GET"}
            lists = api.list_requests()
            assert all(r.namespace is None for r in lists), "lists are cluster-wide"
            counts.append(len(lists))
            subjects = {f["subject"] for t in report["targets"] for f in t["findings"]}
            assert f"apps/v1/Deployment/team-{namespaces - 1}/web" in subjects
    assert counts[0] == counts[1]


def test_helm_releases_are_read_as_metadata_only(cluster: tuple[FakeKubeAPI, Path],
                                                 tmp_path: Path) -> None:
    api, kubeconfig = cluster
    report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig))
    helm = [r for r in api.list_requests("secrets") if r.query.get("labelSelector") == "owner=helm"]
    assert helm and all("PartialObjectMetadataList" in r.accept for r in helm)
    # Without --read-secrets no full Secret list is requested at all.
    assert all(r.query.get("labelSelector") == "owner=helm" for r in api.list_requests("secrets"))
    failed = [f for t in report["targets"] for f in t["findings"]
              if f["check_id"] == "K8S-ROLLBACK-003" and f["status"] == "fail"]
    assert failed and failed[0]["subject"] == "helm/analytics/superset"


def _coverage(report: dict[str, Any]) -> float:
    return float(report["targets"][0]["score"]["coverage"])


@pytest.mark.parametrize("fault", ["forbid", "fail", "expire_forever", "reset", "truncate"])
def test_faults_name_the_problem_and_lower_coverage(fault: str, tmp_path: Path) -> None:
    objects = fixture_objects("pass-hardened")
    with FakeKubeAPI(objects) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        base = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--read-secrets")
        if fault == "forbid":
            api.forbid("deployments")
        elif fault == "fail":
            api.fail("deployments", code=500)
        elif fault == "expire_forever":
            api.expire_continue("deployments", after_pages=1, times=None)
        elif fault == "reset":
            api.reset("deployments")
        else:
            api.truncate("deployments")
        if fault == "expire_forever":
            # A continue token exists only with more than one page.
            api.add({"apiVersion": "apps/v1", "kind": "Deployment",
                     "metadata": {"name": f"filler-{i}", "namespace": "other"},
                     "spec": {"template": {"spec": {"containers": []}}}} for i in range(600))
        hurt = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--read-secrets",
                    "--timeout", "3")
    problems = " ".join(hurt["targets"][0]["problems"])
    assert "deployments" in problems
    assert _coverage(hurt) < _coverage(base)


def test_a_410_mid_list_is_recovered_by_relisting(tmp_path: Path) -> None:
    objects = [{"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i}", "namespace": f"ns-{i % 7}"}, "data": {}}
               for i in range(1200)] + fixture_objects("pass-hardened")
    with FakeKubeAPI(objects) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        api.expire_continue("configmaps", after_pages=1, times=1)
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig))
        restarted = [r for r in api.list_requests("configmaps") if r.status == 410]
    assert restarted, "the server did expire a continue token"
    assert not any("configmaps" in p for p in report["targets"][0]["problems"])


def test_slow_server_beyond_the_timeout_is_a_problem(tmp_path: Path) -> None:
    with FakeKubeAPI(fixture_objects("pass-hardened")) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        base = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
        api.delay("services", seconds=3)
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1")
    assert any("services" in p and "no answer" in p for p in report["targets"][0]["problems"])
    assert report["targets"][0]["score"]["value"] is not None
    assert _coverage(report) < _coverage(base)
    balanced = [f for f in report["targets"][0]["findings"]
                if f["check_id"] == "K8S-LOAD-BALANCING-001"]
    assert [f["status"] for f in balanced] == ["skip"], "no Service listed is not no Service"


def test_unreachable_cluster_writes_its_report_and_exits_2(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "http://127.0.0.1:9"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "gone"}}],
        "users": [{"name": "gone", "user": {"token": "x"}}],
    }))
    # Nothing could be judged: the report says why, and the run exits 2 (DESIGN, CLI).
    report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--timeout", "1",
                         code=2)
    assert report["targets"][0]["problems"][0].startswith("cluster: ")
    assert report["targets"][0]["score"]["value"] is None


def test_read_secrets_compares_values_and_never_prints_them(
    cluster: tuple[FakeKubeAPI, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, kubeconfig = cluster
    planted = ["thisISaSECRET_1234", "q8Jm2vX9rT4wL1pZ6nB3kD7sF0hG5cA2eY8uI4oP9jK1",
               "Vb7nQ2xK9mL4pR8t"]
    out, text = tmp_path / "live.json", tmp_path / "live.txt"
    assert main(["scan", "kube", "--kubeconfig", str(kubeconfig), "--read-secrets", "-v",
                 "--report", f"json={out}", "--report", f"terminal={text}"]) == 0
    printed = capsys.readouterr()
    report = json.loads(out.read_text())
    known = [f for t in report["targets"] for f in t["findings"]
             if f["check_id"] == "K8S-CONFIG-SECRETS-002" and f["status"] == "fail"]
    assert known, "the planted default key was found"
    for blob in (out.read_text(), text.read_text(), printed.out, printed.err):
        for value in planted:
            assert value not in blob


def _one_deployment(name: str, namespace: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "c", "image": "apache/superset:4.1.1"}]}}}}


def _subjects(report: dict[str, Any]) -> set[str]:
    return {f["subject"] for t in report["targets"] for f in t["findings"]}


def test_contexts_choose_the_cluster(tmp_path: Path) -> None:
    with FakeKubeAPI([_one_deployment("alpha", "a")]) as one, \
            FakeKubeAPI([_one_deployment("beta", "b")]) as two:
        first, second = one.kubeconfig("one"), two.kubeconfig("two")
        merged = {**first, "clusters": first["clusters"] + second["clusters"],
                  "contexts": first["contexts"] + second["contexts"],
                  "users": first["users"] + second["users"]}
        kubeconfig = tmp_path / "kc"
        kubeconfig.write_text(yaml.safe_dump(merged))
        default = _subjects(scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig)))
        named = _subjects(scan_report(tmp_path, "kube:two", "--kubeconfig", str(kubeconfig)))
        flag = _subjects(scan_report(tmp_path, "kube", "--context", "two",
                              "--kubeconfig", str(kubeconfig)))
    assert "apps/v1/Deployment/a/alpha" in default and "apps/v1/Deployment/b/beta" not in default
    assert "apps/v1/Deployment/b/beta" in named and named == flag


def test_namespace_option_lists_one_namespace_per_kind(tmp_path: Path) -> None:
    objects = [_one_deployment("web", f"team-{i}") for i in range(4)]
    with FakeKubeAPI(objects) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                      "--namespace", "team-2")
        lists = api.list_requests()
    assert {r.namespace for r in lists} == {"team-2"}
    workloads = {s.split(":")[0] for s in _subjects(report)
                 if s.startswith("apps/v1/Deployment/")}
    assert workloads == {"apps/v1/Deployment/team-2/web"}


def test_in_cluster_service_account_is_used_inside_a_pod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a pod (KUBERNETES_SERVICE_HOST, no kubeconfig) the service account is used.

    The in-cluster loader always speaks https to the service host; this test server
    speaks http, so the loader is observed and then pointed at the server.
    """
    from kubernetes import config as kube_config

    with FakeKubeAPI([_one_deployment("web", "analytics")], token="sa-token") as api:
        env = api.service_account_env(tmp_path / "sa")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("KUBECONFIG", raising=False)
        calls: list[str] = []

        def fake_incluster(client_configuration: Any = None) -> None:
            calls.append("incluster")
            client_configuration.host = api.url
            client_configuration.api_key = {"BearerToken": "Bearer sa-token"}

        monkeypatch.setattr(kube_config, "load_incluster_config", fake_incluster)
        report = scan_report(tmp_path, "kube")
    assert calls == ["incluster"]
    assert "apps/v1/Deployment/analytics/web" in _subjects(report)


def test_secrets_namespace_lists_secrets_only_there(
        cluster: tuple[FakeKubeAPI, Path], tmp_path: Path) -> None:
    api, kubeconfig = cluster
    api.clear_log()
    report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--read-secrets",
                         "--secrets-namespace", "default", "--secrets-namespace", "elsewhere")
    # Helm release records (metadata only) keep their own list; the Secret values are listed
    # with the field selector that leaves release records out.
    secret_lists = sorted(r.path for r in api.list_requests("secrets")
                          if r.query.get("fieldSelector") == "type!=helm.sh/release.v1")
    assert secret_lists and all("/namespaces/" in p for p in secret_lists)
    assert {p.split("/namespaces/")[1].split("/")[0] for p in secret_lists} == {
        "default", "elsewhere"}
    known = [f for t in report["targets"] for f in t["findings"]
             if f["check_id"] == "K8S-CONFIG-SECRETS-002" and f["status"] == "fail"]
    assert known, "Secrets in the named namespace are still compared"
    api.forbid("secrets", namespace="elsewhere")
    hurt = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--read-secrets",
                       "--secrets-namespace", "default", "--secrets-namespace", "elsewhere")
    assert any("secrets in namespace elsewhere" in p for p in hurt["targets"][0]["problems"])
