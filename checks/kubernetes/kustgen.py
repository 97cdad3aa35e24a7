"""kustomize's configMapGenerator and secretGenerator, without running kustomize.

Each entry makes one ConfigMap or Secret from ``files`` (the key is the file's name, or
``key=path``), ``envs`` (and the older single ``env``: ``KEY=value`` lines, ``#`` comments,
values kept as written, quotes included, as kustomize keeps them) and ``literals``
(``KEY=value``, surrounding quotes removed). ``behavior: merge`` or ``replace`` changes a
ConfigMap or Secret of the same name the resources hold. ``options`` and
``generatorOptions`` add labels and annotations (and ``immutable``).

kustomize appends a hash of the contents to a generated name and rewrites every reference
to it in the same build; the references in the input use the plain name, so the object
keeps its plain name here and relates to them exactly as after the rewrite.

A source that is not in the audited files (an env file kept out of version control, as
NeatPlus keeps ``superset.env``) still makes the object, with contents that are partly
unknown: ``Res.unknown`` says why, and every setting read from it is unknown, never unset.
Values are held in memory only and never named in a problem.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.checks.kubernetes.kustread import (
    MAX_SOURCE_BYTES,
    Kustomization,
    Missing,
    Notes,
    Refused,
    Tree,
    map_entries,
    shown,
    under,
)
from auditor.model import Location

ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
"""A key kustomize accepts from an env file (Kubernetes' environment variable names)."""
DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
"""A key a ConfigMap or Secret may hold."""


@dataclass
class Res:
    """One object of a build, changed in place by generators and transformers."""

    obj: dict[str, Any]
    location: Location
    unknown: str = ""
    """Why part of its data is unknown ("" when all of it is known)."""

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def meta(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        if not isinstance(meta, dict):
            meta = self.obj["metadata"] = {}
        return meta

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.meta.get("namespace") or "")


@dataclass
class _Source:
    """What one generator entry produced."""

    text: dict[str, str]
    binary: dict[str, bytes]
    unknown: list[str]


def generate(kust: Kustomization, tree: Tree, resources: list[Res], notes: Notes) -> None:
    """Add (or merge into ``resources``) the objects of the kustomization's generators."""
    options = kust.data.get("generatorOptions")
    global_options = options if isinstance(options, dict) else {}
    for field, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
        for entry, index in map_entries(kust, notes, field):
            where = kust.where(field, index)
            if not isinstance(entry.get("name"), str) or not entry.get("name"):
                notes.add(where, f"{field} entry without a name; not applied")
                continue
            _one(kust, tree, kind, entry, global_options, resources, notes,
                 (where, kust.location(field, index)))


def _one(kust: Kustomization, tree: Tree, kind: str, entry: dict[str, Any],
         global_options: Mapping[str, Any], resources: list[Res], notes: Notes,
         at: tuple[str, Location]) -> None:
    where, location = at
    name = shown(str(entry["name"]))
    label = f"{'configMapGenerator' if kind == 'ConfigMap' else 'secretGenerator'} {name}"
    source = _Source({}, {}, [])
    _files(kust, tree, entry.get("files"), source, notes, (where, label))
    envs = entry.get("envs")
    env_list = list(envs) if isinstance(envs, list) else []
    if isinstance(entry.get("env"), str):
        env_list.append(entry["env"])
    for env in env_list:
        _env_file(kust, tree, env, source, notes, (where, label))
    _literals(entry.get("literals"), source, notes, (where, label))
    namespace = entry.get("namespace")
    generated = _object(kind, name, namespace if isinstance(namespace, str) else "", entry,
                        source)
    _options(generated, global_options, entry.get("options"))
    unknown = ""
    if source.unknown:
        unknown = f"{kind} {name} generated from {', '.join(source.unknown)}"
    res = Res(generated, location, unknown)
    behavior = entry.get("behavior") or "create"
    existing = [r for r in resources if r.kind == kind and r.name == name
                and (not namespace or r.namespace == namespace)]
    if behavior in ("merge", "replace"):
        if not existing:
            notes.add(where, f"{label}: behavior {behavior} but no {kind} {name} comes from "
                      "the resources (kustomize refuses this); generated as new")
            resources.append(res)
            return
        _absorb(existing[0], res, behavior == "merge")
        return
    if behavior != "create":
        notes.add(where, f"{label}: unknown behavior {shown(str(behavior), 40)!r}; generated "
                  "as new")
    if existing:
        notes.add(where, f"{label}: a {kind} {name} already comes from the resources "
                  "(kustomize refuses a second one without behavior merge or replace)")
    resources.append(res)


def _files(kust: Kustomization, tree: Tree, files: object, source: _Source, notes: Notes,
           at: tuple[str, str]) -> None:
    where, label = at
    for entry in files if isinstance(files, list) else []:
        if not isinstance(entry, str) or not entry:
            continue
        key, _, path_text = entry.partition("=") if "=" in entry else ("", "", entry)
        key = key or Path(path_text).name
        data = _source(kust, tree, path_text, notes, at)
        if data is None:
            source.unknown.append(shown(path_text))
            continue
        if not DATA_KEY.match(key):
            notes.add(where, f"{label}: key {shown(key)!r} is not a valid ConfigMap/Secret key "
                      "(kustomize refuses it)")
        _put(source, key, data, notes, at)


def _env_file(kust: Kustomization, tree: Tree, env: object, source: _Source, notes: Notes,
              at: tuple[str, str]) -> None:
    where, label = at
    if not isinstance(env, str) or not env:
        return
    data = _source(kust, tree, env, notes, at)
    if data is None:
        source.unknown.append(shown(env))
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        notes.add(where, f"{label}: {shown(env)} is not UTF-8 (kustomize refuses it); its "
                  "keys are unknown")
        source.unknown.append(shown(env))
        return
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not ENV_NAME.match(key):
            notes.add(where, f"{label}: {shown(env)} line {number} has no valid key "
                      "(kustomize refuses it)")
            continue
        if not equals:
            # A bare name takes its value from the environment kustomize runs in.
            source.unknown.append(f"{shown(env)} ({shown(key)} from the environment of the "
                                  "build)")
            continue
        _put(source, key, value.encode("utf-8"), notes, at)


def _literals(literals: object, source: _Source, notes: Notes, at: tuple[str, str]) -> None:
    where, label = at
    for literal in literals if isinstance(literals, list) else []:
        if not isinstance(literal, str | int | float) or isinstance(literal, bool):
            continue
        key, equals, value = str(literal).partition("=")
        if not equals or not key:
            notes.add(where, f"{label}: a literal without KEY=value (kustomize refuses it)")
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        _put(source, key, value.encode("utf-8"), notes, at)


def _source(kust: Kustomization, tree: Tree, entry: str, notes: Notes,
            at: tuple[str, str]) -> bytes | None:
    """A source file's bytes, or None (named) when it cannot be had."""
    where, label = at
    try:
        path = tree.resolve(kust.directory, entry)
        if not under(kust.directory, entry):
            raise Refused(f"{shown(entry)} lies outside the kustomization's directory: kustomize "
                          "refuses to load it (its default load restrictor); not read")
        return tree.read(path, MAX_SOURCE_BYTES)
    except Missing:
        notes.add(where, f"{label}: {shown(entry)} is not among the audited files (kustomize needs "
                  "it to build; it is kept out of version control?): what it holds is "
                  "unknown, and settings read from it are not judged")
    except Refused as exc:
        notes.add(where, f"{label}: {exc}")
    return None


def _put(source: _Source, key: str, data: bytes, notes: Notes, at: tuple[str, str]) -> None:
    where, label = at
    if key in source.text or key in source.binary:
        notes.add(where, f"{label}: key {shown(key)} given twice (kustomize refuses it); the "
                  "last is kept")
        source.text.pop(key, None)
        source.binary.pop(key, None)
    try:
        source.text[key] = data.decode("utf-8")
    except UnicodeDecodeError:
        source.binary[key] = data


def _object(kind: str, name: str, namespace: str, entry: Mapping[str, Any],
            source: _Source) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if kind == "Secret":
        data = {**{k: v.encode("utf-8") for k, v in source.text.items()}, **source.binary}
        obj["type"] = str(entry.get("type") or "Opaque")
        if data:
            obj["data"] = {k: base64.b64encode(v).decode("ascii") for k, v in data.items()}
        return obj
    if source.text:
        obj["data"] = dict(source.text)
    if source.binary:
        obj["binaryData"] = {k: base64.b64encode(v).decode("ascii")
                             for k, v in source.binary.items()}
    return obj


def _options(obj: dict[str, Any], global_options: Mapping[str, Any], own: object) -> None:
    """Labels and annotations of ``generatorOptions`` and of the entry's ``options`` (the
    entry's own win), and ``immutable`` from either."""
    meta = obj["metadata"]
    local = own if isinstance(own, dict) else {}
    for field in ("labels", "annotations"):
        merged: dict[str, str] = {}
        for options in (global_options, local):
            values = options.get(field)
            if isinstance(values, dict):
                merged.update({str(k): str(v) for k, v in values.items()})
        if merged:
            meta[field] = merged
    if global_options.get("immutable") is True or local.get("immutable") is True:
        obj["immutable"] = True


def _absorb(existing: Res, new: Res, merge: bool) -> None:
    """``behavior: merge`` (the new keys win) or ``replace`` (the new data only)."""
    for field in ("data", "binaryData"):
        old = existing.obj.get(field)
        given = new.obj.get(field)
        combined = dict(old) if merge and isinstance(old, dict) else {}
        if isinstance(given, dict):
            combined.update(given)
        if combined:
            existing.obj[field] = combined
        else:
            existing.obj.pop(field, None)
    for field in ("labels", "annotations"):
        given = new.meta.get(field)
        if isinstance(given, dict):
            old = existing.meta.get(field)
            existing.meta[field] = {**(old if isinstance(old, dict) else {}), **given}
    if merge:
        existing.unknown = "; ".join(u for u in (existing.unknown, new.unknown) if u)
    else:
        existing.unknown = new.unknown
