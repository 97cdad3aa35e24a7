"""Scoring at every edge (issue 13): grade bands, the critical cap at each band, ready.

Expected grades, weights and thresholds are literals from DESIGN.md "Scoring
(contract)": A >= 90, B >= 80, C >= 70, D >= 60, else F; an unwaived critical fail
caps the grade at D; ready when score >= 80, coverage >= 0.8 and no unwaived critical
fail. Weights: critical 10, high 5, medium 3, low 1, info 0. Nothing here is read from
the code's own tables.
"""

from __future__ import annotations

import pytest

from auditor.model import Finding, Row, Severity, Status, Style, WaiverRef
from auditor.scoring import Thresholds, grade, score_findings


def _findings(check_id: str, severity: str, passed: int, failed: int = 0, *,
              skipped: int = 0, waived: int = 0, warned: int = 0) -> list[Finding]:
    statuses = (["pass"] * passed + ["fail"] * failed + ["skip"] * skipped
                + ["waived"] * waived + ["warn"] * warned)
    return [
        Finding(check_id=check_id, row=Row.AVAILABILITY, style=Style.PIP,
                severity=Severity(severity), status=Status(status), title="t", message="m",
                subject=f"s{n}", remediation="r",
                waiver=WaiverRef("accepted risk", None, "auditor.toml")
                if status == "waived" else None)
        for n, status in enumerate(statuses)
    ]


# --- grade bands, by the pure function ------------------------------------------------

@pytest.mark.parametrize(("score", "expected"), [
    (100.0, "A"), (90.0, "A"), (89.99, "B"), (80.0, "B"), (79.99, "C"), (70.0, "C"),
    (69.99, "D"), (60.0, "D"), (59.99, "F"), (0.0, "F"),
])
def test_grade_band_edges(score: float, expected: str) -> None:
    assert grade(score, critical_fail=False) == expected


@pytest.mark.parametrize(("score", "expected"), [
    (100.0, "D"), (90.0, "D"), (89.99, "D"), (80.0, "D"), (79.99, "D"), (70.0, "D"),
    (69.99, "D"), (60.0, "D"), (59.99, "F"), (0.0, "F"),
])
def test_critical_fail_caps_every_band_at_d_and_never_lifts_f(score: float,
                                                              expected: str) -> None:
    assert grade(score, critical_fail=True) == expected


def test_no_score_no_grade() -> None:
    assert grade(None, critical_fail=False) is None
    assert grade(None, critical_fail=True) is None


# --- grade bands through score_findings (credit -> score -> grade) ---------------------

@pytest.mark.parametrize(("passed", "failed", "value", "letter"), [
    (9000, 1000, 90.0, "A"), (8999, 1001, 89.99, "B"),
    (8000, 2000, 80.0, "B"), (7999, 2001, 79.99, "C"),
    (7000, 3000, 70.0, "C"), (6999, 3001, 69.99, "D"),
    (6000, 4000, 60.0, "D"), (5999, 4001, 59.99, "F"),
])
def test_scored_band_edges(passed: int, failed: int, value: float, letter: str) -> None:
    score = score_findings(_findings("X-AVAILABILITY-001", "high", passed, failed),
                           Thresholds())
    assert score.value == value
    assert score.grade == letter
    assert score.coverage == 1.0


# (fails among 10 subjects of one critical check, with a passing high check beside it)
# critical 10 x credit + high 5 x 1, over 15
@pytest.mark.parametrize(("failed", "value", "uncapped", "capped"), [
    (1, 93.33, "A", "D"),   # 100 * (10*0.9 + 5) / 15
    (2, 86.67, "B", "D"),   # 100 * (10*0.8 + 5) / 15
    (4, 73.33, "C", "D"),   # 100 * (10*0.6 + 5) / 15
    (5, 66.67, "D", "D"),   # 100 * (10*0.5 + 5) / 15
    (8, 46.67, "F", "F"),   # 100 * (10*0.2 + 5) / 15
])
def test_unwaived_critical_fail_caps_each_band(failed: int, value: float, uncapped: str,
                                               capped: str) -> None:
    checks = _findings("X-AVAILABILITY-002", "high", 1)
    score = score_findings(checks + _findings("X-CONFIG-001", "critical", 10 - failed, failed),
                           Thresholds())
    assert score.value == value
    assert score.grade == capped
    assert score.ready is False
    assert grade(value, critical_fail=False) == uncapped  # the band it was capped from


