"""Kubernetes objects as plain dicts with where they came from (no client models)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.model import Location

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Item:
    """One object and where it was read (a file and line, or None for live objects)."""

    obj: Obj
    location: Location | None = None

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    @property
    def meta(self) -> Mapping[str, Any]:
        return as_map(self.obj.get("metadata"))

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.meta.get("namespace") or "")

    @property
    def labels(self) -> Mapping[str, str]:
        return as_map(self.meta.get("labels"))

    @property
    def annotations(self) -> Mapping[str, str]:
        return as_map(self.meta.get("annotations"))

    @property
    def subject(self) -> str:
        return subject_of(self.obj)

    @property
    def spec(self) -> Mapping[str, Any]:
        return as_map(self.obj.get("spec"))


def as_map(value: object) -> Mapping[str, Any]:
    """Real-world objects carry nulls where a map is expected (``volumeMounts:`` emptied)."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def subject_of(obj: Mapping[str, Any]) -> str:
    """``apps/v1/Deployment/ns/name``: stable across files, clusters and checkouts."""
    api = str(obj.get("apiVersion") or "v1")
    meta = as_map(obj.get("metadata"))
    namespace = str(meta.get("namespace") or "-")
    return f"{api}/{obj.get('kind') or '?'}/{namespace}/{meta.get('name') or '?'}"


def flatten(documents: Iterable[tuple[object, Location | None]]) -> Iterator[Item]:
    """Objects out of documents, ``List`` kinds unwrapped, non-objects dropped."""
    for document, location in documents:
        if not isinstance(document, dict):
            continue
        kind = document.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(
            document.get("items"), list
        ):
            item_api = document.get("apiVersion")
            for entry in document["items"]:
                if isinstance(entry, dict) and entry.get("kind"):
                    yield Item(entry, location)
                elif isinstance(entry, dict) and kind != "List" and item_api:
                    yield Item({"apiVersion": item_api, "kind": kind[:-4], **entry}, location)
            continue
        if isinstance(kind, str) and kind and "apiVersion" in document:
            yield Item(document, location)
