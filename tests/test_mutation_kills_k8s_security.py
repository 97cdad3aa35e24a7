"""Direct unit tests for the Kubernetes security checks' helpers (issue 13, item 3).

Conditions a whole-tree case cannot state (a finding that must not exist, a helper's
answer on an edge) are pinned here, each expected value a literal.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import scan_report, write_tree

from auditor.checks.kubernetes import isolation, live
from auditor.checks.kubernetes.appconfig import object_data, pod_env
from auditor.checks.kubernetes.checks_list import CHECKS as KUBERNETES_CHECKS
from auditor.checks.kubernetes.collect import applied_namespace, build, detect, place
from auditor.checks.kubernetes.common import kube, missing, needing, skip_all
from auditor.checks.kubernetes.facts import Container, HelmRelease, KubeFacts, Workload
from auditor.checks.kubernetes.kinds import group_of, not_audited
from auditor.checks.kubernetes.loader import (
    ManifestError,
    documents,
    load_file,
    looks_like_manifests,
    manifest_files,
    read_head,
    walk_manifests,
)
from auditor.checks.kubernetes.monitoring import log_files
from auditor.checks.kubernetes.network import admits_all, policy_types
from auditor.checks.kubernetes.objects import Item, flatten, subject_of
from auditor.checks.kubernetes.routes import _istio_host, sidecar_tls
from auditor.checks.superset.configmodel import EnvValue
from auditor.model import (
    Detection,
    Facts,
    Location,
    Result,
    Row,
    Severity,
    Status,
    Style,
    Target,
    TargetKind,
)


@pytest.mark.parametrize(("command", "expected"), [
    ("gunicorn --access-logfile /var/log/a.log app", [("--access-logfile", "/var/log/a.log")]),
    ("gunicorn --error-logfile=/var/log/e.log app", [("--error-logfile", "/var/log/e.log")]),
    ("gunicorn --log-file 'x.log' app", [("--log-file", "x.log")]),
    ("celery worker --logfile=/tmp/w.log", [("--logfile", "/tmp/w.log")]),
    ("gunicorn --access-logfile - --error-logfile /dev/stderr app", []),
    ("gunicorn --log-file=/dev/stdout --logfile /proc/self/fd/1 -x /proc/self/fd/2", []),
    ("gunicorn --access-logfile", []),
    ("gunicorn --access-logfile=", []),
    ("gunicorn --access-log-format x --logfile-x /y", []),
])
def test_log_files(command: str, expected: list[tuple[str, str]]) -> None:
    assert log_files(command) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, False),
    ({"ingress": []}, False),
    ({"ingress": [{}]}, True),
    ({"ingress": [{"ports": [{"port": 8088}]}]}, True),
    ({"ingress": [{"from": []}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {}}]}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {}}]}]}, True),
    ({"ingress": [{"from": [{"namespaceSelector": {},
                             "podSelector": {"matchLabels": {"a": "b"}}}]}]}, False),
    ({"ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"a": "b"}}}]}]}, False),
    ({"ingress": [{"from": [{"podSelector": {}}]}]}, False),
    ({"ingress": [{"from": [{"podSelector": {"matchLabels": {"a": "b"}}}]}, {}]}, True),
])
def test_admits_all(spec: dict[str, object], expected: bool) -> None:
    assert admits_all(spec) is expected


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, ["Ingress"]),
    ({"egress": [{}]}, ["Ingress", "Egress"]),
    ({"policyTypes": ["Egress"]}, ["Egress"]),
    ({"policyTypes": ["Egress"], "egress": [{}]}, ["Egress"]),
])
def test_policy_types(spec: dict[str, object], expected: list[str]) -> None:
    assert policy_types(spec) == expected


# -- findings that must not exist (a Case needs exactly one) -------------------------------

def _statuses(tmp_path: Path, files: dict[str, str], check: str) -> dict[str, str]:
    """subject -> status of every finding of ``check`` on the tree ``files``."""
    root = write_tree(tmp_path / "tree", files)
    report = scan_report(tmp_path, str(root / "all.yaml"))
    return {f["subject"]: f["status"] for t in report["targets"] for f in t["findings"]
            if f["check_id"] == check}


def _tree(*docs: str) -> dict[str, str]:
    return {"all.yaml": "---\n".join(textwrap.dedent(d) for d in docs)}


WEB = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: superset, namespace: bi}
    spec:
      selector: {matchLabels: {app: superset}}
      template:
        metadata: {labels: {app: superset}}
        spec:
          containers:
            - name: web
              image: apache/superset:4.1.1
              env: [{name: DATABASE_USER, value: superset}, {name: FEATURE, value: admin}]
    """
CONFIG_MAP = """\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: bi}
    data:
      DB_PASSWORD_FILE: /run/secrets/db
      AUTH_TOKEN_ENABLED: "true"
      DB_PASSWORD: ""
      SMTP_PASSWORD: /etc/smtp/password
      LDAP_BIND_USER: cn=superset
      superset_config.py: "SECRET_KEY = os.environ['SUPERSET_SECRET_KEY']\\n"
    """


def test_configmap_naming_secrets_without_holding_one(tmp_path: Path) -> None:
    statuses = _statuses(tmp_path, _tree(WEB, CONFIG_MAP), "K8S-CONFIG-SECRETS-001")
    assert statuses == {"apps/v1/Deployment/bi/superset": "pass"}


def test_no_default_in_pod_or_configmap(tmp_path: Path) -> None:
    # superset as a user name and admin under a name that is no secret are not defaults;
    # a ConfigMap without defaults gets no verdict of its own (only Secrets pass).
    assert _statuses(tmp_path, _tree(WEB, CONFIG_MAP), "K8S-CONFIG-SECRETS-002") == {}


# -- detection and placement (collect.py) -------------------------------------------------

def test_detect_live_cluster() -> None:
    named = detect(Target("kube", TargetKind.KUBE, context="prod"))
    current = detect(Target("kube", TargetKind.KUBE))
    assert named == Detection(Style.KUBERNETES, 0.95, ("live cluster (context prod)",), None)
    assert current == Detection(Style.KUBERNETES, 0.95,
                                ("live cluster (the current context)",), None)


@pytest.mark.parametrize(("text", "expected"), [
    ("apiVersion: v1\nkind: Service\nmetadata: {name: Superset}\n",
     Detection(Style.KUBERNETES, 0.9, ("manifests on standard input",), "superset")),
    ("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
     Detection(Style.KUBERNETES, 0.9, ("manifests on standard input",), None)),
    ("kind: Service\n", None),
    ("apiVersion: v1\n", None),
    ("", None),
])
def test_detect_stdin(text: str, expected: Detection | None) -> None:
    assert detect(Target("-", TargetKind.STDIN, stdin_text=text)) == expected


def test_detect_files(tmp_path: Path) -> None:
    plain = write_tree(tmp_path / "plain", {"app.yaml": "apiVersion: v1\nkind: Service\n"
                                                        "metadata: {name: superset}\n"})
    other = write_tree(tmp_path / "other", {"app.yaml": "apiVersion: v1\nkind: Service\n"
                                                        "metadata: {name: web}\n"})
    assert detect(Target("plain", TargetKind.PATH, root=str(plain))) == Detection(
        Style.KUBERNETES, 0.85, ("Kubernetes manifests in app.yaml",), "superset")
    assert detect(Target("other", TargetKind.PATH, root=str(other))) == Detection(
        Style.KUBERNETES, 0.85, ("Kubernetes manifests in app.yaml",), None)
    assert detect(Target("plain", TargetKind.PATH, root=str(plain), host_tree=True)) is None
    assert detect(Target("plain", TargetKind.HOST, root=str(plain))) is None
    empty = write_tree(tmp_path / "empty", {"notes.txt": "nothing here\n"})
    assert detect(Target("empty", TargetKind.PATH, root=str(empty))) is None


@pytest.mark.parametrize(("options", "expected"), [
    ({"namespace": "bi"}, "bi"), ({"namespace": ""}, "default"), ({"namespace": 3}, "default"),
    ({}, "default"),
])
def test_applied_namespace(options: dict[str, object], expected: str) -> None:
    assert applied_namespace(options) == expected


def _item(kind: str, name: str, namespace: str | None, path: str, line: int) -> Item:
    meta: dict[str, object] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    return Item({"apiVersion": "v1", "kind": kind, "metadata": meta}, Location(path, line))


def test_place_names_copies_and_mixed_namespaces() -> None:
    problems: dict[str, str] = {}
    placed = place([_item("Service", "web", None, "a.yaml", 1),
                    _item("Service", "web", None, "b.yaml", 4),
                    _item("Service", "web", None, "a.yaml", 9),
                    _item("ConfigMap", "cfg", "bi", "c.yaml", 1)], "apps", problems)
    assert [i.subject for i in placed] == [
        "v1/Service/apps/web", "v1/Service/apps/web@b.yaml", "v1/Service/apps/web#3",
        "v1/ConfigMap/bi/cfg"]
    assert problems == {
        "object v1/Service/apps/web": "defined 3 times (a.yaml:1, b.yaml:4, a.yaml:9): applied "
                                      "together the last replaces the others; each is audited "
                                      "as written",
        "namespaces": "3 object(s) name no namespace and are related in namespace apps, where "
                      "they land when applied without another; other objects name bi (give "
                      "--namespace for where they are applied)",
    }


def test_place_mixed_namespaces_lists_three() -> None:
    problems: dict[str, str] = {}
    place([_item("Service", "s", None, "a.yaml", 1),
           *(_item("Service", f"s{n}", ns, "a.yaml", n)
             for n, ns in enumerate(("d", "c", "b", "a"), start=2))], "apps", problems)
    assert problems["namespaces"].endswith("other objects name a, b, c ... (give --namespace "
                                           "for where they are applied)")
    single: dict[str, str] = {}
    place([_item("Service", "s", "x", "a.yaml", 1), _item("Service", "t", "apps", "a.yaml", 2)],
          "apps", single)
    assert single == {}


