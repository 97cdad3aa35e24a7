"""Kustomize directories audited as ``kubectl apply -k`` would apply them, without kustomize.

The fixtures are small, written here, and each stands for a real pattern:

- NeatPlus/server's ``kubernetes/`` folder (tests/fixtures/realworld/kustomize-oauth-neatplus):
  a ``kustomization.yml`` listing ``superset.yml`` and ``service.yml``, a ``secretGenerator``
  reading ``superset.env`` (kept out of git), a ``configMapGenerator`` holding
  ``superset_config.py``, inline patches adding labels to both, and an ingress kustomization
  whose JSON 6902 patch puts the real host on the TLS section. Read as plain files, the build
  file was "kind Kustomization, not audited", the generated ConfigMap was never seen and
  Superset's configuration was unknown.
- The base/overlays layout of kustomize's own docs (``overlays/prod`` listing ``../../base``
  with a namespace, ``replicas``, ``images`` and a strategic-merge patch file holding a
  partial Deployment), which read as plain files audited the partial Deployment as a whole
  object.
- The same layout audited from the overlay, as GitOps repositories are built one overlay at
  a time (Andrey-Omelyanuk/dev-cluster keeps ``apps/<app>/base`` beside
  ``apps/<app>/overlays/<env>``, Apache Superset among its apps): inside the git repository
  ``../../base`` is read, beyond it or without one nothing is.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import scan_report

from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustomize import build, data_unknown
from auditor.checks.kubernetes.kustpatch import PatchError, Selector, json6902, strategic_merge
from auditor.checks.kubernetes.kustread import Tree
from auditor.checks.kubernetes.kustxform import _retag
from auditor.model import Location

LABELS = {"app": "superset", "component": "web"}
HELM_DEFAULT_KEY = "thisISaSECRET_1234"


def web(name: str = "superset", image: str = "apache/superset:4.1.1",
        **pod: Any) -> dict[str, Any]:
    """A Superset web Deployment: gunicorn serving the app, one container."""
    container: dict[str, Any] = {
        "name": "superset", "image": image,
        "command": ["/bin/sh", "-c", "gunicorn --bind 0.0.0.0:8088 -w 4 "
                    "'superset.app:create_app()'"],
        "ports": [{"name": "http", "containerPort": 8088}],
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(LABELS)},
        "spec": {"replicas": 1, "selector": {"matchLabels": dict(LABELS)},
                 "template": {"metadata": {"labels": dict(LABELS)},
                              "spec": {"containers": [container], **pod}}},
    }


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "superset"},
           "spec": {"selector": dict(LABELS), "ports": [{"name": "http", "port": 80,
                                                          "targetPort": 8088}]}}


def ingress(host: str = "example.com") -> dict[str, Any]:
    """NeatPlus' superset_ingress.yml: nginx, TLS for one host, / to the Service."""
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "superset-ingress",
                     "labels": {"app.kubernetes.io/name": "superset-ingress"}},
        "spec": {"ingressClassName": "nginx",
                 "tls": [{"hosts": [host], "secretName": "superset-cert"}],
                 "rules": [{"host": host, "http": {"paths": [{
                     "path": "/", "pathType": "Prefix",
                     "backend": {"service": {"name": "superset", "port": {"name": "http"}}}}]}}]},
    }