@pytest.mark.parametrize(("high_fails", "value"), [(1, 96.67), (2, 93.33), (3, 90.0)])
def test_waived_critical_fail_does_not_cap_a(high_fails: int, value: float) -> None:
    # critical: 9 passes and the fail waived -> credit 1; a high check moves the score.
    high = _findings("X-AVAILABILITY-002", "high", 10 - high_fails, high_fails)
    score = score_findings(high + _findings("X-CONFIG-001", "critical", 9, waived=1),
                           Thresholds())
    assert (score.value, score.grade) == (value, "A")  # 100 * (5 * credit + 10) / 15
    # the same fail, not waived, caps it
    unwaived = score_findings(high + _findings("X-CONFIG-001", "critical", 9, 1), Thresholds())
    assert unwaived.grade == "D" and unwaived.ready is False


@pytest.mark.parametrize(("passed", "value", "letter"), [
    (9, 90.0, "A"), (8, 80.0, "B"), (7, 70.0, "C"), (6, 60.0, "D"), (5, 50.0, "F"),
])
def test_waived_critical_leaves_every_band_as_scored(passed: int, value: float,
                                                     letter: str) -> None:
    # the critical check's only subject is waived: it is not evaluated at all
    findings = (_findings("X-A-001", "high", passed, 10 - passed)
                + _findings("X-C-001", "critical", 0, waived=1))
    score = score_findings(findings, Thresholds())
    assert (score.value, score.grade) == (value, letter)
    assert score.coverage == round(5 / 15, 4) == 0.3333


def test_d_and_f_scores_keep_their_grade_under_a_critical_fail() -> None:
    # critical alone: 6 of 10 pass -> 60 (D), 5 of 10 -> 50 (F)
    assert score_findings(_findings("X-C-001", "critical", 6, 4), Thresholds()).grade == "D"
    assert score_findings(_findings("X-C-001", "critical", 5, 5), Thresholds()).grade == "F"


# --- ready -------------------------------------------------------------------------------

@pytest.mark.parametrize(("passed", "failed", "value", "ready"), [
    (8000, 2000, 80.0, True), (7999, 2001, 79.99, False), (10, 0, 100.0, True),
])
def test_ready_at_score_80_not_79_99(passed: int, failed: int, value: float,
                                     ready: bool) -> None:
    score = score_findings(_findings("X-A-001", "high", passed, failed), Thresholds())
    assert (score.value, score.coverage, score.ready) == (value, 1.0, ready)


def test_ready_at_coverage_0_8_not_0_79() -> None:
    # evaluated: critical + critical = 20; applicable: + high skipped (5) -> 20/25 = 0.8
    at = (_findings("X-A-001", "critical", 1) + _findings("X-A-002", "critical", 1)
          + _findings("X-A-003", "high", 0, skipped=1))
    score = score_findings(at, Thresholds())
    assert (score.value, score.coverage, score.ready) == (100.0, 0.8, True)
    # evaluated 7 critical + high + medium + low = 79; skipped 2 critical + low = 21
    under = [*_findings("X-A-100", "high", 1), *_findings("X-A-101", "medium", 1),
             *_findings("X-A-102", "low", 1), *_findings("X-A-103", "critical", 0, skipped=1),
             *_findings("X-A-104", "critical", 0, skipped=1),
             *_findings("X-A-105", "low", 0, skipped=1)]
    for n in range(7):
        under += _findings(f"X-A-2{n:02d}", "critical", 1)
    score = score_findings(under, Thresholds())
    assert (score.value, score.coverage, score.ready) == (100.0, 0.79, False)