# -- objects, kinds, routes helpers --------------------------------------------------------

def test_flatten_lists() -> None:
    docs = [
        ({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}},
            {"metadata": {"name": "kindless"}}, "text"]}, None),
        ({"apiVersion": "v1", "kind": "ServiceList", "items": [{"metadata": {"name": "b"}}]},
         None),
        ({"kind": "ServiceList", "items": [{"metadata": {"name": "c"}}]}, None),
        ({"apiVersion": "v1", "kind": "ConfigMapList", "items": "none"}, None),
        ({"kind": "Service"}, None), ({"apiVersion": "v1", "kind": ""}, None), (["x"], None),
    ]
    subjects = [item.subject for item in flatten(docs)]
    assert subjects == ["v1/Service/-/a", "v1/Service/-/b", "v1/ConfigMapList/-/?"]


@pytest.mark.parametrize(("obj", "namespace", "expected"), [
    ({"kind": "Service", "metadata": {"name": "a", "namespace": "x"}}, None, "v1/Service/x/a"),
    ({"kind": "Service", "metadata": {"name": "a", "namespace": "x"}}, "", "v1/Service/-/a"),
    ({"apiVersion": "apps/v1", "metadata": {}}, "y", "apps/v1/?/y/?"),
])
def test_subject_of(obj: dict[str, object], namespace: str | None, expected: str) -> None:
    assert subject_of(obj, namespace) == expected


def test_cluster_scoped_kinds_have_no_namespace() -> None:
    item = Item({"apiVersion": "v1", "kind": "Namespace",
                 "metadata": {"name": "bi", "namespace": "x"}}, applied_namespace="apps")
    assert (item.namespace, item.subject) == ("", "v1/Namespace/-/bi")
    custom = Item({"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"}},
                  applied_namespace="apps")
    assert custom.subject == "x.io/v1/Thing/apps/t"


def test_not_audited() -> None:
    items = [Item({"apiVersion": api, "kind": kind, "metadata": {"name": "n"}})
             for api, kind in (("superset.apache.org/v1alpha1", "Superset"),
                               ("superset.apache.org/v1beta1", "Superset"),
                               ("rbac.authorization.k8s.io/v1", "Role"),
                               ("monitoring.coreos.com/v1", "ServiceMonitor"),
                               ("example.com/v1", "ServiceMonitor"),
                               ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
                               ("apps/v1", "Deployment"))]
    assert not_audited(items) == {
        "kind Kustomization (kustomize.config.k8s.io/v1beta1)": "not audited",
        "kind ServiceMonitor (example.com/v1)": "not audited",
        "kind Superset (superset.apache.org/v1alpha1, superset.apache.org/v1beta1)":
            "2 objects, not audited",
    }
    assert (group_of("apps/v1"), group_of("v1")) == ("apps", "")


@pytest.mark.parametrize(("host", "expected"), [
    ("superset", ("bi", "superset")),
    ("superset.sales", ("sales", "superset")),
    ("superset.sales.svc", ("sales", "superset")),
    ("superset.sales.svc.cluster.local", ("sales", "superset")),
    ("bi.example.com", ("", "bi.example.com")),
])
def test_istio_host(host: str, expected: tuple[str, str]) -> None:
    assert _istio_host(host, "bi") == expected


def _web(*containers: dict[str, object]) -> Workload:
    item = Item({"apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": {"name": "web", "namespace": "bi"}})
    return Workload(item, "web", {}, {}, {},
                    tuple(Container(str(c["name"]), c, False) for c in containers))


@pytest.mark.parametrize(("container", "expected"), [
    ({"name": "proxy", "image": "nginx:1.27", "ports": [{"containerPort": 443}]},
     "container proxy (nginx:1.27) serves TLS on port 443"),
    ({"name": "tls", "image": "ghcr.io/x/ghostunnel", "ports": [{"containerPort": 9000,
                                                                "name": "HTTPS"}]},
     "container tls (ghcr.io/x/ghostunnel) serves TLS on port 9000"),
    ({"name": "envoy-sidecar", "image": "example/proxy", "ports": [{"containerPort": 1,
                                                                   "name": "tls"}]},
     "container envoy-sidecar (example/proxy) serves TLS on port 1"),
    ({"name": "proxy", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "http"}]},
     None),
    ({"name": "app", "image": "apache/superset", "ports": [{"containerPort": 443}]}, None),
    ({"name": "proxy", "image": "caddy", "ports": ["443"]}, None),
])
def test_sidecar_tls(container: dict[str, object], expected: str | None) -> None:
    assert sidecar_tls(_web(container)) == expected


# -- loader ---------------------------------------------------------------------------------

def test_documents_lines_and_json() -> None:
    yaml_docs = list(documents("a: 1\n---\n\nb: 2\n", "x.yaml"))
    assert yaml_docs == [({"a": 1}, Location("x.yaml", 1)), ({"b": 2}, Location("x.yaml", 4))]
    assert list(documents(' [{"a": 1}, {"b": 2}]', "x.json")) == [
        ({"a": 1}, Location("x.json", 1)), ({"b": 2}, Location("x.json", 1))]
    assert list(documents('{"a": 1}', "y.json")) == [({"a": 1}, Location("y.json", 1))]


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": \n', "x:2: invalid JSON: Expecting value"),
    ("a: [1,\n", "x:2: invalid YAML: did not find expected node content"),
    ("a: 1\n---\nb: !!int abc\n", "x:3: invalid YAML: a value cannot be read as its type "
                                   "(ValueError)"),
    ("a: &x [*x]\n", "x:1: invalid YAML: recursive alias"),
])
def test_documents_errors(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as error:
        list(documents(text, "x"))
    assert str(error.value) == message


def test_walk_and_load(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "m", {
        "b.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
        "a.json": '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}',
        "c.yml": "x: 1\n", ".hidden.yaml": "x: 1\n", "notes.md": "apiVersion kind\n",
        "templates/t.yaml": "x: 1\n", "charts/c.yaml": "x: 1\n", ".git/g.yaml": "x: 1\n",
        "sub/d.yaml": "apiVersion: v1\nkind: Service\n", "sub/e.yaml": "apiVersion: v1\nkind: S\n",
        "sub/f.yaml": "apiVersion: v1\nkind: S\n",
    })
    names = [p.relative_to(root).as_posix() for p in manifest_files(root)]
    assert names == ["a.json", "b.yaml", "c.yml", "sub/d.yaml", "sub/e.yaml", "sub/f.yaml"]
    assert looks_like_manifests(root) == (5, ["a.json", "b.yaml", "d.yaml"])
    assert looks_like_manifests(root, limit=2) == (2, ["a.json", "b.yaml"])
    assert walk_manifests(root / "b.yaml") == ([root / "b.yaml"], [])
    assert [i.subject for i in load_file(root / "b.yaml", "b.yaml")] == ["v1/Service/-/b"]
    assert read_head(root / "b.yaml", 10) == "apiVersion"
    assert read_head(root, 10) == ""
    assert read_head(root / "missing.yaml", 10) == ""


def test_load_file_refusals(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"apiVersion: v1\n\0")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"a: caf\xe9\n")
    for path, message in ((binary, "bin.yaml: binary file, not read"),
                          (latin, "latin.yaml: not UTF-8 (byte 6)"),
                          (tmp_path, "dir: not a regular file (a FIFO, socket or device), "
                                     "not read"),
                          (tmp_path / "gone.yaml", "gone.yaml: cannot read (No such file or "
                                                   "directory)")):
        with pytest.raises(ManifestError) as error:
            load_file(path, path.name if path != tmp_path else "dir")
        assert str(error.value) == message


# -- kinds that could not be listed (live), Secrets not read (common.py, checks_list.py) ----

DEPLOY = {"apiVersion": "apps/v1", "kind": "Deployment",
          "metadata": {"name": "web", "namespace": "bi"},
          "spec": {"template": {"spec": {"containers": [
              {"name": "web", "image": "apache/superset:4.1.1",
               "env": [{"name": "SECRET_KEY", "value": "thisISaSECRET_1234"}]}]}}}}


def _evaluate(check_id: str, missing_kinds: frozenset[str] = frozenset(),
              secrets_read: bool = True) -> list[Result]:
    facts = build([Item(DEPLOY)], "live", {}, kinds_missing=missing_kinds,
                  secrets_read=secrets_read)
    check = next(c for c in KUBERNETES_CHECKS if c.id == check_id)
    return list(check.evaluate(facts))


def test_essential_kinds_missing_skip_the_check() -> None:
    assert _evaluate("K8S-NETWORK-001", frozenset({"NetworkPolicy"})) == [
        Result("kinds:NetworkPolicy", Status.SKIP, "skipped: NetworkPolicy could not be listed")]
    assert _evaluate("K8S-CONFIG-SECRETS-002", frozenset({"Secret", "ConfigMap"})) == [
        Result("kinds:Secret,ConfigMap", Status.SKIP,
               "skipped: Secret, ConfigMap could not be listed")]
    assert _evaluate("K8S-PROXY-TLS-001", frozenset({"Ingress"})) == [
        Result("kinds:Ingress", Status.SKIP, "skipped: Ingress could not be listed")]


def test_partial_kinds_missing_are_named_after_the_verdicts() -> None:
    results = _evaluate("K8S-ISOLATION-004", frozenset({"StatefulSet", "CronJob"}))
    assert [(r.subject, r.status, r.message) for r in results] == [
        ("apps/v1/Deployment/bi/web", Status.PASS, "no host namespaces, ports or paths"),
        ("kinds:StatefulSet,CronJob", Status.SKIP,
         "skipped in part: StatefulSet, CronJob could not be listed")]
    assert [r.status for r in _evaluate("K8S-ISOLATION-004")] == [Status.PASS]