def put(directory: Path, name: str, content: Any) -> Path:
    """Write YAML (a list is a multi-document stream) or text."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, list):
        path.write_text(yaml.safe_dump_all(content, sort_keys=False))
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def kustomization(directory: Path, **fields: Any) -> Path:
    return put(directory, "kustomization.yaml",
               {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                **fields})


def scan(tmp_path: Path, target: Path, *args: str, code: int = 0) -> dict[str, Any]:
    return scan_report(tmp_path, str(target), "--style", "kubernetes", *args, code=code)


def findings(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check_id]


def status(report: dict[str, Any], check_id: str, subject: str = "") -> str:
    found = {f["status"] for f in findings(report, check_id) if subject in f["subject"]}
    assert len(found) == 1, (check_id, found)
    return found.pop()


def problems(report: dict[str, Any]) -> list[str]:
    return [p for t in report["targets"] for p in t["problems"]]


def subjects(report: dict[str, Any]) -> set[str]:
    """Objects judged (an app check's ``:SETTING`` suffix dropped)."""
    return {f["subject"].split(":")[0] for t in report["targets"] for f in t["findings"]}


# --- 1. what the build holds ------------------------------------------------------------


def test_resources_list_what_is_audited_not_every_file_lying_around(tmp_path: Path) -> None:
    """kustomize's base/overlay docs: a patch file with a partial Deployment and a stray
    manifest sit beside the kustomization; only what ``resources`` lists is applied."""
    app = tmp_path / "app"
    put(app, "web.yaml", [web(), SERVICE])
    put(app, "stray.yaml", web("stray-copy"))
    put(app, "patch-web.yaml", {"apiVersion": "apps/v1", "kind": "Deployment",
                                "metadata": {"name": "superset"},
                                "spec": {"replicas": 2}})
    kustomization(app, resources=["web.yaml"], patches=[{"path": "patch-web.yaml"}])
    report = scan(tmp_path, app)
    deployments = {s for s in subjects(report) if "/Deployment/" in s}
    assert deployments == {"apps/v1/Deployment/default/superset"}
    assert status(report, "K8S-AVAILABILITY-001") == "pass"  # the patch's 2 replicas
    assert not any(p.startswith("kind Kustomization") for p in problems(report))
    unlisted = [p for p in problems(report) if "do" in p and "not list" in p]
    assert unlisted and "stray.yaml" in unlisted[0] and "patch-web.yaml" not in unlisted[0]
    evidence = report["targets"][0]["detection"]["evidence"]
    assert any("Kustomize builds" in e for e in evidence)


def test_namespace_lands_on_namespaced_objects_only(tmp_path: Path) -> None:
    """``namespace: analytics`` in an overlay: every namespaced object lands there, one that
    names another namespace included; a ClusterRole keeps none."""
    app = tmp_path / "app"
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "reader"}, "rules": []}
    other = {**SERVICE, "metadata": {"name": "other", "namespace": "elsewhere"}}
    put(app, "all.yaml", [web(), SERVICE, other, role])
    kustomization(app, namespace="analytics", resources=["all.yaml"])
    built = build(app, app)
    assert built is not None
    where = {item.name: item.declared_namespace for item in built.items}
    assert where == {"superset": "analytics", "other": "analytics", "reader": ""}
    report = scan(tmp_path, app)
    assert "apps/v1/Deployment/analytics/superset" in subjects(report)


def test_several_roots_are_built_and_a_base_they_include_is_not_a_root(tmp_path: Path) -> None:
    """kustomize's docs layout without a root kustomization: ``overlays/prod`` and
    ``overlays/dev`` list ``../../base``; both are built, in their own namespaces, and the
    base is applied through them only."""
    put(tmp_path / "k8s/base", "web.yaml", [web(), SERVICE])
    kustomization(tmp_path / "k8s/base", resources=["web.yaml"])
    kustomization(tmp_path / "k8s/overlays/prod", namespace="prod", resources=["../../base"],
                  replicas=[{"name": "superset", "count": 3}])
    kustomization(tmp_path / "k8s/overlays/dev", namespace="dev", resources=["../../base"])
    report = scan(tmp_path, tmp_path / "k8s")
    assert status(report, "K8S-AVAILABILITY-001", "/prod/") == "pass"
    assert status(report, "K8S-AVAILABILITY-001", "/dev/") == "fail"
    assert not any("/default/" in s for s in subjects(report))
    assert not any("make the same objects" in p for p in problems(report))


def test_overlays_sharing_objects_in_one_namespace_are_named(tmp_path: Path) -> None:
    """Two overlays of one base without a namespace each: applied together they would be
    one object; the audit says it relates them as if both were applied."""
    put(tmp_path / "k8s/base", "web.yaml", [web()])
    kustomization(tmp_path / "k8s/base", resources=["web.yaml"])
    kustomization(tmp_path / "k8s/dev", resources=["../base"])
    kustomization(tmp_path / "k8s/prod", resources=["../base"])
    report = scan(tmp_path, tmp_path / "k8s")
    assert any("make the same objects" in p for p in problems(report))