def test_ready_needs_no_unwaived_critical_fail_even_at_high_score() -> None:
    findings = _findings("X-A-001", "high", 100) + _findings("X-C-001", "critical", 99, 1)
    score = score_findings(findings, Thresholds())
    assert score.value == 99.33 and score.coverage == 1.0
    assert score.ready is False and score.grade == "D"
    waived = _findings("X-A-001", "high", 100) + _findings("X-C-001", "critical", 99, waived=1)
    score = score_findings(waived, Thresholds())
    assert (score.value, score.grade, score.ready) == (100.0, "A", True)


def test_default_thresholds_are_80_and_0_8() -> None:
    assert (Thresholds().score, Thresholds().coverage) == (80.0, 0.8)


def test_thresholds_are_configurable_but_the_critical_rule_is_not() -> None:
    findings = _findings("X-A-001", "high", 7, 3)  # 70
    assert score_findings(findings, Thresholds(score=70, coverage=0.8)).ready is True
    assert score_findings(findings, Thresholds(score=70.01, coverage=0.8)).ready is False
    crit = _findings("X-C-001", "critical", 99, 1)
    assert score_findings(crit, Thresholds(score=0, coverage=0)).ready is False


def test_warn_is_half_credit_and_info_weighs_nothing() -> None:
    findings = (_findings("X-A-001", "medium", 0, warned=1)
                + _findings("X-A-002", "info", 0, 1) + _findings("X-A-003", "low", 1))
    score = score_findings(findings, Thresholds())
    assert score.value == round(100 * (3 * 0.5 + 1) / 4, 2) == 62.5
    assert score.grade == "D"


# --- the Prometheus exposition users alert on (README: "deploy_auditor_grade < 2") ------

def _exposition(letter: str | None, ready: bool, value: float | None) -> dict[str, str]:
    from auditor.model import Detection, Report, Score, TargetReport
    from auditor.reports.base import RenderOptions
    from auditor.reports.prometheus import render_prometheus

    score = Score(value=value, grade=letter, ready=ready, coverage=1.0 if value else None)
    target = TargetReport(target="site", style=Style.PIP, app="superset",
                          detection=Detection(Style.PIP, 1.0), score=score, findings=(),
                          problems=())
    report = Report(tool_version="0.1.0", started_at="2026-11-28T16:00:00Z", duration_s=0.5,
                    score=score, targets=(target,))
    samples = {}
    for line in render_prometheus(report, RenderOptions()).splitlines():
        if line and not line.startswith("#"):
            name, _, number = line.rpartition(" ")
            samples[name] = number
    return samples


@pytest.mark.parametrize(("letter", "value", "number"), [
    ("A", 95.0, "4"), ("B", 85.0, "3"), ("C", 75.0, "2"), ("D", 65.0, "1"), ("F", 10.0, "0"),
])
def test_prometheus_grade_numbers(letter: str, value: float, number: str) -> None:
    samples = _exposition(letter, False, value)
    assert samples['deploy_auditor_grade{target="site",style="pip"}'] == number
    assert samples["deploy_auditor_overall_grade"] == number


@pytest.mark.parametrize(("ready", "number"), [(True, "1"), (False, "0")])
def test_prometheus_ready_numbers(ready: bool, number: str) -> None:
    samples = _exposition("A", ready, 95.0)
    assert samples['deploy_auditor_ready{target="site",style="pip"}'] == number
    assert samples["deploy_auditor_overall_ready"] == number


def test_prometheus_nothing_evaluated_has_no_grade_sample() -> None:
    samples = _exposition(None, False, None)
    assert 'deploy_auditor_grade{target="site",style="pip"}' not in samples
    assert "deploy_auditor_overall_grade" not in samples
    assert samples['deploy_auditor_ready{target="site",style="pip"}'] == "0"
