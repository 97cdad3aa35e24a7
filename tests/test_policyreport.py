"""PolicyReport objects (issue 17 item 4), checked against the v1alpha2 CRD's schema.

The schema below restates the ``openAPIV3Schema`` of ``wgpolicyk8s.io`` v1alpha2
(PolicyReport and ClusterPolicyReport, kubernetes-sigs/wg-policy-prototypes): the result
and severity enums, ``policy`` required, properties as a map of strings, the timestamp's
seconds and nanos, object references, the summary counts.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import yaml
from reportdata import all_examples_report, example_report, render

from auditor.model import Status
from auditor.reports.policyreport import object_reference

REFERENCE = {"type": "object", "properties": {
    k: {"type": "string"} for k in ("apiVersion", "kind", "name", "namespace", "uid",
                                    "resourceVersion", "fieldPath")}}
RESULT = {
    "type": "object", "required": ["policy"],
    "properties": {
        "source": {"type": "string"}, "policy": {"type": "string"},
        "rule": {"type": "string"}, "category": {"type": "string"},
        "message": {"type": "string"}, "scored": {"type": "boolean"},
        "result": {"enum": ["pass", "fail", "warn", "error", "skip"]},
        "severity": {"enum": ["high", "low", "medium"]},
        "properties": {"type": "object", "additionalProperties": {"type": "string"}},
        "resources": {"type": "array", "items": REFERENCE},
        "timestamp": {"type": "object", "required": ["nanos", "seconds"],
                      "properties": {"nanos": {"type": "integer", "minimum": 0,
                                               "maximum": 999_999_999},
                                     "seconds": {"type": "integer"}}},
    },
    "additionalProperties": False,
}
POLICY_REPORT = {
    "type": "object", "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"const": "wgpolicyk8s.io/v1alpha2"},
        "kind": {"enum": ["PolicyReport", "ClusterPolicyReport"]},
        "metadata": {"type": "object", "required": ["name"]},
        "results": {"type": "array", "items": RESULT},
        "summary": {"type": "object", "additionalProperties": False, "properties": {
            k: {"type": "integer", "minimum": 0} for k in ("pass", "fail", "warn", "error",
                                                           "skip")}},
        "scope": REFERENCE,
    },
    "additionalProperties": False,
}
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _documents(report: Any) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(render(report, "policyreport")) if d]
    for doc in docs:
        jsonschema.validate(doc, POLICY_REPORT)
        assert DNS_1123.match(doc["metadata"]["name"]) and len(doc["metadata"]["name"]) <= 63
    return docs


def test_every_finding_is_one_result_and_the_summary_counts_them() -> None:
    report = all_examples_report()
    docs = _documents(report)
    assert sum(len(d["results"]) for d in docs) == sum(len(t.findings) for t in report.targets)
    for doc in docs:
        counted = {k: sum(r["result"] == k for r in doc["results"])
                   for k in ("pass", "fail", "warn", "error", "skip")}
        assert doc["summary"] == counted


def test_namespaced_objects_go_to_their_namespace_the_rest_to_a_cluster_report() -> None:
    docs = _documents(example_report("kubernetes"))
    kinds = {(d["kind"], d["metadata"].get("namespace")) for d in docs}
    assert ("PolicyReport", "superset") in kinds
    namespaced = next(d for d in docs if d["kind"] == "PolicyReport")
    beat = next(r for r in namespaced["results"] if r["policy"] == "K8S-AVAILABILITY-004")
    assert beat["resources"] == [{"apiVersion": "apps/v1", "kind": "Deployment",
                                  "name": "superset-celerybeat", "namespace": "superset"}]
    assert beat["result"] == "fail" and beat["severity"] == "high"
    assert beat["properties"]["row"] == "availability"
    assert beat["properties"]["location"] == "superset.yaml:398"
    # a host has no namespace: one cluster-wide report
    host = _documents(example_report("manual-vm"))
    assert [d["kind"] for d in host] == ["ClusterPolicyReport"]


def test_critical_is_high_in_the_crd_and_exact_in_properties() -> None:
    docs = _documents(example_report("kubernetes"))
    results = [r for d in docs for r in d["results"]]
    secret = next(r for r in results if r["policy"] == "K8S-CONFIG-SECRETS-002"
                  and r["result"] == "fail")
    assert secret["severity"] == "high" and secret["properties"]["severity"] == "critical"


def test_waived_findings_are_skips_with_their_waiver() -> None:
    from reportdata import hostile_report

    report = hostile_report()
    waived = [f for t in report.targets for f in t.findings if f.status is Status.WAIVED]
    results = [r for d in _documents(report) for r in d["results"]
               if "waiver" in r["properties"]]
    assert waived and len(results) == len(waived)
    assert all(r["result"] == "skip" for r in results)


def test_names_are_stable_across_runs() -> None:
    first = [d["metadata"]["name"] for d in _documents(example_report("kubernetes"))]
    again = [d["metadata"]["name"] for d in _documents(example_report("kubernetes"))]
    assert first == again


def test_object_reference_reads_subjects() -> None:
    assert object_reference("v1/Secret/superset/superset-env") == {
        "apiVersion": "v1", "kind": "Secret", "name": "superset-env", "namespace": "superset"}
    assert object_reference("apps/v1/Deployment/superset/superset:SECRET_KEY") == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "superset",
        "namespace": "superset"}
    assert object_reference("web/superset-run") is None
    assert object_reference("service/superset") is None
