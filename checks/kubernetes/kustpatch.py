"""kustomize's patches: strategic merge (the common subset) and JSON 6902.

Strategic merge: maps merge key by key, ``null`` removes a field, and the lists Kubernetes
declares mergeable merge element by element on their key (containers, env, volumes by
``name``; volumeMounts by ``mountPath``; container ports by ``containerPort``, Service
ports by ``port``); every other list of a built-in kind is replaced whole, as the API's
schema says. Lists of other kinds merge on the first key every element has among the
ones kustomize tries without a schema (``name``, ``mountPath``...), else are replaced.
``$patch: delete`` (a list element, a map, or the whole object), ``$patch: replace`` and
``$deleteFromPrimitiveList`` are honoured; ``$setElementOrder`` only orders and is dropped;
any other directive makes the patch fail, named.

JSON 6902: ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test`` on JSON
pointers; the patch applies whole or not at all, as the RFC says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from auditor.checks.kubernetes.kinds import BUILT_IN_GROUPS, group_of
from auditor.checks.kubernetes.kustgen import Res
from auditor.checks.kubernetes.kustread import MAX_NESTING, TooDeep, clone

LIST_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath",
    "volumeDevices": "devicePath", "imagePullSecrets": "name", "hostAliases": "ip",
    "resourceClaims": "name", "ownerReferences": "uid", "topologySpreadConstraints":
    "topologyKey", "readinessGates": "conditionType",
}
"""Merge keys of the built-in kinds' mergeable lists, by field name (``ports`` depends on
where it is: a container's or a Service's)."""
PRIMITIVE_SETS = frozenset({"finalizers"})
"""Built-in lists of scalars that merge as sets."""
ASSOCIATIVE = ("mountPath", "devicePath", "ip", "type", "topologyKey", "name", "containerPort")
"""Keys kustomize merges a list on when no schema says how (custom kinds)."""
IDENTITY = ("apiVersion", "kind")


class PatchError(Exception):
    """A patch that cannot be applied as written: why (never a value of the object)."""


# --- strategic merge ---------------------------------------------------------------------


def strategic_merge(res: Res, patch: dict[str, Any]) -> bool:
    """Merge ``patch`` into the object; False when the patch deletes the object."""
    body = clone(patch)
    if body.get("$patch") == "delete":
        return False
    for key in IDENTITY:
        body.pop(key, None)
    meta = body.get("metadata")
    if isinstance(meta, dict):
        # A patch names its target; it does not rename it.
        meta.pop("name", None)
        meta.pop("namespace", None)
    schema = group_of(str(res.obj.get("apiVersion") or "")) in BUILT_IN_GROUPS
    merged = _merge_map(res.obj, body, schema, (res.kind,), 0)
    res.obj.clear()
    res.obj.update(merged)
    return True


def _merge_map(base: dict[str, Any], patch: dict[str, Any], schema: bool,
               path: tuple[str, ...], depth: int) -> dict[str, Any]:
    if depth > MAX_NESTING:
        raise TooDeep
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if directive not in (None, "merge"):
        raise PatchError(f"directive $patch: {directive} at {_dotted(path)} is not supported")
    result = dict(base)
    orders = [k for k in patch if k.startswith("$setElementOrder/")]
    for key in orders:
        patch = {k: v for k, v in patch.items() if k != key}
    for key, value in patch.items():
        if key == "$patch":
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            current = result.get(field)
            if isinstance(current, list) and isinstance(value, list):
                result[field] = [item for item in current if item not in value]
            continue
        if key.startswith("$"):
            raise PatchError(f"directive {key} at {_dotted(path)} is not supported")
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        if isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            elif isinstance(current, dict):
                result[key] = _merge_map(current, value, schema, (*path, key), depth + 1)
            else:
                result[key] = _merge_map({}, value, schema, (*path, key), depth + 1)
        elif isinstance(value, list):
            result[key] = _merge_list(current if isinstance(current, list) else [], value,
                                      schema, (*path, key), depth + 1)
        else:
            result[key] = value
    return result


def _merge_list(base: list[Any], patch: list[Any], schema: bool, path: tuple[str, ...],
                depth: int) -> list[Any]:
    if any(isinstance(e, dict) and e.get("$patch") == "replace" and len(e) == 1
           for e in patch):
        return [e for e in patch if not (isinstance(e, dict) and e.get("$patch") == "replace")]
    field = path[-1]
    if schema and field in PRIMITIVE_SETS:
        return [*base, *(item for item in patch if item not in base)]
    key = _list_key(base, patch, schema, path)
    if key is None:
        if any(isinstance(e, dict) and "$patch" in e for e in patch):
            raise PatchError(f"$patch in a list that is not merged by key ({_dotted(path)})")
        return [e for e in patch]
    result = list(base)
    for element in patch:
        if not isinstance(element, dict) or key not in element:
            raise PatchError(f"an element of {_dotted(path)} has no {key}, the key the list "
                             "merges on")
        index = next((i for i, e in enumerate(result)
                      if isinstance(e, dict) and e.get(key) == element[key]), None)
        if element.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(_merge_map({}, element, schema, (*path, str(element[key])),
                                     depth + 1))
        else:
            result[index] = _merge_map(result[index], element, schema,
                                       (*path, str(element[key])), depth + 1)
    return result


def _list_key(base: list[Any], patch: list[Any], schema: bool,
              path: tuple[str, ...]) -> str | None:
    field = path[-1]
    if schema:
        if field == "ports":
            return "port" if path[0] == "Service" and len(path) == 3 else "containerPort"
        return LIST_KEYS.get(field)
    elements = [*base, *patch]
    if not elements or not all(isinstance(e, dict) for e in elements):
        return None
    return next((k for k in ASSOCIATIVE if all(k in e for e in elements)), None)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path[1:]) or "the object"


# --- JSON 6902 ----------------------------------------------------------------------------


def json6902(res: Res, operations: list[Any]) -> None:
    """Apply the operations to a copy, then keep it: all of them or none."""
    doc = clone(res.obj)
    for number, op in enumerate(operations, start=1):
        if not isinstance(op, dict):
            raise PatchError(f"operation {number} is not a map")
        name = op.get("op")
        path = _pointer(op.get("path"), number)
        if name == "add":
            _require_value(op, number)
            doc = _add(doc, path, clone(op["value"]), number)
        elif name == "remove":
            doc = _remove(doc, path, number)[0]
        elif name == "replace":
            _require_value(op, number)
            doc = _replace(doc, path, clone(op["value"]), number)
        elif name in ("move", "copy"):
            source = _pointer(op.get("from"), number)
            value = _get(doc, source, number)
            if name == "move":
                doc = _remove(doc, source, number)[0]
            doc = _add(doc, path, clone(value), number)
        elif name == "test":
            _require_value(op, number)
            if _get(doc, path, number) != op["value"]:
                raise PatchError(f"operation {number} (test) does not hold")
        else:
            raise PatchError(f"operation {number}: op {name!r} is not a JSON patch operation")
    if not isinstance(doc, dict):
        raise PatchError("the patch does not leave an object")
    res.obj.clear()
    res.obj.update(doc)


def _require_value(op: dict[str, Any], number: int) -> None:
    if "value" not in op:
        raise PatchError(f"operation {number} ({op.get('op')}) has no value")


def _pointer(text: object, number: int) -> list[str]:
    if not isinstance(text, str) or (text and not text.startswith("/")):
        raise PatchError(f"operation {number}: path {text!r} is not a JSON pointer")
    if not text:
        return []
    return [token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/")]


def _index(container: list[Any], token: str, number: int, end: bool) -> int:
    if token == "-" and end:
        return len(container)
    if not re.fullmatch(r"0|[1-9][0-9]*", token):
        raise PatchError(f"operation {number}: {token!r} is not a list index")
    index = int(token)
    if index > len(container) or (index == len(container) and not end):
        raise PatchError(f"operation {number}: index {index} is beyond the list")
    return index


def _get(doc: Any, path: list[str], number: int) -> Any:
    current = doc
    for token in path:
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, number, False)]
        else:
            raise PatchError(f"operation {number}: /{'/'.join(path)} does not exist")
    return current


def _add(doc: Any, path: list[str], value: Any, number: int) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1], number)
    token = path[-1]
    if isinstance(parent, dict):
        parent[token] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, token, number, True), value)
    else:
        raise PatchError(f"operation {number}: /{'/'.join(path[:-1])} holds no map or list")
    return doc


def _replace(doc: Any, path: list[str], value: Any, number: int) -> Any:
    if not path:
        return value
    parent = _get(doc, path[:-1], number)
    token = path[-1]
    if isinstance(parent, dict) and token in parent:
        parent[token] = value
    elif isinstance(parent, list):
        parent[_index(parent, token, number, False)] = value
    else:
        raise PatchError(f"operation {number}: /{'/'.join(path)} does not exist")
    return doc


def _remove(doc: Any, path: list[str], number: int) -> tuple[Any, Any]:
    if not path:
        raise PatchError(f"operation {number}: cannot remove the whole object")
    parent = _get(doc, path[:-1], number)
    token = path[-1]
    if isinstance(parent, dict) and token in parent:
        return doc, parent.pop(token)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, token, number, False))
    raise PatchError(f"operation {number}: /{'/'.join(path)} does not exist")


# --- which objects a patch selects ---------------------------------------------------------


SAFE_PATTERN = re.compile(r"^(?:[^()\\{}\[]|\\.|\[[^\]]*\])*$")
"""A target pattern without groups or counted repeats: names match it in linear time."""
MAX_QUANTIFIERS = 2


class Selector:
    """A patch target: group, version, kind, name and namespace (anchored regular
    expressions, as kustomize reads them), label and annotation selectors."""

    def __init__(self, target: dict[str, Any]) -> None:
        self.patterns: dict[str, re.Pattern[str]] = {}
        for field in ("group", "version", "kind", "name", "namespace"):
            value = target.get(field)
            if value is None or value == "":
                continue
            self.patterns[field] = _pattern(str(value), field)
        self.labels = _label_selector(target.get("labelSelector"), "labelSelector")
        self.annotations = _label_selector(target.get("annotationSelector"),
                                           "annotationSelector")

    def matches(self, res: Res) -> bool:
        api = str(res.obj.get("apiVersion") or "")
        group, _, version = api.rpartition("/")
        values = {"group": group, "version": version, "kind": res.kind, "name": res.name,
                  "namespace": res.namespace}
        if any(not pattern.fullmatch(values[field][:253])
               for field, pattern in self.patterns.items()):
            return False
        labels, annotations = res.meta.get("labels"), res.meta.get("annotations")
        return (_selected(self.labels, labels if isinstance(labels, dict) else {})
                and _selected(self.annotations,
                              annotations if isinstance(annotations, dict) else {}))


def _pattern(text: str, field: str) -> re.Pattern[str]:
    quantifiers = len(re.findall(r"(?<!\\)[*+?]", text))
    if len(text) > 253 or not SAFE_PATTERN.match(text) or quantifiers > MAX_QUANTIFIERS:
        raise PatchError(f"target {field} {text!r} is a pattern the auditor does not evaluate "
                         "(groups, counted repeats or more than two repeats)")
    try:
        return re.compile(text)
    except re.error:
        raise PatchError(f"target {field} {text!r} is not a regular expression") from None


Requirement = tuple[str, str, frozenset[str]]
"""(key, operator, values): operators ``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``."""


def _label_selector(text: object, field: str) -> list[Requirement]:
    if text is None or text == "":
        return []
    if not isinstance(text, str) or len(text) > 1024:
        raise PatchError(f"target {field} is not a selector the auditor reads")
    requirements: list[Requirement] = []
    for term in re.split(r",(?![^()]*\))", text):
        term = term.strip()
        found = re.fullmatch(r"([^\s!=(),]+)\s+(in|notin)\s+\(([^()]*)\)", term)
        if found:
            values = frozenset(v.strip() for v in found.group(3).split(","))
            requirements.append((found.group(1), found.group(2), values))
            continue
        found = re.fullmatch(r"([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)", term)
        if found:
            operator = "!=" if found.group(2) == "!=" else "="
            requirements.append((found.group(1), operator, frozenset({found.group(3)})))
            continue
        found = re.fullmatch(r"(!?)\s*([^\s!=(),]+)", term)
        if found:
            requirements.append((found.group(2), "!" if found.group(1) else "exists",
                                 frozenset()))
            continue
        raise PatchError(f"target {field} {text!r} is not a selector the auditor reads")
    return requirements


def _selected(requirements: Iterable[Requirement], labels: dict[str, Any]) -> bool:
    for key, operator, values in requirements:
        present = key in labels
        value = str(labels.get(key))
        if operator == "exists" and not present:
            return False
        if operator == "!" and present:
            return False
        if operator in ("=", "in") and not (present and value in values):
            return False
        if operator in ("!=", "notin") and present and value in values:
            return False
    return True
