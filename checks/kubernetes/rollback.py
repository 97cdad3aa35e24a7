"""rollback: pinned images, revision history, Helm history and chart status."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.common.images import Pinning, describe, pinning
from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import Item
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DEPRECATED_CHART = (0, 22, 8)


def _images(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in k.workloads:
        moving, tagged, digests = [], [], 0
        for container in workload.containers:
            found = pinning(container.image) if container.image else Pinning.NONE
            if found is Pinning.DIGEST:
                digests += 1
            elif found in (Pinning.MOVING, Pinning.NONE):
                moving.append(f"{container.name}: "
                              + (describe(container.image) if container.image else "no image"))
            else:
                tagged.append(f"{container.name}: {describe(container.image)}")
        if moving:
            yield result(workload, Status.FAIL, "images with no tag or a moving tag: a restart "
                         "can pull a different release", moving)
        elif tagged:
            yield result(workload, Status.WARN, "images pinned by tag, not digest (a tag can be "
                         "re-pushed)", tagged)
        else:
            yield result(workload, Status.PASS, f"{digests} image(s) pinned by digest")


def _history(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for workload in k.workloads:
        if workload.kind != "Deployment":
            continue
        limit = workload.item.spec.get("revisionHistoryLimit", 10)
        if limit == 0:
            yield result(workload, Status.FAIL, "revisionHistoryLimit is 0: 'kubectl rollout "
                         "undo' has nothing to go back to", ("revisionHistoryLimit = 0",))
        else:
            yield result(workload, Status.PASS, f"keeps {limit} old ReplicaSets for rollback")


def _chart_version(item: Item) -> tuple[str, str, tuple[int, ...]] | None:
    """(label key, chart, version) of the Superset chart that made ``item``: the key as
    written, since older charts label ``chart`` and evidence must quote the input."""
    key = "helm.sh/chart" if item.labels.get("helm.sh/chart") else "chart"
    chart = item.labels.get(key) or ""
    match = re.fullmatch(r"(superset)-(\d+)\.(\d+)\.(\d+).*", str(chart))
    if not match:
        return None
    return key, chart, tuple(int(part) for part in match.groups()[1:])


def _releases(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    if k.releases:
        latest: dict[tuple[str, str], int] = {}
        for release in k.releases:
            key = (release.namespace, release.name)
            latest[key] = max(latest.get(key, 0), release.revision)
        for (namespace, name), revision in sorted(latest.items()):
            kept = [r for r in k.releases if (r.namespace, r.name) == (namespace, name)]
            current = next(r for r in kept if r.revision == revision)
            subject = f"helm/{namespace}/{name}"
            evidence = (f"revision {revision}, status {current.status}",
                        f"{len(kept)} revision(s) kept")
            if current.status in ("failed", "pending-install", "pending-upgrade",
                                  "pending-rollback"):
                yield Result(subject, Status.FAIL, f"release {name} is {current.status}", evidence)
            elif current.status != "deployed":
                # uninstalling, uninstalled (history kept), superseded, unknown: it passed as
                # healthy, but its latest revision is not what runs.
                yield Result(subject, Status.WARN, f"release {name} is {current.status}, not "
                             "deployed", evidence)
            elif len(kept) < 2 and revision > 1:
                yield Result(subject, Status.WARN, "no earlier revision is kept to roll back to",
                             evidence)
            else:
                yield Result(subject, Status.PASS, f"release {name} is {current.status}", evidence)
        return
    seen: set[str] = set()
    for workload in k.workloads:
        found = _chart_version(workload.item)
        if found is None or found[1] in seen:
            continue
        label, chart, version = found
        seen.add(chart)
        labels = workload.item.labels
        chart_evidence = [f"{label} = {chart}"] + [
            f"{key} = {labels[key]}" for key in ("app.kubernetes.io/version",
                                                 "app.kubernetes.io/instance") if key in labels]
        if version >= DEPRECATED_CHART:
            yield result(workload, Status.WARN, f"chart {chart} is deprecated upstream in favour "
                         "of an operator: plan the move", chart_evidence)
        else:
            yield result(workload, Status.PASS, f"chart {chart} is versioned by Helm",
                         chart_evidence)


CHECKS = (
    Check(
        id="K8S-ROLLBACK-001", style=Style.KUBERNETES, row=Row.ROLLBACK, severity=Severity.HIGH,
        title="Images are pinned (no latest, digest preferred)",
        rationale="A moving tag means two pods of one Deployment can run different code and "
                  "a rollback re-pulls whatever the tag points to now.",
        remediation="Pin images to a release tag, better a digest (image@sha256:...).",
        success="images pinned by digest", failure="latest, dev or missing tags",
        references=("https://kubernetes.io/docs/concepts/containers/images/#image-names",),
        requires=("kubernetes",), evaluate=_images,
    ),
    Check(
        id="K8S-ROLLBACK-002", style=Style.KUBERNETES, row=Row.ROLLBACK, severity=Severity.LOW,
        title="Deployments keep revision history",
        rationale="revisionHistoryLimit 0 deletes old ReplicaSets, so a bad release cannot be "
                  "rolled back with kubectl.",
        remediation="Leave revisionHistoryLimit at its default (10) or at least 2.",
        success="history kept", failure="revisionHistoryLimit 0",
        requires=("kubernetes",), evaluate=_history,
    ),
    Check(
        id="K8S-ROLLBACK-003", style=Style.KUBERNETES, row=Row.ROLLBACK, severity=Severity.MEDIUM,
        title="Helm releases are healthy and can be rolled back",
        rationale="A failed or pending Helm release blocks the next upgrade; with no earlier "
                  "revision kept, 'helm rollback' has nowhere to go. Superset's chart is "
                  "deprecated from 0.22.8.",
        remediation="Fix or roll back failed releases, keep --history-max of at least 3, and "
                    "plan the move off the deprecated chart.",
        success="deployed releases with history", failure="failed or pending releases",
        references=("https://helm.sh/docs/helm/helm_rollback/",),
        requires=("kubernetes",), evaluate=_releases,
    ),
)
