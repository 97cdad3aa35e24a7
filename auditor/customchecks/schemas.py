"""A custom check's JSON Schema: read within bounds, screened, compiled (Draft 2020-12).

The configuration may come from the audited repository itself (CI on a pull request),
so a schema is hostile input: files are read only below the configuration's directory
and within a size cap, a reference that is not local is refused (the auditor fetches
nothing), and a schema that loops on itself is refused before any audit.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auditor.customchecks.plain import ABSENT, TooLarge, as_json, follow, tokens_of

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000
MAX_PATTERN = 1000
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REFERENCES = ("$ref", "$dynamicRef")
_PROBES: tuple[object, ...] = ({}, [], "", 0, None)
"""Instances a schema is tried on once: a ``$ref`` loop recurses on any of them."""


class SchemaProblem(Exception):
    """Why a schema cannot be used: one line, without the file or check (the caller adds)."""


def read_schema_file(value: str, base: Path) -> Any:
    """The schema in ``value`` (a JSON or YAML file relative to ``base``), as plain data."""
    path = _inside(value, base)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise SchemaProblem(f"schema_file {value!r} must end in .json, .yaml or .yml")
    text = _read_bounded(path, value)
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except RecursionError:
        raise SchemaProblem(f"schema_file {value!r} is nested too deeply") from None
    except ValueError as exc:  # json.JSONDecodeError
        raise SchemaProblem(f"schema_file {value!r} is not valid JSON: {exc}") from None
    except Exception as exc:  # yaml.YAMLError, without importing yaml for JSON files
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SchemaProblem(f"schema_file {value!r} is not valid YAML{where}") from None
    return data


def _inside(value: str, base: Path) -> Path:
    if not value or Path(value).is_absolute():
        raise SchemaProblem(f"schema_file {value!r} must be a path relative to the "
                            "configuration file")
    top = base.resolve()
    path = (top / value).resolve()
    if not path.is_relative_to(top):
        raise SchemaProblem(f"schema_file {value!r} leads out of the configuration's "
                            "directory (refused)")
    return path


def _read_bounded(path: Path, value: str) -> str:
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SchemaProblem(f"schema_file {value!r} cannot be read: "
                            f"{exc.strerror or type(exc).__name__}") from None
    # A FIFO or device would block or never end; only a regular file is opened.
    if not stat.S_ISREG(info.st_mode):
        raise SchemaProblem(f"schema_file {value!r} is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise SchemaProblem(f"schema_file {value!r} is larger than 1 MiB")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SchemaProblem(f"schema_file {value!r} cannot be read: "
                            f"{exc.strerror or type(exc).__name__}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise SchemaProblem(f"schema_file {value!r} is larger than 1 MiB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SchemaProblem(f"schema_file {value!r} is not UTF-8 text") from None


def compile_schema(raw: object) -> Any:
    """A Draft 2020-12 validator for ``raw``, or SchemaProblem saying what is wrong."""
    try:
        schema = as_json(raw, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except TooLarge as exc:
        raise SchemaProblem(f"schema is too large: {exc}") from None
    if not isinstance(schema, dict | bool):
        raise SchemaProblem("schema must be a table (a JSON object)")
    _screen(schema)
    try:
        import jsonschema  # type: ignore[import-untyped]  # no stubs; used as Any
        from referencing import Registry
    except ImportError:
        raise SchemaProblem("custom checks need the Python package jsonschema "
                            "(pip install 'jsonschema>=4.18')") from None
    validator_class = jsonschema.Draft202012Validator
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = pointer(list(exc.absolute_path))
        raise SchemaProblem(f"schema is not a valid JSON Schema (Draft 2020-12): at {where}: "
                            f"{_clip(exc.message)}") from None
    # Without a registry of its own, jsonschema fetches unknown references over the network
    # (with a deprecation warning); this one has nothing to fetch with.
    validator = validator_class(schema, registry=Registry(retrieve=_refuse))  # type: ignore[call-arg]
    _probe(validator)
    return validator


def _refuse(uri: str) -> Any:
    from referencing.exceptions import NoSuchResource

    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs alias, unseen by mypy


def _screen(schema: object) -> None:
    nested_ids = any(key == "$id" and path for path, key, _ in _keywords(schema, []))
    for path, key, value in _keywords(schema, []):
        if key == "$ref" and isinstance(value, str) and not nested_ids \
                and not _defined(schema, value):
            raise SchemaProblem(f"schema refers to {_clip(value)!r} at {pointer(path)}, which "
                                "it does not define")
        if key in _REFERENCES and isinstance(value, str) and not value.startswith("#"):
            raise SchemaProblem(f"schema refers to {_clip(value)!r} at {pointer(path)}: only "
                                "references inside the schema ('#...') are allowed, the "
                                "auditor fetches nothing")
        if key == "$schema" and path == [] and isinstance(value, str) \
                and value.rstrip("#") != DIALECT:
            raise SchemaProblem(f"schema declares $schema {_clip(value)!r}; custom checks "
                                f"are JSON Schema Draft 2020-12 ({DIALECT})")
        if key == "pattern" and isinstance(value, str) and len(value) > MAX_PATTERN:
            raise SchemaProblem(f"pattern at {pointer([*path, key])} is longer than "
                                f"{MAX_PATTERN} characters")
        if key == "patternProperties" and isinstance(value, dict):
            for pattern in value:
                if len(pattern) > MAX_PATTERN:
                    raise SchemaProblem(f"pattern in {pointer([*path, key])} is longer than "
                                        f"{MAX_PATTERN} characters")


def _defined(schema: object, ref: str) -> bool:
    """Whether a ``#/...`` reference leads somewhere in ``schema`` (others are not judged
    here: anchors, percent-escapes; a nested ``$id`` changes what they are relative to)."""
    if not ref.startswith("#/") or "%" in ref:
        return True
    return follow(schema, tokens_of(ref[1:])) is not ABSENT


def _keywords(node: object, path: list[str | int]) -> Iterator[tuple[list[str | int], str, Any]]:
    """Every (path of the object, key, value) of a plain-data tree (bounded by as_json)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _keywords(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _keywords(value, [*path, index])


def _probe(validator: Any) -> None:
    from referencing.exceptions import Unresolvable

    for instance in _PROBES:
        try:
            for _ in validator.iter_errors(instance):
                pass
        except RecursionError:
            raise SchemaProblem("schema refers to itself without end (a $ref loop)") from None
        except Unresolvable:
            raise SchemaProblem("schema refers to a part it does not define") from None


def pointer(tokens: list[str | int] | tuple[str | int, ...]) -> str:
    """An RFC 6901 JSON pointer; ``/`` for the whole document, to be readable."""
    if not tokens:
        return "/"
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
