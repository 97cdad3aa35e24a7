"""Kustomize directories audited as ``kubectl apply -k`` would apply them, without kustomize.

A directory holding ``kustomization.yaml`` (``.yml``, ``Kustomization``) is a build: its
objects are the ones its ``resources`` (and the older ``bases``) produce, files and other
kustomizations alike, after its ``components``, generators and transformers; YAML files
lying in its directory that it does not list are not objects. A directory holding several
kustomizations but none of its own has each one that no other includes built, as separate
directories would be.

Applied, in kustomize's order: resources, components, configMapGenerator and
secretGenerator (``kustgen``), patchesStrategicMerge and patches (``kustpatch``),
namespace, commonLabels and labels, commonAnnotations (``kustxform``), patchesJson6902,
replicas, images. Named and not applied: namePrefix and nameSuffix (the objects keep the
names their files give: kustomize renames them and their references alike, so the
relations between them are the same), vars, replacements, plugins (generators,
transformers, validators), helmCharts, configurations and openapi; remote resources are
not fetched. Generated names keep no content hash (references use the plain name).

Bounds: 20 levels of kustomizations, 200 builds, 200 kustomization files found, 20 roots,
20,000 objects, and the file budget of ``kustread``; nothing outside the audited directory
is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.checks.kubernetes import kustgen, kustxform
from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustpatch import PatchError, Selector, json6902, strategic_merge
from auditor.checks.kubernetes.kustread import (
    KUSTOMIZATION_FILES,
    Kustomization,
    Notes,
    Refused,
    TooDeep,
    Tree,
    clone,
    kustomization_file,
    parse,
    shown,
    under,
)
from auditor.checks.kubernetes.loader import SKIP_DIRS, ManifestError, documents, read_head
from auditor.checks.kubernetes.objects import Item, flatten
from auditor.model import Location

UNKNOWN_DATA = "x-auditor-unknown-data"
"""Set on a generated ConfigMap or Secret whose sources are partly missing: why its data
is partly unknown (``data_unknown``). No Kubernetes object has such a field."""
MAX_DEPTH = 20
MAX_BUILDS = 200
MAX_FOUND = 200
MAX_ROOTS = 20
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


@dataclass(frozen=True)
class Built:
    """What the kustomizations of a directory make."""

    items: tuple[Item, ...]
    problems: dict[str, str]
    roots: tuple[str, ...]
    """Labels of the kustomization directories built."""
    directories: tuple[str, ...]
    """Every kustomization directory found (normalised): files below one belong to it."""

    def covers(self, path: Path) -> bool:
        text = os.path.normpath(path)
        return any(text == d or text.startswith(d.rstrip(os.sep) + os.sep)
                   for d in self.directories)


def data_unknown(item: Item) -> str:
    """Why some of a generated object's data is unknown ("" when all of it is known)."""
    reason = item.obj.get(UNKNOWN_DATA)
    return reason if isinstance(reason, str) else ""


def _tree_root(root: Path) -> Path | None:
    if root.is_dir():
        return root
    return root.parent if root.name in KUSTOMIZATION_FILES else None


def find(root: Path, notes: Notes | None = None) -> list[Path]:
    """Directories holding a kustomization file, the audited one first (bounded)."""
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if any(name in files for name in KUSTOMIZATION_FILES):
            if len(found) >= MAX_FOUND:
                if notes is not None:
                    notes.add(Path(directory).name, f"more than {MAX_FOUND} kustomizations "
                              "in the audited directory; the others are not read")
                break
            found.append(Path(os.path.normpath(directory)))
    return found


def describe(root: Path) -> str | None:
    """Detection evidence: the kustomizations that would be built, or None."""
    tree_root = _tree_root(root)
    if tree_root is None:
        return None
    tree = Tree(tree_root, tree_root)
    builder = _Builder(tree, Notes())
    found = [d for d in find(tree_root) if builder.is_build(d)]
    roots = builder.roots(tree_root, found)
    if not roots:
        return None
    names = [kust.label if (kust := builder.kustomization(r)) else tree.label(r)
             for r in roots[:3]]
    more = " ..." if len(roots) > 3 else ""
    return f"Kustomize builds {', '.join(names)}{more} (as kubectl apply -k would apply them)"