def test_a_kustomization_in_a_plain_stream_is_still_named(tmp_path: Path) -> None:
    """A Kustomization document inside a manifest file (not a build) is just a document."""
    target = put(tmp_path / "m", "all.yaml", [
        web(), {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": ["all.yaml"]}])
    report = scan(tmp_path, target)
    assert "kind Kustomization (kustomize.config.k8s.io/v1beta1): not audited" in problems(
        report)


# --- 2. generators ----------------------------------------------------------------------


def neatplus(tmp_path: Path, config: str, env: str | None) -> Path:
    """NeatPlus' kubernetes/superset: envFrom the generated Secret, superset_config.py from
    the generated ConfigMap mounted at /etc/superset, labels added by inline patches."""
    app = tmp_path / "kubernetes" / "superset"
    deployment = web(image="amancevice/superset:1.4.1",
                     volumes=[{"name": "config", "configMap": {"name": "superset-config"}}])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["envFrom"] = [{"secretRef": {"name": "superset-secret"}}]
    container["volumeMounts"] = [{"name": "config", "mountPath": "/etc/superset"}]
    put(app, "superset.yml", [deployment, SERVICE])
    put(app, "superset_config.py", config)
    if env is not None:
        put(app, "superset.env", env)
    label_patch = "apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n" \
                  "    project: neatplus\n"
    kustomization(
        app, resources=["superset.yml"],
        secretGenerator=[{"name": "superset-secret", "envs": ["superset.env"],
                          "type": "Opaque"}],
        configMapGenerator=[{"name": "superset-config", "files": ["superset_config.py"]}],
        patches=[{"patch": label_patch.format(kind="Secret", name="superset-secret")},
                 {"patch": label_patch.format(kind="ConfigMap", name="superset-config")}])
    return tmp_path / "kubernetes"


def test_generated_config_map_superset_config_is_judged(tmp_path: Path) -> None:
    """superset_config.py from configMapGenerator is the app's configuration: a published
    SECRET_KEY written there fails, and the key is never printed."""
    target = neatplus(tmp_path, f"SECRET_KEY = '{HELM_DEFAULT_KEY}'\n", "MAPBOX_API_KEY=x\n")
    report = scan(tmp_path, target)
    (finding,) = findings(report, "SUPERSET-CONFIG-SECRETS-001")
    assert finding["status"] == "fail"
    assert "ConfigMap superset-config key superset_config.py" in " ".join(finding["evidence"])
    assert HELM_DEFAULT_KEY not in json.dumps(report)
    built = build(target, target)
    assert built is not None
    generated = {i.kind: i for i in built.items if i.kind in ("Secret", "ConfigMap")}
    assert generated["ConfigMap"].labels.get("project") == "neatplus"  # the inline patch
    assert generated["ConfigMap"].location is not None
    assert generated["ConfigMap"].location.path == "superset/kustomization.yaml"


def test_secret_generated_from_a_missing_env_file_makes_settings_unknown(
        tmp_path: Path) -> None:
    """NeatPlus keeps superset.env out of git: SECRET_KEY = get_env_variable('SECRET_KEY')
    reads a Secret whose contents are unknown, so the key is not judged (not the default,
    not unset), and the Secret's values are not called free of defaults."""
    config = ("import os\nSECRET_KEY = os.environ['SECRET_KEY']\n"
              "SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL')\n")
    target = neatplus(tmp_path, config, None)
    report = scan(tmp_path, target)
    (key,) = findings(report, "SUPERSET-CONFIG-SECRETS-001")
    assert key["status"] == "skip"
    assert "generated from superset.env" in key["message"]
    assert status(report, "K8S-CONFIG-SECRETS-002", "Secret/default/superset-secret") == "skip"
    assert not any(f["status"] == "fail" and "sqlite" in f["message"]
                   for f in findings(report, "SUPERSET-STORAGE-001"))
    assert any("superset.env is not among the audited files" in p for p in problems(report))
    built = build(target, target)
    assert built is not None
    (secret,) = [i for i in built.items if i.kind == "Secret"]
    assert "superset.env" in data_unknown(secret)


def test_secret_generated_from_an_env_file_is_compared_never_printed(tmp_path: Path) -> None:
    """The env file is present: its SECRET_KEY (Superset's Helm default) is compared as
    kustomize would put it in the Secret, and appears in no output."""
    target = neatplus(tmp_path, "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
                      f"# Superset\nSECRET_KEY={HELM_DEFAULT_KEY}\nDATABASE_URL=postgresql://"
                      "u:p@db/superset\n")
    report = scan(tmp_path, target)
    assert status(report, "SUPERSET-CONFIG-SECRETS-001") == "fail"
    assert status(report, "K8S-CONFIG-SECRETS-002", "superset-secret") == "fail"
    assert HELM_DEFAULT_KEY not in json.dumps(report)


def test_generator_literals_merge_into_a_base_generator(tmp_path: Path) -> None:
    """An overlay's ``behavior: merge`` generator adds keys to the base's ConfigMap; a
    quoted literal loses its quotes as kustomize strips them."""
    base = tmp_path / "base"
    kustomization(base, configMapGenerator=[{"name": "env", "literals": ["A=1", "B=2"]}])
    kustomization(tmp_path / "prod", resources=["../base"],
                  configMapGenerator=[{"name": "env", "behavior": "merge",
                                       "literals": ["B='3'", "C=4"]}])
    built = build(tmp_path, tmp_path)  # the base lies outside prod: build their parent
    assert built is not None and built.roots == ("prod",)
    (config_map,) = built.items
    assert config_map.obj["data"] == {"A": "1", "B": "3", "C": "4"}


# --- 3. images and replicas -------------------------------------------------------------


@pytest.mark.parametrize(("rule", "expected"), [
    ({"name": "apache/superset", "digest": "sha256:" + "a" * 64}, "pass"),
    ({"name": "apache/superset", "newTag": "latest"}, "fail"),
])
def test_images_override_decides_rollback(tmp_path: Path, rule: dict[str, str],
                                          expected: str) -> None:
    """``images:`` in the kustomization pins (or unpins) what the Deployment runs."""
    app = tmp_path / "app"
    put(app, "web.yaml", web(image="apache/superset:4.1.1"))
    kustomization(app, resources=["web.yaml"], images=[rule])
    report = scan(tmp_path, app)
    assert status(report, "K8S-ROLLBACK-001") == expected


@pytest.mark.parametrize(("image", "rule", "result"), [
    ("nginx:1.7", {"name": "nginx", "newTag": "1.8"}, "nginx:1.8"),
    ("nginx@sha256:aa", {"name": "nginx", "newTag": "1.8"}, "nginx:1.8"),
    ("nginx:1.7", {"name": "nginx", "digest": "sha256:bb"}, "nginx@sha256:bb"),
    ("nginx:1.7", {"name": "nginx", "newTag": "1.8", "digest": "sha256:bb"},
     "nginx:1.8@sha256:bb"),
    ("reg:5000/nginx:1.7", {"name": "reg:5000/nginx", "newName": "mine/nginx"},
     "mine/nginx:1.7"),
])
def test_image_rules_follow_kustomize(image: str, rule: dict[str, str], result: str) -> None:
    assert _retag(image, rule) == result


def test_replicas_override_decides_availability(tmp_path: Path) -> None:
    """``replicas:`` raises the web Deployment from 1 to 3."""
    app = tmp_path / "app"
    put(app, "web.yaml", web())
    kustomization(app, resources=["web.yaml"])
    assert status(scan(tmp_path, app), "K8S-AVAILABILITY-001") == "fail"
    kustomization(app, resources=["web.yaml"], replicas=[{"name": "superset", "count": 3}])
    assert status(scan(tmp_path, app), "K8S-AVAILABILITY-001") == "pass"


# --- 4. patches -------------------------------------------------------------------------


def test_strategic_merge_patch_changes_verdicts_and_is_no_object(tmp_path: Path) -> None:
    """An overlay's patch file adds resources and a securityContext to the base's container
    (merged by name); the patch's partial Deployment is not audited as one."""
    put(tmp_path / "base", "web.yaml", [web(), SERVICE])
    kustomization(tmp_path / "base", resources=["web.yaml"])
    prod = tmp_path / "overlays" / "prod"
    put(prod, "harden.yaml", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "superset"},
        "spec": {"template": {"spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
            "containers": [{"name": "superset",
                            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                          "limits": {"memory": "2Gi"}}}]}}}})
    kustomization(prod, resources=["../../base"], patchesStrategicMerge=["harden.yaml"])
    before = scan(tmp_path, tmp_path / "base")
    assert status(before, "K8S-RESOURCES-001") == "fail"
    assert status(before, "K8S-ISOLATION-001") == "fail"
    after = scan(tmp_path, prod.parent.parent, code=0)
    assert status(after, "K8S-RESOURCES-001") == "pass"
    assert status(after, "K8S-ISOLATION-001") == "pass"
    assert {s for s in subjects(after) if "/Deployment/" in s} == {
        "apps/v1/Deployment/default/superset"}
    built = build(tmp_path, tmp_path)
    assert built is not None
    (deployment,) = [i for i in built.items if i.kind == "Deployment"]
    (container,) = deployment.obj["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "apache/superset:4.1.1"  # merged, not replaced


def test_json6902_replaces_the_ingress_tls_host(tmp_path: Path) -> None:
    """NeatPlus' ingress kustomization: ``patches`` with a labelSelector target and JSON
    6902 ``replace`` on /spec/tls/0/hosts/0 and /spec/rules/0/host."""
    app = tmp_path / "kubernetes"
    put(app / "superset", "web.yaml", [web(), SERVICE])
    kustomization(app / "superset", resources=["web.yaml"])
    put(app / "ingress", "superset_ingress.yml", ingress())
    ops = ("- op: replace\n  path: /spec/tls/0/hosts/0\n  value: superset.example.com\n"
           "- op: replace\n  path: /spec/rules/0/host\n  value: superset.example.com\n")
    kustomization(app / "ingress", resources=["superset_ingress.yml"],
                  patches=[{"target": {"labelSelector": "app.kubernetes.io/name="
                                                        "superset-ingress"},
                            "patch": ops}])
    report = scan(tmp_path, app)
    tls = [f for f in findings(report, "K8S-PROXY-TLS-001") if "Ingress" in f["subject"]]
    assert tls and tls[0]["status"] == "pass"
    assert "superset.example.com" in tls[0]["message"]
    # The older field, with a name target and a patch file.
    put(app / "ingress", "host.yaml", ops.replace("superset.example.com", "bi.example.org"))
    kustomization(app / "ingress", resources=["superset_ingress.yml"],
                  patchesJson6902=[{"target": {"group": "networking.k8s.io", "version": "v1",
                                               "kind": "Ingress", "name": "superset-ingress"},
                                    "path": "host.yaml"}])
    report = scan(tmp_path, app)
    assert any("bi.example.org" in f["message"] for f in findings(report, "K8S-PROXY-TLS-001"))


def test_a_patch_that_cannot_apply_is_named(tmp_path: Path) -> None:
    """Unknown targets and failing operations are problems, and the object stays as it was."""
    app = tmp_path / "app"
    put(app, "web.yaml", web())
    kustomization(app, resources=["web.yaml"], patches=[
        {"patch": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nowhere\n"
                  "spec:\n  replicas: 5\n"},
        {"target": {"kind": "Deployment"},
         "patch": "- op: replace\n  path: /spec/replicas\n  value: 4\n"
                  "- op: remove\n  path: /spec/absent\n"},
        {"target": {"kind": "Deployment", "name": "(a+)+$"},
         "patch": "- op: replace\n  path: /spec/replicas\n  value: 4\n"},
    ])
    report = scan(tmp_path, app)
    named = problems(report)
    assert any("Deployment nowhere matches no object" in p for p in named)
    assert any("JSON patch not applied to Deployment superset" in p for p in named)
    assert any("pattern the auditor does not evaluate" in p for p in named)
    assert status(report, "K8S-AVAILABILITY-001") == "fail"  # still 1 replica


def test_strategic_merge_directives() -> None:
    res = Res(web(), Location("web.yaml", 1))
    pod = res.obj["spec"]["template"]["spec"]
    pod["containers"].append({"name": "sidecar", "image": "envoy:1"})
    pod["containers"][0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    strategic_merge(res, {"kind": "Deployment", "metadata": {"name": "superset"}, "spec": {
        "replicas": None,
        "template": {"spec": {"containers": [
            {"name": "sidecar", "$patch": "delete"},
            {"name": "superset", "env": [{"name": "B", "value": "3"},
                                         {"name": "C", "value": "4"}],
             "command": ["superset", "run"]}]}}}})
    assert "replicas" not in res.obj["spec"]
    (container,) = res.obj["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"},
                                {"name": "C", "value": "4"}]
    assert container["command"] == ["superset", "run"]  # no merge key: replaced
    assert strategic_merge(res, {"kind": "Deployment", "$patch": "delete"}) is False
    with pytest.raises(PatchError):
        strategic_merge(res, {"spec": {"$retainKeys": ["a"]}})


def test_json6902_is_atomic_and_follows_pointers() -> None:
    res = Res({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a/b"},
               "spec": {"ports": [{"port": 80}]}}, Location("s.yaml", 1))
    json6902(res, [{"op": "add", "path": "/spec/ports/-", "value": {"port": 443}},
                   {"op": "add", "path": "/metadata/annotations", "value": {"x~/y": "1"}},
                   {"op": "copy", "from": "/spec/ports/0", "path": "/spec/first"},
                   {"op": "test", "path": "/metadata/annotations/x~0~1y", "value": "1"}])
    assert res.obj["spec"]["ports"] == [{"port": 80}, {"port": 443}]
    assert res.obj["spec"]["first"] == {"port": 80}
    before = json.dumps(res.obj, sort_keys=True)
    with pytest.raises(PatchError):
        json6902(res, [{"op": "remove", "path": "/spec/first"},
                       {"op": "replace", "path": "/spec/ports/7", "value": 1}])
    assert json.dumps(res.obj, sort_keys=True) == before


def test_target_selectors() -> None:
    res = Res(ingress(), Location("i.yaml", 1))
    assert Selector({"labelSelector": "app.kubernetes.io/name in (superset-ingress, x)"}
                    ).matches(res)
    assert Selector({"kind": "Ingress", "name": "superset-.*"}).matches(res)
    assert not Selector({"name": "superset"}).matches(res)  # anchored
    assert not Selector({"labelSelector": "!app.kubernetes.io/name"}).matches(res)
    assert Selector({"group": "networking.k8s.io", "version": "v1"}).matches(res)
    started = time.monotonic()
    with pytest.raises(PatchError):
        Selector({"name": "(x+x+)+y"})
    with pytest.raises(PatchError):
        Selector({"name": ".*a.*a.*a.*b"})
    assert time.monotonic() - started < 1


# --- 5. bounds --------------------------------------------------------------------------


def test_nothing_outside_the_target_is_read(tmp_path: Path) -> None:
    """A resource ``../../etc``, a file above the target and symbolic links out of it are
    named and never read: the planted object appears nowhere in the report."""
    outside = tmp_path / "outside"
    put(outside, "planted.yaml", web("planted-deployment"))
    put(outside, "kustomization.yaml", "resources: [planted.yaml]\n")
    put(outside, "leak.env", "SECRET_KEY=planted-secret-value\n")
    app = tmp_path / "target" / "app"
    put(app, "web.yaml", web())
    os.symlink(outside / "planted.yaml", app / "linked.yaml")
    os.symlink(outside, app / "linked-dir")
    os.symlink(outside / "leak.env", app / "leak.env")
    kustomization(app, resources=["web.yaml", "../../etc", "../../outside/planted.yaml",
                                  "../../outside", "linked.yaml", "linked-dir",
                                  "/etc/passwd"],
                  secretGenerator=[{"name": "s", "envs": ["leak.env"]}])
    report = scan(tmp_path, tmp_path / "target")
    text = json.dumps(report)
    assert "planted-deployment" not in text and "planted-secret-value" not in text
    named = problems(report)
    for entry in ("../../etc", "../../outside/planted.yaml", "../../outside"):
        assert any(f"{entry} lies outside the audited directory" in p for p in named), entry
    for entry in ("linked.yaml", "linked-dir", "leak.env"):
        assert any(f"{entry} is reached through a symbolic link" in p for p in named), entry
    assert any("/etc/passwd is an absolute path" in p for p in named)
    assert "apps/v1/Deployment/default/superset" in subjects(report)


def test_remote_resources_are_named_not_fetched(tmp_path: Path) -> None:
    app = tmp_path / "app"
    put(app, "web.yaml", web())
    kustomization(app, resources=["web.yaml",
                                  "github.com/apache/superset//helm?ref=master",
                                  "https://example.com/superset.yaml"])
    report = scan(tmp_path, app)
    remote = [p for p in problems(report) if "is remote" in p and "not fetched" in p]
    assert len(remote) == 2


def test_cycles_and_depth_are_bounded(tmp_path: Path) -> None:
    """A kustomization including its parent, and one including itself."""
    app = tmp_path / "app"
    put(app, "web.yaml", web())
    kustomization(app, resources=["web.yaml", "sub"])
    kustomization(app / "sub", resources=["..", "."])
    report = scan(tmp_path, app)
    cycles = [p for p in problems(report) if "includes itself" in p]
    assert len(cycles) == 2
    assert "apps/v1/Deployment/default/superset" in subjects(report)


def test_components_add_to_the_overlay(tmp_path: Path) -> None:
    """A Component (kustomize.config.k8s.io/v1alpha1) adds a PodDisruptionBudget and a
    label to everything the overlay accumulated."""
    put(tmp_path / "base", "web.yaml", [web(), SERVICE])
    kustomization(tmp_path / "base", resources=["web.yaml"])
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": "superset"},
           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(LABELS)}}}
    put(tmp_path / "components/ha", "pdb.yaml", pdb)
    put(tmp_path / "components/ha", "kustomization.yaml",
        {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
         "resources": ["pdb.yaml"], "commonLabels": {"tier": "ha"}})
    kustomization(tmp_path / "prod", resources=["../base"], components=["../components/ha"])
    report = scan(tmp_path, tmp_path)
    assert status(report, "K8S-AVAILABILITY-002") == "pass"
    built = build(tmp_path, tmp_path)
    assert built is not None
    assert all(item.labels.get("tier") == "ha" for item in built.items)
    (service,) = [i for i in built.items if i.kind == "Service"]
    assert service.spec["selector"]["tier"] == "ha"  # commonLabels reach selectors


