"""reports/terminal.py: fits the width, marks line, closing line, verbose listing."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from auditor.model import (
    Detection,
    Finding,
    Location,
    Report,
    Row,
    Severity,
    Status,
    Style,
    TargetReport,
    WaiverOutcome,
    WaiverRef,
)
from auditor.reports.base import RenderOptions
from auditor.reports.terminal import render_terminal
from auditor.scoring import Thresholds, score_findings

LONG = "a-very-long-subject-" * 8  # 160 characters without a space to break at
WORDS = "the message goes on and on " * 10


def finding(check_id: str, status: Status, subject: str = "app", message: str = "msg",
            row: Row = Row.GITOPS, severity: Severity = Severity.MEDIUM,
            **extra: object) -> Finding:
    return Finding(
        check_id=check_id, row=row, style=Style.PIP, severity=severity, status=status,
        title=f"title of {check_id}", message=message, subject=subject,
        remediation="do the thing", **extra,  # type: ignore[arg-type]
    )


def target(label: str, findings: list[Finding], problems: tuple[str, ...] = (),
           evidence: tuple[str, ...] = ("requirements.txt names apache-superset",)
           ) -> TargetReport:
    return TargetReport(
        target=label, style=Style.PIP, app="superset",
        detection=Detection(Style.PIP, 0.9, evidence, "superset"),
        score=score_findings(findings, Thresholds()), findings=tuple(findings),
        problems=problems,
    )


def report(*targets: TargetReport, waivers: tuple[WaiverOutcome, ...] = (),
           problems: tuple[str, ...] = (), duration: float = 0.4242) -> Report:
    every = [f for t in targets for f in t.findings]
    return Report(tool_version="0.1.0", started_at="2026-11-28T16:00:00Z", duration_s=duration,
                  score=score_findings(every, Thresholds()), targets=targets, waivers=waivers,
                  problems=problems)


SHORT = [
    finding("T-GITOPS-001", Status.PASS, "repo", "in git"),
    finding("T-GITOPS-002", Status.PASS, "ci", "pipeline found"),
    finding("T-UPDATES-001", Status.FAIL, "os", "no unattended upgrades", Row.UPDATES),
    finding("T-UPDATES-002", Status.WARN, "app", "pins are loose", Row.UPDATES),
    finding("T-BACKUPS-001", Status.SKIP, "facts:cron", "skipped: no crontab", Row.BACKUPS),
    finding("T-STORAGE-001", Status.ERROR, "check:T-STORAGE-001",
            "check raised RuntimeError: boom", Row.STORAGE),
    finding("T-NETWORK-001", Status.WAIVED, "web", "bound to 0.0.0.0", Row.NETWORK,
            waiver=WaiverRef("lab VLAN", "2027-03-31", "auditor.toml")),
]


def long_report() -> Report:
    findings = [
        finding("T-GITOPS-001", Status.PASS, LONG, WORDS),
        finding("T-UPDATES-001", Status.FAIL, LONG, WORDS, Row.UPDATES, Severity.CRITICAL,
                location=Location("some/deeply/nested/" * 6 + "file.py", 12345),
                evidence=("evidence " * 30, LONG)),
        finding("T-UPDATES-002", Status.WARN, "x" * 200, "y" * 200, Row.UPDATES),
        finding("T-NETWORK-001", Status.WAIVED, LONG, WORDS, Row.NETWORK,
                waiver=WaiverRef("because " * 30, "2027-03-31", "auditor.toml")),
        finding("T-LOAD-BALANCING-001", Status.ERROR, LONG, WORDS, Row.LOAD_BALANCING),
        *[finding(f"T-STORAGE-{i:03}", Status.FAIL, f"s{i}", "m", Row.STORAGE)
          for i in range(120)],
    ]
    first = target("/srv/" + "deployments/" * 12 + "superset", findings,
                   problems=("secrets: forbidden (403); " * 8, LONG),
                   evidence=("evidence of detection " * 10,))
    second = target("second", SHORT)
    waivers = (
        WaiverOutcome("T-NETWORK-*", LONG, "because " * 20, None, "unused", 0, "auditor.toml"),
        WaiverOutcome("T-OLD-001", "*", "old", "2020-01-01", "expired", 0, "auditor.toml"),
    )
    return report(first, second, waivers=waivers,
                  problems=("plugin example: failed to load: " + "ImportError " * 20,))


def lines_of(text: str) -> list[str]:
    return text.splitlines()


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("verbose", [False, True])
@pytest.mark.parametrize("color", [False, True])
def test_every_line_fits_the_width(width: int, verbose: bool, color: bool) -> None:
    text = render_terminal(long_report(),
                           RenderOptions(width=width, verbose=verbose, color=color))
    assert ("\x1b[" in text) is color
    too_long = [line for line in lines_of(ANSI.sub("", text)) if cell_len(line) > width]
    assert not too_long, f"{len(too_long)} lines over {width} columns, first: {too_long[0]!r}"


def test_long_report_still_says_everything() -> None:
    text = render_terminal(long_report(), RenderOptions(width=80))
    flat = re.sub(r"\s+", "", text)
    assert LONG in flat  # folded, not cut
    assert "T-LOAD-BALANCING-001" in text
    assert "unused: T-NETWORK-*" in text
    assert "expired: T-OLD-001" in text
    assert "plugin example: failed to load" in text
    assert " ".join(" ".join(lines_of(text)[-2:]).split()) == (
        "== NOT READY, grade F: 3 passed, 2 warned, 122 failed, 2 errors, 1 skipped, 2 "
        "waived in 0.42s ==")


def test_marks_line_and_closing_line() -> None:
    text = render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80))
    lines = lines_of(text)
    assert lines[0] == "Score 62.5  Grade D  NOT READY  coverage 57%"  # the verdict first
    assert "deploy  [pip · superset]  detected 90%" in lines
    assert "  ..FWsEw" in lines  # one mark per finding, in order
    wide = lines_of(render_terminal(report(target("deploy", SHORT)), RenderOptions(width=120)))
    assert wide[-1] == ("== NOT READY, grade D: 2 passed, 1 warned, 1 failed, 1 errors, "
                        "1 skipped, 1 waived in 0.42s ==")
    assert re.fullmatch(r"== (NOT )?READY, (grade [A-F]|no grade): (\d+ [a-z]+)"
                        r"(, \d+ [a-z]+)* in \d+\.\d\ds ==", wide[-1])
    # at 80 columns the closing line wraps under its text, never back to column 0
    assert lines[-2:] == ["== NOT READY, grade D: 2 passed, 1 warned, 1 failed, 1 errors, "
                          "1 skipped, 1", "   waived in 0.42s =="]


def test_score_line() -> None:
    # credit: gitops 2 checks pass (3+3), updates fail (0) + warn (1.5) of 3 each; skip, error,
    # waived out: 100 * (3 + 3 + 0 + 1.5) / 12 = 62.5; coverage 12 / 21 = 57%
    text = render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80))
    assert lines_of(text)[0] == "Score 62.5  Grade D  NOT READY  coverage 57%"


def test_rows_table_lists_applicable_rows_with_their_marks() -> None:
    text = render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80))
    lines = lines_of(text)
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["row", "score"])
    table = lines[header + 1:]
    table = table[:table.index("")]
    rows = {line.split()[0]: line.split() for line in table}
    assert rows["gitops"] == ["gitops", "100", "2", "0", ".."]
    assert rows["updates"] == ["updates", "25", "2", "1", "FW"]
    assert rows["backups"] == ["backups", "-", "0", "0", "s"]
    assert "scalability" not in rows


def test_findings_needing_attention_are_detailed() -> None:
    text = render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80))
    lines = lines_of(text)
    at = lines.index("  FAIL  medium   T-UPDATES-001 title of T-UPDATES-001")
    assert lines[at + 1:at + 4] == ["     - os", "       no unattended upgrades",
                                    "     fix: do the thing"]
    assert re.search(r"^ +waived: +lab VLAN \(expires 2027-03-31\)$", text, re.M)
    assert "T-GITOPS-001 title" not in text  # passes are not detailed


def test_verbose_lists_one_line_per_check_and_subject() -> None:
    expected = [f"  {f.status.value.upper():<6}{f.check_id} {f.subject}: {f.message}"
                for f in SHORT]
    verbose = lines_of(render_terminal(report(target("deploy", SHORT)),
                                       RenderOptions(width=80, verbose=True)))
    for line in expected:
        assert verbose.count(line) == 1, line
    positions = [verbose.index(line) for line in expected]
    assert positions == sorted(positions)
    quiet = lines_of(render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80)))
    assert not set(expected) & set(quiet)


def test_verbose_lists_every_subject_of_a_check() -> None:
    findings = [finding("T-GITOPS-001", Status.PASS, f"unit-{i}", "ok") for i in range(3)]
    text = render_terminal(report(target("host", findings)),
                           RenderOptions(width=80, verbose=True))
    assert [line for line in lines_of(text) if line.startswith("  PASS  ")] == [
        "  PASS  T-GITOPS-001 unit-0: ok",
        "  PASS  T-GITOPS-001 unit-1: ok",
        "  PASS  T-GITOPS-001 unit-2: ok",
    ]


def test_nothing_evaluated() -> None:
    findings = [finding("T-BACKUPS-001", Status.SKIP, "facts:x", "skipped: no facts")]
    text = render_terminal(report(target("deploy", findings, problems=("x: unreadable",)),
                                  duration=1.005), RenderOptions(width=80))
    assert lines_of(text)[0] == "Score n/a (nothing evaluated)  NOT READY  coverage 0%"
    assert "  - x: unreadable" in lines_of(text)
    assert lines_of(text)[-1] == "== NOT READY, no grade: 1 skipped in 1.00s =="


def test_no_findings() -> None:
    text = render_terminal(report(target("deploy", [])), RenderOptions(width=80))
    assert lines_of(text)[-1] == "== NOT READY, no grade: no findings in 0.42s =="


def test_overall_line_only_with_several_targets() -> None:
    one = render_terminal(report(target("a", SHORT)), RenderOptions(width=80))
    two = render_terminal(report(target("a", SHORT), target("b", SHORT)), RenderOptions(width=80))
    assert "overall" not in one and "  Score" not in one  # alone, the top line is its verdict
    assert lines_of(two)[0] == "Score 62.5  Grade D  NOT READY  coverage 57%  overall, 2 targets"
    assert lines_of(two).count("  Score 62.5  Grade D  NOT READY  coverage 57%") == 2


def test_the_verdict_says_why_under_the_score_line() -> None:
    text = render_terminal(report(target("deploy", SHORT)), RenderOptions(width=80))
    lines = lines_of(text)
    at = lines.index("Score 62.5  Grade D  NOT READY  coverage 57%")
    assert at == 0
    assert lines[at + 1:at + 3] == [
        "  why: score 62.5 is under the READY bar of 80",
        "  why: coverage 57.1% is under the READY bar of 80%"]
    ready = render_terminal(report(target("deploy", SHORT[:2])), RenderOptions(width=80))
    assert "why:" not in ready


def test_the_overall_verdict_says_why_too() -> None:
    two = report(target("one", SHORT), target("two", SHORT[:2]))
    lines = lines_of(render_terminal(two, RenderOptions(width=80)))
    assert lines[0].endswith("overall, 2 targets")
    # pooled by check id: the second target adds no new check (DESIGN, JSON report)
    assert lines[1:3] == [
        "  why: score 62.5 is under the READY bar of 80",
        "  why: coverage 57.1% is under the READY bar of 80%"]


# --- verdict first (issue 15 item 2) ----------------------------------------------------


@pytest.mark.parametrize("width", [80, 120])
def test_wrapped_lines_keep_their_indentation(width: int) -> None:
    rep = long_report()
    lines = lines_of(render_terminal(rep, RenderOptions(width=width, verbose=True)))
    # At column 0: the verdict, the targets' titles (a long one folds) and the closing line.
    titles = "".join(f"{t.target}  [pip · superset]  detected 90%" for t in rep.targets)
    top = [line for line in lines if line and not line.startswith(" ")]
    assert top[0].startswith("Score ") and top[-1].startswith("== ")
    assert all(line in titles for line in top[1:-1]), top
    # A wrapped evidence line sits under its text (17 = "       evidence: ").
    at = lines.index("       evidence: " + lines[lines.index(
        next(line for line in lines if line.startswith("       evidence: evidence")))][17:])
    assert lines[at + 1].startswith(" " * 17 + "evidence")
    # the detection evidence wraps under its text too
    at = next(i for i, line in enumerate(lines) if line.startswith("  evidence: evidence of"))
    assert lines[at + 1].startswith(" " * 12) and lines[at + 1][12] != " "


def test_one_block_per_check_with_its_subjects_under_it() -> None:
    findings = [finding("T-NETWORK-001", Status.FAIL, f"pod-{i}", "open to every pod",
                        Row.NETWORK) for i in range(4)]
    findings.append(finding("T-NETWORK-001", Status.WARN, "pod-9", "open to one namespace",
                            Row.NETWORK))
    lines = lines_of(render_terminal(report(target("k", findings)), RenderOptions(width=80)))
    at = lines.index("  FAIL  medium   T-NETWORK-001 title of T-NETWORK-001")
    assert lines[at + 1:at + 9] == [
        "     - pod-0", "     - pod-1", "     - pod-2", "     - pod-3",
        "       open to every pod",  # said once for the four that say it
        "     - [warn] pod-9", "       open to one namespace",
        "     fix: do the thing"]  # the fix once
    assert sum("T-NETWORK-001 title" in line for line in lines) == 1


def test_blockers_come_first_by_severity_then_the_rows() -> None:
    findings = [
        finding("T-GITOPS-001", Status.FAIL, "a", "m", Row.GITOPS, Severity.LOW),
        finding("T-UPDATES-001", Status.FAIL, "b", "m", Row.UPDATES, Severity.HIGH),
        finding("T-BACKUPS-001", Status.FAIL, "c", "m", Row.BACKUPS, Severity.CRITICAL),
        finding("T-STORAGE-001", Status.WARN, "d", "m", Row.STORAGE, Severity.CRITICAL),
        finding("T-NETWORK-001", Status.FAIL, "e", "m", Row.NETWORK, Severity.MEDIUM),
    ]
    lines = lines_of(render_terminal(report(target("t", findings)), RenderOptions(width=80)))
    heads = [line.split()[2] for line in lines
             if line.startswith("  ") and line.split()[:1] in (["FAIL"], ["WARN"])]
    assert heads == ["T-BACKUPS-001", "T-UPDATES-001",  # blockers: critical, then high
                     "T-STORAGE-001", "T-NETWORK-001", "T-GITOPS-001"]  # then by severity
    blockers = lines.index(" blockers (critical and high failures)")
    rows = next(i for i, line in enumerate(lines) if line.split()[:2] == ["row", "score"])
    improve = lines.index(" to improve (by severity)")
    assert blockers < rows < improve


def test_the_kubernetes_example_at_80_columns() -> None:
    from reportdata import example_report

    lines = lines_of(render_terminal(example_report("kubernetes"), RenderOptions(width=80)))
    assert lines[0].startswith("Score ") and "NOT READY" in lines[0]
    head = "\n".join(lines[:15])
    assert "why: unwaived critical failure: K8S-CONFIG-SECRETS-002" in head
    assert "the critical failure caps the grade at D" in head
    severities = [line.split()[1] for line in lines
                  if line.startswith("  FAIL  ") or line.startswith("  WARN  ")]
    assert severities.index("medium") > max(i for i, s in enumerate(severities)
                                            if s == "critical")
    assert len(lines) <= 207  # half of the 415 lines of one block per (check, object)
    assert max(cell_len(line) for line in lines) <= 80
