"""The JSON report (contract, schema_version 1). Schema: auditor/schema/report.schema.json."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from auditor.model import Finding, Report, Score, TargetReport
from auditor.reports.base import RenderOptions

if TYPE_CHECKING:
    from auditor.compare import Comparison

SCHEMA_VERSION = 1
TOOL_NAME = "deploy-auditor"


def score_dict(score: Score, with_rows: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "value": score.value,
        "grade": score.grade,
        "ready": score.ready,
        "coverage": score.coverage,
        "ready_reasons": list(score.ready_reasons),
    }
    if with_rows:
        data["rows"] = {
            row.value: {"value": rs.value, "evaluated": rs.evaluated, "failed": rs.failed}
            for row, rs in score.rows.items()
        }
    return data


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "check_id": finding.check_id,
        "row": finding.row.value,
        "style": finding.style.value,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "title": finding.title,
        "message": finding.message,
        "subject": finding.subject,
        "location": (
            {"path": finding.location.path, "line": finding.location.line}
            if finding.location
            else None
        ),
        "evidence": list(finding.evidence),
        "remediation": finding.remediation,
        "fingerprint": finding.fingerprint,
        "waiver": (
            {
                "reason": finding.waiver.reason,
                "expires": finding.waiver.expires,
                "source": finding.waiver.source,
            }
            if finding.waiver
            else None
        ),
    }


def target_dict(target: TargetReport, findings: Any = None) -> dict[str, Any]:
    return {
        "target": target.target,
        "style": target.style.value,
        "app": target.app,
        "detection": {
            "confidence": target.detection.confidence,
            "evidence": list(target.detection.evidence),
        },
        "score": score_dict(target.score, with_rows=True),
        "findings": [finding_dict(f) for f in target.findings] if findings is None
        else findings,
        "problems": list(target.problems),
    }


def report_dict(report: Report, comparison: Comparison | None = None,
                findings: Sequence[Any] | None = None) -> dict[str, Any]:
    """The report as JSON data; ``findings``, one per target, stands in for their findings
    (the streaming writer passes placeholders)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "started_at": report.started_at,
        "duration_s": report.duration_s,
        "score": score_dict(report.score, with_rows=False),
        "targets": [target_dict(t, None if findings is None else findings[i])
                    for i, t in enumerate(report.targets)],
        "waivers": [
            {
                "check": w.check,
                "subject": w.subject,
                "reason": w.reason,
                "expires": w.expires,
                "state": w.state,
                "matched": w.matched,
                "source": w.source,
            }
            for w in report.waivers
        ],
        "problems": list(report.problems),
        "comparison": comparison.as_dict() if comparison else None,
    }


def render_json(report: Report, options: RenderOptions) -> str:
    buffer = io.StringIO()
    write_json(report, options, buffer)
    return buffer.getvalue()


def write_json(report: Report, options: RenderOptions, handle: TextIO) -> None:
    """Indented JSON with one finding per line.

    ``json.dump`` with ``indent`` runs CPython's pure-Python encoder, the slowest part of a
    large audit; the frame of the report is small and indented, and each finding is encoded
    by the C encoder on a line of its own, which also makes reports diff one finding per
    line. Only one finding's text exists at a time."""
    # Placeholders no audited string can equal: NUL cannot come from a file name or an
    # argument, and the token is new for every report.
    token = secrets.token_hex(8)
    marks = [f"\x00findings:{token}:{i}\x00" for i in range(len(report.targets))]
    frame = json.dumps(report_dict(report, options.comparison, marks), indent=2,
                       ensure_ascii=False)
    for i, target in enumerate(report.targets):
        head, _, frame = frame.partition(json.dumps(marks[i]))
        handle.write(head)
        indent = " " * _column(head)
        if not target.findings:
            handle.write("[]")
            continue
        handle.write("[")
        for n, finding in enumerate(target.findings):
            handle.write(",\n" if n else "\n")
            handle.write(indent + "  ")
            handle.write(json.dumps(finding_dict(finding), ensure_ascii=False))
        handle.write("\n" + indent + "]")
    handle.write(frame)
    handle.write("\n")


def _column(head: str) -> int:
    """The indentation of the line on which ``head`` ends (the ``"findings":`` key)."""
    line = head[head.rfind("\n") + 1:]
    return len(line) - len(line.lstrip(" "))
