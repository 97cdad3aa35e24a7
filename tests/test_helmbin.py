"""The real helm binary and the two fixture charts it renders.

helm comes from PATH, the virtualenv, or is installed by ``.ci/install-helm``
(see ``tests/helmbin.py``); these tests skip, naming the reason, only when it
cannot be had at all.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from helmbin import INSTALL_SCRIPT, helm_binary, require_helm

CHARTS = Path(__file__).parent / "fixtures" / "kubernetes" / "charts"

EXPECTED_KINDS = {
    "pass-chart": {
        "Deployment": 3,
        "Service": 1,
        "Ingress": 1,
        "ConfigMap": 1,
        "Secret": 2,
        "ExternalSecret": 1,
        "ServiceAccount": 2,
        "HorizontalPodAutoscaler": 2,
        "PodDisruptionBudget": 2,
        "NetworkPolicy": 3,
        "CronJob": 1,
        "Job": 1,
    },
    "fail-chart": {
        "Deployment": 5,
        "Service": 3,
        "Ingress": 1,
        "ConfigMap": 1,
        "Secret": 1,
        "Job": 1,
    },
}

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def render(chart: str, *args: str) -> list[dict[str, Any]]:
    helm = require_helm()
    done = subprocess.run(
        [helm, "template", "superset", str(CHARTS / chart), "--namespace", "superset", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "# Source: " in done.stdout
    return [doc for doc in yaml.load_all(done.stdout, Loader=Loader) if doc]


def by_name(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def pod_specs(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    specs = {}
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            specs[f"{doc['kind']}/{doc['metadata']['name']}"] = doc["spec"]["template"]["spec"]
        elif doc["kind"] == "CronJob":
            spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            specs[f"CronJob/{doc['metadata']['name']}"] = spec
    return specs


def all_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def test_helm_found_or_installed() -> None:
    helm = require_helm()
    assert helm == helm_binary()
    done = subprocess.run(
        [helm, "version", "--short"], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.startswith(("v3.", "v4.")), done.stdout


@pytest.mark.parametrize("chart", sorted(EXPECTED_KINDS))
def test_template_gives_expected_kinds(chart: str) -> None:
    docs = render(chart)
    assert Counter(d["kind"] for d in docs) == EXPECTED_KINDS[chart]
    for doc in docs:
        assert doc["metadata"]["namespace"] == "superset", doc["metadata"]["name"]
    images = {c["image"] for spec in pod_specs(docs).values() for c in spec["containers"]}
    assert any(image.startswith("apache/superset:") for image in images)


@pytest.mark.parametrize("chart", sorted(EXPECTED_KINDS))
def test_lint_passes(chart: str) -> None:
    helm = require_helm()
    done = subprocess.run(
        [helm, "lint", "--strict", str(CHARTS / chart)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 chart(s) failed" in done.stdout


def test_pass_chart_is_hardened() -> None:
    docs = render("pass-chart")
    deployments = by_name(docs, "Deployment")
    assert deployments["superset"]["spec"]["replicas"] >= 2
    assert deployments["superset-celerybeat"]["spec"]["replicas"] == 1
    hpas = by_name(docs, "HorizontalPodAutoscaler").values()
    assert all(h["spec"]["minReplicas"] >= 2 for h in hpas)
    for name, spec in pod_specs(docs).items():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in all_containers(spec):
            where = f"{name}/{container['name']}"
            assert {"requests", "limits"} <= set(container["resources"]), where
            assert "@sha256:" in container["image"], where
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
    web = deployments["superset"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert web[probe]["httpGet"]["path"] == "/health"
    assert by_name(docs, "Ingress")["superset"]["spec"]["tls"]
    assert by_name(docs, "Service")["superset"]["spec"]["type"] == "ClusterIP"
    assert "thisISaSECRET_1234" not in yaml.safe_dump_all(docs)


def test_fail_chart_keeps_its_flaws() -> None:
    docs = render("fail-chart")
    deployments = by_name(docs, "Deployment")
    assert deployments["superset"]["spec"]["replicas"] == 1
    web = deployments["superset"]["spec"]["template"]["spec"]
    assert web["securityContext"]["runAsUser"] == 0
    assert web["containers"][0]["image"].endswith(":latest")
    assert all("resources" not in c for s in pod_specs(docs).values() for c in all_containers(s))
    assert "tls" not in by_name(docs, "Ingress")["superset"]["spec"]
    assert by_name(docs, "Service")["superset"]["spec"]["type"] == "NodePort"
    config = by_name(docs, "ConfigMap")["superset-config"]["data"]["superset_config.py"]
    assert "SECRET_KEY = 'thisISaSECRET_1234'" in config
    db = deployments["superset-postgresql"]["spec"]["template"]["spec"]["volumes"]
    assert db == [{"name": "data", "emptyDir": {}}]


def test_pass_chart_options_switch_objects_off() -> None:
    docs = render(
        "pass-chart",
        "--set", "ingress.enabled=false",
        "--set", "networkPolicy.enabled=false",
        "--set", "podDisruptionBudget.enabled=false",
    )  # fmt: skip
    kinds = Counter(d["kind"] for d in docs)
    assert kinds["Ingress"] == kinds["NetworkPolicy"] == kinds["PodDisruptionBudget"] == 0
    assert kinds["Deployment"] == 3


def run_install(dest: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=path)
    return subprocess.run(
        ["bash", str(INSTALL_SCRIPT), str(dest)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_install_script_does_nothing_when_helm_is_on_path(tmp_path: Path) -> None:
    helm = require_helm()
    done = run_install(tmp_path / "bin", os.pathsep.join([str(Path(helm).parent), "/usr/bin:/bin"]))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("helm already on PATH: ")
    assert not (tmp_path / "bin").exists()


def test_install_script_fails_in_one_line() -> None:
    done = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("install-helm: error: ")
