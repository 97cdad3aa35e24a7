"""Write the PolicyReports of a live-cluster audit into that cluster
(``scan kube --apply-policyreports``), for dashboards that read them (Policy Reporter).

The chart's CronJob has no kubectl, so the auditor applies them itself, through the
kubernetes client it audits with: one server-side apply (``PATCH`` with
``application/apply-patch+yaml``, field manager ``deploy-auditor``, forced) per report,
which creates it or replaces what this manager wrote before. These are the only writes the
auditor ever makes, to its own report objects, and only when asked; what it audits is read
with GET alone. The service account needs create and patch on ``wgpolicyk8s.io``
``policyreports`` (and ``clusterpolicyreports`` for a cluster-wide audit): the chart grants
exactly that with ``policyReports.enabled``.

A namespaced audit (``--namespace``) can be granted nothing cluster-wide, so results that
would go to the ClusterPolicyReport (no namespaced object) join that namespace's report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.model import Report, Target

FIELD_MANAGER = "deploy-auditor"
GROUP_PATH = "/apis/wgpolicyk8s.io/v1alpha2"
APPLY_TIMEOUT_S = 30.0


def documents(report: Report, target: Target, namespace: str | None
              ) -> list[dict[str, Any]]:
    """The PolicyReports of ``target``'s Kubernetes audit in ``report``, scoped to
    ``namespace`` when the audit was."""
    import dataclasses

    import yaml

    from auditor.model import Style
    from auditor.reports.base import RenderOptions
    from auditor.reports.policyreport import render_policyreport

    mine = tuple(t for t in report.targets
                 if t.style is Style.KUBERNETES and t.target == target.label)
    if not mine:
        return []
    # The renderer's own documents, exactly as `--report policyreport=...` writes them.
    text = render_policyreport(dataclasses.replace(report, targets=mine), RenderOptions())
    docs = [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]
    return scoped(docs, namespace) if namespace else docs


def scoped(docs: Iterable[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """``docs`` with the ClusterPolicyReport's results moved into ``namespace``'s report."""
    kept: list[dict[str, Any]] = []
    homeless: list[dict[str, Any]] = []
    for doc in docs:
        if doc["kind"] == "ClusterPolicyReport":
            homeless.append(doc)
        else:
            kept.append(doc)
    for doc in homeless:
        home = next((d for d in kept if d["metadata"].get("namespace") == namespace), None)
        if home is None:
            home = {**doc, "kind": "PolicyReport",
                    "metadata": {**doc["metadata"], "namespace": namespace}, "results": []}
            kept.append(home)
        home["results"] = [*home["results"], *doc["results"]]
        home["summary"] = _summary(home["results"])
    return kept


def _summary(results: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    counts = {key: 0 for key in ("pass", "fail", "warn", "error", "skip")}
    for result in results:
        counts[str(result["result"])] += 1
    return counts


def path_of(doc: Mapping[str, Any]) -> str:
    name = doc["metadata"]["name"]
    if doc["kind"] == "ClusterPolicyReport":
        return f"{GROUP_PATH}/clusterpolicyreports/{name}"
    return f"{GROUP_PATH}/namespaces/{doc['metadata']['namespace']}/policyreports/{name}"


def apply(report: Report, target: Target, options: Mapping[str, object]) -> list[str]:
    """Apply ``target``'s PolicyReports; one line per report that could not be written
    (naming it and the cluster's answer), none when all were."""
    from kubernetes import client

    from auditor.checks.kubernetes import live

    namespace = options.get("namespace")
    docs = documents(report, target, namespace if isinstance(namespace, str) else None)
    configuration = client.Configuration()
    given = options.get("context")
    context = target.context or (given if isinstance(given, str) and given else None)
    try:
        live.load_cluster_config(configuration, options, context)
    except live.ConfigProblem as exc:
        return [f"PolicyReports not written: {exc}"]
    configuration.retries = False
    timeout = options.get("timeout")
    seconds = float(timeout) if isinstance(timeout, int | float) and timeout > 0 \
        else APPLY_TIMEOUT_S
    with client.ApiClient(configuration) as api:
        return [problem for doc in docs
                if (problem := _apply_one(api, doc, seconds)) is not None]


def _apply_one(api: Any, doc: Mapping[str, Any], timeout: float) -> str | None:
    path = path_of(doc)
    meta = doc["metadata"]
    where = f"{meta['namespace']}/" if "namespace" in meta else ""
    shown = f"{doc['kind']} {where}{meta['name']}"
    request = api.param_serialize(
        "PATCH", path, query_params=[("fieldManager", FIELD_MANAGER), ("force", "true")],
        header_params={"Content-Type": "application/apply-patch+yaml",
                       "Accept": "application/json"},
        body=json.dumps(doc).encode("utf-8"), auth_settings=["BearerToken"])
    try:
        response = api.call_api(*request, _request_timeout=(timeout, timeout)).response
        status = int(response.status)
        reason = str(response.reason or "")
        # The answer (the applied object) is read to its end, or the pooled connection would
        # hand its rest to the next request as a status line.
        response.drain_conn()
        response.release_conn()
    except Exception as exc:  # the connection: refused, reset, timed out
        return f"{shown} not written: {type(exc).__name__}"
    if 200 <= status < 300:
        return None
    return f"{shown} not written: HTTP {status} {reason}".rstrip()

