"""Pieces of the terminal report: one block per check, the verdict with its reasons, and
lines that keep their indentation when they wrap.

A check that fails on six objects is one block: its title, its subjects under it (one
line each, with where), and its fix once; ``-v`` adds each subject's evidence. Blocks
are ordered by severity, then status (fail, error, warn), then id, so the critical
findings come first whatever row they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from auditor.model import Finding, Score, Severity, Status

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
GRADE_STYLES = {"A": "bold green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}
# A block's status is the worst of its subjects'.
STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.WAIVED)
BLOCKING = (Severity.CRITICAL, Severity.HIGH)


def hanging(indent: int, label: str, value: RenderableType, label_style: str = "dim"
            ) -> Table:
    """``label value`` indented by ``indent`` columns, the value's wrapped lines kept under
    its first character (not back at column 0)."""
    grid = Table.grid(padding=(0, 1, 0, 0), pad_edge=False)
    cells: list[RenderableType] = []
    if indent:
        grid.add_column(width=indent - 1, no_wrap=True)
        cells.append("")
    if label:
        grid.add_column(no_wrap=True, style=label_style)
        cells.append(label)
    grid.add_column(overflow="fold")
    cells.append(Text(value) if isinstance(value, str) else value)
    grid.add_row(*cells)
    return grid


def marks_line(findings: Iterable[Finding]) -> Text:
    text = Text()
    for finding in findings:
        text.append(MARKS[finding.status], style=STYLES[finding.status])
    return text


def score_text(score: Score) -> Text:
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


def reasons(score: Score, indent: str) -> list[object]:
    """One line per READY criterion that failed (and the grade cap)."""
    return [hanging(len(indent), "why:", Text(reason, style="yellow"))
            for reason in score.ready_reasons]


@dataclass(frozen=True)
class CheckBlock:
    """One check's findings that need attention (or are waived), on one target."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def status(self) -> Status:
        statuses = {f.status for f in self.findings}
        return next(s for s in STATUS_ORDER if s in statuses)

    @property
    def key(self) -> tuple[int, int, str]:
        return (-self.first.severity.rank, STATUS_ORDER.index(self.status), self.first.check_id)


def blocks(findings: Sequence[Finding], statuses: Sequence[Status]) -> list[CheckBlock]:
    """Findings with one of ``statuses``, one block per check, most severe first."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.status in statuses:
            grouped.setdefault(finding.check_id, []).append(finding)
    return sorted((CheckBlock(tuple(group)) for group in grouped.values()),
                  key=lambda b: b.key)


def _where(finding: Finding) -> str:
    if finding.location is None:
        return ""
    line = f":{finding.location.line}" if finding.location.line else ""
    return f"  ({finding.location.path}{line})"


def _by_message(block: CheckBlock, verbose: bool) -> list[list[Finding]]:
    """Subjects that say the same thing (status, message, waiver) share one message line,
    in order of first appearance; verbose, every subject stands alone with its evidence."""
    if verbose:
        return [[f] for f in block.findings]
    groups: dict[tuple[Status, str, object], list[Finding]] = {}
    for finding in block.findings:
        groups.setdefault((finding.status, finding.message, finding.waiver), []).append(finding)
    return list(groups.values())


def check_block(block: CheckBlock, verbose: bool) -> Group:
    first = block.first
    head = Table.grid(padding=(0, 1), pad_edge=False)
    head.add_column(width=1, no_wrap=True)
    head.add_column(width=5, no_wrap=True)
    head.add_column(width=8, no_wrap=True)
    head.add_column(no_wrap=True)
    head.add_column(overflow="fold")
    head.add_row("", Text(block.status.value.upper(), style=STYLES[block.status]),
                 first.severity.value, Text(first.check_id, style="bold"), first.title)
    parts: list[Table] = [head]
    for group in _by_message(block, verbose):
        for finding in group:
            line = Text()
            if len(block.findings) > 1 and finding.status != block.status:
                line.append(f"[{finding.status.value}] ", style=STYLES[finding.status])
            line.append(finding.subject, style="bold")
            line.append(_where(finding), style="dim")
            parts.append(hanging(5, "-", line))
        last = group[-1]
        parts.append(hanging(7, "", last.message))
        if verbose:
            parts.extend(hanging(7, "evidence:", e) for e in last.evidence)
        if last.waiver:
            expires = f" (expires {last.waiver.expires})" if last.waiver.expires else ""
            parts.append(hanging(7, "waived:", last.waiver.reason + expires))
    if block.status is not Status.WAIVED:
        parts.append(hanging(5, "fix:", first.remediation))
    return Group(*parts)
