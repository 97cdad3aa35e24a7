"""A JSON report (schema_version 1) read back into the typed model.

Every format renders from :class:`~auditor.model.Report`, so a stored report (a baseline,
a history entry, the NEW side of ``auditor diff``) can be rendered in any format without
auditing again. The reader is strict about shape and names the file and the JSON path
of the first thing it cannot use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from auditor.compare import BaselineError, read_json
from auditor.model import (
    Detection,
    Finding,
    Location,
    Report,
    Row,
    RowScore,
    Score,
    Severity,
    Status,
    Style,
    TargetReport,
    WaiverOutcome,
    WaiverRef,
)


class _Bad(Exception):
    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")


def _map(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Bad(where, "expected an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(where, "expected a list")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _Bad(where, "expected a string")
    return value


def _opt_num(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(where, "expected a number or null")
    return float(value)


E = TypeVar("E", Row, Style, Severity, Status)


def _enum(kind: type[E], value: Any, where: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise _Bad(where, f"unknown {kind.__name__.lower()} {value!r}") from None


def _score(data: Any, where: str) -> Score:
    score = _map(data, where)
    rows = {}
    for name, raw in _map(score.get("rows", {}), f"{where}.rows").items():
        row = _enum(Row, name, f"{where}.rows")
        entry = _map(raw, f"{where}.rows.{name}")
        rows[row] = RowScore(_opt_num(entry.get("value"), f"{where}.rows.{name}.value"),
                             int(entry.get("evaluated", 0)), int(entry.get("failed", 0)))
    grade = score.get("grade")
    return Score(value=_opt_num(score.get("value"), f"{where}.value"),
                 grade=grade if isinstance(grade, str) else None,
                 ready=bool(score.get("ready")),
                 coverage=_opt_num(score.get("coverage"), f"{where}.coverage"), rows=rows,
                 ready_reasons=tuple(str(r) for r in _list(score.get("ready_reasons", []),
                                                         f"{where}.ready_reasons")))


def _finding(data: Any, where: str) -> Finding:
    f = _map(data, where)
    location = f.get("location")
    loc = None
    if location is not None:
        spot = _map(location, f"{where}.location")
        line = spot.get("line")
        loc = Location(_str(spot.get("path"), f"{where}.location.path"),
                       line if isinstance(line, int) else None)
    waiver = f.get("waiver")
    ref = None
    if waiver is not None:
        w = _map(waiver, f"{where}.waiver")
        expires = w.get("expires")
        ref = WaiverRef(_str(w.get("reason"), f"{where}.waiver.reason"),
                        expires if isinstance(expires, str) else None, str(w.get("source", "")))
    return Finding(
        check_id=_str(f.get("check_id"), f"{where}.check_id"),
        row=_enum(Row, f.get("row"), f"{where}.row"),
        style=_enum(Style, f.get("style"), f"{where}.style"),
        severity=_enum(Severity, f.get("severity"), f"{where}.severity"),
        status=_enum(Status, f.get("status"), f"{where}.status"),
        title=str(f.get("title", "")), message=str(f.get("message", "")),
        subject=_str(f.get("subject"), f"{where}.subject"),
        remediation=str(f.get("remediation", "")), location=loc,
        evidence=tuple(str(e) for e in _list(f.get("evidence", []), f"{where}.evidence")),
        waiver=ref,
    )


def _target(data: Any, where: str) -> TargetReport:
    t = _map(data, where)
    style = _enum(Style, t.get("style"), f"{where}.style")
    detection = _map(t.get("detection", {}), f"{where}.detection")
    app = t.get("app") if isinstance(t.get("app"), str) else None
    return TargetReport(
        target=_str(t.get("target"), f"{where}.target"), style=style, app=app,
        detection=Detection(style, float(detection.get("confidence", 0.0)),
                            tuple(str(e) for e in detection.get("evidence", [])), app),
        score=_score(t.get("score"), f"{where}.score"),
        findings=tuple(_finding(f, f"{where}.findings[{i}]")
                       for i, f in enumerate(_list(t.get("findings"), f"{where}.findings"))),
        problems=tuple(str(p) for p in _list(t.get("problems", []), f"{where}.problems")),
    )


def _waiver(data: Any, where: str) -> WaiverOutcome:
    w = _map(data, where)
    expires = w.get("expires")
    return WaiverOutcome(check=str(w.get("check", "")), subject=str(w.get("subject", "")),
                         reason=str(w.get("reason", "")),
                         expires=expires if isinstance(expires, str) else None,
                         state=str(w.get("state", "")), matched=int(w.get("matched", 0)),
                         source=str(w.get("source", "")))


def report_from_data(data: Any, path: str) -> Report:
    try:
        root = _map(data, "$")
        if root.get("schema_version") != 1:
            raise _Bad("$.schema_version", "not a deploy-auditor report (schema_version 1)")
        tool = _map(root.get("tool", {}), "$.tool")
        duration = _opt_num(root.get("duration_s", 0), "$.duration_s")
        return Report(
            tool_version=str(tool.get("version", "?")),
            started_at=_str(root.get("started_at"), "$.started_at"),
            duration_s=duration or 0.0,
            score=_score(root.get("score"), "$.score"),
            targets=tuple(_target(t, f"$.targets[{i}]")
                          for i, t in enumerate(_list(root.get("targets"), "$.targets"))),
            waivers=tuple(_waiver(w, f"$.waivers[{i}]")
                          for i, w in enumerate(_list(root.get("waivers", []), "$.waivers"))),
            problems=tuple(str(p) for p in _list(root.get("problems", []), "$.problems")),
        )
    except _Bad as exc:
        raise BaselineError(f"{path}: {exc}") from None


def load_report(path: str, role: str = "report") -> Report:
    return report_from_data(read_json(path, role), path)
