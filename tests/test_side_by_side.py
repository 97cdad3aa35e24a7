"""Several deployments side by side (issue 15 item 5): one row per concern, one column per
deployment, in terminal, Markdown and HTML; built from the report, never re-judged.
"""

from __future__ import annotations

import re

import pytest
from reportdata import all_examples_report, example_report, render
from rich.cells import cell_len
from test_html_report import parse

from auditor.model import (
    Detection,
    Finding,
    Report,
    Row,
    Severity,
    Status,
    Style,
    TargetReport,
)
from auditor.reports.sidebyside import side_by_side
from auditor.scoring import Thresholds, score_findings

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _finding(check_id: str, row: Row, status: Status, subject: str = "s") -> Finding:
    return Finding(check_id=check_id, row=row, style=Style.PIP, severity=Severity.MEDIUM,
                   status=status, title="t", message="m", subject=subject, remediation="r")


def _target(name: str, style: Style, findings: list[Finding]) -> TargetReport:
    return TargetReport(target=name, style=style, app="superset",
                        detection=Detection(style, 0.9, ("x",), "superset"),
                        score=score_findings(findings, Thresholds()), findings=tuple(findings),
                        problems=())


def _report(*targets: TargetReport) -> Report:
    every = [f for t in targets for f in t.findings]
    return Report(tool_version="0.1.0", started_at="2026-12-07T00:00:00Z", duration_s=0.1,
                  score=score_findings(every, Thresholds()), targets=targets)


TWO = _report(
    _target("deploy/vm", Style.SYSTEMD, [
        _finding("A-AVAILABILITY-001", Row.AVAILABILITY, Status.PASS),
        _finding("A-AVAILABILITY-002", Row.AVAILABILITY, Status.FAIL),
        _finding("A-STORAGE-001", Row.STORAGE, Status.SKIP),
        _finding("A-UPDATES-001", Row.UPDATES, Status.PASS),
        _finding("A-UPDATES-002", Row.UPDATES, Status.SKIP)]),
    _target("deploy/k8s", Style.KUBERNETES, [
        _finding("B-AVAILABILITY-001", Row.AVAILABILITY, Status.WARN),
        _finding("B-AVAILABILITY-001", Row.AVAILABILITY, Status.PASS, "t")]),
)


def test_one_target_has_no_comparison() -> None:
    assert side_by_side(example_report("kubernetes")) is None


def test_cells_are_the_rows_score_and_worst_status() -> None:
    table = side_by_side(TWO)
    assert table is not None
    assert [(c.target, c.header) for c in table.columns] == [
        ("deploy/vm", "systemd · superset"), ("deploy/k8s", "kubernetes · superset")]
    shown = {row.value: [c.text for c in cells] for row, cells in table.rows}
    # rows no target has are left out; a row a target lacks is "-"
    assert shown == {"availability": ["50 fail", "75 warn"],
                     "storage": ["n/a skip", "-"],
                     "updates": ["100 pass", "-"]}  # a skip beside a pass reads "pass"
    assert [c.foot for c in table.columns] == ["66.7 D, not ready", "75.0 C, not ready"]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_terminal_comparison_fits_the_width(width: int) -> None:
    text = ANSI.sub("", render(all_examples_report(), "terminal", width=width))
    lines = text.splitlines()
    at = lines.index(" side by side")
    assert not [line for line in lines if cell_len(line) > width]
    block = lines[at:]
    for name in ("pip-dev", "manual-vm", "compose", "kubernetes"):
        assert any(name in line.split() for line in block)
    # every row of the comparison once per block of targets
    blocks = 1 if width >= 18 + 4 * 12 else 2
    assert sum(1 for line in block if line.startswith("  app-security ")) == blocks
    assert sum(1 for line in block if line.startswith("  verdict ")) == blocks


def test_terminal_folds_long_names_and_cuts_their_start() -> None:
    long = _report(*(_target(f"clusters/{'x' * 30}/{env}", Style.KUBERNETES, [
        _finding("B-AVAILABILITY-001", Row.AVAILABILITY, Status.PASS)])
        for env in ("eu-production", "us-production", "a-very-long-environment-name")))
    lines = render(long, "terminal", width=80).splitlines()
    at = lines.index(" side by side")
    assert lines[at + 1].split() == ["eu-product", "us-product", "…ng-enviro"]
    assert lines[at + 2].split() == ["ion", "ion", "nment-name"]


def test_markdown_comparison_table() -> None:
    text = render(all_examples_report(), "markdown")
    assert "### Side by side" in text
    head = next(line for line in text.splitlines() if line.startswith("| row | "))
    assert "examples/pip-dev<br>pip · superset" in head
    assert "examples/kubernetes<br>kubernetes · superset" in head
    after = text.splitlines()[text.splitlines().index(head):]
    rows = after[:after.index("")]
    assert rows[-1].startswith("| **verdict** | ❌ not ready | ")
    assert len(rows) == 2 + 17 + 2  # header and rule, every row (each example has all), foot
    assert "| ❌ " in text and "| ✅ " in text


def test_html_comparison_table() -> None:
    doc = parse(render(all_examples_report(), "html"))
    table = doc.one("table", cls="side")
    heads = [th.content() for th in table.one("thead").all("th")]
    assert heads[0] == "Row" and len(heads) == 5
    assert [r.one("th").content() for r in table.one("tbody").all("tr")][:2] == [
        "scalability", "availability"]
    assert "not ready" in table.one("tfoot").content()
    assert doc.all("a", href="#side-by-side")
    single = parse(render(example_report("kubernetes"), "html"))
    assert not single.all("table", cls="side") and not single.all("a", href="#side-by-side")
