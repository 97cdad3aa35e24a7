"""Live audits only read: every request is a GET of a list, an object or discovery.

Runs the real CLI against the test API server (tests/kubeapi.py) with and without
--read-secrets, with --namespace, with Helm release records, a bearer token and every CRD
the auditor knows, and checks each logged request against what a read-only auditor may ask.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubeapi import BUILTIN, CRDS, FakeKubeAPI, Request
from test_security_secrets import SECURITY, assert_no_secret, every_output

TOKEN = "plntdCliKubeToken5Tt8Uu1Vv4Ww7Xx0Yy"
"""The service-account token in the kubeconfig: a secret like any other."""
READABLE = {r.plural for r in (*BUILTIN, *CRDS)} - {"secrets"}
"""Kinds the auditor may list or get (Secrets have rules of their own, below)."""
VERBS = {"list", "get", "discovery", "version"}
ACTING = {"exec", "attach", "portforward", "proxy", "log", "eviction", "binding", "token",
          "scale", "status", "finalize", "approval", "ephemeralcontainers", "resize"}
"""Subresources that act on the cluster, reach into a pod or read its logs: never asked for
(``status`` and ``scale`` only read, but the auditor has no reason to ask them either)."""
NAME = r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?"
ALLOWED_PATHS = [re.compile(p) for p in (
    r"/version",
    r"/api(/v1)?",  # discovery
    rf"/apis(/{NAME}(/{NAME})?)?",  # discovery of groups and versions
    rf"/api/v1(/namespaces/{NAME})?/(?P<plural>[a-z]+)",  # lists, cluster-wide or namespaced
    rf"/apis/{NAME}/{NAME}(/namespaces/{NAME})?/(?P<plural>[a-z]+)",
    rf"/api/v1(/namespaces/{NAME})?/(?P<plural>[a-z]+)/{NAME}",  # a single object
    rf"/apis/{NAME}/{NAME}(/namespaces/{NAME})?/(?P<plural>[a-z]+)/{NAME}",
)]
QUERY_KEYS = {"limit", "continue", "labelSelector", "fieldSelector", "resourceVersion",
              "resourceVersionMatch", "timeoutSeconds"}
"""Query parameters of a read (``watch``, ``dryRun``, ``fieldManager`` are not among them)."""


def objects() -> list[dict[str, Any]]:
    text = (SECURITY / "kubernetes-secrets" / "superset.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc]


def allowed(request: Request) -> str | None:
    """Why ``request`` is not a read the auditor may make (None when it is)."""
    if request.method != "GET":
        return f"method {request.method}"
    if request.verb not in VERBS:
        return f"verb {request.verb} (a subresource or an unknown path)"
    segments = set(request.path.split("/"))
    if segments & ACTING:
        return f"subresource {sorted(segments & ACTING)}"
    match = next((m for p in ALLOWED_PATHS if (m := p.fullmatch(request.path))), None)
    if match is None:
        return "path outside the read-only API surface"
    plural = match.groupdict().get("plural")
    if plural is not None and plural != "namespaces" and plural not in READABLE | {"secrets"}:
        return f"kind {plural}"
    if set(request.query) - QUERY_KEYS:
        return f"query {sorted(set(request.query) - QUERY_KEYS)}"
    if request.query.get("watch") not in (None, "false", "0"):
        return "watch"
    return None


def secrets_rule(request: Request, read_secrets: bool) -> str | None:
    """Secrets: Helm release records as metadata only; other Secrets only with
    --read-secrets, and never the release records' payload."""
    if request.plural != "secrets":
        return None
    metadata_only = "as=PartialObjectMetadataList" in request.accept or (
        "as=PartialObjectMetadata;" in request.accept)
    if metadata_only:
        return None
    if not read_secrets:
        return "a Secret's data read without --read-secrets"
    if request.query.get("fieldSelector") != "type!=helm.sh/release.v1":
        return "a full list of Secrets that includes Helm release payloads"
    return None


RUNS = {
    "default": [],
    "read-secrets": ["--read-secrets"],
    "namespace": ["--namespace", "bi", "--read-secrets"],
    "namespace-no-secrets": ["--namespace", "bi"],
}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_live_audit_only_reads(run: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    options = RUNS[run]
    with FakeKubeAPI(objects(), crds=True, token=TOKEN) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        outputs = every_output(tmp_path, ["kube", "--kubeconfig", str(kubeconfig), *options],
                               capsys)
        log = api.log
    assert log and {r.method for r in log} == {"GET"}
    refused = [(r.path, r.query, why) for r in log
               if (why := allowed(r) or secrets_rule(r, "--read-secrets" in options))]
    assert not refused, refused
    assert all(r.status == 200 for r in log), [(r.path, r.status) for r in log if r.status != 200]
    if "--namespace" in options:
        assert all(r.namespace in (None, "bi") for r in log)
        assert all(r.namespace == "bi" for r in log if r.verb == "list")
    # Helm release records were listed (metadata only) and named in the report.
    assert any(r.plural == "secrets" and r.query.get("labelSelector") == "owner=helm"
               for r in log)
    report = json.loads(outputs["json"])
    subjects = {f["subject"] for t in report["targets"] for f in t["findings"]}
    assert "apps/v1/Deployment/bi/superset" in subjects
    # Secrets read with --read-secrets, the token, the release payload: never shown.
    assert_no_secret(outputs)


def test_the_allowlist_refuses_what_acts() -> None:
    def request(method: str, path: str, verb: str = "get", **query: str) -> Request:
        return Request(method, path, dict(query), "application/json", 200, verb, "pods", "bi")

    assert allowed(request("GET", "/api/v1/namespaces/bi/pods", "list")) is None
    assert allowed(request("GET", "/apis/apps/v1/deployments", "list", limit="500")) is None
    for bad in (request("POST", "/api/v1/namespaces/bi/pods"),
                request("DELETE", "/api/v1/namespaces/bi/pods/web"),
                request("GET", "/api/v1/namespaces/bi/pods/web/exec", "unknown"),
                request("GET", "/api/v1/namespaces/bi/pods/web/log", "unknown"),
                request("GET", "/api/v1/namespaces/bi/services/web:80/proxy/x", "unknown"),
                request("GET", "/api/v1/namespaces/bi/pods/web/portforward", "unknown"),
                request("GET", "/api/v1/pods", "list", watch="true"),
                request("GET", "/api/v1/pods", "list", dryRun="All")):
        assert allowed(bad), bad
