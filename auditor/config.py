"""auditor.toml / ``[tool.auditor]``: severity overrides, disabled checks, thresholds, waivers.

Example ``auditor.toml`` (in ``pyproject.toml`` the same keys live under
``[tool.auditor]``)::

    disable = ["PIP-GITOPS-001"]

    [severity]
    PIP-UPDATES-001 = "low"

    [thresholds]
    ready_score = 85
    ready_coverage = 0.9
    max_score_drop = 2      # with --baseline: tolerated fall of the score

    [gates]                 # defaults for --fail-under, --fail-on, --min-coverage
    fail_under = 70
    fail_on = "critical"
    min_coverage = 0.8

    [[waivers]]
    check = "PIP-NETWORK-001"
    subject = "web/*"
    reason = "bound to all interfaces inside a lab VLAN"
    expires = 2027-03-31

    [checks.custom.CUSTOM-LABELS-001]     # a check declared as a JSON Schema, no code
    style = "kubernetes"
    kinds = ["Deployment", "StatefulSet"]
    row = "gitops"
    severity = "medium"
    title = "Workloads carry the labels of the organisation"
    success = "labelled"
    failure = "a required label is missing"
    remediation = "Add app.kubernetes.io/name and app.kubernetes.io/version."
    schema_file = "schemas/labels.json"   # JSON or YAML, below this file's directory
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model import Check, Severity
from auditor.scoring import Thresholds

CONFIG_NAME = "auditor.toml"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Waiver:
    check: str
    subject: str
    reason: str
    expires: dt.date | None
    source: str

    def matches(self, check_id: str, subject: str) -> bool:
        return fnmatch.fnmatchcase(check_id, self.check) and fnmatch.fnmatchcase(
            subject, self.subject
        )

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Gates:
    """Gate defaults from the configuration; a command-line option overrides each."""

    fail_under: float | None = None
    fail_on: Severity | None = None
    min_coverage: float | None = None


@dataclass(frozen=True)
class Config:
    source: str | None = None
    severity: Mapping[str, Severity] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    thresholds: Thresholds = field(default_factory=Thresholds)
    max_score_drop: float = 0.0
    """How far the score may fall below a ``--baseline`` before the gate trips."""
    waivers: tuple[Waiver, ...] = ()
    gates: Gates = field(default_factory=Gates)
    custom_checks: tuple[Check, ...] = ()
    """Checks declared under ``[checks.custom.ID]`` (see :mod:`auditor.customchecks`)."""

    def is_disabled(self, check_id: str) -> bool:
        return any(fnmatch.fnmatchcase(check_id, pattern) for pattern in self.disabled)


def find_config(start: Path) -> Path | None:
    """Walk up from ``start`` to the nearest auditor.toml or pyproject with [tool.auditor].

    Stops at a repository root (a directory holding ``.git``) or the home directory.
    """
    home = Path.home().resolve()
    current = start.resolve()
    if current.is_file():
        current = current.parent
    while True:
        candidate = current / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = current / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
        if (current / ".git").exists() or current == home or current.parent == current:
            return None
        current = current.parent


def _has_tool_section(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "auditor" in tool


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc.__class__.__name__}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("auditor", {}) if isinstance(tool, dict) else {}
        where = f"{path} [tool.auditor]"
    else:
        where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table")
    return parse_config(data, where, text, path.parent)


_KNOWN_KEYS = {"checks", "disable", "gates", "severity", "thresholds", "waivers"}


def parse_config(data: Mapping[str, Any], where: str, text: str = "",
                 base: Path | None = None) -> Config:
    """``base``: the configuration file's directory, where ``schema_file`` paths start."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{_at(where, text, unknown[0])}: unknown key {unknown[0]!r} "
            f"(expected one of {', '.join(sorted(_KNOWN_KEYS))})"
        )
    disabled = data.get("disable", [])
    if not isinstance(disabled, list) or not all(isinstance(d, str) for d in disabled):
        raise ConfigError(f"{_at(where, text, 'disable')}: 'disable' must be a list of check ids")
    severity: dict[str, Severity] = {}
    for check_id, value in _table(data, "severity", where, text).items():
        try:
            severity[check_id] = Severity(str(value).lower())
        except ValueError:
            choices = ", ".join(s.value for s in Severity)
            raise ConfigError(
                f"{_at(where, text, check_id)}: severity {value!r} for {check_id} "
                f"is not one of {choices}"
            ) from None
    thresholds_table = _table(data, "thresholds", where, text)
    thresholds = Thresholds(
        score=_number(thresholds_table, "ready_score", Thresholds.score, 0, 100, where, text),
        coverage=_number(
            thresholds_table, "ready_coverage", Thresholds.coverage, 0, 1, where, text
        ),
    )
    max_drop = _number(thresholds_table, "max_score_drop", 0.0, 0, 100, where, text)
    unknown_thresholds = sorted(set(thresholds_table) - {"ready_score", "ready_coverage",
                                                          "max_score_drop"})
    if unknown_thresholds:
        raise ConfigError(
            f"{_at(where, text, unknown_thresholds[0])}: unknown threshold "
            f"{unknown_thresholds[0]!r} (expected ready_score, ready_coverage, max_score_drop)"
        )
    gates = _gates(_table(data, "gates", where, text), where, text)
    raw_waivers = data.get("waivers", [])
    if not isinstance(raw_waivers, list):
        raise ConfigError(f"{_at(where, text, 'waivers')}: 'waivers' must be an array of tables")
    waivers = tuple(_waiver(w, i, where, text) for i, w in enumerate(raw_waivers, 1))
    return Config(
        source=where,
        severity=severity,
        disabled=frozenset(disabled),
        thresholds=thresholds,
        max_score_drop=max_drop,
        waivers=waivers,
        gates=gates,
        custom_checks=_custom_checks(data, where, text, base),
    )


