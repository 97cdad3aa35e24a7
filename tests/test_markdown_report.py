"""The Markdown pull-request comment: verdict, change since the baseline, escaping, size."""

from __future__ import annotations

import re

import pytest
from reportdata import (
    HOSTILE_MARKUP,
    HOSTILE_SECRET,
    all_examples_report,
    example_report,
    hostile_report,
    render,
)

from auditor.compare import compare, snapshot_from_report
from auditor.model import Status
from auditor.reports.markdown import BUDGET, MARKER, cell


def _html(text: str) -> str:
    """The comment as a CommonMark renderer with HTML passthrough shows it, like a forge."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_summary_lists_every_target_with_its_verdict() -> None:
    report = all_examples_report()
    text = render(report, "markdown")
    assert text.startswith(MARKER)
    for target in report.targets:
        assert f"| {target.style.value} |" in text
    assert f"{report.score.value:.1f} ({report.score.grade})" in text
    assert "Since the baseline" not in text


def test_new_and_fixed_findings_with_the_score_delta() -> None:
    old, new = example_report("kubernetes"), hostile_report()
    comparison = compare(snapshot_from_report(old, "main.json"), snapshot_from_report(new))
    text = render(new, "markdown", comparison=comparison)
    assert f"**{len(comparison.new_failures)} new failing**" in text
    assert f"{len(comparison.fixed)} fixed" in text
    assert f"(**{comparison.score_delta:+.1f}**)" in text
    section = text.split("#### New failing findings")[1].split("####")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(comparison.new_failures)


def test_hostile_strings_stay_text() -> None:
    text = render(hostile_report(), "markdown")
    assert HOSTILE_SECRET not in text
    html = _html(text)
    for markup in HOSTILE_MARKUP:
        assert markup not in html, markup
    assert "&lt;script&gt;alert" in html
    # Table structure survives pipes in names: every data row has the header's cell count.
    table = [line for line in text.splitlines() if line.startswith("| ")]
    header = table[0].count(" | ")
    for line in table[:2]:
        assert line.count(" | ") == header
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)


@pytest.mark.parametrize(("raw", "shown"), [
    ("a|b", r"a\|b"),
    ("@team please", r"\@team please"),
    ("<img src=x>", "&lt;img src=x&gt;"),
    ("line\nbreak\x07", "line break"),
    ("[link](http://x)", r"\[link\](http://x)"),
    ("`code`", r"\`code\`"),
])
def test_cell_escaping(raw: str, shown: str) -> None:
    assert cell(raw) == shown


def test_a_huge_report_stays_under_the_comment_limit() -> None:
    report = all_examples_report()
    many = report.targets[0]
    findings = tuple(f for f in many.findings if f.status is Status.FAIL) * 400
    from dataclasses import replace

    big = replace(report, targets=(replace(many, findings=findings),))
    text = render(big, "markdown")
    assert len(text) < 65_536 and len(text) <= BUDGET + 2_000
    assert "more in the full report" in text


def test_the_comment_says_why_a_target_is_not_ready() -> None:
    report = example_report("kubernetes")
    text = render(report, "markdown")
    assert "**Why: " in text
    assert "- unwaived critical failure: K8S-CONFIG-SECRETS-002, SUPERSET-CONFIG-SECRETS-001" \
        in text
    assert "- the critical failure caps the grade at D (the score alone gives C)" in text