def test_secrets_not_read() -> None:
    assert _evaluate("K8S-CONFIG-SECRETS-002", secrets_read=False) == [
        Result("secrets", Status.SKIP, "Secrets were not read (give --read-secrets to compare "
                                       "their values; they are never printed)")]
    read = _evaluate("K8S-CONFIG-SECRETS-002")
    assert [(r.subject, r.status, r.evidence) for r in read] == [
        ("apps/v1/Deployment/bi/web", Status.FAIL,
         ("env SECRET_KEY: the default key of Superset's Helm chart",))]


def test_missing_and_skip_all() -> None:
    facts = kube(build([], "live", {}, kinds_missing=frozenset({"Route", "Ingress", "Pod"})))
    assert missing(facts, "Route", "Ingress", "Service") == "Ingress, Route could not be listed"
    assert missing(facts, "Service") is None
    assert skip_all(facts, "Ingress, Route could not be listed") == Result(
        "kinds:Ingress,", Status.SKIP, "skipped: Ingress, Route could not be listed")


# -- appconfig: what the web pods get -----------------------------------------------------

def test_object_data() -> None:
    secret = Item({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                   "data": {"A": "YWJj", "B": "!!notbase64", "C": 3, "D": "eA=="},
                   "stringData": {"D": "y", "E": 5, "F": True, "G": None, "H": [1]}})
    assert object_data(secret) == {"A": "abc", "D": "y", "E": "5", "F": "True"}
    config_map = Item({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                       "data": {"A": "YWJj", "N": 1}})
    assert object_data(config_map) == {"A": "YWJj"}


def _facts(*objects: dict[str, object], secrets_read: bool = True) -> KubeFacts:
    return kube(build([Item(o) for o in objects], "live", {}, secrets_read=secrets_read))


def _env_names(values: dict[str, EnvValue]) -> dict[str, tuple[str, str, str | None]]:
    return {n: (v.value, v.source, v.unknown) for n, v in values.items()}


def test_pod_env_sources() -> None:
    web = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "bi"},
           "spec": {"template": {"spec": {"containers": [{
               "name": "web", "image": "apache/superset",
               "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "P_"},
                           {"secretRef": {"name": "sec"}}, {"configMapRef": {"name": "gone"}}],
               "env": [{"name": "LIT", "value": "x"}, {"name": "NUL", "value": None},
                       {"value": "nameless"},
                       {"name": "REF", "valueFrom": {"configMapKeyRef": {"name": "cm",
                                                                         "key": "K"}}},
                       {"name": "LOST", "valueFrom": {"configMapKeyRef": {"name": "cm",
                                                                          "key": "NOPE"}}},
                       {"name": "EXT", "valueFrom": {"secretKeyRef": {"name": "ext",
                                                                      "key": "PW"}}},
                       {"name": "HID", "valueFrom": {"secretKeyRef": {"name": "sec",
                                                                      "key": "HIDDEN"}}},
                       {"name": "A", "value": "literal wins"}]}]}}}}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "bi"},
          "data": {"K": "v"}}
    sec = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec", "namespace": "bi"},
           "stringData": {"A": "from secret", "B": "b"}}
    facts = _facts(web, cm, sec)
    assert _env_names(pod_env(facts, facts.workloads[0])) == {
        "P_K": ("v", "ConfigMap cm key K", None),
        "A": ("literal wins", "env A of Deployment bi/web", None),
        "B": ("b", "Secret sec key B", None),
        "LIT": ("x", "env LIT of Deployment bi/web", None),
        "NUL": ("", "env NUL of Deployment bi/web", None),
        "REF": ("v", "ConfigMap cm key K", None),
        "EXT": ("", "Secret ext key PW", "Secret ext key PW is not among the audited objects"),
    }
    # A key missing from a Secret that was read is not set; from one that was not read
    # (live without --read-secrets), it is unknown.
    unread = _facts(web, cm, sec, secrets_read=False)
    assert _env_names(pod_env(unread, unread.workloads[0]))["HID"] == (
        "", "Secret sec key HIDDEN", "Secret sec key HIDDEN is not among the audited objects")


# -- functions that run at import time (no test reaches them otherwise) --------------------

def _verdicts(facts: Facts) -> Iterator[Result]:
    yield Result("web", Status.PASS, "fine")


def test_isolation_check_factory() -> None:
    made = isolation._check("X-1", Severity.LOW, "title", "why", "fix", "ok", "bad", _verdicts)
    assert (made.id, made.style, made.row, made.severity, made.title, made.rationale,
            made.remediation, made.success, made.failure, made.requires, made.references) == (
        "X-1", Style.KUBERNETES, Row.ISOLATION, Severity.LOW, "title", "why", "fix", "ok", "bad",
        ("kubernetes",),
        ("https://kubernetes.io/docs/concepts/security/pod-security-standards/",))
    assert made.evaluate is _verdicts


def test_needing_wraps_essential_and_partial_kinds() -> None:
    base = isolation._check("X-1", Severity.LOW, "t", "r", "f", "s", "b", _verdicts)
    other = dataclasses.replace(base, id="X-2")
    wrapped = needing([base, other], {"X-1": ("Service",)}, {"X-2": ("Pod",)})
    facts = build([], "live", {}, kinds_missing=frozenset({"Service", "Pod", "Job"}))
    assert list(wrapped[0].evaluate(facts)) == [
        Result("kinds:Service", Status.SKIP, "skipped: Service could not be listed")]
    assert list(wrapped[1].evaluate(facts)) == [
        Result("web", Status.PASS, "fine"),
        Result("kinds:Job,Pod", Status.SKIP, "skipped in part: Job, Pod could not be listed")]
    assert [c.id for c in wrapped] == ["X-1", "X-2"]


def test_registered_kubernetes_security_checks() -> None:
    ids = [c.id for c in KUBERNETES_CHECKS]
    for check_id in ("K8S-APP-SECURITY-001", "K8S-APP-SECURITY-002", "K8S-CONFIG-SECRETS-001",
                     "K8S-CONFIG-SECRETS-002", "K8S-ISOLATION-001", "K8S-ISOLATION-002",
                     "K8S-ISOLATION-003", "K8S-ISOLATION-004", "K8S-ISOLATION-005",
                     "K8S-LOGGING-001", "K8S-MONITORING-001", "K8S-NETWORK-001",
                     "K8S-NETWORK-002", "K8S-PROXY-TLS-001"):
        assert ids.count(check_id) == 1, check_id


# -- live.py: the retry policy and request helpers -------------------------------------------

def test_budget_and_backoff() -> None:
    assert (live.budget_s(1.0), live.budget_s(5.0), live.budget_s(6.0)) == (10.0, 10.0, 12.0)
    assert [live.backoff_s(n, 0.0) for n in range(6)] == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]
    assert live.backoff_s(0, 1.0) == 0.5
    assert live.backoff_s(5, 0.5) == 6.0


def test_kind_key_and_path() -> None:
    core = live.Kind("v1", "pods", "Pod")
    apps = live.Kind("apps/v1", "deployments", "Deployment")
    assert (core.key, core.path(None), core.path("bi")) == (
        "pods", "/api/v1/pods", "/api/v1/namespaces/bi/pods")
    assert (apps.key, apps.path("bi")) == ("deployments.apps",
                                            "/apis/apps/v1/namespaces/bi/deployments")


@pytest.mark.parametrize(("headers", "expected"), [
    ({"Retry-After": "3"}, 3.0), ({"retry-after": " 2.5 "}, 2.5), ({"Retry-After": "-4"}, 0.0),
    ({"Retry-After": "inf"}, None), ({"Retry-After": "nan"}, None), ({"Retry-After": ""}, None),
    ({}, None), ({"Retry-After": "soon"}, None),
    ({"Retry-After": "Mon, 01 Jan 2001 00:00:00 GMT"}, 0.0),
])
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert live.retry_after_s(headers) == expected


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (403, b'{"message": "pods is forbidden"}', {}, "forbidden (403): pods is forbidden"),
    (404, b'{"reason": "NotFound"}', {}, "not found (404): NotFound"),
    (500, b"{}", {}, "server error (500)"),
    (418, b"", {}, "error (418)"),
    (502, b"<html>bad</html>", {"content-type": "text/html; charset=utf-8"},
     "bad gateway (502): not a Kubernetes Status (text/html, 16 bytes)"),
    (503, b"oops", {}, "unavailable (503): not a Kubernetes Status (unknown type, 4 bytes)"),
])
def test_status_reason(status: int, body: bytes, headers: dict[str, str], expected: str) -> None:
    assert live._status_reason(status, body, headers) == expected


def test_no_answer_and_page_parsing() -> None:
    assert live._no_answer(TimeoutError(), 5.0) == "no answer within 5 s (TimeoutError)"
    assert live._no_answer(TimeoutError(), None) == "no answer (TimeoutError)"
    assert live._no_answer(ConnectionResetError(), 5.0) == "no answer (ConnectionResetError)"
    assert live._parse_page(b'{"items": []}') == {"items": []}
    for body, reason in ((b"{", "truncated or invalid JSON in the response"),
                         (b"[1]", "unexpected response: an array, not a list object"),
                         (b"3", "unexpected response: int, not a list object")):
        with pytest.raises(live.ListError) as error:
            live._parse_page(body)
        assert (error.value.status, error.value.reason) == (200, reason)


