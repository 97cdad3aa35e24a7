"""Speed work must not move a verdict: full JSON reports against golden files made before it.

The golden files under ``fixtures/perf-golden/`` were written by this module run as a
script (``python tests/test_perf_equivalence.py --write``) from the code before the
indexes, the once-per-namespace topology and the lazy style imports (issue 16, items 3 to
5). A report differs only by its timestamps and by the directory the generated manifests
were written to; everything else (findings, evidence, scores, problems) must be equal.

The one-namespace manifest set is generated here, not by ``bench/``: hundreds of
workloads in one namespace, related through Services, PodDisruptionBudgets, HPAs,
ServiceMonitors, PodMonitors, NetworkPolicies and Ingresses, with Superset web, worker
and beat workloads mounting ConfigMaps that hold ``superset_config.py``.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "perf-golden"
EXAMPLES = ("pip-dev", "kubernetes", "compose", "manual-vm")
GENERATED_WORKLOADS = 300
NAMESPACE = "shop"
PLACEHOLDER = "<generated>"

CONFIGS = (
    "import os\nSECRET_KEY = os.environ['SUPERSET_SECRET_KEY']\n"
    "SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', 'sqlite:////tmp/x.db')\n"
    "ENABLE_PROXY_FIX = True\nSUPERSET_WEBSERVER_TIMEOUT = 120\n",
    "import os\nfrom flask_caching.backends.filesystemcache import FileSystemCache\n"
    "SECRET_KEY = os.getenv('SUPERSET_SECRET_KEY')\n"
    "RESULTS_BACKEND = FileSystemCache('/tmp/results')\n"
    "FEATURE_FLAGS = {'ALERT_REPORTS': True}\nTALISMAN_ENABLED = False\n",
    "SECRET_KEY = 'thisISaSECRET_1234'\nWTF_CSRF_ENABLED = False\nDEBUG = True\n"
    "SUPERSET_WEBSERVER_TIMEOUT = 300\n",
)
"""Three distinct superset_config.py contents, each mounted by many web workloads."""


# -- the one-namespace manifest set --------------------------------------------------------


def _meta(name: str, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": NAMESPACE, **extra}
    if labels:
        meta["labels"] = labels
    return meta


def _pod_labels(index: int, role: str) -> dict[str, str]:
    return {"app": f"w{index}", "release": f"r{index // 6}", "tier": role,
            "app.kubernetes.io/managed-by": "Helm"}


ROLES = ("web", "worker", "beat", "redis", "api", "cron")
COMMANDS = {
    "web": ["gunicorn", "-w", "4", "-t", "{timeout}", "superset.app:create_app()"],
    "worker": ["celery", "--app=superset.tasks.celery_app:app", "worker"],
    "beat": ["celery", "--app=superset.tasks.celery_app:app", "beat"],
}


def _container(index: int, role: str) -> dict[str, Any]:
    image = {"redis": "redis:7.4.1", "api": f"ghcr.io/acme/api-{index}:1.{index % 7}",
             "cron": "ghcr.io/acme/cleanup:2.0"}.get(role, "apache/superset:4.1.1")
    container: dict[str, Any] = {"name": role, "image": image}
    if role in COMMANDS:
        timeout = str(60 + 30 * (index % 4))
        container["command"] = [w.replace("{timeout}", timeout) for w in COMMANDS[role]]
        container["envFrom"] = [{"secretRef": {"name": f"env-{index // 6}"}}]
        container["env"] = [
            {"name": "GUNICORN_TIMEOUT", "value": "90"},
            {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {
                "name": f"db-{index // 6}", "key": "url"}}},
        ]
        container["volumeMounts"] = [{"name": "config", "mountPath": "/app/pythonpath"}]
    if index % 5:
        container["resources"] = {"requests": {"cpu": "100m", "memory": "256Mi"},
                                  "limits": {"memory": "512Mi"}}
    if index % 3 == 0:
        container["readinessProbe"] = {"httpGet": {"path": "/health", "port": 8088}}
    if index % 4 == 1:
        container["args"] = ["--access-logfile", "/var/log/access.log"]
    return container


def _workload(index: int) -> dict[str, Any]:
    role = ROLES[index % len(ROLES)]
    name = f"{role}-{index}"
    labels = _pod_labels(index, role)
    pod: dict[str, Any] = {"containers": [_container(index, role)]}
    if role in COMMANDS:
        pod["volumes"] = [{"name": "config", "configMap": {"name": f"config-{index}"}}]
    if index % 7 == 0:
        pod["securityContext"] = {"runAsNonRoot": True, "runAsUser": 1000}
    template = {"metadata": {"labels": labels,
                             "annotations": {"prometheus.io/scrape": "true"}
                             if index % 11 == 0 else {}},
                "spec": pod}
    if role == "cron":
        pod["restartPolicy"] = "Never"
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(name),
                "spec": {"schedule": "0 3 * * *",
                         "jobTemplate": {"spec": {"template": template}}}}
    kind = "StatefulSet" if role == "redis" else "Deployment"
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": _meta(name, {"app": f"w{index}"}),
            "spec": {"replicas": 1 + index % 3, "selector": {"matchLabels": {"app": f"w{index}"}},
                     "template": template}}


def _relations(index: int) -> Iterator[dict[str, Any]]:
    """What points at workload ``index``: its Service, and now and then a PDB, an HPA, a
    monitor, an Ingress and the superset_config.py it mounts."""
    role = ROLES[index % len(ROLES)]
    name = f"{role}-{index}"
    if role in COMMANDS:
        yield {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(f"config-{index}"),
               "data": {"superset_config.py": CONFIGS[index % len(CONFIGS)]}}
    if role == "cron":
        return
    service_type = "NodePort" if index % 29 == 0 else "ClusterIP"
    yield {"apiVersion": "v1", "kind": "Service",
           "metadata": _meta(name, {"app": f"w{index}", "monitored": str(index % 4 == 0).lower()}),
           "spec": {"type": service_type,
                    "selector": {"app": f"w{index}", "release": f"r{index // 6}"},
                    "ports": [{"name": "http", "port": 80, "targetPort": 8088}]}}
    if index % 3 == 0:
        selector: dict[str, Any] = {"matchLabels": {"app": f"w{index}"}} if index % 2 else {
            "matchExpressions": [{"key": "app", "operator": "In", "values": [f"w{index}"]}]}
        budget = {"maxUnavailable": 1} if index % 9 else {"minAvailable": 3}
        yield {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": _meta(name), "spec": {"selector": selector, **budget}}
    if index % 2 == 0 and role != "redis":
        yield {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": _meta(name),
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                           "name": name},
                        "minReplicas": 1 + index % 4, "maxReplicas": 5,
                        "metrics": [{"type": "Resource", "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70}}}]}}
    if index % 10 == 0:
        yield {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
               "metadata": _meta(name),
               "spec": {"selector": {"matchLabels": {"app": f"w{index}"}},
                        "endpoints": [{"port": "http"}]}}
    if index % 15 == 6:
        yield {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
               "metadata": _meta(name),
               "spec": {"selector": {"matchLabels": {"app": f"w{index}"}},
                        "podMetricsEndpoints": [{"port": "http"}]}}
    if role == "web" and index % 4 != 2:
        host = f"{name}.example.com"
        ingress: dict[str, Any] = {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(name),
            "spec": {"rules": [{"host": host, "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": name, "port": {"name": "http"}}}}]}}]}}
        if index % 8 == 0:
            ingress["spec"]["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
        yield ingress


def _release_objects(release: int) -> Iterator[dict[str, Any]]:
    """Per group of six workloads: the Secrets they read and a NetworkPolicy."""
    yield {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(f"env-{release}"),
           "stringData": {"SUPERSET_SECRET_KEY": f"k{release:04d}-a-long-random-looking-value"
                          if release % 3 else "thisISaSECRET_1234",
                          "REDIS_HOST": f"redis-{release * 6 + 3}"}}
    yield {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(f"db-{release}"),
           "stringData": {"url": f"postgresql://superset@db-{release}:5432/superset"}}
    if release % 2 == 0:
        types = ["Ingress"] if release % 4 == 0 else ["Egress"]
        yield {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": _meta(f"policy-{release}"),
               "spec": {"podSelector": {"matchLabels": {"release": f"r{release}"}},
                        "policyTypes": types,
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {
                            "tier": "web"}}}]}]}}


def _shared_objects() -> Iterator[dict[str, Any]]:
    """Objects that relate to many workloads at once."""
    yield {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
           "metadata": _meta("elsewhere"),
           "spec": {"namespaceSelector": {"matchNames": ["other"]}, "selector": {},
                    "endpoints": [{"port": "http"}]}}
    yield {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
           "metadata": _meta("monitored"),
           "spec": {"selector": {"matchExpressions": [
               {"key": "monitored", "operator": "In", "values": ["true"]}]},
               "endpoints": [{"port": "http"}]}}
    yield {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": _meta("web-only"),
           "spec": {"podSelector": {"matchExpressions": [
               {"key": "tier", "operator": "In", "values": ["web"]},
               {"key": "release", "operator": "NotIn", "values": ["r1", "r2"]}]}}}
    yield {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": _meta("beats"),
           "spec": {"selector": {"matchLabels": {"tier": "beat"}}, "maxUnavailable": 1}}


def one_namespace_documents(workloads: int) -> list[dict[str, Any]]:
    """The documents of the one-namespace set, in a fixed order."""
    docs: list[dict[str, Any]] = list(_shared_objects())
    for release in range((workloads + 5) // 6):
        docs.extend(_release_objects(release))
    for index in range(workloads):
        docs.append(_workload(index))
        docs.extend(_relations(index))
    return docs


def write_one_namespace(directory: Path, workloads: int, per_file: int = 120) -> Path:
    """Write the set as multi-document files of ``per_file`` documents; returns ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    docs = one_namespace_documents(workloads)
    for number, start in enumerate(range(0, len(docs), per_file)):
        text = yaml.safe_dump_all(docs[start:start + per_file], sort_keys=False)
        (directory / f"part-{number:03d}.yaml").write_text(text, encoding="utf-8")
    return directory