def _custom_checks(data: Mapping[str, Any], where: str, text: str,
                   base: Path | None) -> tuple[Check, ...]:
    checks = _table(data, "checks", where, text)
    unknown = sorted(set(checks) - {"custom"})
    if unknown:
        raise ConfigError(f"{_at(where, text, unknown[0])}: unknown key 'checks.{unknown[0]}' "
                          "(expected checks.custom)")
    declared = checks.get("custom", {})
    if not isinstance(declared, dict):
        raise ConfigError(f"{_at(where, text, 'checks.custom')}: 'checks.custom' must hold "
                          "one table per check: [checks.custom.CUSTOM-NAME-NNN]")
    if not declared:
        return ()
    # Imported only here: jsonschema is needed only by configurations that declare checks.
    from auditor.customchecks.declaration import DeclarationError, as_check, declare

    found = []
    for check_id, raw in declared.items():
        try:
            found.append(as_check(declare(check_id, raw, base, Path(where.split(" [", 1)[0]).name)))
        except DeclarationError as exc:
            raise ConfigError(f"{_custom_at(where, text, check_id)}: custom check "
                              f"{check_id}: {exc}") from None
    return tuple(found)


def _custom_at(where: str, text: str, check_id: str) -> str:
    """``file:line`` of the ``[checks.custom.ID]`` header (of the file alone without one)."""
    header = re.compile(r"^\s*\[\s*(?:tool\s*\.\s*auditor\s*\.\s*)?checks\s*\.\s*custom"
                        r"\s*\.\s*[\"']?" + re.escape(check_id) + r"[\"']?\s*\]")
    path = where.split(" [", 1)[0]
    for number, line in enumerate(text.splitlines(), 1):
        if header.match(line):
            return f"{path}:{number}"
    return path


def _gates(table: Mapping[str, Any], where: str, text: str) -> Gates:
    unknown = sorted(set(table) - {"fail_under", "fail_on", "min_coverage"})
    if unknown:
        raise ConfigError(f"{_at(where, text, unknown[0])}: unknown gate {unknown[0]!r} "
                          "(expected fail_under, fail_on, min_coverage)")
    fail_on = table.get("fail_on")
    severity = None
    if fail_on is not None:
        try:
            severity = Severity(str(fail_on).lower())
        except ValueError:
            choices = ", ".join(s.value for s in Severity)
            raise ConfigError(f"{_at(where, text, 'fail_on')}: fail_on {fail_on!r} is not one "
                              f"of {choices}") from None
    return Gates(
        fail_under=_number(table, "fail_under", 0, 0, 100, where, text, "gates")
        if "fail_under" in table else None,
        fail_on=severity,
        min_coverage=_number(table, "min_coverage", 0, 0, 1, where, text, "gates")
        if "min_coverage" in table else None)


def _table(data: Mapping[str, Any], key: str, where: str, text: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{_at(where, text, key)}: {key!r} must be a table")
    return value


def _number(
    table: Mapping[str, Any], key: str, default: float, low: float, high: float,
    where: str, text: str, section: str = "thresholds",
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"{_at(where, text, key)}: {section}.{key} must be a number from {low:g} to {high:g}"
        )
    return float(value)


def _waiver(raw: object, index: int, where: str, text: str) -> Waiver:
    label = f"waiver #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: {label} must be a table")
    check = raw.get("check")
    reason = raw.get("reason")
    anchor = _waiver_at(where, text, index, str(check) if check else "")
    if not isinstance(check, str) or not check:
        raise ConfigError(f"{anchor}: {label} needs 'check' (a check id or glob)")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{anchor}: {label} for {check} needs a 'reason'; waivers must say why")
    subject = raw.get("subject", "*")
    if not isinstance(subject, str):
        raise ConfigError(f"{anchor}: {label} 'subject' must be a string glob")
    expires = raw.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{anchor}: {label} 'expires' must be a date (YYYY-MM-DD)") from None
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, dt.date):
        raise ConfigError(f"{anchor}: {label} 'expires' must be a date (YYYY-MM-DD)")
    extra = sorted(set(raw) - {"check", "subject", "reason", "expires"})
    if extra:
        raise ConfigError(f"{anchor}: {label} has unknown key {extra[0]!r}")
    return Waiver(check=check, subject=subject, reason=reason.strip(), expires=expires,
                  source=where)


_WAIVER_TABLE = re.compile(r"^\s*\[\[\s*(?:tool\s*\.\s*auditor\s*\.\s*)?waivers\s*\]\]")


def _waiver_at(where: str, text: str, index: int, check: str) -> str:
    """``file:line`` of waiver #index: its ``check`` line in the index-th ``[[waivers]]`` table.

    Counting mentions of the check id would miss (or misplace) any waiver after
    the first, or one whose id also appears under ``[severity]``.
    """
    lines = text.splitlines()
    tables = [n for n, line in enumerate(lines, 1) if _WAIVER_TABLE.match(line)]
    if len(tables) < index:  # inline array of tables: fall back to mentions
        return _at(where, text, check or "waivers", nth=index)
    start = tables[index - 1]
    number = start
    for offset, line in enumerate(lines[start:], start + 1):
        if line.lstrip().startswith("["):
            break
        if check and check in line:
            number = offset
            break
    return f"{where.split(' [', 1)[0]}:{number}"


def _at(where: str, text: str, needle: str, nth: int = 1) -> str:
    """``file:line`` of the nth line mentioning ``needle``, for one-line errors."""
    if text:
        seen = 0
        for number, line in enumerate(text.splitlines(), 1):
            if needle in line:
                seen += 1
                if seen == nth:
                    path = where.split(" [", 1)[0]
                    return f"{path}:{number}"
    return where