def test_next_wait() -> None:
    done = live._Attempts()
    throttled = live.ListError(429, "throttled (429)")
    assert live._next_wait(throttled, {}, done, 0.0) == 1.0
    assert live._next_wait(throttled, {"Retry-After": "10"}, done, 0.0) == 10.0
    with pytest.raises(live.ListError) as long_wait:
        live._next_wait(throttled, {"Retry-After": "11"}, done, 0.0)
    assert long_wait.value.reason == ("throttled (429); Retry-After 11 s is longer than the "
                                      "10 s the auditor waits")
    assert live._next_wait(throttled, {}, done, 0.0) == 1.0
    with pytest.raises(live.ListError) as still:
        live._next_wait(throttled, {}, done, 0.0)
    assert still.value.reason == "throttled (429); still throttled after 3 waits"
    errors = live._Attempts()
    failed = live.ListError(503, "unavailable (503)")
    assert [live._next_wait(failed, {}, errors, 0.0) for _ in range(2)] == [0.25, 0.5]
    assert live._next_wait(failed, {"Retry-After": "30"}, errors, 0.0) == 10.0
    with pytest.raises(live.ListError) as spent:
        live._next_wait(failed, {}, errors, 0.0)
    assert (spent.value.status, spent.value.reason) == (503, "unavailable (503); 4 attempts")
    forbidden = live.ListError(403, "forbidden (403)")
    with pytest.raises(live.ListError) as final:
        live._next_wait(forbidden, {}, live._Attempts(), 0.0)
    assert final.value is forbidden


def test_pacer() -> None:
    now = [100.0]
    slept: list[float] = []
    pacer = live.Pacer(10.0, clock=lambda: now[0], sleep=slept.append, jitter=lambda: 0.5)
    assert pacer.remaining() == 10.0
    assert pacer.wait(10.0) and pacer.wait(0.0)
    assert not pacer.wait(10.5)
    assert slept == [10.0]
    for _ in range(live.UNREACHABLE_AFTER - 1):
        pacer.heard(False)
    assert not pacer.unreachable
    pacer.heard(False)
    assert pacer.unreachable
    pacer.heard(True)
    assert not pacer.unreachable


def test_query_and_page_items() -> None:
    kind = live.Kind("v1", "pods", "Pod", label_selector="a=b", field_selector="c=d")
    assert live._query(kind, "tok") == [("limit", str(live.PAGE_SIZE)), ("continue", "tok"),
                                        ("labelSelector", "a=b"), ("fieldSelector", "c=d")]
    assert live._query(live.Kind("v1", "pods", "Pod"), "") == [("limit", str(live.PAGE_SIZE))]
    page = {"items": [{"metadata": {"name": "p"}}, "x", {"kind": "Other", "apiVersion": "x/v1"}]}
    assert list(live._page_items(kind, page)) == [
        {"metadata": {"name": "p"}, "apiVersion": "v1", "kind": "Pod"},
        {"kind": "Other", "apiVersion": "x/v1"}]
    assert page["items"] == [None, None, None]


def test_summarize_pod() -> None:
    pod = {"metadata": {"namespace": "bi", "name": "web-1", "ownerReferences": [
               {"kind": "ReplicaSet", "name": "web-abc"},
               {"kind": "ReplicaSet", "name": "web-def", "controller": True}]},
           "spec": {"nodeName": "n1"},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"},
                                                          "junk"],
                      "containerStatuses": [{"restartCount": 2}, {"restartCount": True},
                                            {"restartCount": -1}, {"restartCount": 3}, "x"]}}
    assert live.summarize_pod(pod) == {
        "namespace": "bi", "name": "web-1", "owner": "ReplicaSet/web-def", "node": "n1",
        "phase": "Running", "ready": True, "restarts": 5}
    bare = live.summarize_pod({"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
    assert bare == {"namespace": None, "name": None, "owner": None, "node": None,
                    "phase": None, "ready": False, "restarts": 0}


def test_slim() -> None:
    long_text = "x" * 1025
    entry = {"kind": "ConfigMap", "binaryData": {"b": "AA=="}, "data": {"a": "b"},
             "metadata": {"name": "c", "uid": "u", "resourceVersion": "1", "selfLink": "/s",
                          "namespace": 3, "labels": {"a": "b", "n": 1},
                          "annotations": {"long": long_text, "short": "x" * 1024,
                                          "auditor.io/waive.K8S-X": long_text},
                          "managedFields": [{"manager": "kubectl", "fieldsV1": {}}, "junk"],
                          "ownerReferences": [{"kind": "X"}, "junk"]}}
    assert live.slim(entry) == {
        "kind": "ConfigMap", "data": {"a": "b"},
        "metadata": {"name": "c", "namespace": "", "labels": {"a": "b"},
                     "annotations": {"long": "(1025 characters, not kept)",
                                     "short": "x" * 1024, "auditor.io/waive.K8S-X": long_text},
                     "managedFields": [{"manager": "kubectl"}],
                     "ownerReferences": [{"kind": "X"}]}}
    secret = {"kind": "Secret", "binaryData": {"b": "AA=="}, "metadata": {"name": "s"}}
    assert live.slim(secret) == {"kind": "Secret", "binaryData": {"b": "AA=="},
                                 "metadata": {"name": "s"}}
    for meta in (None, {}, {"name": ""}, {"name": 3}):
        assert live.slim({"metadata": meta}) is None


@pytest.mark.parametrize(("meta", "expected"), [
    ({"namespace": "bi", "labels": {"name": "superset", "version": "7", "status": "deployed"}},
     HelmRelease("superset", "bi", 7, "deployed")),
    ({"labels": {"name": "superset", "version": "x"}}, HelmRelease("superset", "", 0, "unknown")),
    ({"labels": {"name": "superset"}}, HelmRelease("superset", "", 0, "unknown")),
    ({"labels": {"version": "2"}}, None),
])
def test_release_of(meta: dict[str, object], expected: HelmRelease | None) -> None:
    assert live.release_of(meta) == expected


def test_owned() -> None:
    assert live.owned({"metadata": {"ownerReferences": [{"controller": True}]}})
    assert not live.owned({"metadata": {"ownerReferences": [{"controller": False}, "x"]}})
    assert not live.owned({})


def test_kubernetes_case_ids_are_plain_printable_ascii() -> None:
    # pytest escapes a backslash or non-ASCII character of an ids= test id, keeps the escaped
    # id on the parametrize mark and escapes it again in a second session of the same process:
    # mutmut's clean run (its second session) then cannot select the test by the id it
    # recorded, and the whole mutation run stops with pytest's exit code 4.
    import conditions.k8s_security
    import conditions.k8s_workloads

    ids = [case.id for module in (conditions.k8s_security, conditions.k8s_workloads)
           for case in module.CASES]
    bad = [i for i in ids if "\\" in i or not (i.isascii() and i.isprintable())]
    assert bad == []
    assert 'K8S-CONFIG-SECRETS-002:fail:admin/admin spelled --password "admin"' in ids


def test_within_is_false_outside_the_root(tmp_path: Path) -> None:
    # loader._within decides whether a link's target may be read (survivor of the
    # bench/mutation.py run of 44599e5: returning True on the way out was not noticed)
    from auditor.checks.kubernetes import loader

    (tmp_path / "inside.yaml").write_text("kind: Service\n")
    assert loader._within(tmp_path / "inside.yaml", tmp_path)
    assert not loader._within(Path("/etc/hostname"), tmp_path)
    assert not loader._within(tmp_path.parent, tmp_path)


def test_status_reason_keeps_160_characters_of_the_message() -> None:
    message = "m" * 159 + "XYZ"
    reason = live._status_reason(403, ('{"message": "' + message + '"}').encode(), {})
    assert reason == "forbidden (403): " + "m" * 159 + "X"


# -- session 4 (run of 07821de): survivors of the sample, each pinned by behaviour ----------

def test_config_reason_names_the_yaml_line_and_strips_the_loaders_prefix() -> None:
    # live._config_reason: the line of a YAML error (mutmut 1, 13), a ConfigException's
    # message without the client's "Invalid kube-config file." prefix (mutmut 41)
    import yaml
    from kubernetes.config import ConfigException

    with pytest.raises(yaml.YAMLError) as broken:
        yaml.safe_load("a: [1\nb: 2\n")
    assert live._config_reason(broken.value, None) == "not valid YAML (line 2)"
    assert live._config_reason(yaml.YAMLError("no mark"), None) == "not valid YAML"
    empty = ConfigException("Invalid kube-config file. No configuration found.")
    assert live._config_reason(empty, None) == "No configuration found."
    assert live._config_reason(ConfigException("Invalid kube-config. Bad user"), None) == \
        "Bad user"
    assert live._config_reason(ValueError("odd"), None) == "not a kubeconfig (ValueError: odd)"


def _kubeconfig(path: Path, server: str = "http://127.0.0.1:1") -> Path:
    import yaml

    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "clusters": [{"name": "a", "cluster": {"server": server}}],
        "contexts": [{"name": "a", "context": {"cluster": "a", "user": "a"}}],
        "users": [{"name": "a", "user": {"token": "unused"}}]}))
    return path


def test_load_cluster_config_names_a_missing_context(tmp_path: Path) -> None:
    # the context goes into the reason (mutmut 44 passed None: the client's raw message)
    from kubernetes import client

    path = _kubeconfig(tmp_path / "kc")
    with pytest.raises(live.ConfigProblem) as problem:
        live.load_cluster_config(client.Configuration(), {"kubeconfig": str(path)}, "b")
    assert str(problem.value) == f"cannot load kubeconfig {path}: no context 'b'"