def test_not_applied_fields_are_named(tmp_path: Path) -> None:
    app = tmp_path / "app"
    put(app, "web.yaml", web())
    kustomization(app, resources=["web.yaml"], namePrefix="prod-", helmCharts=[{"name": "x"}])
    report = scan(tmp_path, app)
    named = problems(report)
    assert any("namePrefix is not applied" in p for p in named)
    assert any("helmCharts is not applied" in p for p in named)
    assert "apps/v1/Deployment/default/superset" in subjects(report)


def test_a_flux_kustomization_object_in_a_file_of_that_name_is_an_object(tmp_path: Path) -> None:
    """Flux repositories keep ``Kustomization`` objects (kustomize.toolkit.fluxcd.io); one
    stored as ``kustomization.yaml`` is no build file: its directory is read as manifests."""
    flux = tmp_path / "clusters" / "prod"
    put(flux, "kustomization.yaml", {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "superset", "namespace": "flux-system"},
        "spec": {"path": "./apps/superset", "interval": "10m", "prune": True,
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}})
    put(flux, "web.yaml", web())
    assert build(tmp_path, tmp_path) is None
    report = scan(tmp_path, tmp_path)
    assert "apps/v1/Deployment/default/superset" in subjects(report)
    assert not any("kind Kustomization" in p for p in problems(report))