def build(root: Path, base: Path) -> Built | None:
    """The objects the kustomizations under ``root`` make, or None when there is none."""
    tree_root = _tree_root(root)
    if tree_root is None:
        return None
    notes = Notes()
    tree = Tree(tree_root, base)
    builder = _Builder(tree, notes)
    found = [d for d in find(tree_root, notes) if builder.is_build(d)]
    if not found:
        return None
    roots = builder.roots(tree_root, found)
    items: list[Item] = []
    made: dict[str, list[tuple[str, str, str]]] = {}
    for directory in roots:
        try:
            resources = builder.build(directory)
        except (TooDeep, RecursionError):
            notes.add(tree.label(directory), "nested too deeply to build; not audited")
            continue
        label = tree.label(directory)
        made[label] = [(r.kind, r.namespace, r.name) for r in resources]
        items.extend(_item(res) for res in resources)
    _note_shared(made, notes)
    _note_unlisted(tree, found, builder, notes)
    return Built(tuple(items), notes.problems,
                 tuple(tree.label(r) for r in roots), tuple(str(d) for d in found))


def _item(res: Res) -> Item:
    if res.unknown:
        res.obj[UNKNOWN_DATA] = res.unknown
    return Item(res.obj, res.location)


def _note_shared(made: dict[str, list[tuple[str, str, str]]], notes: Notes) -> None:
    """Roots built side by side that make the same object: they are related as if all
    were applied together, which overlays of one base (dev, prod) are not."""
    owners: dict[tuple[str, str, str], list[str]] = {}
    for label, ids in made.items():
        for identity in set(ids):
            owners.setdefault(identity, []).append(label)
    shared = sorted({tuple(labels) for labels in owners.values() if len(labels) > 1})
    for labels in shared[:3]:
        notes.add(labels[0], f"kustomizations {', '.join(labels)} make the same objects: they "
                  "are audited together as if all were applied (audit each directory on its "
                  "own for its own verdicts)")


def _note_unlisted(tree: Tree, found: list[Path], builder: _Builder, notes: Notes) -> None:
    """Manifests lying in a built kustomization's directory that it does not list."""
    for directory in builder.built:
        nested = [d for d in found if d != directory and _below(d, directory)]
        unlisted: list[str] = []
        for current, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                             and not any(_below(Path(current) / d, n) for n in nested))
            for name in sorted(files):
                path = Path(os.path.normpath(Path(current) / name))
                if (not name.endswith((".yaml", ".yml", ".json")) or name in KUSTOMIZATION_FILES
                        or str(path) in tree.used):
                    continue
                head = read_head(path, 65536)
                if "apiVersion" in head and "kind" in head:
                    unlisted.append(tree.label(path))
        if unlisted:
            kust = builder.cache.get(str(directory))
            where = kust.label if kust else tree.label(directory)
            shown = ", ".join(unlisted[:3]) + (" ..." if len(unlisted) > 3 else "")
            notes.add(where, f"{len(unlisted)} manifest file(s) in its directory that it does "
                      f"not list are not audited (not applied by kubectl apply -k): {shown}")


def _below(path: Path, directory: Path) -> bool:
    text, top = os.path.normpath(path), os.path.normpath(directory)
    return text == top or text.startswith(top.rstrip(os.sep) + os.sep)