def test_load_cluster_config_in_a_pod_names_the_service_account(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # in-cluster (a service host, no kubeconfig, no context): the message says what failed
    # (mutmut 20 changed its text)
    from kubernetes import client
    from kubernetes.config import incluster_config

    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
    with pytest.raises(live.ConfigProblem) as problem:
        live.load_cluster_config(client.Configuration(), {}, None)
    assert str(problem.value) == \
        "cannot load the in-cluster service account: Service token file does not exist."


def test_client_fetch_passes_the_options_on(tmp_path: Path) -> None:
    # client_fetch hands its options to connect (mutmut 4 dropped them: a TypeError)
    absent = tmp_path / "absent"
    with pytest.raises(live.ConfigProblem) as problem:
        live.client_fetch(Target("kube", TargetKind.KUBE), {"kubeconfig": str(absent)})
    assert str(problem.value) == f"cannot load kubeconfig {absent}: no such file"


def test_share_strings_reaches_into_dicts_inside_lists() -> None:
    # one copy of each repeated string, however deep (mutmut 19: nothing under a list's
    # dicts or lists was visited)
    import sys

    def fresh() -> str:
        return "".join(["If", "Not", "Present"])  # a new object, not the interned one

    obj: dict[str, object] = {"containers": [{"pullPolicy": fresh()}, [fresh()]],
                              "top": fresh()}
    live._share_strings(obj)
    shared = sys.intern("IfNotPresent")
    containers = obj["containers"]
    assert isinstance(containers, list)
    assert containers[0]["pullPolicy"] is shared
    assert containers[1][0] is shared
    assert obj["top"] is shared


def test_system_error_finds_the_wrapped_os_error() -> None:
    # the system's words from an OSError in the cause chain (mutmut 4 never looked)
    refused = ConnectionRefusedError(111, "Connection refused")
    assert live._system_error(refused) == "connection refused"
    try:
        raise RuntimeError("pool gave up") from refused
    except RuntimeError as wrapped:
        assert live._system_error(wrapped) == "connection refused"
        assert live._no_answer(wrapped, 5.0) == "no answer (RuntimeError: connection refused)"
    assert live._system_error(RuntimeError("plain")) == ""


class _Response:
    def __init__(self, chunks: list[bytes], length: str | None = None) -> None:
        self.headers = {"Content-Length": length} if length is not None else {}
        self.status = 200
        self.chunks = list(chunks)
        self.reads = 0

    def read(self, size: int) -> bytes:
        self.reads += 1
        return self.chunks.pop(0) if self.chunks else b""


def test_read_body_refuses_an_announced_oversize_body_before_reading() -> None:
    # Content-Length over the cap: TooLarge with the response's status, nothing read
    # (mutmut 9 ignored the header, mutmut 22 lost the status)
    response = _Response([b"{}"], length=str((1 << 20) + 1))
    with pytest.raises(live.TooLarge) as refused:
        live.read_body(response, 1)
    assert refused.value.status == 200
    assert str(refused.value) == \
        "response larger than 1 MiB, not read; raise the cap with --max-response-mib"
    assert response.reads == 0
    assert live.read_body(_Response([b"{}"], length="2"), 1) == bytearray(b"{}")


def test_read_body_counts_the_bytes_as_they_arrive() -> None:
    # no Content-Length: the cap holds on what was read (mutmut 25 subtracted the chunk)
    half = b"x" * (1 << 19)
    assert len(live.read_body(_Response([half, half]), 1)) == 1 << 20
    with pytest.raises(live.TooLarge) as refused:
        live.read_body(_Response([half, half, b"y"]), 1)
    assert refused.value.status == 200
    with pytest.raises(live.TooLarge):
        live.read_body(_Response([b"x" * 600_000, b"x" * 600_000]), 1)


def _still_pacer() -> live.Pacer:
    return live.Pacer(60.0, clock=lambda: 0.0, sleep=lambda _s: None, jitter=lambda: 0.0)


def test_get_page_turns_an_oversize_page_into_a_final_list_error() -> None:
    # TooLarge becomes a ListError with its status and reason (mutmut 28 dropped the reason)
    asked: list[str] = []

    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, bytes, dict[str, str]]:
        asked.append(path)
        raise live.TooLarge(200, "response larger than 1 MiB")

    with pytest.raises(live.ListError) as error:
        live.get_page(fetch, _still_pacer(), "/api/v1/pods", [], "application/json")
    assert (error.value.status, error.value.reason) == (200, "response larger than 1 MiB")
    assert asked == ["/api/v1/pods"]


def test_get_page_does_not_ask_a_server_that_never_answered() -> None:
    # with the pacer already unreachable: a ListError saying so, no request (mutmut 4
    # raised None, a TypeError)
    pacer = _still_pacer()
    for _ in range(live.UNREACHABLE_AFTER):
        pacer.heard(False, "refused")
    asked: list[str] = []

    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, bytes, dict[str, str]]:
        asked.append(path)
        return 200, b'{"items": []}', {}

    with pytest.raises(live.ListError) as error:
        live.get_page(fetch, pacer, "/api/v1/pods", [], "application/json")
    assert (error.value.status, error.value.reason) == (
        0, "no answer: the API server has answered no request; not attempted")
    assert asked == []


def test_watches_reads_the_namespace_selector() -> None:
    # monitoring.watches: own namespace by default, matchNames, any: true (mutmut 5, 13, 22)
    from auditor.checks.kubernetes.monitoring import watches

    def monitor(spec: dict[str, object]) -> Item:
        return Item({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                     "metadata": {"name": "m", "namespace": "monitoring"}, "spec": spec})

    own = monitor({})
    assert (watches(own, "monitoring"), watches(own, "bi")) == (True, False)
    listed = monitor({"namespaceSelector": {"matchNames": ["bi", "web"]}})
    assert [watches(listed, n) for n in ("bi", "web", "monitoring", "other")] == \
        [True, True, False, False]
    every = monitor({"namespaceSelector": {"any": True}})
    assert (watches(every, "bi"), watches(every, "monitoring")) == (True, True)


# routes: read through all_routes (present in both 07821de and HEAD, where RouteTable
# indexes it), so the tests pin the readers, not how routes are looked up.

def _routes(*objects: dict[str, object]) -> dict[str, tuple[object, ...]]:
    from auditor.checks.kubernetes.routes import all_routes

    return {r.label: (r.backends, r.tls, r.evidence) for r in all_routes(_facts(*objects))}


def _meta(name: str, namespace: str = "bi") -> dict[str, str]:
    return {"name": name, "namespace": namespace}


def test_ingress_default_backend_in_either_shape_and_the_any_host_evidence() -> None:
    # spec.backend holding a service (mutmut 30 read it only as serviceName) and the
    # evidence "rule hosts: *" when no rule names a host (mutmut 92)
    found = _routes(
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta("new"),
         "spec": {"backend": {"service": {"name": "web", "port": {"number": 80}}}}},
        {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": _meta("old"),
         "spec": {"backend": {"serviceName": "api", "servicePort": 80}}})
    assert found == {
        "Ingress new": ((("bi", "web"),), False, ("tls hosts: -", "rule hosts: *")),
        "Ingress old": ((("bi", "api"),), False, ("tls hosts: -", "rule hosts: *")),
    }


def test_gateway_api_listener_evidence() -> None:
    # an HTTPS listener is named as it is, a TLS one with its mode (mutmut 163 appended
    # to the HTTPS one)
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
               "metadata": _meta("gw"),
               "spec": {"listeners": [
                   {"name": "https", "protocol": "HTTPS", "port": 443},
                   {"name": "tls", "protocol": "TLS", "port": 8443,
                    "tls": {"mode": "Passthrough"}}]}}
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": _meta("web"),
             "spec": {"parentRefs": [{"name": "gw"}],
                      "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}
    assert _routes(gateway, route) == {"HTTPRoute web": (
        (("bi", "web"),), True,
        ("Gateway gw listener https (HTTPS 443)",
         "Gateway gw listener tls (TLS 8443) tls Passthrough"))}


def test_traefik_backends_and_tls_secret() -> None:
    # a service's own namespace (mutmut 8), only kind Service (mutmut 28: a TraefikService
    # counted), the secret named in the evidence (mutmut 64)
    found = _routes({
        "apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": _meta("web"),
        "spec": {"routes": [{"match": "Host(`a`)", "services": [
            {"name": "web", "namespace": "front", "port": 80},
            {"name": "weighted", "kind": "TraefikService"},
            {"name": "api", "port": 80}]}],
            "tls": {"secretName": "web-cert"}}})
    assert found == {"Traefik IngressRoute web": (
        (("front", "web"), ("bi", "api")), True,
        ("entryPoints: all", "spec.tls (secret web-cert)"))}


def test_istio_tls_server_and_odd_destination_hosts() -> None:
    # a TLS server terminates or passes TLS through (mutmut 98 took only HTTPS); a
    # destination host that is not a string is no backend (mutmut 25 read it: a crash)
    gateway = {"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
               "metadata": _meta("gw"),
               "spec": {"servers": [{"port": {"number": 443, "protocol": "TLS"},
                                     "tls": {"mode": "PASSTHROUGH"}, "hosts": ["*"]}]}}
    service = {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
               "metadata": _meta("web"),
               "spec": {"gateways": ["gw"], "hosts": ["a.example"],
                        "tls": [{"route": [{"destination": {"host": "web"}},
                                           {"destination": {"host": 7}},
                                           {"destination": {"host": ["x"]}}]}]}}
    assert _routes(gateway, service) == {"Istio VirtualService web via Gateway gw": (
        (("bi", "web"),), True, ("Istio Gateway gw port 443 TLS tls PASSTHROUGH",))}


# -- live.py: one cluster read with a fake fetch (no server) --------------------------------

def _answering(forbidden: str = "") -> live.Fetch:
    """Every list empty, except a 403 for requests whose query holds ``forbidden``."""
    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, bytes, dict[str, str]]:
        if forbidden and any(forbidden in value for _, value in query):
            return 403, b'{"message": "not allowed"}', {}
        return 200, b'{"items": []}', {}
    return fetch


