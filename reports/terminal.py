"""The terminal report: rich, readable at 80 columns, pytest-like marks and closing line."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from auditor.compare import Comparison
from auditor.model import Finding, Report, Row, Score, Status, TargetReport
from auditor.reports.base import RenderOptions
from auditor.reports.sidebyside import side_by_side
from auditor.text import without_controls

MARKS = {
    Status.PASS: ".",
    Status.FAIL: "F",
    Status.WARN: "W",
    Status.SKIP: "s",
    Status.ERROR: "E",
    Status.WAIVED: "w",
}
STYLES = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.SKIP: "dim",
    Status.ERROR: "bold magenta",
    Status.WAIVED: "cyan",
}
SUMMARY_WORDS = (
    (Status.PASS, "passed"),
    (Status.WARN, "warned"),
    (Status.FAIL, "failed"),
    (Status.ERROR, "errors"),
    (Status.SKIP, "skipped"),
    (Status.WAIVED, "waived"),
)
GRADE_STYLES = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}


def marks_line(findings: Iterable[Finding]) -> Text:
    text = Text()
    for finding in findings:
        text.append(MARKS[finding.status], style=STYLES[finding.status])
    return text


def closing_line(report: Report) -> str:
    counts = {status: 0 for status in Status}
    for target in report.targets:
        for finding in target.findings:
            counts[finding.status] += 1
    parts = [f"{counts[s]} {word}" for s, word in SUMMARY_WORDS if counts[s]]
    body = ", ".join(parts) or "no findings"
    return f"== {body} in {report.duration_s:.2f}s =="


def _score_text(score: Score) -> Text:
    text = Text()
    if score.value is None:
        text.append("Score n/a (nothing evaluated)", style="bold")
    else:
        text.append(f"Score {score.value:.1f}", style="bold")
        text.append("  Grade ")
        grade = score.grade or "-"
        text.append(grade, style=GRADE_STYLES.get(grade, "bold"))
    text.append("  ")
    text.append("READY" if score.ready else "NOT READY",
                style="bold green" if score.ready else "bold red")
    if score.coverage is not None:
        text.append(f"  coverage {score.coverage:.0%}")
    return text


def _reasons(score: Score, indent: str) -> list[object]:
    """One line per READY criterion that failed (and the grade cap), kept indented when
    it wraps."""
    lines: list[object] = []
    for reason in score.ready_reasons:
        grid = Table.grid(padding=(0, 1), pad_edge=False)
        grid.add_column(width=len(indent) + 4, no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(Text(f"{indent}why:", style="dim"), Text(reason, style="yellow"))
        lines.append(grid)
    return lines


def _rows_table(target: TargetReport) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("row", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("checks", justify="right", no_wrap=True)
    table.add_column("failed", justify="right", no_wrap=True)
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
    return table


def _finding_block(finding: Finding) -> Group:
    head = Table.grid(padding=(0, 1), pad_edge=False)
    head.add_column(width=1, no_wrap=True)
    head.add_column(width=5, no_wrap=True)
    head.add_column(width=8, no_wrap=True)
    head.add_column(no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row("", Text(finding.status.value.upper(), style=STYLES[finding.status]),
                 finding.severity.value, Text(finding.check_id, style="bold"), finding.title)
    detail = [("subject", finding.subject), ("why", finding.message)]
    if finding.location:
        where = finding.location.path
        if finding.location.line:
            where += f":{finding.location.line}"
        detail.append(("at", where))
    detail.extend(("evidence", e) for e in finding.evidence)
    if finding.waiver:
        expires = f" (expires {finding.waiver.expires})" if finding.waiver.expires else ""
        detail.append(("waived", finding.waiver.reason + expires))
    else:
        detail.append(("fix", finding.remediation))
    # A grid keeps wrapped values indented under their column instead of at column 0.
    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(width=4, no_wrap=True)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in detail:
        grid.add_row("", label + ":", Text(value))
    return Group(head, grid)


def _target_section(target: TargetReport, options: RenderOptions) -> list[object]:
    parts: list[object] = []
    title = Text(target.target, style="bold")
    title.append(f"  [{target.style.value}")
    if target.app:
        title.append(f" · {target.app}")
    title.append(f"]  detected {target.detection.confidence:.0%}")
    parts.append(title)
    for evidence in target.detection.evidence:
        parts.append(Text(f"  evidence: {evidence}", style="dim"))
    parts.append(Text("  ").append_text(marks_line(target.findings)))
    parts.append(Text("  ").append_text(_score_text(target.score)))
    parts.extend(_reasons(target.score, "  "))
    parts.append(Text(""))
    parts.append(_rows_table(target))
    if options.verbose:
        parts.append(Text(""))
        for finding in target.findings:
            line = Text("  ")
            line.append(f"{finding.status.value.upper():<6}", style=STYLES[finding.status])
            line.append(f"{finding.check_id} {finding.subject}: {finding.message}")
            parts.append(line)
    attention = [f for f in target.findings if f.status in (Status.FAIL, Status.WARN,
                                                              Status.ERROR)]
    for row in Row:
        in_row = [f for f in attention if f.row == row]
        if not in_row:
            continue
        parts.append(Text(""))
        parts.append(Text(f" {row.value}", style="bold underline"))
        parts.extend(_finding_block(f) for f in in_row)
    waived = [f for f in target.findings if f.status == Status.WAIVED]
    if waived:
        parts.append(Text(""))
        parts.append(Text(" waived", style="bold underline"))
        parts.extend(_finding_block(f) for f in waived)
    if target.problems:
        parts.append(Text(""))
        parts.append(Text(" problems (lower coverage)", style="bold underline"))
        parts.extend(Text(f"  - {p}") for p in target.problems)
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


SIDE_LABEL = 16  # "load-balancing" and "config-secrets", and the gap
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
        grid.add_column("row", width=SIDE_LABEL - 2, no_wrap=True)
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
        parts += [grid, Text("")]
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
            parts.append(Text(f"  - {w.state}: {w.check} {w.subject} ({w.reason})",
                              style="yellow"))
    if report.problems:
        parts.append(Text(" run problems", style="bold underline"))
        parts.extend(Text(f"  - {p}") for p in report.problems)
    if len(report.targets) > 1:
        parts.append(Text("Overall  ").append_text(_score_text(report.score)))
        parts.extend(_reasons(report.score, ""))
    parts.append(Text(closing_line(report), style="bold"))
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
    body: Sequence[object] = [
        part for target in report.targets for part in _target_section(target, options)
    ]
    for part in (*body, *_footer(report, options)):
        console.print(part)
    return "\n".join(line.rstrip() for line in buffer.getvalue().split("\n"))