class _Builder:
    """One audit's builds: kustomization files parsed once, budgets shared."""

    def __init__(self, tree: Tree, notes: Notes) -> None:
        self.tree = tree
        self.notes = notes
        self.cache: dict[str, Kustomization | None] = {}
        self.built: list[Path] = []
        self.builds = 0
        self.objects = 0

    # --- which directories are built ---------------------------------------------------

    def roots(self, tree_root: Path, found: list[Path]) -> list[Path]:
        top = Path(os.path.normpath(tree_root))
        if top in found:
            others = [d for d in found if d != top and not self._included(d, found)]
            if others:
                self.notes.add(self.tree.label(others[0]), f"{len(others)} kustomization(s) "
                               "that the audited directory's kustomization does not include "
                               "are not audited: " + ", ".join(self.tree.label(d)
                                                               for d in others[:3]))
            return [top]
        roots = [d for d in found if not self._included(d, found)]
        components = [d for d in roots if (k := self.kustomization(d)) and k.component]
        for directory in components:
            self.notes.add(self.tree.label(directory), "a Component no kustomization uses; "
                           "not audited")
        roots = [d for d in roots if d not in components and self.cache.get(str(d))]
        if len(roots) > MAX_ROOTS:
            self.notes.add(self.tree.label(roots[MAX_ROOTS]), f"more than {MAX_ROOTS} "
                           "kustomizations to build; the others are not audited")
        return roots[:MAX_ROOTS]

    def _included(self, directory: Path, found: list[Path]) -> bool:
        for other in found:
            kust = self.kustomization(other)
            if other == directory or kust is None:
                continue
            for field in ("resources", "bases", "components"):
                entries = kust.data.get(field)
                for entry in entries if isinstance(entries, list) else []:
                    if isinstance(entry, str) and not os.path.isabs(entry) and Path(
                            os.path.normpath(other / entry)) == directory:
                        return True
        return False

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

    def _entries(self, kust: Kustomization, *fields: str) -> Iterable[tuple[str, str, int]]:
        for field in fields:
            entries = kust.data.get(field)
            if entries is None:
                continue
            if not isinstance(entries, list):
                self.notes.add(kust.where(field), f"{field} is not a list; not read")
                continue
            for index, entry in enumerate(entries):
                if isinstance(entry, str) and entry:
                    yield entry, field, index
                else:
                    self.notes.add(kust.where(field, index), f"a {field} entry that is not a "
                                   "path; not read")

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
        for entry, field, index in self._entries(kust, "resources", "bases"):
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
        for entry, _, index in self._entries(kust, "components"):
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

    # --- transformers -----------------------------------------------------------------------

    def _transform(self, kust: Kustomization, acc: list[Res]) -> None:
        self._strategic(kust, acc)
        self._patches(kust, acc)
        name = kust.data.get("namespace")
        if isinstance(name, str) and name:
            kustxform.namespace(acc, name)
        elif name:
            self.notes.add(kust.where("namespace"), "namespace is not a string; not applied")
        kustxform.labels(kust, acc, self.notes)
        kustxform.common_annotations(kust, acc, self.notes)
        self._json6902(kust, acc)
        kustxform.replicas(kust, acc, self.notes)
        kustxform.images(kust, acc, self.notes)

    def _content(self, kust: Kustomization, entry: dict[str, Any], where: str) -> list[Any]:
        """The documents of a patch given inline (``patch``) or as a file (``path``)."""
        inline, path_entry = entry.get("patch"), entry.get("path")
        if isinstance(inline, str) and inline.strip():
            text, label = inline, f"{where} (inline patch)"
        elif isinstance(path_entry, str) and path_entry:
            path = self.tree.resolve(kust.directory, path_entry)
            if not under(kust.directory, path_entry):
                raise Refused(f"{shown(path_entry)} lies outside the kustomization's directory: "
                              "kustomize refuses to load it (its default load restrictor); "
                              "not read")
            text, label = self.tree.read_text(path), self.tree.label(path)
        else:
            raise Refused("a patch with neither patch nor path; not applied")
        try:
            return [doc for doc, _ in documents(text, label) if doc is not None]
        except ManifestError as exc:
            raise Refused(str(exc)) from None

    def _strategic(self, kust: Kustomization, acc: list[Res]) -> None:
        for entry, _, index in self._entries(kust, "patchesStrategicMerge"):
            where = kust.where("patchesStrategicMerge", index)
            inline = "\n" in entry or entry.lstrip().startswith(("apiVersion", "kind"))
            try:
                docs = self._content(kust, {"patch": entry} if inline else {"path": entry},
                                     where)
            except Refused as exc:
                self.notes.add(where, f"patch {exc}")
                continue
            for doc in docs:
                self._smp(doc, None, acc, where)

    def _patches(self, kust: Kustomization, acc: list[Res]) -> None:
        entries = kust.data.get("patches")
        if entries is not None and not isinstance(entries, list):
            self.notes.add(kust.where("patches"), "patches is not a list; not applied")
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            where = kust.where("patches", index)
            if not isinstance(entry, dict):
                self.notes.add(where, "a patches entry that is not a map; not applied")
                continue
            options = entry.get("options")
            if isinstance(options, dict) and any(options.get(k) for k in (
                    "allowNameChange", "allowKindChange")):
                self.notes.add(where, "patch options allowNameChange/allowKindChange are not "
                               "applied: the objects keep their names and kinds")
            try:
                docs = self._content(kust, entry, where)
            except Refused as exc:
                self.notes.add(where, f"patch {exc}")
                continue
            target = entry.get("target")
            if len(docs) == 1 and isinstance(docs[0], list):
                self._json(docs[0], target, acc, where)
                continue
            for doc in docs:
                self._smp(doc, target, acc, where)

    def _json6902(self, kust: Kustomization, acc: list[Res]) -> None:
        entries = kust.data.get("patchesJson6902")
        if entries is not None and not isinstance(entries, list):
            self.notes.add(kust.where("patchesJson6902"), "patchesJson6902 is not a list; not "
                           "applied")
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            where = kust.where("patchesJson6902", index)
            if not isinstance(entry, dict):
                self.notes.add(where, "a patchesJson6902 entry that is not a map; not applied")
                continue
            try:
                docs = self._content(kust, entry, where)
            except Refused as exc:
                self.notes.add(where, f"patch {exc}")
                continue
            if len(docs) != 1 or not isinstance(docs[0], list):
                self.notes.add(where, "a patchesJson6902 patch that is not a list of "
                               "operations; not applied")
                continue
            self._json(docs[0], entry.get("target"), acc, where)

    def _select(self, target: object, where: str, acc: list[Res]) -> list[Res] | None:
        if not isinstance(target, dict):
            self.notes.add(where, "a JSON patch without a target; not applied")
            return None
        try:
            selector = Selector(target)
        except PatchError as exc:
            self.notes.add(where, f"patch not applied: {exc}")
            return None
        hits = [res for res in acc if selector.matches(res)]
        if not hits:
            self.notes.add(where, f"patch target {_target_text(target)} matches no object; "
                           "not applied")
        return hits

    def _json(self, operations: list[Any], target: object, acc: list[Res], where: str) -> None:
        for res in self._select(target, where, acc) or []:
            try:
                json6902(res, operations)
            except (PatchError, TooDeep) as exc:
                self.notes.add(where, f"JSON patch not applied to {res.kind} {res.name}: "
                               f"{exc or 'nested too deeply'}")

    def _smp(self, patch: object, target: object, acc: list[Res], where: str) -> None:
        if not isinstance(patch, dict):
            self.notes.add(where, "a strategic merge patch that is not a map; not applied")
            return
        if target is not None:
            hits = self._select(target, where, acc)
            if hits is None:
                return
        else:
            hits = [res for res in acc if _identified(res, patch)]
            if not hits:
                self.notes.add(where, f"patch for {patch.get('kind') or '?'} "
                               f"{_name_of(patch) or '?'} matches no object (kustomize "
                               "refuses it); not applied")
        for res in hits:
            try:
                kept = strategic_merge(res, patch)
            except (PatchError, TooDeep) as exc:
                self.notes.add(where, f"patch not applied to {res.kind} {res.name}: "
                               f"{exc or 'nested too deeply'}")
                continue
            if not kept:
                acc.remove(res)


def _name_of(patch: dict[str, Any]) -> str:
    meta = patch.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


def _identified(res: Res, patch: dict[str, Any]) -> bool:
    """Whether a patch without a target names this object: kind, name, the API group
    when the patch gives one, the namespace when it gives one."""
    meta = patch.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    if patch.get("kind") != res.kind or str(meta.get("name") or "") != res.name:
        return False
    api = patch.get("apiVersion")
    if isinstance(api, str) and api:
        group = api.rpartition("/")[0]
        if group != str(res.obj.get("apiVersion") or "").rpartition("/")[0]:
            return False
    namespace = meta.get("namespace")
    return not namespace or namespace == res.namespace


def _target_text(target: dict[str, Any]) -> str:
    parts = [f"{k}={str(v)[:60]}" for k, v in target.items()
             if k in ("group", "version", "kind", "name", "namespace", "labelSelector",
                      "annotationSelector") and v]
    return "(" + ", ".join(parts) + ")"