def test_read_cluster_names_the_helm_release_list_and_the_secrets_not_read() -> None:
    # a failed list of Helm release Secrets is named as such (_record mutmut 7 changed the
    # label); without --read-secrets the problem says so, with it there is none
    # (read_cluster mutmut 111 inverted that)
    target = Target("kube", TargetKind.KUBE)
    cluster = live.read_cluster(target, {}, _answering(forbidden="owner=helm"))
    assert cluster.problems == {
        "list secrets (Helm releases)": "forbidden (403): not allowed",
        "secrets": "Secrets not read (no --read-secrets): secret values are not compared"}
    assert cluster.missing == frozenset({"Secret"})
    read = live.read_cluster(target, {"read_secrets": True}, _answering())
    assert (read.problems, read.missing, read.secrets_read) == ({}, frozenset(), True)


def test_read_cluster_that_cannot_connect_lists_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # any error while connecting is the cluster's problem, and every kind is missing
    # (mutmut 22, 23: the problem lost or under another key; 28: a TypeError)
    def broken(target: Target, options: object) -> tuple[live.Fetch, str]:
        raise RuntimeError("no route to the proxy")

    monkeypatch.setattr(live, "connect", broken)
    cluster = live.read_cluster(Target("kube", TargetKind.KUBE), {})
    assert cluster.problems == {"cluster": "cannot connect: RuntimeError: no route to the proxy"}
    assert {"Deployment", "Pod", "Service", "Ingress", "NetworkPolicy"} <= cluster.missing


def _two_pages_then_gone(clock: list[float] | None = None) -> live.Fetch:
    """A first page with a continue token, then 410 Gone for the next one (moving
    ``clock`` past any budget when given)."""
    def fetch(path: str, query: list[tuple[str, str]], accept: str
              ) -> tuple[int, bytes, dict[str, str]]:
        if ("continue", "next") in query:
            if clock is not None:
                clock[0] = 1000.0
            return 410, b'{"message": "token expired"}', {}
        return 200, json.dumps({"metadata": {"continue": "next"}, "items": [
            {"metadata": {"name": "a", "namespace": "bi"}}]}).encode(), {}
    return fetch


def test_list_kind_raises_expired_with_the_gone_status() -> None:
    # a 410 on a later page is Expired(410) (mutmut 34 gave it no status)
    kind = live.Kind("v1", "configmaps", "ConfigMap")
    pacer = live.Pacer(60.0, clock=lambda: 0.0, sleep=lambda _s: None, jitter=lambda: 0.0)
    listed: list[str] = []
    with pytest.raises(live.Expired) as expired:
        for entry in live.list_kind(_two_pages_then_gone(), kind, None, pacer):
            listed.append(entry["metadata"]["name"])
    assert (expired.value.status, expired.value.reason) == (410, "gone (410): token expired")
    assert listed == ["a"]


def test_list_one_does_not_relist_past_the_budget() -> None:
    # an expired list with the budget spent is a problem naming why (mutmut 32: no
    # problem, so half a list counted as the whole)
    now = [0.0]
    pacer = live.Pacer(10.0, clock=lambda: now[0], sleep=lambda _s: None, jitter=lambda: 0.0)
    kind = live.Kind("v1", "configmaps", "ConfigMap")
    listed = live._list_one(_two_pages_then_gone(now), kind, None, pacer, 5.0)
    assert listed.problem == \
        "gone (410): token expired; not relisted: the run's 10 s budget is spent"


def test_list_one_turns_a_bug_into_a_problem_naming_it() -> None:
    # an unexpected exception costs the kind, named with its type (mutmut 41 named NoneType)
    def jitter() -> float:
        raise ZeroDivisionError("division by zero")

    pacer = live.Pacer(60.0, clock=lambda: 0.0, sleep=lambda _s: None, jitter=jitter)

    def unavailable(path: str, query: list[tuple[str, str]], accept: str
                    ) -> tuple[int, bytes, dict[str, str]]:
        return 503, b"", {}

    listed = live._list_one(unavailable, live.Kind("v1", "pods", "Pod"), None, pacer, 5.0)
    assert listed.problem == "could not be read: ZeroDivisionError: division by zero"


def test_get_page_gives_up_when_the_wait_would_pass_the_budget() -> None:
    # the final error keeps the status and says why it was not retried (mutmut 76 passed
    # the reason as the status: a TypeError)
    pacer = live.Pacer(0.1, clock=lambda: 0.0, sleep=lambda _s: None, jitter=lambda: 0.0)

    def unavailable(path: str, query: list[tuple[str, str]], accept: str
                    ) -> tuple[int, bytes, dict[str, str]]:
        return 503, b"", {}

    with pytest.raises(live.ListError) as error:
        live.get_page(unavailable, pacer, "/api/v1/pods", [], "application/json")
    assert (error.value.status, error.value.reason) == (
        503, "unavailable (503); not retried: a 0.2 s wait would pass the run's 0.1 s budget")


def test_proxy_tls_messages_name_every_plain_listener_and_the_unknown() -> None:
    # proxy_tls._route_result: the plain listeners joined by ", " (mutmut 12) and the
    # message of a route whose TLS cannot be told (mutmut 36)
    from auditor.checks.kubernetes.proxy_tls import _route_result
    from auditor.checks.kubernetes.routes import all_routes

    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
               "metadata": _meta("gw"),
               "spec": {"listeners": [{"name": "https", "protocol": "HTTPS", "port": 443},
                                      {"name": "http", "protocol": "HTTP", "port": 80},
                                      {"name": "alt", "protocol": "HTTP", "port": 8080}]}}
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": _meta("web"),
             "spec": {"parentRefs": [{"name": "gw"}],
                      "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}
    traefik = {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
               "metadata": _meta("secure"),
               "spec": {"entryPoints": ["websecure"],
                        "routes": [{"services": [{"name": "web", "port": 80}]}]}}
    found = {r.label: _route_result(r) for r in all_routes(_facts(gateway, route, traefik))}
    assert {label: (r.status, r.message) for label, r in found.items()} == {
        "HTTPRoute web": (Status.WARN, "HTTPRoute web terminates TLS but also serves plain "
                          "HTTP (Gateway gw listener http (HTTP 80), Gateway gw listener alt "
                          "(HTTP 8080)): logins can travel in clear text"),
        "Traefik IngressRoute secure": (Status.WARN, "Traefik IngressRoute secure: whether "
                                        "TLS is terminated depends on configuration that is "
                                        "not among the audited objects"),
    }


def test_documents_error_lines_and_reader_errors() -> None:
    # the line of the problem, not of its context (loader mutmut 51 took the context's:
    # line 1, where the sequence opened); a reader error has no mark at all (mutmut 55:
    # an AttributeError instead of the manifest error)
    with pytest.raises(ManifestError) as unclosed:
        list(documents("a: [1, 2\nb: 3\n", "x"))
    assert str(unclosed.value) == "x:2: invalid YAML: did not find expected ',' or ']'"
    with pytest.raises(ManifestError) as control:
        list(documents("a: \x07\n", "x"))
    assert str(control.value) == \
        "x:1: invalid YAML: unacceptable character #x0007: control characters are not allowed"


def test_documents_walk_aliases_only_where_the_text_has_some(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the alias walk is skipped for text with no anchor and alias (loader mutmut 33 walked
    # every document: the same verdicts, a pass more over each)
    from auditor.checks.kubernetes import loader

    walked: list[str] = []
    monkeypatch.setattr(loader, "_check_aliases", lambda node, label: walked.append(label))
    assert [d for d, _ in documents("a: 1\n---\nb: [x, y]\n", "plain")] == \
        [{"a": 1}, {"b": ["x", "y"]}]
    assert walked == []
    # A short document with an alias is bounded without the walk (2**k times what it
    # writes); one with more aliases than the bound allows is walked.
    assert [d for d, _ in documents("a: &x 1\nb: *x\n", "short")] == [{"a": 1, "b": 1}]
    assert walked == []
    many = "a: &x 1\nb: [" + ", ".join(["*x"] * 30) + "]\n"
    assert [d for d, _ in documents(many, "aliased")] == [{"a": 1, "b": [1] * 30}]
    assert walked == ["aliased"]


# -- whole checks on built facts (sampled mutants of 07821de not yet run when written) ------

def _verdict_of(check_id: str, *objects: dict[str, object]) -> list[tuple[str, Status, str]]:
    check = next(c for c in KUBERNETES_CHECKS if c.id == check_id)
    facts = build([Item(o) for o in objects], "live", {})
    return [(r.subject, r.status, r.message) for r in check.evaluate(facts)]


def _superset_web(**container: object) -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta("superset"),
            "spec": {"selector": {"matchLabels": {"app": "superset"}}, "template": {
                "metadata": {"labels": {"app": "superset"}},
                "spec": {"containers": [{
                    "name": "web", "image": "apache/superset:4.1.1",
                    "command": ["gunicorn", "-b", "0.0.0.0:8088", "superset.app:create_app()"],
                    **container}]}}}}


def test_hardening_failure_lists_its_problems_joined() -> None:
    # isolation._hardening: the first problems joined by "; " (mutmut 41 joined by "XX; XX")
    found = _verdict_of("K8S-ISOLATION-003", _superset_web())
    assert found == [("apps/v1/Deployment/bi/superset", Status.FAIL,
                      "web: writable root filesystem; web: no seccomp profile")]


def test_a_route_to_an_unseen_service_is_named_for_the_web_pods() -> None:
    # proxy_tls._tls: the web pods' warning when routes name only Services not audited
    # (mutmut 105 changed its text)
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": _meta("web"),
               "spec": {"tls": [{"hosts": ["a.example"]}], "rules": [{"host": "a.example",
                        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                            "service": {"name": "ghost", "port": {"number": 80}}}}]}}]}}
    found = _verdict_of("K8S-PROXY-TLS-001", _superset_web(), ingress)
    assert ("apps/v1/Deployment/bi/superset", Status.WARN,
            "1 route(s) send traffic to Services that are not among the audited objects; "
            "none names a Service that selects the web pods") in found


