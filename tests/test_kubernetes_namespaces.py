"""Objects related in the namespace Kubernetes puts them in; kinds not audited named; one
fingerprint per finding.

The fixtures are small, written here, and each stands for a real pattern:

- ``chart_like``: Apache Superset's Helm chart 0.15.2 renders its Deployment, Service and
  Ingress with ``namespace: {{ .Release.Namespace }}`` but its ``hpa-node.yaml``,
  ``pdb.yaml`` and ``pdb-worker.yaml`` templates with no namespace at all; after
  ``helm template --namespace analytics`` (or ``helm install -n analytics``) they all land
  in ``analytics``. Read as written, the HPA and PDB were "in no namespace" and the web
  tier got "1 replica", "no PodDisruptionBudget" and "no HorizontalPodAutoscaler".
- ``config_map_manifest``: a namespace-less ConfigMap holding ``superset_config.py``
  mounted by a Deployment that names its namespace (Kustomize bases and hand-written
  manifests applied with ``kubectl apply -n``).
- ``SUPERSET_CR``: the Superset operator's samples (apache/superset-kubernetes-operator
  ``config/samples``): a lone ``Superset`` custom resource (superset.apache.org/v1alpha1),
  which no check reads, and several samples defining the same object name in different
  files (``superset_v1alpha1_superset.yaml`` and ``..._prod.yaml`` both name ``superset``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report
from helmbin import path_with_helm, require_helm
from kubeapi import FakeKubeAPI

from auditor.checks.kubernetes.collect import build
from auditor.checks.kubernetes.facts import KubeFacts
from auditor.checks.kubernetes.objects import Item
from auditor.cli import main
from auditor.model import Result, Status
from auditor.runner import one_per_subject

ROOT = Path(__file__).parent
LABELS = {"app": "superset", "component": "web"}


def _web(namespace: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "superset", "labels": dict(LABELS)}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
        "spec": {  # no replicas: the HPA decides, as the chart leaves it with autoscaling on
            "selector": {"matchLabels": dict(LABELS)},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {"containers": [{
                    "name": "superset", "image": "apache/superset:4.1.1",
                    "command": ["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:8088 -w 4 "
                                "'superset.app:create_app()'"],
                    "ports": [{"name": "http", "containerPort": 8088}],
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                  "limits": {"memory": "2Gi"}},
                }]},
            },
        },
    }


def _namespaced(obj: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    if namespace is not None:
        obj["metadata"]["namespace"] = namespace
    return obj


def chart_like(web_namespace: str | None = "analytics") -> list[dict[str, Any]]:
    """The chart 0.15.2 pattern: Deployment and Service name the namespace, HPA and PDB not."""
    return [
        _web(web_namespace),
        _namespaced({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "superset"},
                     "spec": {"selector": dict(LABELS), "ports": [{"port": 8088}]}},
                    web_namespace),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": {"name": "superset-hpa"},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "superset"},
                  "minReplicas": 2, "maxReplicas": 6}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
         "metadata": {"name": "superset-pdb"},
         "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(LABELS)}}},
    ]


def write(directory: Path, name: str, objects: list[dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return path


def findings(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check_id]


def statuses(report: dict[str, Any], check_id: str) -> set[str]:
    return {f["status"] for f in findings(report, check_id)}


@pytest.fixture
def helm_on_path(monkeypatch: pytest.MonkeyPatch) -> str:
    helm = require_helm()
    monkeypatch.setenv("PATH", path_with_helm())
    return helm


RELATED = ("K8S-AVAILABILITY-001", "K8S-AVAILABILITY-002", "K8S-SCALABILITY-001",
           "K8S-LOAD-BALANCING-001")


# --- 1. namespaces as Kubernetes applies them ------------------------------------------


def test_chart_hpa_and_pdb_without_namespace_relate_in_the_namespace_given(
        tmp_path: Path) -> None:
    target = write(tmp_path / "m", "rendered.yaml", chart_like("analytics"))
    report = scan_report(tmp_path, str(target), "--style", "kubernetes",
                         "--namespace", "analytics")
    for check in RELATED:
        assert statuses(report, check) == {"pass"}, (check, findings(report, check))
    web = findings(report, "K8S-AVAILABILITY-001")[0]
    assert web["subject"] == "apps/v1/Deployment/analytics/superset"
    assert "HPA minReplicas = 2" in web["evidence"]


def test_without_namespace_given_the_namespace_less_objects_land_in_default(
        tmp_path: Path) -> None:
    # Kubernetes' rule: applied without -n, the HPA and PDB land in default, apart from a
    # Deployment that names analytics; the report says what it assumed.
    target = write(tmp_path / "m", "rendered.yaml", chart_like("analytics"))
    report = scan_report(tmp_path, str(target), "--style", "kubernetes")
    assert statuses(report, "K8S-AVAILABILITY-002") == {"fail"}
    assert statuses(report, "K8S-SCALABILITY-001") == {"fail"}
    problems = report["targets"][0]["problems"]
    assert any(p.startswith("namespaces: 2 object(s) name no namespace and are related in "
                            "namespace default") and "analytics" in p for p in problems)
    # All namespace-less: all in default, together.
    alone = write(tmp_path / "n", "rendered.yaml", chart_like(None))
    together = scan_report(tmp_path, str(alone), "--style", "kubernetes")
    for check in RELATED:
        assert statuses(together, check) == {"pass"}, (check, findings(together, check))
    assert {f["subject"] for f in findings(together, "K8S-AVAILABILITY-001")} == {
        "apps/v1/Deployment/default/superset"}
    assert not any(p.startswith("namespaces:") for p in together["targets"][0]["problems"])


def test_a_rendered_chart_lands_in_the_release_namespace(
        helm_on_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chart = tmp_path / "superset"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: superset\nversion: 0.15.2\n")
    objects = chart_like("NAMESPACE")
    text = yaml.safe_dump_all(objects, sort_keys=False).replace(
        "NAMESPACE", "{{ .Release.Namespace }}")
    (chart / "templates" / "all.yaml").write_text(text)
    # helm would otherwise take the namespace from here (or the kubeconfig context).
    monkeypatch.setenv("HELM_NAMESPACE", "elsewhere")
    given = scan_report(tmp_path, str(chart), "--namespace", "analytics")
    defaulted = scan_report(tmp_path, str(chart))
    for report, namespace in ((given, "analytics"), (defaulted, "default")):
        for check in RELATED:
            assert statuses(report, check) == {"pass"}, (namespace, check)
        subjects = {f["subject"] for t in report["targets"] for f in t["findings"]
                    if f["check_id"].startswith("K8S-")}
        assert f"apps/v1/Deployment/{namespace}/superset" in subjects
        assert not any("elsewhere" in s for s in subjects)


CONFIG = 'SECRET_KEY = "thisISaSECRET_1234"\nSQLALCHEMY_DATABASE_URI = "sqlite:////tmp/x.db"\n'


def config_map_manifest(config_namespace: str | None) -> list[dict[str, Any]]:
    web = _web("analytics")
    pod = web["spec"]["template"]["spec"]
    pod["volumes"] = [{"name": "config", "configMap": {"name": "superset-config"}}]
    pod["containers"][0]["volumeMounts"] = [{"name": "config", "mountPath": "/app/pythonpath"}]
    pod["containers"][0]["envFrom"] = [{"configMapRef": {"name": "superset-env"}}]
    return [
        web,
        _namespaced({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "superset-config"},
                     "data": {"superset_config.py": CONFIG}}, config_namespace),
        _namespaced({"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "superset-env"},
                     "data": {"SUPERSET_PORT": "8088"}}, config_namespace),
    ]


def test_namespace_less_config_map_is_mounted_in_the_namespace_applied(
        tmp_path: Path) -> None:
    target = write(tmp_path / "m", "app.yaml", config_map_manifest(None))
    report = scan_report(tmp_path, str(target), "--style", "kubernetes",
                         "--namespace", "analytics")
    key = findings(report, "SUPERSET-CONFIG-SECRETS-001")
    assert [f["status"] for f in key] == ["fail"], key
    assert "ConfigMap superset-config" in json.dumps(key)
    assert "thisISaSECRET_1234" not in json.dumps(report)
    # Applied elsewhere (default), the ConfigMap is not the one the pod mounts.
    apart = scan_report(tmp_path, str(target), "--style", "kubernetes")
    assert "ConfigMap superset-config" not in json.dumps(
        findings(apart, "SUPERSET-CONFIG-SECRETS-001"))


def test_only_an_explicit_default_namespace_is_reported(tmp_path: Path) -> None:
    absent = scan_report(tmp_path, str(write(tmp_path / "a", "x.yaml", [_web(None)])))
    explicit = scan_report(tmp_path, str(write(tmp_path / "b", "x.yaml", [_web("default")])))
    message = " ".join(f["message"] for f in findings(absent, "K8S-ISOLATION-005"))
    assert "namespace default" not in message
    assert "in namespace default" in " ".join(
        f["message"] for f in findings(explicit, "K8S-ISOLATION-005"))


def test_item_namespace_is_effective_and_cluster_scoped_kinds_have_none() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "reader", "namespace": "ignored"}}
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "h"}}
    facts = build([Item(role), Item(hpa)], "manifests", {}, namespace="analytics")
    kube = facts.get("kubernetes", KubeFacts)
    placed = {i.kind: i for i in kube.items}
    assert placed["ClusterRole"].namespace == ""
    assert placed["ClusterRole"].subject == "rbac.authorization.k8s.io/v1/ClusterRole/-/reader"
    assert placed["HorizontalPodAutoscaler"].namespace == "analytics"
    assert placed["HorizontalPodAutoscaler"].declared_namespace == ""
    assert kube.in_namespace("HorizontalPodAutoscaler", "analytics")
    # An Item nobody placed keeps the written namespace, as before.
    assert Item(hpa).namespace == "" and Item(hpa).subject.endswith("/-/h")


def test_a_service_monitor_looks_into_its_own_namespace_unless_told(tmp_path: Path) -> None:
    # kube-prometheus-stack's pattern: monitors in "monitoring" reach the app's namespace
    # only through namespaceSelector; without one a monitor sees its own namespace alone.
    objects = chart_like("analytics")
    objects[1]["metadata"]["labels"] = {"app": "superset"}
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
               "metadata": {"name": "superset", "namespace": "monitoring"},
               "spec": {"selector": {"matchLabels": {"app": "superset"}},
                        "endpoints": [{"port": "http"}]}}
    alone = write(tmp_path / "a", "all.yaml", [*objects, monitor])
    assert statuses(scan_report(tmp_path, str(alone)), "K8S-MONITORING-001") == {"fail"}
    monitor["spec"]["namespaceSelector"] = {"matchNames": ["analytics"]}
    told = write(tmp_path / "b", "all.yaml", [*objects, monitor])
    assert statuses(scan_report(tmp_path, str(told)), "K8S-MONITORING-001") == {"pass"}
    del monitor["metadata"]["namespace"], monitor["spec"]["namespaceSelector"]
    placed = write(tmp_path / "c", "all.yaml", [*objects, monitor])
    assert statuses(scan_report(tmp_path, str(placed), "--namespace", "analytics"),
                    "K8S-MONITORING-001") == {"pass"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Path]:
    # An API server gives every namespaced object its namespace: the chart installed
    # with -n analytics, beside another release of the same names in default.
    objects = [*chart_like("analytics"), *chart_like("default")]
    for obj in objects[2:4]:
        obj["metadata"]["namespace"] = "analytics"
    with FakeKubeAPI(objects) as api:
        yield api.write_kubeconfig(tmp_path / "kubeconfig")


def test_live_objects_keep_their_namespace(live: Path, tmp_path: Path) -> None:
    report = scan_report(tmp_path, "kube", "--kubeconfig", str(live))
    by_subject = {f["subject"]: f["status"] for f in findings(report, "K8S-AVAILABILITY-002")}
    # The HPA and PDB of analytics relate there only; default's (namespace-less in the
    # files, placed by the server) relate in default.
    assert by_subject == {"apps/v1/Deployment/analytics/superset": "pass",
                          "apps/v1/Deployment/default/superset": "pass"}
    assert not any(p.startswith("namespaces:") for p in report["targets"][0]["problems"])
    scoped = scan_report(tmp_path, "kube", "--kubeconfig", str(live), "--namespace", "analytics")
    assert {f["subject"] for f in findings(scoped, "K8S-SCALABILITY-001")} == {
        "apps/v1/Deployment/analytics/superset"}
    assert statuses(scoped, "K8S-SCALABILITY-001") == {"pass"}


# --- 2. kinds not audited are named ----------------------------------------------------

SUPERSET_CR: dict[str, Any] = {
    "apiVersion": "superset.apache.org/v1alpha1", "kind": "Superset",
    "metadata": {"name": "superset"},
    "spec": {"image": {"tag": "6.0.1"}, "webServer": {"replicas": 2}, "celeryBeat": {}},
}


def test_a_lone_superset_resource_is_named_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write(tmp_path / "m", "superset.yaml", [SUPERSET_CR])
    out = tmp_path / "report.json"
    html = tmp_path / "report.html"
    code = main(["scan", str(target), "--style", "kubernetes", "--format", "json",
                 "--output", str(out), "--report", f"html={html}", "--fail-under", "50"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "nothing evaluated" in lines[0]
    assert "kind Superset (superset.apache.org/v1alpha1): not audited" in lines[0]
    report = json.loads(out.read_text())  # the reports are written all the same
    assert html.is_file()
    assert report["score"]["value"] is None
    assert report["targets"][0]["problems"] == [
        "kind Superset (superset.apache.org/v1alpha1): not audited"]


def test_the_exit_line_names_the_cause_on_one_line() -> None:
    from auditor.gates import nothing_evaluated
    from auditor.model import Detection, Report, Score, Style, TargetReport

    none = Score(None, None, False, None)
    target = TargetReport(target="a\nb.yaml", style=Style.KUBERNETES, app=None,
                          detection=Detection(Style.KUBERNETES, 1.0, ()), score=none,
                          findings=(), problems=("file a\nb.yaml: not UTF-8",))
    report = Report(tool_version="0", started_at="", duration_s=0.0, score=none,
                    targets=(target,), problems=("plugin p: failed to import",))
    line = nothing_evaluated(report)
    assert line == ("nothing evaluated: plugin p: failed to import | a\\nb.yaml (kubernetes): "
                    "file a\\nb.yaml: not UTF-8")
    assert nothing_evaluated(Report(tool_version="0", started_at="", duration_s=0.0,
                                    score=Score(50.0, "F", False, 1.0), targets=())) is None


def test_kinds_not_audited_are_counted_and_audited_kinds_never_named(tmp_path: Path) -> None:
    other = {**SUPERSET_CR, "metadata": {"name": "superset-prod"}}
    audited = [
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
         "metadata": {"name": "r"}},
        {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
         "metadata": {"name": "v"}},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
         "metadata": {"name": "s"}},
        {"apiVersion": "velero.io/v1", "kind": "Schedule", "metadata": {"name": "b"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "superset"}},
        {"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret",
         "metadata": {"name": "e"}},
    ]
    build_file = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                  "resources": ["superset.yaml"]}
    # Kubernetes' own plumbing that no row hinges on (RBAC, quotas) is not a custom kind.
    plumbing = [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "reader"}, "rules": []},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}},
    ]
    target = write(tmp_path / "m", "all.yaml",
                   [*chart_like(None), SUPERSET_CR, other, *audited, build_file, *plumbing])
    report = scan_report(tmp_path, str(target), "--style", "kubernetes")
    named = [p for p in report["targets"][0]["problems"] if p.startswith("kind ")]
    assert named == [
        "kind Kustomization (kustomize.config.k8s.io/v1beta1): not audited",
        "kind Superset (superset.apache.org/v1alpha1): 2 objects, not audited",
    ]


# --- 3. one fingerprint per finding ----------------------------------------------------


def test_one_object_defined_in_two_files_keeps_two_subjects(tmp_path: Path) -> None:
    # The operator's samples: the dev and the prod sample both name their object superset.
    directory = tmp_path / "samples"
    write(directory, "superset_dev.yaml", [_web(None)])
    write(directory, "superset_prod.yaml", [_web(None)])
    write(directory, "twice.yaml", [_web("analytics"), _web("analytics")])
    report = scan_report(tmp_path, str(directory), "--style", "kubernetes")
    target = report["targets"][0]
    counts = Counter(f["fingerprint"] for f in target["findings"])
    assert counts and max(counts.values()) == 1
    subjects = {f["subject"] for f in findings(report, "K8S-ISOLATION-001")}
    assert subjects == {"apps/v1/Deployment/default/superset",
                        "apps/v1/Deployment/default/superset@superset_prod.yaml",
                        "apps/v1/Deployment/analytics/superset",
                        "apps/v1/Deployment/analytics/superset#2"}
    assert any(p.startswith("object apps/v1/Deployment/default/superset: defined 2 times "
                            "(superset_dev.yaml:1, superset_prod.yaml:1)")
               for p in target["problems"])


def test_a_database_reached_twice_by_one_check_is_one_finding(tmp_path: Path) -> None:
    # No Superset workload: the network check judges every workload, the database too,
    # which it also judges as the database (the operator's dev-dependencies.yaml).
    postgres = _web(None)
    postgres["metadata"]["name"] = "postgres"
    container = postgres["spec"]["template"]["spec"]["containers"][0]
    container.update(image="postgres:16", command=["postgres"])
    report = scan_report(tmp_path, str(write(tmp_path / "m", "db.yaml", [postgres])),
                         "--style", "kubernetes")
    assert [f["subject"] for f in findings(report, "K8S-NETWORK-001")] == [
        "apps/v1/Deployment/default/postgres"]


def test_the_engine_merges_results_on_one_subject_keeping_the_worst() -> None:
    merged = one_per_subject([
        Result("x", Status.PASS, "fine", ("a",)),
        Result("y", Status.WARN, "meh"),
        Result("x", Status.FAIL, "broken", ("b",)),
        Result("x", Status.SKIP, "unknown"),
    ])
    assert [(r.subject, r.status, r.message) for r in merged] == [
        ("x", Status.FAIL, "broken"), ("y", Status.WARN, "meh")]
    assert merged[0].evidence == ("b", "also: fine", "a", "also: unknown")


NOT_DEPLOYMENTS = {
    # A Helm values file given with -f to chart-secrets/ (test_security_secrets): on its own
    # it holds no object to audit, so a scan of it says "nothing auditable" (exit 2).
    "security/chart-values.yaml",
    # promtool's unit tests of the alert rules (tests/test_alert_rules.py): no deployment.
    "alerts/deploy-auditor.rules.test.yml",
}


def _scan_dirs() -> list[tuple[str, list[str]]]:
    """Every fixture directory (all styles, pass-*/fail-* and others) and every example,
    with the arguments that audit it as what it is; NOT_DEPLOYMENTS left out."""
    cases: list[tuple[str, list[str]]] = []
    fixtures = ROOT / "fixtures"
    realworld = json.loads((fixtures / "realworld" / "cases.json").read_text())["cases"]
    cases += [(str(fixtures / "realworld" / c["target"]), list(c.get("args", [])))
              for c in realworld]
    for style_dir in sorted(p for p in fixtures.iterdir() if p.is_dir()):
        if style_dir.name == "realworld":
            continue
        for case in sorted(style_dir.iterdir()):
            if case.name == "charts":
                cases += [(str(c), []) for c in sorted(case.iterdir()) if c.is_dir()]
            elif (case / "etc").is_dir():  # a host tree laid out like /
                cases.append(("host", ["--root", str(case)]))
            elif case.relative_to(fixtures).as_posix() in NOT_DEPLOYMENTS:
                continue
            elif case.is_dir() or case.suffix in (".yaml", ".yml"):
                cases.append((str(case), []))
    for example in sorted(p for p in (ROOT.parent / "examples").iterdir() if p.is_dir()):
        if (example / "etc").is_dir():
            cases.append(("host", ["--root", str(example)]))
        else:
            cases.append((str(example), []))
    return cases


def _case_id(target: str, args: list[str]) -> str:
    path = Path(args[args.index("--root") + 1] if "--root" in args else target)
    return path.relative_to(ROOT.parent).as_posix()


SCANS = _scan_dirs()


@pytest.mark.parametrize(("target", "args"), SCANS,
                         ids=[_case_id(t, a) for t, a in SCANS])
def test_no_two_findings_of_a_target_share_a_fingerprint(
        helm_on_path: str, target: str, args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code = main(["scan", target, *args, "--quiet", "--format", "json", "--output", str(out)])
    assert out.exists(), f"exit {code}, no report: not a deployment? list it in NOT_DEPLOYMENTS"
    report = json.loads(out.read_text())
    for entry in report["targets"]:
        counts = Counter(f["fingerprint"] for f in entry["findings"])
        shared = {fp: n for fp, n in counts.items() if n > 1}
        assert not shared, [(f["check_id"], f["subject"]) for f in entry["findings"]
                            if f["fingerprint"] in shared]
