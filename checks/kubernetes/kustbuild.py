"""One kustomization built as kustomize builds it: resources, then components, generators
and transformers, recursively through the kustomizations it lists (``kustomize`` says
which directories are built and what is named but not applied).

Every kustomization file is parsed once per audit, and the budgets (builds, objects, the
file budget of ``kustread``) are shared by all the builds of one audit.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditor.checks.kubernetes import kustapply, kustgen, kustxform
from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustread import (
    Kustomization,
    Notes,
    Refused,
    TooDeep,
    Tree,
    clone,
    entries,
    kustomization_file,
    parse,
    shown,
    under,
)
from auditor.checks.kubernetes.loader import ManifestError, documents
from auditor.checks.kubernetes.objects import flatten
from auditor.model import Location

MAX_DEPTH = 20
MAX_BUILDS = 200
MAX_OBJECTS = 20_000

HANDLED = frozenset({
    "apiVersion", "kind", "metadata", "resources", "bases", "components", "namespace",
    "commonLabels", "labels", "commonAnnotations", "images", "replicas", "configMapGenerator",
    "secretGenerator", "generatorOptions", "patches", "patchesStrategicMerge",
    "patchesJson6902",
    # No bearing on the objects' fields the checks read.
    "crds", "sortOptions", "buildMetadata",
})
NOT_APPLIED = {
    "namePrefix": "the objects keep the names their files give (kustomize renames them and "
                  "their references alike)",
    "nameSuffix": "the objects keep the names their files give (kustomize renames them and "
                  "their references alike)",
    "vars": "$(VAR) references are left as written",
    "replacements": "fields are left as written",
    "generators": "plugins are not run; the objects they make are not audited",
    "transformers": "plugins are not run; what they change is not seen",
    "validators": "plugins are not run",
    "helmCharts": "charts are not rendered (kubectl apply -k does not enable Helm); their "
                  "objects are not audited",
    "helmChartInflationGenerator": "charts are not rendered; their objects are not audited",
    "configurations": "custom transformer configurations are not read",
    "openapi": "custom schemas are not read; lists of custom kinds merge by their keys",
}
BUILD_APIS = ("kustomize.config.k8s.io/",)


class Builder:
    """One audit's builds: kustomization files parsed once, budgets shared."""

    def __init__(self, tree: Tree, notes: Notes) -> None:
        self.tree = tree
        self.notes = notes
        self.cache: dict[str, Kustomization | None] = {}
        self.built: list[Path] = []
        self.builds = 0
        self.objects = 0

    # --- kustomization files ----------------------------------------------------------------

    def is_build(self, directory: Path) -> bool:
        """Whether the directory's kustomization file is kustomize's (a Flux
        ``Kustomization`` object kept in a file of that name is an object, read as one);
        one that cannot be read still makes its directory a build, named."""
        kust = self.kustomization(directory)
        api = kust.data.get("apiVersion") if kust is not None else None
        return not isinstance(api, str) or not api or api.startswith(BUILD_APIS)

    def kustomization(self, directory: Path) -> Kustomization | None:
        key = str(directory)
        if key in self.cache:
            return self.cache[key]
        kust = None
        path, others = kustomization_file(directory)
        if path is not None:
            if others:
                self.notes.add(self.tree.label(path), f"the directory also holds "
                               f"{', '.join(others)} (kustomize refuses several); "
                               f"{path.name} is read")
            try:
                kust = parse(self.tree, path)
            except Refused as exc:
                self.notes.add(self.tree.label(path), f"not read: {exc}")
        self.cache[key] = kust
        return kust

    # --- one build ------------------------------------------------------------------------

    def build(self, directory: Path) -> list[Res]:
        kust = self.kustomization(Path(os.path.normpath(directory)))
        if kust is None:
            return []
        return self._run(kust, [], (os.path.realpath(directory),))

    def _run(self, kust: Kustomization, acc: list[Res], stack: tuple[str, ...]) -> list[Res]:
        self.builds += 1
        if self.builds > MAX_BUILDS:
            if self.builds == MAX_BUILDS + 1:
                self.notes.add(kust.label, f"more than {MAX_BUILDS} kustomization builds; the "
                               "others are not audited")
            return acc
        if kust.directory not in self.built:
            self.built.append(kust.directory)
        self._fields(kust)
        self._resources(kust, acc, stack)
        self._components(kust, acc, stack)
        kustgen.generate(kust, self.tree, acc, self.notes)
        self._transform(kust, acc)
        return acc

    def _fields(self, kust: Kustomization) -> None:
        for field in kust.data:
            if field in NOT_APPLIED and kust.data[field]:
                self.notes.add(kust.where(str(field)), f"{field} is not applied: "
                               f"{NOT_APPLIED[field]}")
            elif field not in HANDLED and field not in NOT_APPLIED:
                self.notes.add(kust.where(str(field)), f"field {str(field)[:60]!r} is not a "
                               "kustomization field the auditor applies")

    def _directory(self, kust: Kustomization, entry: str, where: str,
                   stack: tuple[str, ...]) -> Kustomization | None:
        """The kustomization a directory entry names, or None (named)."""
        path = self.tree.resolve(kust.directory, entry)
        real = os.path.realpath(path)
        if real in stack:
            self.notes.add(where, f"{shown(entry)} includes itself (a cycle kustomize "
                           "refuses); not read again")
            return None
        if len(stack) >= MAX_DEPTH:
            self.notes.add(where, f"{shown(entry)}: kustomizations nested more than "
                           f"{MAX_DEPTH} deep; not read")
            return None
        if kustomization_file(path)[0] is None or not self.is_build(path):
            self.notes.add(where, f"{shown(entry)} is a directory without a kustomization file "
                           "(kustomize refuses it); not read")
            return None
        return self.kustomization(path)

    def _resources(self, kust: Kustomization, acc: list[Res], stack: tuple[str, ...]) -> None:
        for entry, field, index in entries(kust, self.notes, "resources", "bases"):
            where = kust.where(field, index)
            try:
                path = self.tree.resolve(kust.directory, entry)
                if path.is_dir():
                    child = self._directory(kust, entry, where, stack)
                    if child is None:
                        continue
                    if child.component:
                        self.notes.add(where, f"{shown(entry)} is a Component listed as a resource "
                                       "(kustomize refuses it: list it under components); "
                                       "not read")
                        continue
                    acc.extend(self._run(child, [], (*stack, os.path.realpath(path))))
                    continue
                if not under(kust.directory, entry):
                    raise Refused(f"{shown(entry)} lies outside the kustomization's directory: "
                                  "kustomize refuses to load it (its default load "
                                  "restrictor); not read")
                acc.extend(self._load(path, where))
            except Refused as exc:
                self.notes.add(where, f"resource {exc}")

    def _components(self, kust: Kustomization, acc: list[Res], stack: tuple[str, ...]) -> None:
        for entry, _, index in entries(kust, self.notes, "components"):
            where = kust.where("components", index)
            try:
                component = self._directory(kust, entry, where, stack)
            except Refused as exc:
                self.notes.add(where, f"component {exc}")
                continue
            if component is None:
                continue
            if not component.component:
                self.notes.add(where, f"{shown(entry)} is not a Component (kind Component); "
                               "applied as one")
            # A component adds its resources and applies its generators and patches to
            # everything accumulated so far, in place.
            self._run(component, acc, (*stack, os.path.realpath(component.directory)))

    def _load(self, path: Path, where: str) -> list[Res]:
        label = self.tree.label(path)
        text = self.tree.read_text(path)
        try:
            items = list(flatten(documents(text, label)))
        except ManifestError as exc:
            raise Refused(str(exc)) from None
        found: list[Res] = []
        for item in items:
            if str(item.obj.get("apiVersion") or "").startswith(BUILD_APIS):
                self.notes.add(where, f"{label} holds a {item.kind} as a resource (kustomize "
                               "refuses it); not read")
                continue
            if self.objects >= MAX_OBJECTS:
                self.notes.add(where, f"more than {MAX_OBJECTS} objects; the others are not "
                               "audited")
                break
            try:
                found.append(Res(clone(item.obj), item.location or Location(label, 1)))
            except TooDeep:
                self.notes.add(where, f"{label}: an object nested too deeply; not read")
                continue
            self.objects += 1
        return found

    # --- transformers, in kustomize's order -------------------------------------------------

    def _transform(self, kust: Kustomization, acc: list[Res]) -> None:
        kustapply.strategic(kust, acc, self.tree, self.notes)
        kustapply.patches(kust, acc, self.tree, self.notes)
        name = kust.data.get("namespace")
        if isinstance(name, str) and name:
            kustxform.namespace(acc, name)
        elif name:
            self.notes.add(kust.where("namespace"), "namespace is not a string; not applied")
        kustxform.labels(kust, acc, self.notes)
        kustxform.common_annotations(kust, acc, self.notes)
        kustapply.json_patches(kust, acc, self.tree, self.notes)
        kustxform.replicas(kust, acc, self.notes)
        kustxform.images(kust, acc, self.notes)
