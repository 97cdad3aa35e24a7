"""Several deployments side by side: one row per concern, one column per deployment.

The project's seed is a comparison of the same concerns across pip, a manual VM,
Compose and Kubernetes. When one run audits several targets, every format shows that
table measured: each cell is the row's score on that target and its worst status, and
the foot carries each target's overall score, grade and verdict. This module builds the
table as plain data; the terminal, Markdown and HTML renderers only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.model import Report, Row, Status, TargetReport

# Worst first: what a reader must see in a cell when the row has several statuses. A skip
# ranks last: a row that passed what it could evaluate reads "pass", and "skip" means
# nothing in the row could be evaluated.
WORST_FIRST = (Status.FAIL, Status.ERROR, Status.WARN, Status.PASS, Status.WAIVED,
               Status.SKIP)


@dataclass(frozen=True)
class Cell:
    score: float | None
    """The row's score on this target; None when nothing in the row was evaluated."""
    worst: Status | None
    """The worst status among the row's findings; None when no check of the row applies."""

    @property
    def text(self) -> str:
        if self.worst is None:
            return "-"
        shown = "n/a" if self.score is None else f"{self.score:.0f}"
        return f"{shown} {self.worst.value}"


@dataclass(frozen=True)
class Column:
    target: str
    style: str
    app: str | None
    score: float | None
    grade: str | None
    ready: bool

    @property
    def header(self) -> str:
        return f"{self.style} · {self.app}" if self.app else self.style

    @property
    def foot(self) -> str:
        if self.score is None:
            return "n/a, not ready"
        return f"{self.score:.1f} {self.grade}, {'ready' if self.ready else 'not ready'}"


@dataclass(frozen=True)
class SideBySide:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Row, tuple[Cell, ...]], ...]
    """Only rows that apply to at least one target, in the comparison's order."""


def _cell(target: TargetReport, row: Row) -> Cell:
    statuses = {f.status for f in target.findings if f.row == row}
    worst = next((s for s in WORST_FIRST if s in statuses), None)
    row_score = target.score.rows.get(row)
    return Cell(score=row_score.value if row_score else None, worst=worst)


def side_by_side(report: Report) -> SideBySide | None:
    """The comparison table, or None for a run of fewer than two targets."""
    if len(report.targets) < 2:
        return None
    columns = tuple(Column(target=t.target, style=t.style.value, app=t.app,
                           score=t.score.value, grade=t.score.grade, ready=t.score.ready)
                    for t in report.targets)
    rows = []
    for row in Row:
        cells = tuple(_cell(t, row) for t in report.targets)
        if any(c.worst is not None for c in cells):
            rows.append((row, cells))
    return SideBySide(columns=columns, rows=tuple(rows))
