"""The chart's CronJob pod, simulated: in-cluster credentials, TLS, and the chart's own RBAC.

The pod is what the chart renders: its arguments (paths mapped onto temporary folders), its
ConfigMap as the --config file, a service-account folder with a token and the cluster CA,
and KUBERNETES_SERVICE_HOST/PORT. The API server is tests/kubeapi.py's, served over TLS with
a certificate made by the openssl command-line tool for IP 127.0.0.1, so the kubernetes
client's in-cluster loader verifies it as it would in a pod. The server answers only what the
rendered roles grant (403 for the rest, as RBAC would), so a run proves the roles suffice,
and its request log proves the roles hold nothing the auditor does not use.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import ssl
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assert_valid_report
from helmbin import require_helm
from kubeapi import BUILTIN, CRDS, FakeKubeAPI, Request
from needs import require_tool

from auditor.checks.kubernetes import live
from auditor.cli import main

CHART = Path(__file__).resolve().parent.parent / "charts" / "deploy-auditor"
FIXTURES = Path(__file__).parent / "fixtures" / "kubernetes"
RELEASE, NAMESPACE = "audit", "auditor"
OWN_CRONJOB = f"batch/v1/CronJob/{NAMESPACE}/{RELEASE}-deploy-auditor"
Doc = dict[str, Any]


# --- a CA and a server certificate for 127.0.0.1 ----------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    require_tool("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("pki")
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=deploy-auditor test cluster CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    _openssl("req", "-new", *curve, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=kube-apiserver", cwd=folder)
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid:always\n"
    )
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext",
             cwd=folder)
    return Pki(folder / "ca.crt", folder / "server.crt", folder / "server.key")


class TLSKubeAPI(FakeKubeAPI):
    """FakeKubeAPI over HTTPS: its listening socket wrapped before any client connects.

    The handshake is left to the first read, which happens in the connection's handler
    thread, so a slow client never blocks the accepting thread.
    """

    def __init__(self, objects: Iterable[Mapping[str, Any]], *, pki: Pki, **options: Any
                 ) -> None:
        super().__init__(objects, **options)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(pki.cert, pki.key)

    def start(self) -> TLSKubeAPI:
        super().start()
        server = self._server
        assert server is not None
        server.socket = self._tls.wrap_socket(server.socket, server_side=True,
                                              do_handshake_on_connect=False)
        return self

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


# --- the chart ---------------------------------------------------------------------------------


def render(*options: str) -> list[Doc]:
    done = subprocess.run(
        [require_helm(), "template", RELEASE, str(CHART), "--namespace", NAMESPACE, *options],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if isinstance(d, dict)]


@dataclass(frozen=True)
class Grants:
    """What the rendered roles allow: (API group, resource) per namespace, '*' for all."""

    by_scope: Mapping[str, frozenset[tuple[str, str]]]

    @classmethod
    def of(cls, docs: list[Doc]) -> Grants:
        scopes: dict[str, set[tuple[str, str]]] = {}
        roles = {(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]): d
                 for d in docs if d["kind"] in ("ClusterRole", "Role")}
        (account,) = [d["metadata"]["name"] for d in docs if d["kind"] == "ServiceAccount"]
        for binding in (d for d in docs if d["kind"] in ("ClusterRoleBinding", "RoleBinding")):
            # Every grant goes to the chart's own ServiceAccount, and to nobody else.
            assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account,
                                            "namespace": NAMESPACE}]
            ref = binding["roleRef"]
            namespace = binding["metadata"].get("namespace")
            role = roles[(ref["kind"], namespace if ref["kind"] == "Role" else None,
                          ref["name"])]
            scope = namespace if binding["kind"] == "RoleBinding" else "*"
            for rule in role["rules"]:
                assert set(rule["verbs"]) <= {"get", "list", "watch"}
                scopes.setdefault(scope, set()).update(
                    (group, resource) for group in rule["apiGroups"]
                    for resource in rule["resources"])
        return cls({scope: frozenset(pairs) for scope, pairs in scopes.items()})

    @property
    def all(self) -> frozenset[tuple[str, str]]:
        return frozenset().union(*self.by_scope.values())

    def allows(self, group: str, plural: str, namespace: str | None) -> bool:
        if (group, plural) in self.by_scope.get("*", frozenset()):
            return True
        return namespace is not None and (group, plural) in self.by_scope.get(namespace,
                                                                              frozenset())


def group_of(request: Request) -> str:
    parts = request.path.split("/")
    return parts[2] if parts[1] == "apis" else ""


# --- the cluster and the pod -------------------------------------------------------------------

SERVED = {"v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"}


def cluster_objects(docs: list[Doc]) -> list[Doc]:
    """Superset's fixtures and the chart's own namespaced objects, as an API server holds them."""
    objects = []
    for name in ("pass-hardened", "fail-release-state"):
        for path in sorted((FIXTURES / name).glob("*.yaml")):
            objects += [d for d in yaml.safe_load_all(path.read_text())
                        if isinstance(d, dict) and d.get("apiVersion") in SERVED]
    return objects + [d for d in docs if d["apiVersion"] in SERVED]


@dataclass
class Run:
    api: TLSKubeAPI
    grants: Grants
    code: int
    report: Doc
    log_lines: list[str]
    reports: Path


def container_of(docs: list[Doc]) -> Doc:
    (cronjob,) = [d for d in docs if d["kind"] == "CronJob"]
    (container,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return dict(container)


@dataclass(frozen=True)
class Pod:
    """The container as rendered, its volumes mapped onto folders under a root."""

    argv: list[str]
    env: dict[str, str]
    mounts: dict[str, Path]


def pod_of(docs: list[Doc], root: Path) -> Pod:
    container = container_of(docs)
    mounts = {m["mountPath"]: root / m["name"] for m in container["volumeMounts"]}
    for folder in mounts.values():
        folder.mkdir(parents=True, exist_ok=True)
    (configmap,) = [d for d in docs if d["kind"] == "ConfigMap"]
    for name, text in configmap["data"].items():
        (mounts["/etc/deploy-auditor"] / name).write_text(text)
    # One pass over each value (a mapped path must not be mapped again), longest mount first.
    paths = "|".join(re.escape(m) for m in sorted(mounts, key=len, reverse=True))
    pattern = re.compile(rf"(^|=)({paths})(?=/|$)")

    def mapped(value: object) -> str:
        return pattern.sub(lambda m: m[1] + str(mounts[m[2]]), str(value))

    return Pod(argv=[mapped(a) for a in container["args"]],
               env={v["name"]: mapped(v["value"]) for v in container.get("env", [])},
               mounts=mounts)


@pytest.fixture
def in_pod(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    servers: list[TLSKubeAPI] = []

    def run(*options: str, ca: Path | None = None) -> Run:
        docs = render(*options)
        grants = Grants.of(docs)
        token = secrets.token_urlsafe(32)
        api = TLSKubeAPI(cluster_objects(docs), pki=pki, token=token, crds=True).start()
        servers.append(api)
        # RBAC: every served resource no rendered role grants answers 403.
        for resource in (*BUILTIN, *CRDS):
            key = (resource.group, resource.plural)
            name = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
            if key not in grants.all:
                api.forbid(name)
            elif key not in grants.by_scope.get("*", frozenset()):
                # Granted by Roles only: those namespaces answer, the rest of the cluster not.
                api.forbid(name, outside=frozenset(
                    ns for ns, keys in grants.by_scope.items() if key in keys))
        # The service-account volume and the environment the kubelet gives the pod.
        account = tmp_path / "serviceaccount"
        env = api.service_account_env(account, namespace=NAMESPACE)
        shutil.copyfile(ca or pki.ca, account / "ca.crt")
        monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME",
                            str(account / "token"))
        monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_CERT_FILENAME",
                            str(account / "ca.crt"))
        pod = pod_of(docs, tmp_path / "pod")
        for name, value in {**env, **pod.env}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("KUBECONFIG", raising=False)
        capsys.readouterr()
        code = main(pod.argv)
        errors = capsys.readouterr().err
        latest = pod.mounts["/reports"] / "latest.json"
        assert latest.is_file(), f"exit {code}: {errors}"
        return Run(api, grants, code, json.loads(latest.read_text()), errors.splitlines(),
                   pod.mounts["/reports"])

    yield run
    for api in servers:
        api.stop()


def assert_authenticated_get_lists_within_the_grants(run: Run) -> None:
    log = run.api.log
    assert log, "the auditor made no request"
    assert run.api.methods() == {"GET"}
    # The server requires the token: a request without "Bearer <token>" would be a 401.
    assert all(r.status != 401 for r in log), "a request did not carry the service token"
    assert {r.verb for r in log} == {"list"}
    for request in log:
        allowed = run.grants.allows(group_of(request), str(request.plural), request.namespace)
        assert (request.status == 200) == allowed, (request.path, request.status)


def requested(run: Run) -> set[tuple[str, str]]:
    return {(group_of(r), str(r.plural)) for r in run.api.log}


def assert_pod_outputs(run: Run, *, sees_itself: bool = True) -> None:
    assert run.code == 0, run.log_lines
    assert_valid_report(run.report)
    (target,) = run.report["targets"]
    assert target["style"] == "kubernetes"
    assert (run.reports / "latest.html").is_file()
    assert len(list((run.reports / "history").glob("*.json"))) == 1
    logfmt = [line for line in run.log_lines if line.startswith("time=")]
    assert len(logfmt) == 1 and " exit=0" in logfmt[0] and " gate=passed" in logfmt[0]
    own = [f for f in target["findings"] if f["subject"] == OWN_CRONJOB]
    if not sees_itself:
        assert not own
        return
    # A cluster-wide audit sees its own CronJob and finds nothing wrong with it.
    assert {f["check_id"] for f in own} >= {"K8S-ISOLATION-001", "K8S-RESOURCES-001"}
    assert [f["check_id"] for f in own if f["status"] not in ("pass", "warn")] == []


# --- the runs ----------------------------------------------------------------------------------


def test_default_chart_audits_the_cluster_with_its_own_role(in_pod: Any) -> None:
    run = in_pod()
    assert_pod_outputs(run)
    assert_authenticated_get_lists_within_the_grants(run)
    assert all(r.namespace is None for r in run.api.log), "lists are cluster-wide"
    # Sufficient and minimal: every granted resource was listed, and the only request the
    # role does not cover is the Helm release records (helmReleases.enabled is false).
    assert run.grants.all <= requested(run)
    denied = [r for r in run.api.log if r.status == 403]
    assert denied and {(group_of(r), r.plural) for r in denied} == {("", "secrets")}
    assert all(r.query.get("labelSelector") == "owner=helm" for r in denied)
    problems = run.report["targets"][0]["problems"]
    assert any("Helm releases" in p and "forbidden" in p for p in problems)


def test_helm_release_records_with_helm_releases_enabled(in_pod: Any) -> None:
    run = in_pod("--set", "helmReleases.enabled=true",
                 "--set", "metrics.textfile.enabled=true")
    assert_pod_outputs(run)
    assert_authenticated_get_lists_within_the_grants(run)
    assert all(r.status == 200 for r in run.api.log)
    assert run.grants.all == requested(run)
    secrets_lists = [r for r in run.api.log if r.plural == "secrets"]
    # Granted the whole of secrets, the auditor still asks only for release metadata.
    assert secrets_lists and all("PartialObjectMetadataList" in r.accept
                                 and r.query.get("labelSelector") == "owner=helm"
                                 for r in secrets_lists)
    failed = [f for f in run.report["targets"][0]["findings"]
              if f["check_id"] == "K8S-ROLLBACK-003" and f["status"] == "fail"]
    assert [f["subject"] for f in failed] == ["helm/analytics/superset"]
    assert "deploy_auditor_score" in (run.reports / "deploy-auditor.prom").read_text()


def test_namespaced_audit_reads_secrets_only_where_its_role_allows(in_pod: Any) -> None:
    run = in_pod("--set", "scan.namespace=analytics", "--set", "readSecrets.enabled=true")
    assert_pod_outputs(run, sees_itself=False)  # its own CronJob lives outside analytics
    assert_authenticated_get_lists_within_the_grants(run)
    assert set(run.grants.by_scope) == {"analytics"}
    assert {r.namespace for r in run.api.log} == {"analytics"}
    assert all(r.status == 200 for r in run.api.log)
    full = [r for r in run.api.log if r.plural == "secrets" and "Partial" not in r.accept]
    assert full and all(r.query.get("fieldSelector") == live.SECRETS.field_selector
                        for r in full)
    problems = run.report["targets"][0]["problems"]
    assert not any("Secrets not read" in p or "forbidden" in p for p in problems)


def test_cluster_wide_audit_reads_secrets_in_the_named_namespaces_only(in_pod: Any) -> None:
    run = in_pod("--set", "readSecrets.enabled=true",
                 "--set", "readSecrets.namespaces={analytics}")
    assert_authenticated_get_lists_within_the_grants(run)
    full = [r for r in run.api.log if r.plural == "secrets" and "Partial" not in r.accept]
    assert full and {r.namespace for r in full} == {"analytics"}
    assert all(r.status == 200 for r in full)
    problems = run.report["targets"][0]["problems"]
    assert not any("Secrets not read" in p for p in problems)
    assert not any(p.startswith("list secrets in namespace") for p in problems)


def test_a_server_the_cluster_ca_did_not_sign_is_refused(in_pod: Any, pki: Pki,
                                                          tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=another CA", cwd=stranger)
    run = in_pod(ca=stranger / "ca.crt")
    # Nothing got past the handshake: no request reached the server, no token was sent.
    assert run.api.log == []
    lists = [p for p in run.report["targets"][0]["problems"] if p.startswith("list ")]
    assert len(lists) == len(live.KINDS) + 1  # and the Helm release records
    assert all("no answer" in p for p in lists)
    assert any(" exit=" in line for line in run.log_lines)