# --- 6. the enclosing repository: an overlay reads its base ------------------------------

PLANTED = "PLANTED-4b7e1d-OUTSIDE"


def git_repository(root: Path) -> Path:
    """``root`` made a real git repository (``git init``, as tests/fixturelib.py does for
    its ``.auditor-fixture-git`` fixtures): the audited tree of a directory inside it."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True,
                   env={"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root.parent)})
    return root


def base_and_overlay(top: Path) -> Path:
    """kustomize's docs layout under ``top``: ``base`` holds the web Deployment and its
    Service; ``overlays/prod`` lists ``../../base`` with namespace prod, 3 replicas and a
    strategic-merge patch file adding a securityContext and resources. Returns the overlay."""
    base = top / "base"
    put(base, "deployment.yaml", web())
    put(base, "service.yaml", SERVICE)
    kustomization(base, resources=["deployment.yaml", "service.yaml"])
    prod = top / "overlays" / "prod"
    put(prod, "harden.yaml", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "superset"},
        "spec": {"template": {"spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 1000},
            "containers": [{"name": "superset",
                            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                          "limits": {"memory": "2Gi"}}}]}}}})
    kustomization(prod, namespace="prod", resources=["../../base"],
                  replicas=[{"name": "superset", "count": 3}], patches=[{"path": "harden.yaml"}])
    return prod


def plant(outside: Path) -> Path:
    """Files beyond the repository that a hostile kustomization may name: a Deployment, a
    kustomization listing it, an env file and a superset_config.py, each carrying PLANTED."""
    put(outside, "planted.yaml", web(PLANTED.lower()))
    put(outside, "kustomization.yaml", "resources: [planted.yaml]\n")
    put(outside, "leak.env", f"SECRET_KEY={PLANTED}\n")
    put(outside, "superset_config.py", f"SECRET_KEY = '{PLANTED}'\n")
    return outside


def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file the kustomize reader opens, recorded (its only way to read a file)."""
    opened: list[Path] = []
    read = Tree.read

    def recording(tree: Tree, path: Path, limit: int) -> bytes:
        opened.append(Path(os.path.realpath(path)))
        return read(tree, path, limit)

    monkeypatch.setattr(Tree, "read", recording)
    return opened