# -- reports ----------------------------------------------------------------------------------


def report_of(target: str, out: Path, replace: str | None = None) -> dict[str, Any]:
    """``auditor scan TARGET --format json``, run in-process, made comparable: timestamps
    and durations dropped, ``replace`` (a temporary directory) named by a placeholder, the
    exit code kept."""
    from auditor.cli import main

    code = main(["scan", target, "--format", "json", "--output", str(out)])
    text = out.read_text(encoding="utf-8")
    if replace:
        text = text.replace(replace, PLACEHOLDER)
    data: dict[str, Any] = json.loads(text)
    data.pop("started_at", None)
    data.pop("duration_s", None)
    data["exit_code"] = code
    return data


def golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.json.gz"


def read_golden(name: str) -> dict[str, Any]:
    with gzip.open(golden_path(name), "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def write_golden(name: str, data: dict[str, Any]) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    # mtime=0: the same report gives the same bytes.
    with open(golden_path(name), "wb") as raw, gzip.GzipFile(
            fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))


def _findings_diff(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """A short account of what differs, finding by finding, for the assertion message."""
    lines = []
    for old, new in zip(expected.get("targets", []), actual.get("targets", []), strict=False):
        before = {json.dumps(f, sort_keys=True) for f in old.get("findings", [])}
        after = {json.dumps(f, sort_keys=True) for f in new.get("findings", [])}
        lines += [f"- {f}" for f in sorted(before - after)[:5]]
        lines += [f"+ {f}" for f in sorted(after - before)[:5]]
    return lines


def assert_same(name: str, actual: dict[str, Any]) -> None:
    expected = read_golden(name)
    if actual != expected:
        detail = "\n".join(_findings_diff(expected, actual)) or "(outside the findings)"
        pytest.fail(f"{name}: report differs from the golden file\n{detail}")


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_report_is_unchanged(example: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert_same(f"example-{example}", report_of(f"examples/{example}", tmp_path / "r.json"))


def test_one_namespace_report_is_unchanged(tmp_path: Path) -> None:
    manifests = write_one_namespace(tmp_path / "manifests", GENERATED_WORKLOADS)
    actual = report_of(str(manifests), tmp_path / "r.json", replace=str(manifests))
    findings = actual["targets"][0]["findings"]
    assert len(findings) > 3 * GENERATED_WORKLOADS, "the set relates hundreds of workloads"
    assert_same("one-namespace", actual)


def test_generated_set_is_one_namespace_of_related_objects() -> None:
    docs = one_namespace_documents(60)
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "StatefulSet", "CronJob", "Service", "PodDisruptionBudget",
            "HorizontalPodAutoscaler", "ServiceMonitor", "PodMonitor", "NetworkPolicy",
            "Ingress", "ConfigMap", "Secret"} <= kinds
    assert {d["metadata"]["namespace"] for d in docs} == {"shop"}
    configs = [d for d in docs if d["kind"] == "ConfigMap"]
    assert len(configs) == 30 and all("superset_config.py" in d["data"] for d in configs)


def _selects_calls(workloads: int, directory: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """How often the label selector function runs in one audit of ``workloads`` workloads.

    Every module that imported ``selects`` gets the counting wrapper, so the count holds
    whichever module calls it."""
    from auditor.checks.kubernetes import topology

    original = topology.selects
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> bool:
        calls[0] += 1
        return original(*args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("auditor.checks.kubernetes") and \
                getattr(module, "selects", None) is original:
            monkeypatch.setattr(module, "selects", counted)
    manifests = write_one_namespace(directory / "manifests", workloads)
    report_of(str(manifests), directory / "r.json")
    return calls[0]


def test_selector_matching_grows_linearly_in_one_namespace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.checks.kubernetes.plugin  # noqa: F401  (the modules that import selects)

    small = _selects_calls(120, tmp_path / "small", monkeypatch)
    large = _selects_calls(240, tmp_path / "large", monkeypatch)
    assert small > 100, "the audit matched selectors"
    assert large <= 2.5 * small, (small, large)


def test_history_point_is_read_from_the_report_as_from_its_json(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.api import scan
    from auditor.history import run_from_data, run_from_report

    monkeypatch.chdir(REPO)
    for example in ("kubernetes", "pip-dev"):
        point = run_from_report(scan([f"examples/{example}"]))
        expected = run_from_data(read_golden(f"example-{example}"), "this run")
        assert point.targets == expected.targets
        assert (point.value, point.grade, point.ready, point.coverage, point.path) == (
            expected.value, expected.grade, expected.ready, expected.coverage, "this run")
    failing = run_from_report(scan(["examples/kubernetes"])).targets[0].failing
    # 36 before the apache/superset image's ENV SUPERSET_ENV=production was read (the
    # RATELIMIT check then passes).
    assert failing == 35


def test_history_entry_is_the_json_report_and_only_a_history_builds_a_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor import history as history_module
    from auditor.cli import main
    from auditor.history import NAME

    monkeypatch.chdir(REPO)
    history = tmp_path / "history"
    out = tmp_path / "report.json"
    assert main(["scan", "examples/pip-dev", "--format", "json", "--output", str(out),
                 "--history-dir", str(history)]) == 0
    (entry,) = [p for p in history.iterdir() if p.suffix == ".json"]
    assert NAME.match(entry.name)
    assert entry.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")

    def no_point(*args: object) -> None:
        raise AssertionError("a history point was built for a run without --history-dir")

    # commands imports run_from_report from auditor.history when --history-dir asks for it
    monkeypatch.setattr(history_module, "run_from_report", no_point)
    assert main(["scan", "examples/pip-dev", "--format", "html", "--output",
                 str(tmp_path / "report.html")]) == 0


def main(argv: list[str]) -> int:
    """``--write``: make the golden files from the code importable now (run before a
    change that must not move a verdict)."""
    if argv != ["--write"]:
        print("usage: python tests/test_perf_equivalence.py --write", file=sys.stderr)
        return 2
    import tempfile

    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for example in EXAMPLES:
            write_golden(f"example-{example}", report_of(f"examples/{example}", work / "r.json"))
        manifests = write_one_namespace(work / "manifests", GENERATED_WORKLOADS)
        write_golden("one-namespace", report_of(str(manifests), work / "r.json",
                                                replace=str(manifests)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