def test_build_without_objects_says_so() -> None:
    # collect.build: no object and no manifest problem is a problem of its own (mutmut 104,
    # 106 changed its key and text)
    problems: dict[str, str] = {}
    build([], "files", problems)
    assert problems == {"objects": "no Kubernetes objects were found"}
    given = {"manifests": "x.yaml:1: invalid YAML"}
    build([], "files", given)
    assert given == {"manifests": "x.yaml:1: invalid YAML"}


def test_detect_names_every_manifest_file(tmp_path: Path) -> None:
    # collect.detect: the files joined by ", " (mutmut 103)
    root = write_tree(tmp_path / "two", {
        "a.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n",
        "b.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n"})
    found = detect(Target("two", TargetKind.PATH, root=str(root)))
    assert found is not None
    assert found.evidence == ("Kubernetes manifests in a.yaml, b.yaml",)


def test_superset_config_names_three_routes_in_front_and_their_urls() -> None:
    # appconfig: the proxy evidence names the first three routes (_proxy_in_front mutmut 8
    # named four); the URLs are https where TLS covers the host, each once
    # (_ingress_urls mutmut 5, 8, 17)
    from auditor.checks.kubernetes.appconfig import superset_configs

    service = {"apiVersion": "v1", "kind": "Service", "metadata": _meta("superset"),
               "spec": {"selector": {"app": "superset"}, "ports": [{"port": 8088}]}}

    def ingress(name: str, host: str, tls: bool) -> dict[str, object]:
        spec: dict[str, object] = {"rules": [{"host": host, "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "superset", "port": {"number": 8088}}}}]}}]}
        if tls:
            spec["tls"] = [{"hosts": [host], "secretName": f"{name}-cert"}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": _meta(name), "spec": spec}

    facts = _facts(_superset_web(), service, ingress("a", "a.example", True),
                   ingress("b", "b.example", False), ingress("c", "a.example", True),
                   ingress("d", "d.example", True))
    configs, _ = superset_configs(facts)
    config = configs.items[0][1]
    assert (config.behind_proxy, config.proxy_evidence) == (
        True, "Ingress a, Ingress b, Ingress c")
    assert config.urls == ("https://a.example", "http://b.example", "https://d.example")


HARDENED = {"securityContext": {
    "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}}
WEB_SUBJECT = "apps/v1/Deployment/bi/superset"


def test_passing_verdicts_say_what_passed() -> None:
    # the PASS messages of isolation (_non_root mutmut 46, 49; _privileges mutmut 67) and
    # of a Secret without a default (config_secrets._defaults mutmut 76)
    web = _superset_web(**HARDENED)
    assert _verdict_of("K8S-ISOLATION-001", web) == [
        (WEB_SUBJECT, Status.PASS, "every container runs as non-root")]
    assert _verdict_of("K8S-ISOLATION-002", web) == [
        (WEB_SUBJECT, Status.PASS, "no privilege escalation, all capabilities dropped")]
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("s"),
              "data": {"SECRET_KEY": "bm90LWEtZGVmYXVsdA=="}}
    assert _verdict_of("K8S-CONFIG-SECRETS-002", web, secret) == [
        ("v1/Secret/bi/s", Status.PASS, "no known default value")]


def test_a_host_port_is_named_with_its_number() -> None:
    # isolation._host: "web: hostPort 8088" (mutmut 34, 35 read another key: hostPort None)
    web = _superset_web(ports=[{"containerPort": 8088, "hostPort": 8088}])
    assert _verdict_of("K8S-ISOLATION-004", web) == [
        (WEB_SUBJECT, Status.FAIL, "shares the node: web: hostPort 8088")]


@pytest.mark.parametrize("shell", ["/bin/sh", "bash", "/usr/bin/bash"])
def test_the_debugger_is_found_behind_any_shell(shell: str) -> None:
    # app_security._launch reads sh/bash by path or name (mutmut 14: a path not split,
    # mutmut 22: bash not a shell); the loopback-only warning's text (_debugger mutmut 91)
    web = _superset_web(command=[shell, "-c", "superset run -p 8088 --debugger"])
    assert _verdict_of("K8S-APP-SECURITY-002", web) == [
        (WEB_SUBJECT, Status.WARN, "the Werkzeug debugger is on but listens only on the "
                                   "pod's loopback: any process in the pod can run code")]


def test_read_head_replaces_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    # loader.read_head decodes with replacement (mutmut 10: UnicodeDecodeError)
    path = tmp_path / "odd.yaml"
    path.write_bytes(b"kind: \xff\n")
    assert read_head(path, 100) == "kind: \ufffd\n"


def test_superset_configs_say_when_secrets_were_not_read() -> None:
    # appconfig.superset_configs: the problem names the missing --read-secrets (mutmut 16
    # left it None); with Secrets read there is none
    from auditor.checks.kubernetes.appconfig import superset_configs

    _, unread = superset_configs(_facts(_superset_web(), secrets_read=False))
    assert unread == {"superset.secrets": "Secrets were not read (give --read-secrets): "
                                          "settings from Secrets are unknown"}
    _, read = superset_configs(_facts(_superset_web()))
    assert read == {}


def _superset_service() -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta("superset"),
            "spec": {"selector": {"app": "superset"}, "ports": [{"port": 8088}]}}


def test_passing_logging_and_network_verdicts_say_why() -> None:
    # K8S-LOGGING-001's PASS message (monitoring._logs mutmut 38), the NetworkPolicy named
    # (network._policies mutmut 80), the Service type (network._services mutmut 62, 63)
    web = _superset_web(**HARDENED)
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": _meta("only-ingress"),
              "spec": {"podSelector": {"matchLabels": {"app": "superset"}},
                       "policyTypes": ["Ingress"], "ingress": [{"from": [
                           {"namespaceSelector": {"matchLabels": {"name": "ingress"}}}]}]}}
    assert _verdict_of("K8S-LOGGING-001", web) == [
        (WEB_SUBJECT, Status.PASS, "logs go to stdout, where the cluster collects them")]
    assert _verdict_of("K8S-NETWORK-001", web, policy) == [
        (WEB_SUBJECT, Status.PASS, "NetworkPolicy only-ingress restricts ingress to its pods")]
    assert _verdict_of("K8S-NETWORK-002", web, _superset_service()) == [
        ("v1/Service/bi/superset", Status.PASS, "Service type ClusterIP")]


def test_net_bind_service_is_the_one_capability_allowed() -> None:
    # isolation._privileges: NET_BIND_SERVICE (any case, CAP_ or not) may be added
    # (mutmut 41 compared it lower-cased: never equal, so it failed)
    web = _superset_web(securityContext={"allowPrivilegeEscalation": False, "capabilities": {
        "drop": ["ALL"], "add": ["NET_BIND_SERVICE", "cap_net_bind_service"]}})
    assert _verdict_of("K8S-ISOLATION-002", web) == [
        (WEB_SUBJECT, Status.PASS, "no privilege escalation, all capabilities dropped")]


def test_default_secrets_skip_when_secrets_were_not_read() -> None:
    # config_secrets._defaults: the skip says how to have them compared (mutmut 8 lost the
    # status, mutmut 16 changed the text)
    check = next(c for c in KUBERNETES_CHECKS if c.id == "K8S-CONFIG-SECRETS-002")
    facts = build([Item(_superset_web(**HARDENED))], "live", {}, secrets_read=False)
    assert [(r.subject, r.status, r.message) for r in check.evaluate(facts)] == [
        ("secrets", Status.SKIP, "Secrets were not read (give --read-secrets to compare "
                                 "their values; they are never printed)")]


def _proxy_verdicts(*objects: dict[str, object]) -> list[tuple[object, ...]]:
    check = next(c for c in KUBERNETES_CHECKS if c.id == "K8S-PROXY-TLS-001")
    facts = build([Item(o) for o in objects], "live", {})
    return [(r.subject, r.status, r.message, r.evidence) for r in check.evaluate(facts)]


def test_web_pods_tls_from_a_sidecar_or_a_mixed_route() -> None:
    # proxy_tls._tls: a TLS sidecar named in the evidence (mutmut 25 dropped it); a route
    # serving plain HTTP next to TLS warns with its message (mutmut 36 lost it)
    sidecar = _superset_web(**HARDENED)
    pod = sidecar["spec"]["template"]["spec"]  # type: ignore[index]
    pod["containers"].append({"name": "envoy", "image": "envoyproxy/envoy:v1.31",
                              "ports": [{"containerPort": 8443}]})
    assert _proxy_verdicts(sidecar, _superset_service()) == [
        (WEB_SUBJECT, Status.PASS, "TLS is terminated by a TLS sidecar in the pod",
         ("container envoy (envoyproxy/envoy:v1.31) serves TLS on port 8443",))]
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
               "metadata": _meta("gw"),
               "spec": {"listeners": [{"name": "https", "protocol": "HTTPS", "port": 443},
                                      {"name": "http", "protocol": "HTTP", "port": 80}]}}
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": _meta("web"),
             "spec": {"parentRefs": [{"name": "gw"}],
                      "rules": [{"backendRefs": [{"name": "superset", "port": 8088}]}]}}
    found = _proxy_verdicts(_superset_web(**HARDENED), _superset_service(), gateway, route)
    assert (WEB_SUBJECT, Status.WARN, "a route to the web pods serves plain HTTP next to TLS: "
            "logins can travel in clear text",
            ("HTTPRoute web: Gateway gw listener http (HTTP 80)",)) in found


def test_build_reads_waivers_and_the_superset_config() -> None:
    # collect.build: only auditor.io/waive.* annotations with a reason are waivers (mutmut 25
    # took any annotation with a value, mutmut 31 crashed on one); an empty reason is a
    # problem; the Superset config and the app are facts of the build (mutmut 94, 119)
    web = _superset_web(**HARDENED)
    web["metadata"] = {**_meta("superset"), "annotations": {
        "auditor.io/waive.k8s-isolation-005": "the namespace is ours alone",
        "auditor.io/waive.K8S-NETWORK-001": " ",
        "example.com/owner": "team-bi"}}
    problems: dict[str, str] = {}
    facts = build([Item(web)], "live", problems)
    assert facts.waivers == {WEB_SUBJECT: {"K8S-ISOLATION-005": "the namespace is ours alone"}}
    assert problems == {f"waiver {WEB_SUBJECT}":
                        "annotation auditor.io/waive.K8S-NETWORK-001 has no reason; ignored"}
    assert facts.app == "superset"
    assert "superset.config" in facts.values


def test_unseen_sources_name_what_the_audit_lacks() -> None:
    # appconfig._unseen_sources: envFrom sources missing or unread (mutmut 4 read no envFrom,
    # 35 found no object, 52 never took a Secret as unread) and a superset_config.py
    # volume from a ConfigMap not audited (mutmut 70 ignored the mount path, 126 the kind)
    from auditor.checks.kubernetes.appconfig import _unseen_sources

    def web(volume: str) -> dict[str, object]:
        made = _superset_web(envFrom=[{"secretRef": {"name": "app-env"}},
                                      {"configMapRef": {"name": "present"}},
                                      {"configMapRef": {"name": "missing"}}],
                             volumeMounts=[{"name": "config", "mountPath": "/app/pythonpath"}])
        pod = made["spec"]["template"]["spec"]  # type: ignore[index]
        pod["volumes"] = [{"name": "config", "configMap": {"name": volume}}]
        return made

    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("app-env"),
              "data": {"A": "YQ=="}}
    present = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("present"),
               "data": {"B": "b", "superset_config.py": "ROW_LIMIT = 1\n"}}
    unread = _facts(web("cfg-missing"), secret, present, secrets_read=False)
    assert _unseen_sources(unread, unread.workloads[0]) == (
        "Secret app-env, ConfigMap missing", "ConfigMap cfg-missing")
    read = _facts(web("present"), secret, present)
    assert _unseen_sources(read, read.workloads[0]) == ("ConfigMap missing", None)


