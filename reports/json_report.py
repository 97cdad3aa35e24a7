"""The JSON report (contract, schema_version 1). Schema: auditor/schema/report.schema.json."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
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


class _LazyList(list[dict[str, Any]]):
    """A list the JSON encoder walks without holding every element: findings are turned
    into dicts one at a time while a large report streams to its file."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__()
        self._findings = findings

    def __len__(self) -> int:
        return len(self._findings)

    def __bool__(self) -> bool:
        return bool(self._findings)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (finding_dict(f) for f in self._findings)


def target_dict(target: TargetReport, lazy: bool = False) -> dict[str, Any]:
    return {
        "target": target.target,
        "style": target.style.value,
        "app": target.app,
        "detection": {
            "confidence": target.detection.confidence,
            "evidence": list(target.detection.evidence),
        },
        "score": score_dict(target.score, with_rows=True),
        "findings": _LazyList(target.findings) if lazy else [
            finding_dict(f) for f in target.findings],
        "problems": list(target.problems),
    }


def report_dict(report: Report, lazy: bool = False,
                comparison: Comparison | None = None) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "started_at": report.started_at,
        "duration_s": report.duration_s,
        "score": score_dict(report.score, with_rows=False),
        "targets": [target_dict(t, lazy) for t in report.targets],
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
    data = report_dict(report, comparison=options.comparison)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_json(report: Report, options: RenderOptions, handle: TextIO) -> None:
    # json.dump with indent encodes incrementally, so only one finding dict lives at a time.
    data = report_dict(report, lazy=True, comparison=options.comparison)
    json.dump(data, handle, indent=2, ensure_ascii=False)
    handle.write("\n")