def test_an_overlay_reads_its_base_inside_the_git_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``auditor scan overlays/prod`` in a git repository: ``../../base`` is read, and the
    base's Deployment is judged as the overlay makes it (namespace, replicas, the patch),
    located relative to the target as Compose locates ``../.env``."""
    prod = base_and_overlay(git_repository(tmp_path / "repo"))
    report = scan(tmp_path, prod)
    assert {s for s in subjects(report) if "/Deployment/" in s} == {
        "apps/v1/Deployment/prod/superset"}
    assert status(report, "K8S-AVAILABILITY-001") == "pass"  # the overlay's 3 replicas
    assert status(report, "K8S-RESOURCES-001") == "pass"  # the overlay's patch
    assert status(report, "K8S-ISOLATION-001") == "pass"
    assert not any("outside" in p for p in problems(report)), problems(report)
    built = build(prod, prod)
    assert built is not None
    (deployment,) = [i for i in built.items if i.kind == "Deployment"]
    assert deployment.location is not None
    assert deployment.location.path == "../../base/deployment.yaml"
    # A relative target (``auditor scan .`` from the overlay) climbs the same way.
    monkeypatch.chdir(prod)
    here = scan(tmp_path, Path("."))
    assert status(here, "K8S-AVAILABILITY-001") == "pass"
    assert not any("outside" in p for p in problems(here)), problems(here)


def test_without_a_repository_the_overlay_is_the_boundary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same layout without ``.git``: the overlay is all that is audited, ``../../base``
    is named as outside it, and nothing of the base is opened."""
    prod = base_and_overlay(tmp_path / "repo")
    opened = reads(monkeypatch)
    built = build(prod, prod)
    assert built is not None and built.items == ()
    assert any("../../base lies outside the audited directory (no git repository encloses "
               "it)" in p for p in built.problems.values()), built.problems
    base = Path(os.path.realpath(tmp_path / "repo" / "base"))
    assert opened and not any(path.is_relative_to(base) for path in opened), opened


