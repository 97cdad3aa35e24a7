"""Detection and fact collection for the Kubernetes style: files, charts and live clusters."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path

from auditor.checks.kubernetes import appconfig, chartsources, helm, kustomize
from auditor.checks.kubernetes.facts import HelmRelease, KubeFacts, Workload
from auditor.checks.kubernetes.kinds import audited, not_audited
from auditor.checks.kubernetes.loader import (
    ManifestError,
    load_text,
    looks_like_manifests,
    manifest_files,
    read_head,
    walk_manifests,
)
from auditor.checks.kubernetes.objects import DEFAULT_NAMESPACE, Item
from auditor.checks.kubernetes.parallel import load_files
from auditor.checks.kubernetes.topology import workloads
from auditor.model import Detection, Facts, Style, Target, TargetKind
from auditor.text import printable

WAIVE_PREFIX = "auditor.io/waive."


def detect(target: Target) -> Detection | None:
    if target.kind == TargetKind.KUBE:
        where = f"context {target.context}" if target.context else "the current context"
        return Detection(Style.KUBERNETES, 0.95, (f"live cluster ({where})",), None)
    if target.kind == TargetKind.STDIN:
        text = target.stdin_text or ""
        if "apiVersion" in text and "kind" in text:
            app = "superset" if "superset" in text.lower() else None
            return Detection(Style.KUBERNETES, 0.9, ("manifests on standard input",), app)
        return None
    if target.kind != TargetKind.PATH or target.root is None or target.host_tree:
        return None
    root = Path(target.root)
    chart = helm.chart_file(root)
    if chart is not None:
        name, version = helm.chart_identity(chart)
        app = "superset" if "superset" in name.lower() else None
        return Detection(Style.KUBERNETES, 0.9, (f"Helm chart {name} {version} (Chart.yaml)",),
                         app)
    files = manifest_files(root)  # walked once: a directory may hold thousands
    hits, names = looks_like_manifests(root, files=files)
    kustomized = kustomize.describe(root)
    if not hits and kustomized is None:
        return None
    app = None
    for path in files[:20]:
        if "superset" in read_head(path, 200000).lower():
            app = "superset"
            break
    evidence = (f"Kubernetes manifests in {', '.join(names)}",) if names else ()
    return Detection(Style.KUBERNETES, 0.85 if hits > 0 else 0.5,
                     (*evidence, *((kustomized,) if kustomized else ())), app)


def applied_namespace(options: Mapping[str, object]) -> str:
    """Where an object without ``metadata.namespace`` lands: ``--namespace``, else
    ``default`` (kubectl's and Helm's default; a chart is rendered with this same
    namespace as its release namespace, see ``helm.render``)."""
    given = options.get("namespace")
    return given if isinstance(given, str) and given else DEFAULT_NAMESPACE


def collect(target: Target, options: Mapping[str, object]) -> Facts:
    problems: dict[str, str] = {}
    namespace = applied_namespace(options)
    if target.kind == TargetKind.KUBE:
        from auditor.checks.kubernetes import live

        cluster = live.read_cluster(target, options)
        problems.update(cluster.problems)
        return build(cluster.items, "live", problems, releases=cluster.releases,
                     pods=cluster.pods, kinds_missing=cluster.missing,
                     secrets_read=cluster.secrets_read, namespace=namespace)
    if target.kind == TargetKind.STDIN:
        try:
            items = load_text(target.stdin_text or "", "-")
        except ManifestError as exc:
            problems["manifests"] = str(exc)
            items = []
        return build(items, "manifests", problems, namespace=namespace)
    root = Path(target.root or ".")
    chart = helm.chart_file(root)
    if chart is not None:
        rendered = helm.render(chart.parent, options)
        problems.update(rendered.problems)  # what of the chart helm was not given
        if rendered.error:
            problems["manifests"] = rendered.error
            return build([], "chart", problems, namespace=namespace)
        try:
            items = load_text(rendered.text, f"{root.name or 'chart'} (helm template)")
            # Each object located in the template that wrote it (helm's "# Source:").
            items = chartsources.relocate(items, chart.parent, rendered.text)
        except ManifestError as exc:
            problems["manifests"] = str(exc)
            items = []
        return build(items, "chart", problems, namespace=namespace)
    items = []
    base = root if root.is_dir() else root.parent
    # A kustomization's directory holds its build, not objects: what it lists, generates
    # and patches is what ``kubectl apply -k`` applies (see ``kustomize``).
    built = kustomize.build(root, base)
    files, leaving = walk_manifests(root)
    for path in leaving:
        label = path.relative_to(base).as_posix()
        problems[f"file {label}"] = ("a symbolic link that leads out of the audited directory; "
                                     "not read")
    wanted = [(path, path.relative_to(base).as_posix() if path != root else path.name)
              for path in files if built is None or not built.covers(path)]
    for (_, label), loaded in zip(wanted, load_files(wanted), strict=True):
        if isinstance(loaded, ManifestError):
            problems[f"file {label}"] = str(loaded)
        else:
            items.extend(loaded)
    if built is not None:
        items.extend(built.items)
        problems.update(built.problems)
    return build(items, "manifests", problems, namespace=namespace)


def place(items: Iterable[Item], namespace: str, problems: dict[str, str]) -> list[Item]:
    """Each object in the namespace Kubernetes would put it in, under a subject of its own.

    Resolved once here, so every check relates objects through ``Item.namespace`` alone,
    offline and live alike. One object defined twice (two files, two templates of one
    name) is one object once applied, the later replacing the earlier: the definitions
    are named as a problem and each is still audited as written, the later ones under a
    subject that says which (``@file`` when another file holds it, else ``#2``, ``#3``).
    """
    placed = [item if item.applied_namespace == namespace
              else dataclasses.replace(item, applied_namespace=namespace) for item in items]
    _note_mixed(placed, namespace, problems)
    seen: dict[str, list[int]] = {}
    for index, item in enumerate(placed):
        seen.setdefault(item.subject, []).append(index)
    for subject, indexes in seen.items():
        if len(indexes) < 2:
            continue
        paths = [_path(placed[i]) for i in indexes]
        for ordinal, index in enumerate(indexes[1:], start=2):
            path = paths[ordinal - 1]
            alone = path is not None and paths.count(path) == 1
            placed[index] = dataclasses.replace(
                placed[index], copy=f"@{path}" if alone else f"#{ordinal}")
        if not placed[indexes[0]].name or not audited(placed[indexes[0]]):
            continue  # no object (a Kustomize build file) or named as not audited already
        where = ", ".join(_where(placed[i]) for i in indexes)
        problems[f"object {subject}"] = (
            f"defined {len(indexes)} times ({where}): applied together the last replaces the "
            "others; each is audited as written")
    return placed


def _note_mixed(items: list[Item], namespace: str, problems: dict[str, str]) -> None:
    """Say so when objects naming no namespace are related apart from others that name one:
    a verdict such as "no PodDisruptionBudget" then rests on where they are applied."""
    others = sorted({i.declared_namespace for i in items if i.namespace
                     and i.declared_namespace not in ("", namespace)})
    placed = sum(1 for i in items if i.namespace and not i.declared_namespace)
    if others and placed:
        problems["namespaces"] = (
            f"{placed} object(s) name no namespace and are related in namespace {namespace}, "
            f"where they land when applied without another; other objects name "
            f"{', '.join(others[:3])}{' ...' if len(others) > 3 else ''} (give --namespace "
            "for where they are applied)")


def _path(item: Item) -> str | None:
    return item.location.path if item.location else None


def _where(item: Item) -> str:
    return f"{item.location.path}:{item.location.line}" if item.location else "the cluster"


def _runtime_records(
    items: Iterable[Item], problems: dict[str, str],
) -> tuple[tuple[Item, ...], tuple[HelmRelease, ...], tuple[Mapping[str, object], ...]]:
    """Helm release records and controller-owned pods found among objects, as a live
    cluster gives them, so that the same objects read from files audit the same."""
    from auditor.checks.kubernetes.live import owned, release_of, summarize_pod

    kept: list[Item] = []
    releases: list[HelmRelease] = []
    pods: list[Mapping[str, object]] = []
    for item in items:
        # An API server validates what it serves; a file may hold any value anywhere
        # (``conditions: [{type: []}]``, ``version: .inf``): such a record is named, not read.
        where = f" ({item.location.path}:{item.location.line})" if item.location else ""
        if item.kind == "Secret" and item.labels.get("owner") == "helm":
            try:
                release = release_of(item.meta)
            except (TypeError, ValueError, OverflowError) as exc:
                problems[f"object {item.subject}{where}"] = (
                    f"a Helm release record with malformed labels ({type(exc).__name__})")
                continue
            if release:
                releases.append(dataclasses.replace(release, namespace=item.namespace))
            continue
        if item.kind == "Pod":
            try:
                pods.append({**summarize_pod(item.obj), "namespace": item.namespace})
            except (TypeError, ValueError, OverflowError) as exc:
                problems[f"object {item.subject}{where}"] = (
                    f"a pod with a malformed status ({type(exc).__name__}); not counted")
            if owned(item.obj):
                continue  # its controller carries the spec, as in live mode
        kept.append(item)
    releases.sort(key=lambda r: (r.namespace, r.name, r.revision))
    return tuple(kept), tuple(releases), tuple(pods)


def build(
    items: Iterable[Item],
    source: str,
    problems: dict[str, str],
    releases: tuple[HelmRelease, ...] = (),
    pods: tuple[Mapping[str, object], ...] = (),
    kinds_missing: frozenset[str] = frozenset(),
    secrets_read: bool = True,
    namespace: str = DEFAULT_NAMESPACE,
) -> Facts:
    """``namespace``: where objects that name none land (``applied_namespace``)."""
    listed, file_releases, file_pods = _runtime_records(place(items, namespace, problems),
                                                       problems)
    releases = releases or file_releases
    pods = pods or file_pods
    by_kind: dict[str, list[Item]] = {}
    waivers: dict[str, dict[str, str]] = {}
    for item in listed:
        by_kind.setdefault(item.kind, []).append(item)
        for key, reason in item.annotations.items():
            if not isinstance(key, str) or not key.startswith(WAIVE_PREFIX):
                continue  # a YAML key may be null or a number: only text names a waiver
            if isinstance(reason, str) and reason.strip():
                # JSON can carry lone surrogates (``"\ud800"``) that no UTF-8 report holds.
                waivers.setdefault(item.subject, {})[key[len(WAIVE_PREFIX):].upper()] = (
                    printable(reason))
            else:
                problems[f"waiver {item.subject}"] = f"annotation {key} has no reason; ignored"
    found = workloads(listed)
    by_namespace: dict[tuple[str, str], list[Item]] = {}
    for item in listed:
        by_namespace.setdefault((item.kind, item.namespace), []).append(item)
    workloads_by_namespace: dict[str, list[Workload]] = {}
    for workload in found:
        workloads_by_namespace.setdefault(workload.item.namespace, []).append(workload)
    kube = KubeFacts(
        items=listed,
        by_kind={kind: tuple(group) for kind, group in by_kind.items()},
        by_namespace={key: tuple(group) for key, group in by_namespace.items()},
        workloads_by_namespace={ns: tuple(group) for ns, group in workloads_by_namespace.items()},
        workloads=found,
        source=source,
        releases=releases,
        pods=pods,
        kinds_missing=kinds_missing,
        secrets_read=secrets_read,
        namespaces=tuple(sorted({i.namespace for i in listed if i.namespace})),
    )
    values: dict[str, object] = {"kubernetes": kube}
    superset = [w for w in kube.workloads if w.superset]
    app = "superset" if superset else None
    if superset:
        configs, config_problems = appconfig.superset_configs(kube)
        values["superset.configs"] = configs
        values["superset.config"] = configs.items[0][1]
        problems.update(config_problems)
    if not listed and "manifests" not in problems:
        problems["objects"] = "no Kubernetes objects were found"
    problems.update(not_audited(listed))
    return Facts(Style.KUBERNETES, values=values, problems=problems, app=app,
                 waivers=waivers)
