"""``scan kube --apply-policyreports`` (issue 17 item 4): the chart's CronJob writes the
audit's PolicyReports into the cluster by server-side apply, its only write, against the
test API server (which, like a real one, records every request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubeapi
import pytest
from conftest import scan_report
from kubeapi import FakeKubeAPI

POLICY_PATH = "/apis/wgpolicyk8s.io/v1alpha2/"


class _ApplyHandler(kubeapi._Handler):
    """The test server's handler, answering server-side apply of PolicyReports (and
    recording it); every other request as the test server does."""

    def do_PATCH(self) -> None:
        api: ApplyAPI = self.server.api  # type: ignore[assignment]
        if not self.path.startswith(POLICY_PATH) or api.refuse:
            self._dispatch()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        api.applied.append({"path": self.path, "content_type": self.headers["Content-Type"],
                            "authorization": self.headers.get("Authorization"),
                            "body": json.loads(body)})
        answer = body
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


class ApplyAPI(FakeKubeAPI):
    """FakeKubeAPI that also takes PolicyReports (``refuse``: answers 405 like the plain
    test server, as a cluster without the CRD's write grant would refuse)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applied: list[dict[str, Any]] = []
        self.refuse = False

    def start(self) -> ApplyAPI:
        super().start()
        assert self._server is not None
        self._server.RequestHandlerClass = _ApplyHandler
        return self


def deployment(name: str, namespace: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "web", "image": "apache/superset:4.1.1",
                 "command": ["gunicorn", "superset.app:create_app()"]}]}}}}


def test_off_by_default_nothing_is_written(tmp_path: Path) -> None:
    with ApplyAPI([deployment("web", "bi")]) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig))
        assert api.methods() == {"GET"}
        assert api.applied == []


def test_each_namespace_gets_its_report_by_server_side_apply(tmp_path: Path) -> None:
    with ApplyAPI([deployment("web", "bi"), deployment("web", "sales")], token="t0k") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--apply-policyreports")
        # What it audited was read only; the writes went to its own reports.
        assert api.methods() == {"GET"}
    paths = [a["path"].split("?")[0] for a in api.applied]
    name = "deploy-auditor-kubernetes-dad93339c2"  # stable per target: "kube", kubernetes
    # One per namespace, and the cluster's for findings on no namespaced object (the
    # Secrets the audit was not allowed to read).
    assert paths == [f"{POLICY_PATH}clusterpolicyreports/{name}",
                     f"{POLICY_PATH}namespaces/bi/policyreports/{name}",
                     f"{POLICY_PATH}namespaces/sales/policyreports/{name}"]
    for applied in api.applied:
        assert applied["path"].endswith("?fieldManager=deploy-auditor&force=true")
        assert applied["content_type"] == "application/apply-patch+yaml"
        assert applied["authorization"] == "Bearer t0k"
        assert applied["body"]["apiVersion"] == "wgpolicyk8s.io/v1alpha2"
    bi = next(a["body"] for a in api.applied if "/namespaces/bi/" in a["path"])
    assert bi["kind"] == "PolicyReport" and bi["metadata"]["namespace"] == "bi"
    findings = [f for t in report["targets"] for f in t["findings"]
                if f["subject"].startswith("apps/v1/Deployment/bi/")]
    assert len(bi["results"]) == len(findings) > 0
    assert sum(bi["summary"].values()) == len(bi["results"])


def test_a_namespaced_audit_writes_only_in_its_namespace(tmp_path: Path) -> None:
    with ApplyAPI([deployment("web", "bi"), deployment("web", "sales")]) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig), "--namespace", "bi",
                    "--apply-policyreports")
    [applied] = api.applied
    assert applied["path"].startswith(f"{POLICY_PATH}namespaces/bi/policyreports/")
    body = applied["body"]
    assert body["kind"] == "PolicyReport" and body["metadata"]["namespace"] == "bi"
    assert sum(body["summary"].values()) == len(body["results"]) > 0


def test_a_refused_write_is_one_line_and_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with ApplyAPI([deployment("web", "bi")]) as api:
        api.refuse = True
        kubeconfig = api.write_kubeconfig(tmp_path / "kc")
        report = scan_report(tmp_path, "kube", "--kubeconfig", str(kubeconfig),
                             "--apply-policyreports", code=2)
    assert report["targets"][0]["findings"], "the report is written all the same"
    lines = [line for line in capsys.readouterr().err.splitlines() if "policyreports" in line]
    assert lines and all(
        line.startswith("auditor: policyreports: ") and " not written: HTTP 405 " in line
        for line in lines)


def test_without_a_live_target_it_says_so(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    manifests = tmp_path / "m"
    manifests.mkdir()
    (manifests / "web.yaml").write_text(json.dumps(deployment("web", "bi")))
    scan_report(tmp_path, str(manifests), "--apply-policyreports", code=2)
    assert ("auditor: policyreports: --apply-policyreports needs a live cluster target"
            in capsys.readouterr().err)

