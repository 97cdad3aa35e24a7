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

This module finds what is built (the kustomization directories under the target and which
of them are roots) and names what a build leaves aside; ``kustbuild`` builds one.

Bounds: 20 levels of kustomizations, 200 builds, 200 kustomization files found, 20 roots,
20,000 objects, and the file budget of ``kustread``. Kustomizations are looked for in the
audited directory only; what they list may lie above it inside the enclosing git
repository (``overlays/prod`` listing ``../../base``), never beyond it, nor above the
audited directory when no repository encloses it (``kustread``, the rule Compose follows).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from auditor.checks.kubernetes.kustbuild import Builder
from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustread import KUSTOMIZATION_FILES, Notes, TooDeep, Tree, within
from auditor.checks.kubernetes.loader import SKIP_DIRS, read_head
from auditor.checks.kubernetes.objects import Item

UNKNOWN_DATA = "x-auditor-unknown-data"
"""Set on a generated ConfigMap or Secret whose sources are partly missing: why its data
is partly unknown (``data_unknown``). No Kubernetes object has such a field."""
MAX_FOUND = 200
MAX_ROOTS = 20


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
        return any(within(path, d) for d in self.directories)


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
    tree = Tree.for_target(tree_root)
    builder = Builder(tree, Notes())
    found = [d for d in find(tree_root) if builder.is_build(d)]
    roots = _roots(builder, tree_root, found)
    if not roots:
        return None
    names = [kust.label if (kust := builder.kustomization(r)) else tree.label(r)
             for r in roots[:3]]
    more = " ..." if len(roots) > 3 else ""
    return f"Kustomize builds {', '.join(names)}{more} (as kubectl apply -k would apply them)"


def build(root: Path, base: Path) -> Built | None:
    """The objects the kustomizations under ``root`` make, or None when there is none;
    locations and problems name files relative to ``base``."""
    tree_root = _tree_root(root)
    if tree_root is None:
        return None
    notes = Notes()
    tree = Tree.for_target(tree_root, base)
    builder = Builder(tree, notes)
    found = [d for d in find(tree_root, notes) if builder.is_build(d)]
    if not found:
        return None
    roots = _roots(builder, tree_root, found)
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
    _note_unlisted(tree, tree_root, found, builder, notes)
    return Built(tuple(items), notes.problems,
                 tuple(tree.label(r) for r in roots), tuple(str(d) for d in found))


def _item(res: Res) -> Item:
    if res.unknown:
        res.obj[UNKNOWN_DATA] = res.unknown
    return Item(res.obj, res.location)


# --- which directories are built --------------------------------------------------------


def _roots(builder: Builder, tree_root: Path, found: list[Path]) -> list[Path]:
    """The audited directory's own kustomization, else every one no other includes."""
    notes, tree = builder.notes, builder.tree
    top = Path(os.path.normpath(tree_root))
    if top in found:
        others = [d for d in found if d != top and not _included(builder, d, found)]
        if others:
            notes.add(tree.label(others[0]), f"{len(others)} kustomization(s) that the "
                      "audited directory's kustomization does not include are not audited: "
                      + ", ".join(tree.label(d) for d in others[:3]))
        return [top]
    roots = [d for d in found if not _included(builder, d, found)]
    components = [d for d in roots if (k := builder.kustomization(d)) and k.component]
    for directory in components:
        notes.add(tree.label(directory), "a Component no kustomization uses; not audited")
    roots = [d for d in roots if d not in components and builder.cache.get(str(d))]
    if len(roots) > MAX_ROOTS:
        notes.add(tree.label(roots[MAX_ROOTS]), f"more than {MAX_ROOTS} kustomizations to "
                  "build; the others are not audited")
    return roots[:MAX_ROOTS]


def _included(builder: Builder, directory: Path, found: list[Path]) -> bool:
    for other in found:
        kust = builder.kustomization(other)
        if other == directory or kust is None:
            continue
        for field in ("resources", "bases", "components"):
            entries = kust.data.get(field)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, str) and not os.path.isabs(entry) and Path(
                        os.path.normpath(other / entry)) == directory:
                    return True
    return False


# --- what the builds leave aside ----------------------------------------------------------


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


def _note_unlisted(tree: Tree, tree_root: Path, found: list[Path], builder: Builder,
                   notes: Notes) -> None:
    """Manifests lying in a built kustomization's directory that it does not list. Only
    directories in the audited one are looked through: above it (a base in the enclosing
    repository) only what a kustomization names is read, and a file whose link leaves the
    tree is not opened."""
    for directory in builder.built:
        if not within(directory, tree_root):
            continue
        nested = [d for d in found if d != directory and within(d, directory)]
        unlisted: list[str] = []
        for current, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                             and not any(within(Path(current) / d, n) for n in nested))
            for name in sorted(files):
                path = Path(os.path.normpath(Path(current) / name))
                if (not name.endswith((".yaml", ".yml", ".json")) or name in KUSTOMIZATION_FILES
                        or str(path) in tree.used or not tree.inside(path)):
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
