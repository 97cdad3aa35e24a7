"""Prometheus text exposition (format 0.0.4) for node_exporter's textfile collector and the
Pushgateway.

Every family is a gauge: each run replaces the whole file (or the whole Pushgateway group),
so nothing here accumulates. Samples carry no timestamps: the Pushgateway rejects them and
the textfile collector forbids them.

Choices that alerting depends on:

* A null score, coverage or row score (nothing evaluated) has no sample rather than NaN.
  NaN would poison fleet-wide aggregations (``avg(deploy_auditor_score)`` becomes NaN when
  one target evaluated nothing), while an absent series is left out of them and is found
  with ``deploy_auditor_ready unless on(target, style) deploy_auditor_score``.
  ``deploy_auditor_ready`` and ``deploy_auditor_findings_by_status`` always have samples.
* The grade is numeric (A=4, B=3, C=2, D=1, F=0) rather than a ``grade`` label: one stable
  series per target, so a grade change is a value change instead of one series ending and
  another starting, and "worse than C" is ``deploy_auditor_grade < 2``.
* Findings by row, status and severity are emitted only where the count is non-zero (17 rows
  x 6 statuses x 5 severities of zeros per target would be mostly noise);
  ``deploy_auditor_findings_by_status`` has every status per target, zeros included, so that
  ``deploy_auditor_findings_by_status{status="fail"} > 0`` sees 0 rather than nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from auditor.model import Report, Score, Severity, Status, TargetReport
from auditor.reports.base import RenderOptions

PREFIX = "deploy_auditor_"

GRADE_VALUES = {"A": 4, "B": 3, "C": 2, "D": 1, "F": 0}

Labels = tuple[tuple[str, str], ...]


@dataclass
class Family:
    """One metric family: declared once, its samples written together."""

    name: str
    help: str
    samples: list[tuple[Labels, float]] = field(default_factory=list)

    def add(self, labels: Labels, value: float | None) -> None:
        if value is not None:
            self.samples.append((labels, value))


def render_prometheus(report: Report, options: RenderOptions) -> str:
    return "".join(_lines(_families(report)))


def _families(report: Report) -> list[Family]:
    score = Family("score", "Readiness score of a target, 0-100 (no sample: nothing evaluated).")
    grade = Family("grade", "Grade of a target: A=4, B=3, C=2, D=1, F=0.")
    ready = Family("ready", "1 when a target is ready for production, else 0.")
    coverage = Family("coverage_ratio",
                      "Weight of evaluated checks over weight of applicable checks, 0-1.")
    row_score = Family("row_score", "Score of one comparison row of a target, 0-100.")
    findings = Family("findings",
                      "Findings (check and subject) by row, status and severity; non-zero only.")
    # Not "findings_total": by Prometheus naming, a _total suffix marks a counter.
    findings_by_status = Family("findings_by_status",
                                "Findings of a target by status, zeros included.")
    problems = Family("problems", "Facts that could not be collected for a target.")

    for target, labels in zip(report.targets, _target_labels(report.targets), strict=True):
        # Only the score names the app: it is constant per target, one label is enough to
        # join on, and fewer labels elsewhere keep rules short.
        score.add((*labels, ("app", _label(target.app or ""))), target.score.value)
        _add_score(target.score, labels, grade, ready, coverage)
        for row, row_value in target.score.rows.items():
            row_score.add((*labels, ("row", row.value)), row_value.value)
        by_status = Counter(f.status for f in target.findings)
        for status in Status:
            findings_by_status.add((*labels, ("status", status.value)), by_status[status])
        combos = Counter((f.row, f.status, f.severity) for f in target.findings)
        for (row, status, severity), count in sorted(
            combos.items(), key=lambda item: (item[0][0].value, item[0][1].value,
                                              _severity_order(item[0][2]))
        ):
            findings.add((*labels, ("row", row.value), ("status", status.value),
                          ("severity", severity.value)), count)
        problems.add(labels, len(target.problems))

    overall_score = Family("overall_score", "Score pooled over every target, 0-100.")
    overall_grade = Family("overall_grade", "Grade pooled over every target: A=4 ... F=0.")
    overall_ready = Family("overall_ready", "1 when the run as a whole is ready, else 0.")
    overall_coverage = Family("overall_coverage_ratio", "Coverage pooled over every target, 0-1.")
    overall_score.add((), report.score.value)
    _add_score(report.score, (), overall_grade, overall_ready, overall_coverage)

    last_run = Family("last_run_timestamp_seconds", "Unix time the audit started.")
    last_run.add((), _epoch(report.started_at))
    duration = Family("run_duration_seconds", "Wall-clock duration of the audit.")
    duration.add((), report.duration_s)
    run_problems = Family("run_problems",
                          "Run-wide problems (plugins that failed to load, empty targets).")
    run_problems.add((), len(report.problems))
    info = Family("info", "The auditor that wrote these metrics.")
    info.add((("version", _label(report.tool_version)),), 1)

    return [score, grade, ready, coverage, row_score, findings, findings_by_status, problems,
            overall_score, overall_grade, overall_ready, overall_coverage,
            last_run, duration, run_problems, info]


def _add_score(score: Score, labels: Labels, grade: Family, ready: Family,
               coverage: Family) -> None:
    grade.add(labels, GRADE_VALUES.get(score.grade) if score.grade else None)
    ready.add(labels, 1 if score.ready else 0)
    coverage.add(labels, score.coverage)


def _severity_order(severity: Severity) -> int:
    return -severity.rank


def _target_labels(targets: Sequence[TargetReport]) -> Iterator[Labels]:
    """``target`` and ``style`` labels, unique per entry. Two entries that would share them
    (the same path given twice, or labels equal once control characters are stripped) would
    be duplicate series, which makes node_exporter drop the whole file and the Pushgateway
    reject the push; the later ones get a ``#N`` suffix instead."""
    seen: set[Labels] = set()
    for target in targets:
        base = _label(target.target)
        labels: Labels = (("target", base), ("style", target.style.value))
        n = 1
        while labels in seen:
            n += 1
            labels = (("target", f"{base} #{n}"), ("style", target.style.value))
        seen.add(labels)
        yield labels


def _label(text: str) -> str:
    """Any text from the audited world as a label value: control characters other than
    newline removed, lone surrogates (undecodable bytes kept by ``surrogateescape``) made
    U+FFFD so that the output is valid UTF-8. Escaping happens when the line is written."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and char != "\n":
            continue
        out.append("\ufffd" if category == "Cs" else char)
    return "".join(out)


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _epoch(started_at: str) -> float | None:
    """``started_at`` is ISO 8601 in UTC with a ``Z``; unparseable means no sample."""
    try:
        moment = dt.datetime.fromisoformat(started_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _lines(families: Iterable[Family]) -> Iterator[str]:
    for family in families:
        # A family without samples is left out: HELP and TYPE alone say nothing, and not
        # every consumer accepts them.
        if not family.samples:
            continue
        name = PREFIX + family.name
        yield f"# HELP {name} {_escape_help(family.help)}\n"
        yield f"# TYPE {name} gauge\n"
        for labels, value in family.samples:
            if labels:
                pairs = ",".join(f'{key}="{_escape_label(val)}"' for key, val in labels)
                yield f"{name}{{{pairs}}} {_number(value)}\n"
            else:
                yield f"{name} {_number(value)}\n"
