"""PolicyReport: the Kubernetes policy working group's report objects (``wgpolicyk8s.io/
v1alpha2``), which cluster dashboards (Policy Reporter, Kyverno's UI) already show.

One ``PolicyReport`` per (target, namespace) for findings on namespaced objects, one
``ClusterPolicyReport`` per target for the rest (cluster-scoped objects, hosts, Compose
projects, Superset settings with no object), written as YAML documents for
``kubectl apply -f``. Names are stable per target, so a later run replaces the earlier
report instead of adding one. Each result is one finding: policy = check id, rule = row,
result = status (a waived finding is a ``skip`` whose properties carry the waiver), the
CRD's severity (high, medium, low; critical counts as high and info as low, the exact one
in properties), and the audited object as a resource reference.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import yaml

from auditor.model import Finding, Report, Severity, Status, TargetReport
from auditor.reports.base import RenderOptions

API_VERSION = "wgpolicyk8s.io/v1alpha2"
SOURCE = "deploy-auditor"
RESULT = {Status.PASS: "pass", Status.FAIL: "fail", Status.WARN: "warn",
          Status.ERROR: "error", Status.SKIP: "skip", Status.WAIVED: "skip"}
SEVERITY = {Severity.CRITICAL: "high", Severity.HIGH: "high", Severity.MEDIUM: "medium",
            Severity.LOW: "low", Severity.INFO: "low"}
# apps/v1/Deployment/ns/name, v1/Secret/ns/name, then an optional ":SETTING" (app checks)
_OBJECT = re.compile(r"^(?P<api>(?:[a-z0-9.-]+/)?v[0-9][a-z0-9]*)/(?P<kind>[A-Z][A-Za-z0-9]*)"
                     r"/(?P<ns>[a-z0-9-]+|-)/(?P<name>[^/:]+)(?::.*)?$")


def render_policyreport(report: Report, options: RenderOptions) -> str:
    documents = [doc for target in report.targets for doc in _reports(target, report)]
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=False,
                              explicit_start=True) if documents else "---\n"


def _reports(target: TargetReport, report: Report) -> list[dict[str, Any]]:
    stamp = _timestamp(report.started_at)
    by_namespace: dict[str | None, list[dict[str, Any]]] = {}
    for finding in target.findings:
        reference = object_reference(finding.subject)
        namespace = reference.get("namespace") if reference else None
        by_namespace.setdefault(namespace, []).append(
            _result(target, finding, reference, stamp))
    name = _name(target)
    documents = []
    for namespace, results in sorted(by_namespace.items(), key=lambda i: i[0] or ""):
        metadata: dict[str, Any] = {"name": name, "labels": {
            "app.kubernetes.io/managed-by": SOURCE,
            "deploy-auditor/style": target.style.value}}
        kind = "ClusterPolicyReport"
        if namespace is not None:
            kind = "PolicyReport"
            metadata["namespace"] = namespace
        documents.append({"apiVersion": API_VERSION, "kind": kind, "metadata": metadata,
                          "summary": _summary(results), "results": results})
    return documents


def object_reference(subject: str) -> dict[str, str] | None:
    """The Kubernetes object a subject names (``apps/v1/Deployment/ns/name``), or None."""
    match = _OBJECT.match(subject)
    if match is None:
        return None
    reference = {"apiVersion": match["api"], "kind": match["kind"], "name": match["name"]}
    if match["ns"] != "-":
        reference["namespace"] = match["ns"]
    return reference


def _result(target: TargetReport, finding: Finding, reference: dict[str, str] | None,
            stamp: dict[str, int]) -> dict[str, Any]:
    properties = {"check_id": finding.check_id, "row": finding.row.value,
                  "severity": finding.severity.value, "status": finding.status.value,
                  "style": finding.style.value, "subject": finding.subject,
                  "fingerprint": finding.fingerprint, "target": target.target}
    if finding.location is not None:
        line = f":{finding.location.line}" if finding.location.line else ""
        properties["location"] = finding.location.path + line
    if finding.waiver is not None:
        properties["waiver"] = finding.waiver.reason
    result: dict[str, Any] = {
        "source": SOURCE, "policy": finding.check_id, "rule": finding.row.value,
        "category": finding.row.value, "result": RESULT[finding.status],
        "severity": SEVERITY[finding.severity], "scored": finding.severity is not Severity.INFO,
        "message": finding.message or finding.title, "timestamp": stamp,
        "properties": properties,
    }
    if reference is not None:
        result["resources"] = [reference]
    return result


def _summary(results: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts = {key: 0 for key in ("pass", "fail", "warn", "error", "skip")}
    for result in results:
        counts[result["result"]] += 1
    return counts


def _name(target: TargetReport) -> str:
    # Stable per (target, style), DNS-1123: a later run of the same audit replaces it.
    digest = hashlib.sha256(f"{target.target}\0{target.style.value}".encode()).hexdigest()
    return f"deploy-auditor-{target.style.value}-{digest[:10]}"


def _timestamp(started_at: str) -> dict[str, int]:
    try:
        moment = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    except ValueError:
        return {"seconds": 0, "nanos": 0}
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return {"seconds": int(moment.timestamp()), "nanos": 0}
