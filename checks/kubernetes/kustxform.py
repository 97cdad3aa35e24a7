"""kustomize's built-in transformers that verdicts hinge on, as its reference documents them.

- ``namespace``: every namespaced object lands there (one that names another included);
  cluster-scoped kinds keep none.
- ``commonLabels`` (and ``labels`` with ``includeSelectors``): labels on every object and
  on the selectors and pod templates of the workload kinds, Services, PodDisruptionBudgets
  and NetworkPolicies, so selectors keep selecting the same pods; ``labels`` with
  ``includeTemplates`` on pod templates too; otherwise on ``metadata.labels`` only.
- ``commonAnnotations``: on every object and its pod templates (where a scrape or waiver
  annotation is read).
- ``replicas``: the count of the Deployment, StatefulSet, ReplicaSet or
  ReplicationController of that name.
- ``images``: ``newName``, ``newTag`` and ``digest`` for every container and init
  container whose image name (without tag or digest) is the entry's ``name``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustread import MAX_NESTING, Kustomization, Notes
from auditor.checks.kubernetes.objects import cluster_scoped

Spec = tuple[tuple[str, ...], bool]
"""A path to a map of labels (lists along it are walked) and whether to create it."""

WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet")
TEMPLATE = ("spec", "template", "metadata")
JOB_TEMPLATE = ("spec", "jobTemplate", "spec", "template", "metadata")


def _affinity(kind: str) -> Iterator[tuple[str, Spec]]:
    pod = ("spec", "template", "spec")
    for affinity in ("podAffinity", "podAntiAffinity"):
        yield kind, ((*pod, "affinity", affinity, "requiredDuringSchedulingIgnoredDuring"
                      "Execution", "labelSelector", "matchLabels"), False)
        yield kind, ((*pod, "affinity", affinity, "preferredDuringSchedulingIgnoredDuring"
                      "Execution", "podAffinityTerm", "labelSelector", "matchLabels"), False)
    yield kind, ((*pod, "topologySpreadConstraints", "labelSelector", "matchLabels"), False)


def _specs(pairs: Iterable[tuple[str, Spec]]) -> dict[str, tuple[Spec, ...]]:
    found: dict[str, list[Spec]] = {}
    for kind, spec in pairs:
        found.setdefault(kind, []).append(spec)
    return {kind: tuple(specs) for kind, specs in found.items()}


TEMPLATE_LABELS = _specs([
    *((kind, ((*TEMPLATE, "labels"), True)) for kind in (*WORKLOADS, "ReplicationController",
                                                          "Job")),
    ("CronJob", (("spec", "jobTemplate", "metadata", "labels"), True)),
    ("CronJob", ((*JOB_TEMPLATE, "labels"), True)),
])
SELECTOR_LABELS = _specs([
    ("Service", (("spec", "selector"), True)),
    ("ReplicationController", (("spec", "selector"), True)),
    *((kind, (("spec", "selector", "matchLabels"), True)) for kind in WORKLOADS),
    *(pair for kind in WORKLOADS for pair in _affinity(kind)),
    ("StatefulSet", (("spec", "volumeClaimTemplates", "metadata", "labels"), True)),
    ("Job", (("spec", "selector", "matchLabels"), False)),
    ("CronJob", (("spec", "jobTemplate", "spec", "selector", "matchLabels"), False)),
    ("PodDisruptionBudget", (("spec", "selector", "matchLabels"), False)),
    ("NetworkPolicy", (("spec", "podSelector", "matchLabels"), False)),
    ("NetworkPolicy", (("spec", "ingress", "from", "podSelector", "matchLabels"), False)),
    ("NetworkPolicy", (("spec", "egress", "to", "podSelector", "matchLabels"), False)),
])
TEMPLATE_ANNOTATIONS = _specs([
    *((kind, ((*TEMPLATE, "annotations"), True)) for kind in (*WORKLOADS,
                                                               "ReplicationController", "Job")),
    ("CronJob", (("spec", "jobTemplate", "metadata", "annotations"), True)),
    ("CronJob", ((*JOB_TEMPLATE, "annotations"), True)),
])
SCALED = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})


def namespace(resources: Iterable[Res], name: str) -> None:
    for res in resources:
        if not cluster_scoped(res.kind):
            res.meta["namespace"] = name


def _strings(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in value.items()}


def labels(kust: Kustomization, resources: list[Res], notes: Notes) -> None:
    common = kust.data.get("commonLabels")
    if common is not None:
        pairs = _strings(common)
        if pairs is None:
            notes.add(kust.where("commonLabels"), "commonLabels is not a map; not applied")
        elif pairs:
            _label_all(resources, pairs, templates=True, selectors=True)
    entries = kust.data.get("labels")
    if entries is None:
        return
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        pairs = _strings(entry.get("pairs")) if isinstance(entry, dict) else None
        if pairs is None or not isinstance(entry, dict):
            notes.add(kust.where("labels", index), "a labels entry without pairs; not applied")
            continue
        if entry.get("fields"):
            notes.add(kust.where("labels", index), "labels fields (custom paths) are not "
                      "applied; the pairs go where includeSelectors/includeTemplates say")
        selectors = entry.get("includeSelectors") is True
        _label_all(resources, pairs, templates=selectors or entry.get("includeTemplates") is True,
                   selectors=selectors)


def _label_all(resources: Iterable[Res], pairs: Mapping[str, str], templates: bool,
               selectors: bool) -> None:
    for res in resources:
        specs: list[Spec] = [(("metadata", "labels"), True)]
        if templates:
            specs += TEMPLATE_LABELS.get(res.kind, ())
        if selectors:
            specs += SELECTOR_LABELS.get(res.kind, ())
        for path, create in specs:
            _put(res.obj, path, pairs, create, 0)


def common_annotations(kust: Kustomization, resources: list[Res], notes: Notes) -> None:
    given = kust.data.get("commonAnnotations")
    if given is None:
        return
    pairs = _strings(given)
    if pairs is None:
        notes.add(kust.where("commonAnnotations"), "commonAnnotations is not a map; not applied")
        return
    for res in resources:
        for path, create in ((("metadata", "annotations"), True),
                             *TEMPLATE_ANNOTATIONS.get(res.kind, ())):
            _put(res.obj, path, pairs, create, 0)


def _put(node: Any, path: tuple[str, ...], pairs: Mapping[str, str], create: bool,
         depth: int) -> None:
    """Add ``pairs`` to the map at ``path``, walking every element of lists on the way."""
    if depth > MAX_NESTING:
        return
    if isinstance(node, list):
        for element in node:
            _put(element, path, pairs, create, depth + 1)
        return
    if not isinstance(node, dict):
        return
    if not path:
        node.update(pairs)
        return
    head, rest = path[0], path[1:]
    child = node.get(head)
    if child is None:
        if not create:
            return
        child = node[head] = {}
    _put(child, rest, pairs, create, depth + 1)


def replicas(kust: Kustomization, resources: list[Res], notes: Notes) -> None:
    entries = kust.data.get("replicas")
    if entries is None:
        return
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        where = kust.where("replicas", index)
        name = entry.get("name") if isinstance(entry, dict) else None
        count = entry.get("count") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(count, int) or isinstance(count, bool):
            notes.add(where, "a replicas entry without a name and a whole count; not applied")
            continue
        hits = [r for r in resources if r.kind in SCALED and r.name == name]
        if not hits:
            notes.add(where, f"replicas {name}: no Deployment, StatefulSet, ReplicaSet or "
                      "ReplicationController of that name; not applied")
        for res in hits:
            spec = res.obj.get("spec")
            if not isinstance(spec, dict):
                spec = res.obj["spec"] = {}
            spec["replicas"] = count


def images(kust: Kustomization, resources: list[Res], notes: Notes) -> None:
    entries = kust.data.get("images")
    if entries is None:
        return
    rules: list[dict[str, str]] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else [entries]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            notes.add(kust.where("images", index), "an images entry without a name; not "
                      "applied")
            continue
        if entry.get("tagSuffix"):
            notes.add(kust.where("images", index), f"images {entry['name']}: tagSuffix is not "
                      "applied; the image is judged without it")
        rules.append({k: str(v) for k, v in entry.items()
                      if k in ("name", "newName", "newTag", "digest") and v is not None})
    if not rules:
        return
    for res in resources:
        for container in _containers(res.obj, 0):
            image = container.get("image")
            if not isinstance(image, str):
                continue
            for rule in rules:
                if _image_name(image) == rule["name"]:
                    container["image"] = _retag(image, rule)
                    break


def _containers(node: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Every container and init container of an object, at any depth (pod specs of
    workloads, CronJobs and custom kinds alike, as kustomize's images transformer finds)."""
    if depth > MAX_NESTING or not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("containers", "initContainers") and isinstance(value, list):
            yield from (c for c in value if isinstance(c, dict))
        elif isinstance(value, dict):
            yield from _containers(value, depth + 1)
        elif isinstance(value, list):
            for element in value:
                yield from _containers(element, depth + 1)


def _split(image: str) -> tuple[str, str, str]:
    """``name``, ``:tag`` and ``@digest`` of an image reference (either may be "")."""
    name, at, digest = image.partition("@")
    digest = at + digest
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon:], digest
    return name, "", digest


def _image_name(image: str) -> str:
    return _split(image)[0]


def _retag(image: str, rule: Mapping[str, str]) -> str:
    """A newTag or a digest replaces both the tag and the digest the image had; given
    together, both are written."""
    name, tag, digest = _split(image)
    name = rule.get("newName") or name
    if rule.get("newTag") or rule.get("digest"):
        tag = f":{rule['newTag']}" if rule.get("newTag") else ""
        digest = f"@{rule['digest']}" if rule.get("digest") else ""
    return f"{name}{tag}{digest}"
