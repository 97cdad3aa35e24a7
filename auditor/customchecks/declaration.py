"""``[checks.custom.ID]`` tables read into checks, every mistake one line naming the check.

One table per check, keyed by its id (``[checks.custom.CUSTOM-LABELS-001]``), as Polaris
keys ``customChecks`` by name: TOML itself refuses a second table of the same id (with
its line), and an error can name the table a person will search for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.customchecks.plain import tokens_of
from auditor.customchecks.schemas import SchemaProblem, compile_schema, read_schema_file
from auditor.model import Check, Row, Severity, Style

CUSTOM_ID = re.compile(r"^CUSTOM-[A-Z0-9]+(?:-[A-Z0-9]+)*-\d{3}$")
"""``CUSTOM-NAME-NNN``: within the registry's and the report schema's ``PREFIX-...-NNN``."""
KIND = re.compile(r"^[A-Z][A-Za-z0-9]*$")
STYLES = {"kubernetes": Style.KUBERNETES, "compose": Style.COMPOSE}
REQUIRED = ("style", "row", "severity", "title", "success", "failure", "remediation")
OPTIONAL = ("kinds", "path", "rationale", "references", "schema", "schema_file")


class DeclarationError(Exception):
    """A custom check that cannot be used; the message says what, without the file."""


@dataclass(frozen=True)
class Declaration:
    """One custom check as written, validated; the schema compiled."""

    id: str
    style: Style
    kinds: tuple[str, ...]
    row: Row
    severity: Severity
    title: str
    success: str
    failure: str
    remediation: str
    rationale: str
    references: tuple[str, ...]
    path: tuple[str, ...]
    """JSON pointer tokens into each object: the schema applies to what they lead to."""
    validator: Any


def declare(check_id: str, raw: object, base: Path | None, source: str) -> Declaration:
    """Read one table; ``base`` is the configuration's directory (None: no file)."""
    if not CUSTOM_ID.match(check_id):
        raise DeclarationError("the id must look like CUSTOM-NAME-NNN (upper-case letters, "
                               "digits and dashes, ending in three digits)")
    if not isinstance(raw, Mapping):
        raise DeclarationError("must be a table")
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise DeclarationError(f"unknown key {unknown[0]!r} (expected "
                               f"{', '.join(sorted((*REQUIRED, *OPTIONAL)))})")
    for key in REQUIRED:
        if key not in raw:
            raise DeclarationError(f"missing {key!r}")
    style = _style(raw["style"])
    return Declaration(
        id=check_id, style=style, kinds=_kinds(raw.get("kinds"), style),
        row=_row(raw["row"]), severity=_severity(raw["severity"]),
        title=_text(raw, "title"), success=_text(raw, "success"),
        failure=_text(raw, "failure"), remediation=_text(raw, "remediation"),
        rationale=_text(raw, "rationale") if "rationale" in raw else
        f"An organisation's own rule, declared in {source}.",
        references=_references(raw.get("references", [])),
        path=_pointer(raw.get("path", "")),
        validator=_schema(raw, base))


def _style(value: object) -> Style:
    if not isinstance(value, str) or value not in STYLES:
        raise DeclarationError(f"style {value!r} is not one of kubernetes, compose")
    return STYLES[value]


def _kinds(value: object, style: Style) -> tuple[str, ...]:
    if style == Style.COMPOSE:
        if value is not None:
            raise DeclarationError("'kinds' is for kubernetes checks; a compose check applies "
                                   "to every service")
        return ()
    if not isinstance(value, list) or not value:
        raise DeclarationError("'kinds' must be a non-empty list of Kubernetes kinds, "
                               "e.g. [\"Deployment\", \"StatefulSet\"]")
    for kind in value:
        if not isinstance(kind, str) or not KIND.match(kind):
            raise DeclarationError(f"kind {kind!r} is not a Kubernetes kind (like Deployment)")
    return tuple(dict.fromkeys(value))


def _row(value: object) -> Row:
    try:
        return Row(str(value))
    except ValueError:
        raise DeclarationError(f"unknown row {value!r} (expected one of "
                               f"{', '.join(r.value for r in Row)})") from None


def _severity(value: object) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise DeclarationError(f"severity {value!r} is not one of "
                               f"{', '.join(s.value for s in Severity)}") from None


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise DeclarationError(f"{key!r} must be a non-empty string")
    return value.strip()


def _references(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DeclarationError("'references' must be a list of URLs")
    return tuple(value)


def _pointer(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise DeclarationError(f"path {value!r} is not a JSON pointer (\"\" for the whole "
                               "object, or like \"/spec/template/spec\")")
    return tokens_of(value)


def _schema(raw: Mapping[str, Any], base: Path | None) -> Any:
    inline, named = raw.get("schema"), raw.get("schema_file")
    if (inline is None) == (named is None):
        raise DeclarationError("give exactly one of 'schema' (a table) and 'schema_file'")
    try:
        if named is not None:
            if not isinstance(named, str):
                raise DeclarationError("'schema_file' must be a path (a string)")
            if base is None:
                raise DeclarationError("'schema_file' needs a configuration file on disk")
            inline = read_schema_file(named, base)
        return compile_schema(inline)
    except SchemaProblem as exc:
        raise DeclarationError(str(exc)) from None


def as_check(declaration: Declaration) -> Check:
    from auditor.customchecks.judge import build_check

    return build_check(declaration)
