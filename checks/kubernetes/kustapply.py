"""A kustomization's patch fields applied to the objects of its build, in kustomize's terms.

``patchesStrategicMerge`` (a file, or an inline patch as older kustomizations write them),
``patches`` (a file or inline patch, strategic merge or JSON 6902, with or without a
``target``) and ``patchesJson6902`` (always with a target). Patch files are read through
the audited tree and kustomize's load restrictor (in or below the kustomization's own
directory); the merge and pointer rules themselves are ``kustpatch``'s. A patch that
cannot apply is named, never guessed at.
"""

from __future__ import annotations

from typing import Any

from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustpatch import PatchError, Selector, json6902, strategic_merge
from auditor.checks.kubernetes.kustread import (
    Kustomization,
    Notes,
    Refused,
    TooDeep,
    Tree,
    entries,
    map_entries,
    shown,
    under,
)
from auditor.checks.kubernetes.loader import ManifestError, documents


def strategic(kust: Kustomization, acc: list[Res], tree: Tree, notes: Notes) -> None:
    """``patchesStrategicMerge``: each entry a file, or a patch written inline."""
    for entry, _, index in entries(kust, notes, "patchesStrategicMerge"):
        where = kust.where("patchesStrategicMerge", index)
        inline = "\n" in entry or entry.lstrip().startswith(("apiVersion", "kind"))
        try:
            docs = _content(kust, {"patch": entry} if inline else {"path": entry}, where, tree)
        except Refused as exc:
            notes.add(where, f"patch {exc}")
            continue
        for doc in docs:
            _smp(doc, None, acc, where, notes)


def patches(kust: Kustomization, acc: list[Res], tree: Tree, notes: Notes) -> None:
    """``patches``: a JSON 6902 list of operations or strategic merge documents."""
    for entry, index in map_entries(kust, notes, "patches"):
        where = kust.where("patches", index)
        options = entry.get("options")
        if isinstance(options, dict) and any(options.get(k) for k in (
                "allowNameChange", "allowKindChange")):
            notes.add(where, "patch options allowNameChange/allowKindChange are not "
                      "applied: the objects keep their names and kinds")
        try:
            docs = _content(kust, entry, where, tree)
        except Refused as exc:
            notes.add(where, f"patch {exc}")
            continue
        target = entry.get("target")
        if len(docs) == 1 and isinstance(docs[0], list):
            _json(docs[0], target, acc, where, notes)
            continue
        for doc in docs:
            _smp(doc, target, acc, where, notes)


def json_patches(kust: Kustomization, acc: list[Res], tree: Tree, notes: Notes) -> None:
    """``patchesJson6902``: a target and a list of operations."""
    for entry, index in map_entries(kust, notes, "patchesJson6902"):
        where = kust.where("patchesJson6902", index)
        try:
            docs = _content(kust, entry, where, tree)
        except Refused as exc:
            notes.add(where, f"patch {exc}")
            continue
        if len(docs) != 1 or not isinstance(docs[0], list):
            notes.add(where, "a patchesJson6902 patch that is not a list of "
                      "operations; not applied")
            continue
        _json(docs[0], entry.get("target"), acc, where, notes)


def _content(kust: Kustomization, entry: dict[str, Any], where: str, tree: Tree) -> list[Any]:
    """The documents of a patch given inline (``patch``) or as a file (``path``)."""
    inline, path_entry = entry.get("patch"), entry.get("path")
    if isinstance(inline, str) and inline.strip():
        text, label = inline, f"{where} (inline patch)"
    elif isinstance(path_entry, str) and path_entry:
        path = tree.resolve(kust.directory, path_entry)
        if not under(kust.directory, path_entry):
            raise Refused(f"{shown(path_entry)} lies outside the kustomization's directory: "
                          "kustomize refuses to load it (its default load restrictor); "
                          "not read")
        text, label = tree.read_text(path), tree.label(path)
    else:
        raise Refused("a patch with neither patch nor path; not applied")
    try:
        return [doc for doc, _ in documents(text, label) if doc is not None]
    except ManifestError as exc:
        raise Refused(str(exc)) from None


def _select(target: object, where: str, acc: list[Res], notes: Notes) -> list[Res] | None:
    if not isinstance(target, dict):
        notes.add(where, "a JSON patch without a target; not applied")
        return None
    try:
        selector = Selector(target)
    except PatchError as exc:
        notes.add(where, f"patch not applied: {exc}")
        return None
    hits = [res for res in acc if selector.matches(res)]
    if not hits:
        notes.add(where, f"patch target {_target_text(target)} matches no object; "
                  "not applied")
    return hits


def _json(operations: list[Any], target: object, acc: list[Res], where: str,
          notes: Notes) -> None:
    for res in _select(target, where, acc, notes) or []:
        try:
            json6902(res, operations)
        except (PatchError, TooDeep) as exc:
            notes.add(where, f"JSON patch not applied to {res.kind} {res.name}: "
                      f"{str(exc) or 'nested too deeply'}")


def _smp(patch: object, target: object, acc: list[Res], where: str, notes: Notes) -> None:
    if not isinstance(patch, dict):
        notes.add(where, "a strategic merge patch that is not a map; not applied")
        return
    if target is not None:
        hits = _select(target, where, acc, notes)
        if hits is None:
            return
    else:
        hits = [res for res in acc if _identified(res, patch)]
        if not hits:
            notes.add(where, f"patch for {patch.get('kind') or '?'} "
                      f"{_name_of(patch) or '?'} matches no object (kustomize "
                      "refuses it); not applied")
    for res in hits:
        try:
            kept = strategic_merge(res, patch)
        except (PatchError, TooDeep) as exc:
            notes.add(where, f"patch not applied to {res.kind} {res.name}: "
                      f"{str(exc) or 'nested too deeply'}")
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
