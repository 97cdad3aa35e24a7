"""One logfmt line per run, for schedulers and log collectors (``--log PATH|-``).

A line is written with a single ``write`` on a file opened for appending, so the lines of
runs that end at the same moment never interleave.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from auditor.model import Report, Status

_BARE = re.compile(r"^[A-Za-z0-9_.:/@+,=-]+$")


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '""'
    text = " ".join(str(value).split())
    if _BARE.match(text) and "=" not in text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def logfmt(fields: Mapping[str, object]) -> str:
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def run_fields(report: Report, gates: Sequence[tuple[str, str]],
               outputs: Sequence[tuple[str, str]], exit_code: int) -> dict[str, object]:
    """The fields of a finished run; ``gates`` is each tripped gate as (name, reason)."""
    counts = {status: 0 for status in Status}
    for target in report.targets:
        for finding in target.findings:
            counts[finding.status] += 1
    score = report.score
    fields: dict[str, object] = {
        "time": report.started_at,
        "level": "warn" if gates else "info",
        "msg": "audit finished",
        "targets": len(report.targets),
        "score": None if score.value is None else f"{score.value:.1f}",
        "grade": score.grade,
        "ready": score.ready,
        "coverage": None if score.coverage is None else f"{score.coverage:.2f}",
    }
    fields.update({status.value: counts[status] for status in Status})
    fields["problems"] = sum(len(t.problems) for t in report.targets) + len(report.problems)
    # Which gate, so an alert can tell "coverage" (the audit could not see) from a worse
    # deployment ("fail-under", "fail-on", "regression").
    fields["gate"] = ",".join(dict.fromkeys(name for name, _ in gates)) or "passed"
    if gates:
        fields["reason"] = gates[0][1]
    fields["exit"] = exit_code
    fields["duration_s"] = f"{report.duration_s:.2f}"
    fields["reports"] = ",".join(f"{fmt}:{path}" for fmt, path in outputs if path != "-")
    return fields


def error_fields(message: str) -> dict[str, object]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"time": now, "level": "error", "msg": "audit failed", "error": message, "exit": 2}


def write_line(target: str, fields: Mapping[str, object]) -> None:
    line = (logfmt(fields) + "\n").encode("utf-8", "replace")
    if target == "-":
        sys.stderr.write(line.decode("utf-8"))
        sys.stderr.flush()
        return
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
