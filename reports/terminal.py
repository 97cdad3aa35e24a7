"""The terminal report: verdict first, then what blocks it, readable at any width.

Order, for people who read the first screen only: the verdict (the only target's, or the
overall one) with each reason it is not READY; per target, the blockers (critical and
high failures, one block per check with its subjects under it); the rows at a glance;
the other findings by severity; waivers and problems. The closing line repeats grade and
verdict, coloured. Every line keeps its indentation when it wraps (termblocks.hanging).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.compare import Comparison
from auditor.model import Finding, Report, Row, Status, TargetReport
from auditor.reports.base import RenderOptions
from auditor.reports.sidebyside import side_by_side
from auditor.reports.termblocks import (
    BLOCKING,
    GRADE_STYLES,
    STYLES,
    blocks,
    check_block,
    hanging,
    marks_line,
    reasons,
    score_text,
)
from auditor.text import without_controls

SUMMARY_WORDS = (
    (Status.PASS, "passed"),
    (Status.WARN, "warned"),
    (Status.FAIL, "failed"),
    (Status.ERROR, "errors"),
    (Status.SKIP, "skipped"),
    (Status.WAIVED, "waived"),
)
ATTENTION = (Status.FAIL, Status.ERROR, Status.WARN)


def closing_line(report: Report) -> str:
    counts = {status: 0 for status in Status}
    for target in report.targets:
        for finding in target.findings:
            counts[finding.status] += 1
    parts = [f"{counts[s]} {word}" for s, word in SUMMARY_WORDS if counts[s]]
    body = ", ".join(parts) or "no findings"
    score = report.score
    grade = f"grade {score.grade}" if score.grade else "no grade"
    verdict = "READY" if score.ready else "NOT READY"
    return f"== {verdict}, {grade}: {body} in {report.duration_s:.2f}s =="


def _closing(report: Report) -> Table:
    ready, grade = report.score.ready, report.score.grade
    style = "bold green" if ready else ("bold yellow" if grade in ("A", "B", "C")
                                        else "bold red")
    # Wider than the terminal (every status present, at 60 columns): wraps under its text.
    return hanging(0, "==", Text(closing_line(report).removeprefix("== "), style=style),
                   label_style=style)


def _verdict(report: Report) -> list[object]:
    """The first lines: the verdict (the only target's, or the overall one) and why."""
    score = report.targets[0].score if len(report.targets) == 1 else report.score
    head = score_text(score)
    if len(report.targets) > 1:
        head.append(f"  overall, {len(report.targets)} targets")
    return [hanging(0, "", head), *reasons(score, "  "), Text("")]


def _rows_table(target: TargetReport) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    # Fixed widths: a row of 120 marks must not squeeze the names and numbers away.
    table.add_column("row", no_wrap=True, min_width=14)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("checks", justify="right", no_wrap=True, min_width=6)
    table.add_column("failed", justify="right", no_wrap=True, min_width=6)
    table.add_column("status", no_wrap=True, overflow="ellipsis")
    for row in Row:
        row_score = target.score.rows.get(row)
        if row_score is None:
            continue
        in_row = [f for f in target.findings if f.row == row]
        value = "-" if row_score.value is None else f"{row_score.value:.0f}"
        style = "red" if row_score.failed else ("green" if row_score.value == 100 else "yellow")
        table.add_row(row.value, Text(value, style=style), str(row_score.evaluated),
                      str(row_score.failed), marks_line(in_row))
    return hanging(2, "", table)


def _target_section(target: TargetReport, options: RenderOptions, alone: bool
                    ) -> list[object]:
    title = Text(target.target, style="bold")
    title.append(f"  [{target.style.value}")
    if target.app:
        title.append(f" · {target.app}")
    title.append(f"]  detected {target.detection.confidence:.0%}")
    parts: list[object] = [hanging(0, "", title)]
    parts.extend(hanging(2, "evidence:", e) for e in target.detection.evidence)
    if not alone:  # alone, the verdict at the top is this target's
        parts.append(hanging(2, "", score_text(target.score)))
        parts.extend(reasons(target.score, "  "))
    attention = blocks(target.findings, ATTENTION)
    blocking = [b for b in attention
                if b.first.severity in BLOCKING and b.status in (Status.FAIL, Status.ERROR)]
    rest = [b for b in attention if b not in blocking]
    if blocking:
        parts += [Text(""), Text(" blockers (critical and high failures)",
                                 style="bold underline")]
        parts.extend(check_block(b, options.verbose) for b in blocking)
    parts += [Text(""), hanging(2, "", marks_line(target.findings)), Text(""),
              _rows_table(target)]
    if options.verbose:
        parts.append(Text(""))
        for finding in target.findings:
            line = Text(f"{finding.status.value.upper():<6}", style=STYLES[finding.status])
            line.append(f"{finding.check_id} {finding.subject}: {finding.message}")
            parts.append(hanging(2, "", line))
    if rest:
        parts += [Text(""), Text(" to improve (by severity)", style="bold underline")]
        parts.extend(check_block(b, options.verbose) for b in rest)
    waived = blocks(target.findings, (Status.WAIVED,))
    if waived:
        parts += [Text(""), Text(" waived", style="bold underline")]
        parts.extend(check_block(b, options.verbose) for b in waived)
    if target.problems:
        parts += [Text(""), Text(" problems (lower coverage)", style="bold underline")]
        parts.extend(hanging(2, "-", p) for p in target.problems)
    parts.append(Text(""))
    return parts


def _comparison(comparison: Comparison) -> list[object]:
    old, new, delta = comparison.old.score, comparison.new.score, comparison.score_delta
    head = Text(f" since baseline {comparison.old.path}", style="bold underline")
    score = Text("  score ")
    score.append("n/a" if old is None else f"{old:.1f}")
    score.append(" -> ")
    score.append("n/a" if new is None else f"{new:.1f}")
    if delta is not None:
        score.append(f" ({delta:+.1f})", style="red" if delta < 0 else "green")
    score.append(f"; {len(comparison.new_failures)} new failing, {len(comparison.fixed)} "
                 f"fixed, {len(comparison.unchanged)} still failing")
    parts: list[object] = [head, score]
    for label, refs, style in (("new", comparison.new_failures, "bold red"),
                               ("fixed", comparison.fixed, "green")):
        for ref in refs:
            line = Text("  ")
            line.append(f"{label:<6}", style=style)
            line.append(f"{ref.severity:<8} {ref.check_id}  {ref.subject}")
            parts.append(line)
    return parts


SIDE_LABEL = 18  # indented 2, "load-balancing" and "config-secrets", and the gap
SIDE_COLUMN = 10  # "100 pass", "n/a skip", "not ready"


def _side_by_side(report: Report, width: int) -> list[object]:
    """The comparison table, in blocks of as many targets as the width holds."""
    table = side_by_side(report)
    if table is None:
        return []
    per_block = max(1, (width - SIDE_LABEL) // (SIDE_COLUMN + 2))
    parts: list[object] = [Text(" side by side", style="bold underline")]
    for start in range(0, len(table.columns), per_block):
        columns = table.columns[start:start + per_block]
        grid = Table(box=None, pad_edge=False, show_edge=False, header_style="bold",
                     padding=(0, 2, 0, 0))
        grid.add_column("row", width=SIDE_LABEL - 4, no_wrap=True)
        for column in columns:
            name = PurePosixPath(column.target).name or column.target
            head = "\n".join((*_folded(name, SIDE_COLUMN), column.style, column.app or ""))
            grid.add_column(head.rstrip("\n"), width=SIDE_COLUMN, overflow="ellipsis")
        for row, cells in table.rows:
            shown = cells[start:start + per_block]
            grid.add_row(row.value, *(Text(c.text, style=STYLES[c.worst] if c.worst else "dim")
                                      for c in shown))
        grid.add_row(Text("score", style="bold"), *(
            Text("n/a" if c.score is None else f"{c.score:.1f} {c.grade}",
                 style=GRADE_STYLES.get(c.grade or "", "bold")) for c in columns))
        grid.add_row(Text("verdict", style="bold"), *(
            Text("ready" if c.ready else "not ready",
                 style="bold green" if c.ready else "bold red") for c in columns))
        parts += [hanging(2, "", grid), Text("")]
    return parts


def _folded(text: str, width: int, lines: int = 2) -> list[str]:
    """``text`` over at most ``lines`` lines of ``width``; longer, its start is cut
    (names differ at their end: eu-production, us-production)."""
    room = width * lines
    if len(text) > room:
        text = "…" + text[-(room - 1):]
    return [text[i:i + width] for i in range(0, len(text), width)]


def _footer(report: Report, options: RenderOptions) -> list[object]:
    parts: list[object] = _side_by_side(report, options.width)
    if options.comparison is not None:
        parts.extend(_comparison(options.comparison))
    notable = [w for w in report.waivers if w.state != "active"]
    if notable:
        parts.append(Text(" waivers", style="bold underline"))
        for w in notable:
            parts.append(hanging(2, "-", Text(f"{w.state}: {w.check} {w.subject} ({w.reason})",
                                              style="yellow")))
    if report.problems:
        parts.append(Text(" run problems", style="bold underline"))
        parts.extend(hanging(2, "-", p) for p in report.problems)
    parts.append(_closing(report))
    return parts


def _clean_finding(f: Finding) -> Finding:
    clean = without_controls
    return replace(
        f, subject=clean(f.subject), message=clean(f.message), title=clean(f.title),
        remediation=clean(f.remediation), evidence=tuple(clean(e) for e in f.evidence),
        location=replace(f.location, path=clean(f.location.path)) if f.location else None,
        waiver=replace(f.waiver, reason=clean(f.waiver.reason)) if f.waiver else None)


def _clean_report(report: Report) -> Report:
    """The report with every string from the audited world free of terminal controls."""
    clean = without_controls
    targets = tuple(replace(
        t, target=clean(t.target), problems=tuple(clean(p) for p in t.problems),
        detection=replace(t.detection,
                          evidence=tuple(clean(e) for e in t.detection.evidence)),
        findings=tuple(_clean_finding(f) for f in t.findings)) for t in report.targets)
    waivers = tuple(replace(w, subject=clean(w.subject), reason=clean(w.reason))
                    for w in report.waivers)
    return replace(report, targets=targets, waivers=waivers,
                   problems=tuple(clean(p) for p in report.problems))


def render_terminal(report: Report, options: RenderOptions) -> str:
    report = _clean_report(report)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=options.width,
        force_terminal=options.color,
        color_system="standard" if options.color else None,
        no_color=not options.color,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )
    alone = len(report.targets) == 1
    body: Sequence[object] = [
        *_verdict(report),
        *(part for target in report.targets for part in _target_section(target, options, alone)),
    ]
    for part in (*body, *_footer(report, options)):
        console.print(part)
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))
