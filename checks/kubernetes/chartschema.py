"""Values schemas that reach out of the chart: helm would read or fetch what they name.

helm validates values against each chart's ``values.schema.json`` and follows its
references: ``"$ref": "file:///..."`` reads a file of the auditing machine (and helm's
error quotes what it read, ``a must be one of the following: "..."``, which the reports
carry), ``"$ref": "http://169.254.169.254/..."`` makes a request from it. References
within the schema (``#/definitions/x``) and the JSON Schema drafts helm's validator holds
are fine; anything else makes the render skip schema validation, named as a problem.
Packaged subcharts in ``charts/`` (archives, themselves holding archives) are read too.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path

SCHEMA = "values.schema.json"
REFERENCES = frozenset({"$ref", "$dynamicRef", "$recursiveRef"})
BASES = frozenset({"$id", "id"})
"""A base URI: a reference within the schema (``#/x``) then means ``<base>#/x``."""
DATA = frozenset({"default", "examples", "example", "enum", "const"})
"""Keywords whose values are data, not schemas: an ``id`` there is a value like any."""
DRAFTS = frozenset({
    "json-schema.org/schema", "json-schema.org/draft/2020-12/schema",
    "json-schema.org/draft/2019-09/schema", "json-schema.org/draft-07/schema",
    "json-schema.org/draft-06/schema", "json-schema.org/draft-04/schema",
})
"""Meta-schemas the validator holds itself (``$schema``, http or https, ``#`` or not)."""
MAX_UNPACKED = 64 * 1024 * 1024
"""Bytes unpacked from archives in all, like the copy's cap (helm refuses a chart of more
than 100 MiB unpacked): a gzip bomb costs no more than this."""
MAX_DEPTH = 20
WHY = "values not validated against the chart's schemas"


class _TooLarge(Exception):
    pass


class _Bounded(io.RawIOBase):
    """A reader that stops the walk once ``budget`` bytes were read through it."""

    def __init__(self, inner: io.BufferedIOBase, budget: list[int]) -> None:
        self.inner, self.budget = inner, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise _TooLarge
        buffer[:len(data)] = data
        return len(data)


def reaching_out(copy: Path) -> dict[str, str]:
    """Problems naming each schema of the copied chart ``copy`` that refers outside
    itself, keyed ``chart <path>``; empty when helm may validate values as it does."""
    problems: dict[str, str] = {}
    budget = [MAX_UNPACKED]
    for path in sorted(copy.rglob("*")):
        label = path.relative_to(copy).as_posix()
        if path.name == SCHEMA and path.is_file():
            _note(label, path.read_bytes(), problems)
        elif _is_archive(label) and path.is_file():
            _archive(label, path.read_bytes(), problems, budget, 0)
    return problems


def _is_archive(name: str) -> bool:
    parts = name.strip("/").split("/")
    return len(parts) >= 2 and parts[-2] == "charts" and name.endswith((".tgz", ".tar.gz"))


def _archive(label: str, data: bytes, problems: dict[str, str], budget: list[int],
             depth: int) -> None:
    if depth > MAX_DEPTH:
        problems[f"chart {label}"] = f"archives nested over {MAX_DEPTH} deep, unchecked: {WHY}"
        return
    unpacked = _Bounded(gzip.GzipFile(fileobj=io.BytesIO(data)), budget)
    try:
        with tarfile.open(fileobj=io.BufferedReader(unpacked), mode="r|") as archive:
            for member in archive:
                wanted = member.name.endswith("/" + SCHEMA) or _is_archive(member.name)
                handle = archive.extractfile(member) if member.isfile() and wanted else None
                if handle is None:
                    continue  # helm follows no link out of an archive either
                content = handle.read()
                inner = f"{label}:{member.name}"
                if member.name.endswith(SCHEMA):
                    _note(inner, content, problems)
                else:
                    _archive(inner, content, problems, budget, depth + 1)
    except _TooLarge:
        problems[f"chart {label}"] = f"archives too large to check: {WHY}"
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        pass  # no archive helm reads either: it names it when it loads the chart


def _note(label: str, data: bytes, problems: dict[str, str]) -> None:
    try:
        schema = json.loads(data)
    except (ValueError, RecursionError):
        problems[f"chart {label}"] = f"a values schema not read as JSON, unchecked: {WHY}"
        return
    found = next(_outside(schema), None)
    if found is not None:
        problems[f"chart {label}"] = f"a values schema that refers outside the chart " \
                                     f"({found}): {WHY}"


def _outside(node: object) -> Iterator[str]:
    """Each reference of the schema that leads out of it (a walk without recursion)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, list):
            pending.extend(reversed(current))
        elif isinstance(current, dict):
            for key, value in current.items():
                if isinstance(value, str) and _leads_out(key, value):
                    yield f"{key} {value}"
            pending.extend(reversed([v for k, v in current.items() if k not in DATA]))


def _leads_out(key: str, value: str) -> bool:
    if key in REFERENCES:
        return not value.startswith("#")
    if key in BASES:
        return bool(value) and not value.startswith("#")
    if key == "$schema":
        plain = value.removesuffix("#").removeprefix("http://").removeprefix("https://")
        return plain not in DRAFTS
    return False