def test_the_debugger_follows_flask_debug_from_env_and_env_from() -> None:
    # app_security._debugger: FLASK_DEBUG from a literal env entry (mutmut 19, 27, 39 lost
    # it), from envFrom (mutmut 12 kept only literal env), the literal one winning
    loopback = ("the Werkzeug debugger is on but listens only on the pod's loopback: any "
                "process in the pod can run code")
    run = ["superset", "run", "-p", "8088"]
    debug_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("dbg"),
                 "data": {"FLASK_DEBUG": "1"}}
    from_map = [{"configMapRef": {"name": "dbg"}}]
    literal = _superset_web(command=run, env=[{"name": "FLASK_DEBUG", "value": "1"}])
    assert _verdict_of("K8S-APP-SECURITY-002", literal) == [(WEB_SUBJECT, Status.WARN, loopback)]
    mapped = _superset_web(command=run, envFrom=from_map)
    assert _verdict_of("K8S-APP-SECURITY-002", mapped, debug_map) == [
        (WEB_SUBJECT, Status.WARN, loopback)]
    overridden = _superset_web(command=run, envFrom=from_map,
                               env=[{"name": "FLASK_DEBUG", "value": "0"}])
    assert _verdict_of("K8S-APP-SECURITY-002", overridden, debug_map) == [
        (WEB_SUBJECT, Status.PASS, "no interactive debugger")]


def test_metrics_evidence_names_pod_and_service_monitors() -> None:
    # monitoring._metrics reads PodMonitors as well (mutmut 11), a PodMonitor counts only
    # for the pods its selector picks (_Scrapes._of mutmut 23), a ServiceMonitor through the
    # Services selecting the pods (_Scrapes.evidence mutmut 16)
    def monitor(kind: str, name: str, app: str) -> dict[str, object]:
        return {"apiVersion": "monitoring.coreos.com/v1", "kind": kind, "metadata": _meta(name),
                "spec": {"selector": {"matchLabels": {"app": app}}}}

    service = _superset_service()
    service["metadata"] = {**_meta("superset"), "labels": {"app": "superset"}}
    check = next(c for c in KUBERNETES_CHECKS if c.id == "K8S-MONITORING-001")
    facts = build([Item(o) for o in (_superset_web(**HARDENED), service,
                                     monitor("PodMonitor", "pods", "superset"),
                                     monitor("PodMonitor", "workers", "worker"),
                                     monitor("ServiceMonitor", "svc", "superset"))], "live", {})
    assert [(r.subject, r.status, r.message, r.evidence) for r in check.evaluate(facts)] == [
        (WEB_SUBJECT, Status.PASS, "metrics are scraped",
         ("ServiceMonitor svc via Service superset", "PodMonitor pods"))]


def test_pods_in_files_are_counted_as_a_cluster_gives_them() -> None:
    # collect._runtime_records: a Pod read from a file is summarised like a listed one, and
    # an owned one leaves its spec to its controller (mutmut 32 compared the kind "pod")
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web-1", "namespace": "bi", "ownerReferences": [
               {"controller": True, "kind": "ReplicaSet", "name": "web-x"}]},
           "status": {"phase": "Running"}}
    facts = kube(build([Item(pod)], "manifests", {}))
    assert facts.pods == ({"namespace": "bi", "name": "web-1", "owner": "ReplicaSet/web-x",
                           "node": None, "phase": "Running", "ready": False, "restarts": 0},)
    assert facts.items == ()


def test_a_mounted_config_names_its_object_not_a_file() -> None:
    # appconfig._config_of: settings of a superset_config.py held in a ConfigMap keep the
    # object and line as their source, and no file path (mutmut 65 crashed, 67 kept the path)
    from auditor.checks.kubernetes.appconfig import superset_configs

    web = _superset_web(volumeMounts=[{"name": "config", "mountPath": "/app/pythonpath"}])
    pod = web["spec"]["template"]["spec"]  # type: ignore[index]
    pod["volumes"] = [{"name": "config", "configMap": {"name": "cfg"}}]
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("cfg"),
                  "data": {"superset_config.py": "ROW_LIMIT = 1\n"}}
    configs, _ = superset_configs(_facts(web, config_map))
    setting = configs.items[0][1].settings["ROW_LIMIT"]
    assert (setting.value, setting.source, setting.path, setting.line) == (
        1, "ConfigMap cfg key superset_config.py:1", None, 1)


def test_a_rendered_chart_names_itself_in_locations(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # collect.collect: objects helm rendered are located in "<chart dir> (helm template)"
    # (mutmut 84 named every chart "chart"); helm itself is replaced by its output here
    from auditor.checks.kubernetes import collect as collect_module
    from auditor.checks.kubernetes import helm

    root = write_tree(tmp_path / "bi-chart", {"Chart.yaml": "name: bi\nversion: 1.0.0\n"})
    rendered = "---\n# Source: bi/templates/svc.yaml\napiVersion: v1\nkind: Service\n" \
               "metadata: {name: web, namespace: bi}\n"
    monkeypatch.setattr(helm, "render", lambda chart, options: helm.Rendered(text=rendered))
    facts = kube(collect_module.collect(Target("bi-chart", TargetKind.PATH, root=str(root)), {}))
    assert [(i.subject, i.location.path if i.location else None) for i in facts.items] == [
        ("v1/Service/bi/web", "bi-chart (helm template)")]


def test_a_host_path_volume_shares_the_node() -> None:
    # isolation._host: a hostPath volume is named (mutmut 22 read no volumes)
    web = _superset_web()
    pod = web["spec"]["template"]["spec"]  # type: ignore[index]
    pod["volumes"] = [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                      {"name": "tmp", "emptyDir": {}}]
    assert _verdict_of("K8S-ISOLATION-004", web) == [
        (WEB_SUBJECT, Status.FAIL, "shares the node: hostPath volume docker")]


@pytest.mark.parametrize(("privileged", "expected"), [
    (True, (WEB_SUBJECT, Status.FAIL, "web: privileged")),
    (False, (WEB_SUBJECT, Status.PASS, "no privilege escalation, all capabilities dropped")),
])
def test_privileged_fails_only_when_true(privileged: bool,
                                         expected: tuple[str, Status, str]) -> None:
    # isolation._privileges: privileged: true fails, false passes (mutmut 8 swapped them)
    context = {**HARDENED["securityContext"], "privileged": privileged}
    assert _verdict_of("K8S-ISOLATION-002", _superset_web(securityContext=context)) == [expected]


def test_non_root_needs_run_as_non_root_or_a_positive_user() -> None:
    # isolation._non_root: no runAsNonRoot and no runAsUser may run as root; a positive
    # runAsUser is enough (mutmut 30 compared None > 0: a TypeError)
    assert _verdict_of("K8S-ISOLATION-001", _superset_web()) == [
        (WEB_SUBJECT, Status.FAIL, "web: may run as root (no runAsNonRoot)")]
    assert _verdict_of("K8S-ISOLATION-001", _superset_web(securityContext={"runAsUser": 1000})) \
        == [(WEB_SUBJECT, Status.PASS, "every container runs as non-root")]


def test_log_files_strip_only_quotes() -> None:
    # monitoring.log_files drops quotes around a word and nothing else (mutmut 3 stripped
    # X characters as well)
    assert log_files("gunicorn --log-file /logs/X --access-logfile 'Xa.log'") == [
        ("--log-file", "/logs/X"), ("--access-logfile", "Xa.log")]
