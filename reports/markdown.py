"""Markdown for a pull-request comment: the verdict, what changed since the baseline, and
what still fails, inside the size a comment may have.

Everything that comes from the audited world (names, annotations, messages) goes through
:func:`cell`, which neutralises both Markdown and the HTML that GitHub and GitLab render
in comments, so an object named ``<img src=x onerror=...>`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from auditor.compare import Comparison, FindingRef
from auditor.model import Finding, Report, Row, Score, Status, TargetReport
from auditor.reports.base import RenderOptions
from auditor.reports.sidebyside import side_by_side

MARKER = "<!-- deploy-auditor report -->"
"""Lets a CI bot find its previous comment and edit it instead of adding another."""
BUDGET = 60_000
"""GitHub refuses comments over 65,536 characters; the tables stop short of that."""
CELL_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# Inline Markdown syntax, table pipes, and '@' (a mention would notify whoever an audited
# object names); a cell never starts a line, so block syntax (#, -, 1.) needs nothing.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~@])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def cell(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` safe inside a table cell: one line, no markup, at most ``limit`` characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    escaped = "".join(_HTML.get(ch, ch) for ch in flat)
    # '&' was turned into an entity above; its ';' and '#' must survive, so only the
    # text outside entities is Markdown-escaped.
    parts = re.split(r"(&(?:amp|lt|gt|quot);)", escaped)
    return "".join(p if p.startswith("&") and p.endswith(";") else _MARKDOWN.sub(r"\\\1", p)
                   for p in parts)


def code(text: str) -> str:
    """An id or a number shown as code; ids are ours, but backticks are removed anyway."""
    return "`" + cell(text).replace("\\", "").replace("`", "") + "`"


def _score(score: Score) -> str:
    if score.value is None:
        return "n/a"
    return f"{score.value:.1f} ({score.grade})"


def _verdict(score: Score) -> str:
    return "✅ ready" if score.ready else "❌ not ready"


def _coverage(score: Score) -> str:
    return "-" if score.coverage is None else f"{score.coverage:.0%}"


def _count(findings: Iterable[Finding], status: Status) -> int:
    return sum(1 for f in findings if f.status is status)


def _summary(report: Report) -> list[str]:
    lines = [
        MARKER,
        f"## deploy-auditor: {_score(report.score)} · {_verdict(report.score)} · "
        f"coverage {_coverage(report.score)}",
        "",
        "| target | style | score | ready | coverage | fail | warn | waived | problems |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for t in report.targets:
        lines.append(
            f"| {cell(t.target, 120)} | {t.style.value} | {_score(t.score)} | "
            f"{_verdict(t.score)} | {_coverage(t.score)} | {_count(t.findings, Status.FAIL)} | "
            f"{_count(t.findings, Status.WARN)} | {_count(t.findings, Status.WAIVED)} | "
            f"{len(t.problems)} |")
    why: list[tuple[TargetReport | None, Score]] = \
        [(None, report.score)] if len(report.targets) > 1 else []
    why += [(t, t.score) for t in report.targets]
    for target, score in why:
        if score.ready_reasons:
            who = "Overall" if target is None else \
                f"{cell(target.target, 120)} ({target.style.value})"
            lines.append("")
            lines.append(f"**Why: {who}**")
            lines.extend(f"- {cell(reason)}" for reason in score.ready_reasons)
    return lines


def _delta(comparison: Comparison) -> str:
    old, new, delta = comparison.old.score, comparison.new.score, comparison.score_delta
    shown = "n/a" if old is None else f"{old:.1f}"
    text = f"score {shown} → {'n/a' if new is None else f'{new:.1f}'}"
    if delta is not None:
        text += f" (**{delta:+.1f}**)" if delta else " (no change)"
    return text


def _ref_rows(refs: Sequence[FindingRef]) -> list[str]:
    lines = ["| severity | check | target | subject | message |", "|---|---|---|---|---|"]
    for ref in refs:
        lines.append(f"| {ref.severity} | {code(ref.check_id)} | {cell(ref.target, 80)} | "
                     f"{cell(ref.subject, 120)} | {cell(ref.message or ref.title)} |")
    return lines


def _comparison(comparison: Comparison) -> list[str]:
    lines = [
        "",
        f"### Since the baseline ({cell(comparison.old.path, 120)})",
        "",
        f"{_delta(comparison)} · **{len(comparison.new_failures)} new failing** · "
        f"{len(comparison.fixed)} fixed · {len(comparison.unchanged)} still failing",
    ]
    if comparison.new_failures:
        lines += ["", f"#### New failing findings ({len(comparison.new_failures)})", ""]
        lines += _ref_rows(comparison.new_failures)
    if comparison.fixed:
        lines += ["", f"#### Fixed ({len(comparison.fixed)})", ""]
        lines += _ref_rows(comparison.fixed)
    return lines


def _failing(report: Report, budget: int) -> list[str]:
    attention = [(t.target, f) for t in report.targets for f in t.findings
                 if f.status in (Status.FAIL, Status.ERROR, Status.WARN)]
    if not attention:
        return ["", "No failing findings."]
    order = {row: i for i, row in enumerate(Row)}
    attention.sort(key=lambda tf: (order[tf[1].row], -tf[1].severity.rank, tf[1].check_id))
    head = [
        "", f"<details><summary>Findings that need attention ({len(attention)})</summary>", "",
        "| row | status | severity | check | target | subject | where | message | fix |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    body: list[str] = []
    used = sum(len(line) + 1 for line in head)
    for target, f in attention:
        line = (f"| {f.row.value} | {f.status.value} | {f.severity.value} | {code(f.check_id)} "
                f"| {cell(target, 80)} | {cell(f.subject, 120)} | {cell(_where(f), 120)} "
                f"| {cell(f.message)} | "
                f"{cell(f.remediation, 200)} |")
        if used + len(line) > budget:
            body.append(f"| … | | | | | {len(attention) - len(body)} more in the full report "
                        "| | | |")
            break
        body.append(line)
        used += len(line) + 1
    return [*head, *body, "", "</details>"]


def _where(finding: Finding) -> str:
    """The file and line, relative to the target (as the terminal and JUnit show it): for
    a chart, the template that wrote the object."""
    location = finding.location
    if location is None:
        return ""
    return f"{location.path}:{location.line}" if location.line else location.path


STATUS_ICON = {"fail": "❌", "error": "💥", "warn": "⚠️", "pass": "✅", "waived": "🏳️",
               "skip": "⏭️"}


def _side_by_side(report: Report) -> list[str]:
    table = side_by_side(report)
    if table is None:
        return []
    heads = [f"{cell(c.target, 60)}<br>{cell(c.header, 40)}" for c in table.columns]
    lines = ["", "### Side by side", "", "| row | " + " | ".join(heads) + " |",
             "|---|" + "---:|" * len(heads)]
    for row, cells in table.rows:
        shown = [c.text if c.worst is None else f"{STATUS_ICON[c.worst.value]} {c.text}"
                 for c in cells]
        lines.append(f"| {row.value} | " + " | ".join(shown) + " |")
    lines.append("| **score** | " + " | ".join(
        "n/a" if c.score is None else f"**{c.score:.1f} ({c.grade})**"
        for c in table.columns) + " |")
    lines.append("| **verdict** | " + " | ".join(
        "✅ ready" if c.ready else "❌ not ready" for c in table.columns) + " |")
    return lines


def render_markdown(report: Report, options: RenderOptions) -> str:
    lines = _summary(report) + _side_by_side(report)
    if options.comparison is not None:
        lines += _comparison(options.comparison)
    problems = [p for t in report.targets for p in t.problems] + list(report.problems)
    if problems:
        lines += ["", f"<details><summary>Problems that lowered coverage ({len(problems)})"
                  "</summary>", ""]
        lines += [f"- {cell(p, 400)}" for p in problems[:50]]
        lines += ["", "</details>"]
    used = sum(len(line) + 1 for line in lines)
    lines += _failing(report, max(BUDGET - used - 400, 1_000))
    lines += ["", f"<sub>deploy-auditor {cell(report.tool_version, 40)} · "
              f"{cell(report.started_at, 40)} · how the score is computed: "
              "`auditor explain --scoring`</sub>", ""]
    return "\n".join(lines)