def test_references_beyond_the_repository_are_named_and_never_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In CI on a pull request the overlay is the author's: ``../../../outside`` leaves the
    checkout (a resource directory, a file in it, a generator's env file), is named, and
    nothing planted there reaches the report; the base inside the repository still does."""
    outside = plant(tmp_path / "runner" / "outside")
    repo = git_repository(tmp_path / "runner" / "repo")
    prod = base_and_overlay(repo)
    kustomization(prod, namespace="prod",
                  resources=["../../base", "../../../outside", "../../../outside/planted.yaml"],
                  secretGenerator=[{"name": "leak", "envs": ["../../../outside/leak.env"]}])
    opened = reads(monkeypatch)
    report = scan(tmp_path, prod)
    assert PLANTED not in json.dumps(report) and PLANTED.lower() not in json.dumps(report)
    named = problems(report)
    for entry in ("../../../outside", "../../../outside/planted.yaml",
                  "../../../outside/leak.env"):
        assert any(f"{entry} lies outside the git repository around the audited directory "
                   "(up to ../..)" in p for p in named), entry
    assert "apps/v1/Deployment/prod/superset" in subjects(report)
    assert not any(path.is_relative_to(outside.resolve()) for path in opened), opened


def test_a_symlink_in_the_base_leading_out_of_the_repository_is_not_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base (read from the overlay) holds links out of the checkout: a manifest, a
    kustomization directory and a generator's superset_config.py. Each is named as a link
    leaving the repository and none is opened."""
    outside = plant(tmp_path / "runner" / "outside")
    repo = git_repository(tmp_path / "runner" / "repo")
    prod = base_and_overlay(repo)
    base = repo / "base"
    os.symlink(outside / "planted.yaml", base / "linked.yaml")
    os.symlink(outside, base / "linked-dir")
    os.symlink(outside / "superset_config.py", base / "superset_config.py")
    kustomization(base, resources=["deployment.yaml", "service.yaml", "linked.yaml",
                                   "linked-dir"],
                  configMapGenerator=[{"name": "config", "files": ["superset_config.py"]}])
    opened = reads(monkeypatch)
    report = scan(tmp_path, prod)
    assert PLANTED not in json.dumps(report) and PLANTED.lower() not in json.dumps(report)
    named = problems(report)
    for entry in ("linked.yaml", "linked-dir", "superset_config.py"):
        assert any(f"{entry} is reached through a symbolic link that leaves the git "
                   "repository" in p for p in named), entry
    assert status(report, "K8S-AVAILABILITY-001") == "pass"
    assert not any(path.is_relative_to(outside.resolve()) for path in opened), opened
