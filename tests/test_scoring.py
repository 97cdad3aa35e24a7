"""auditor/scoring.py against hand-computed cases (DESIGN.md, "Scoring (contract)").

Weights: critical 10, high 5, medium 3, low 1, info 0.
Credit per check: mean over subjects of pass 1 / warn 0.5 / fail 0; skip, error
and waived subjects are left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markerplugin import (
    FILES_FACT,
    MarkerPlugin,
    fixed,
    isolated_session,
    make_check,
    marker_dir,
)

from auditor.config import Config
from auditor.model import (
    Facts,
    Finding,
    Result,
    Row,
    RowScore,
    Score,
    Severity,
    Status,
    Style,
    WaiverRef,
)
from auditor.runner import ScanOptions, audit
from auditor.scoring import Thresholds, formula, grade, score_findings
from auditor.targets import parse_targets

C, H, M, L, INFO = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW,
                    Severity.INFO)
P, W, F, S, E, X = (Status.PASS, Status.WARN, Status.FAIL, Status.SKIP, Status.ERROR,
                    Status.WAIVED)


def finding(check_id: str, severity: Severity, status: Status, subject: str = "app",
            row: Row = Row.AVAILABILITY) -> Finding:
    return Finding(
        check_id=check_id,
        row=row,
        style=Style.PIP,
        severity=severity,
        status=status,
        title="t",
        message="m",
        subject=subject,
        remediation="r",
        waiver=WaiverRef("accepted", None, "auditor.toml") if status == X else None,
    )


def check(check_id: str, severity: Severity, *statuses: Status,
          row: Row = Row.AVAILABILITY) -> list[Finding]:
    """One check with one finding per status, subjects s0, s1, ..."""
    return [finding(check_id, severity, st, f"s{i}", row) for i, st in enumerate(statuses)]


def score(*checks: list[Finding], thresholds: Thresholds | None = None) -> Score:
    return score_findings([f for c in checks for f in c], thresholds or Thresholds())


def test_weights_are_the_contract() -> None:
    assert [s.weight for s in (C, H, M, L, INFO)] == [10, 5, 3, 1, 0]


def test_single_pass_is_100_grade_a_ready() -> None:
    result = score(check("T-AVAILABILITY-001", H, P))
    assert (result.value, result.grade, result.ready, result.coverage) == (100.0, "A", True, 1.0)


def test_high_pass_and_medium_fail() -> None:
    # 100 * (5*1 + 3*0) / (5 + 3) = 100 * 5/8 = 62.5
    result = score(check("T-AVAILABILITY-001", H, P), check("T-AVAILABILITY-002", M, F))
    assert result.value == 62.5
    assert result.grade == "D"
    assert result.ready is False
    assert result.coverage == 1.0


def test_credit_is_the_mean_over_subjects() -> None:
    # medium check: (1 + 0.5 + 0) / 3 = 0.5 -> 100 * 3*0.5 / 3 = 50
    assert score(check("T-AVAILABILITY-001", M, P, W, F)).value == 50.0
    # plus a high pass: 100 * (5*1 + 3*0.5) / (5 + 3) = 100 * 6.5/8 = 81.25
    result = score(check("T-AVAILABILITY-001", M, P, W, F), check("T-AVAILABILITY-002", H, P))
    assert result.value == 81.25
    assert result.grade == "B"
    assert result.ready is True


def test_warn_is_half_credit() -> None:
    # low check with one warn subject: credit 0.5 -> 50; with a second pass subject: 0.75 -> 75
    assert score(check("T-AVAILABILITY-001", L, W)).value == 50.0
    assert score(check("T-AVAILABILITY-001", L, W, P)).value == 75.0


def test_skip_error_and_waived_subjects_are_left_out() -> None:
    # medium check: pass + skip + error + waived -> credit 1/1 = 1 (not 1/4)
    # low check: fail -> credit 0
    # 100 * (3*1 + 1*0) / (3 + 1) = 75
    result = score(check("T-AVAILABILITY-001", M, P, S, E, X), check("T-AVAILABILITY-002", L, F))
    assert result.value == 75.0
    assert result.grade == "C"
    assert result.coverage == 1.0


def test_info_checks_weigh_nothing() -> None:
    # info fail (weight 0) + low pass: 100 * (0*0 + 1*1) / (0 + 1) = 100
    result = score(check("T-AVAILABILITY-001", INFO, F), check("T-AVAILABILITY-002", L, P))
    assert result.value == 100.0
    assert result.grade == "A"


def test_only_info_checks_give_no_score_not_100() -> None:
    # sum of weights is 0: the formula is undefined, the score is null
    result = score(check("T-AVAILABILITY-001", INFO, P))
    assert result.value is None
    assert result.grade is None
    assert result.ready is False


def test_nothing_evaluated_has_no_score() -> None:
    # every subject skipped or errored: applicable weight 5 + 3, evaluated 0
    result = score(check("T-AVAILABILITY-001", H, S), check("T-AVAILABILITY-002", M, E, S))
    assert result.value is None
    assert result.grade is None
    assert result.ready is False
    assert result.coverage == 0.0


def test_no_findings_at_all() -> None:
    result = score()
    assert (result.value, result.grade, result.ready, result.coverage) == (None, None, False, None)
    assert result.rows == {}


def test_only_waived_subjects_is_not_evaluated() -> None:
    # a check whose only subject is waived is applicable but not evaluated
    # score = 100 * 1*1 / 1 = 100; coverage = 1 / (1 + 5) = 0.1667
    result = score(check("T-AVAILABILITY-001", L, P), check("T-AVAILABILITY-002", H, X))
    assert result.value == 100.0
    assert result.coverage == pytest.approx(1 / 6, abs=1e-4)
    assert result.ready is False


def test_coverage_counts_a_check_whose_only_subject_errored() -> None:
    # high pass (evaluated, 5) + medium error-only (applicable, not evaluated, 3)
    # coverage = 5 / (5 + 3) = 0.625; score = 100 * 5*1 / 5 = 100
    result = score(check("T-AVAILABILITY-001", H, P), check("T-AVAILABILITY-002", M, E))
    assert result.coverage == 0.625
    assert result.value == 100.0
    assert result.grade == "A"
    assert result.ready is False  # coverage 0.625 < 0.8


def test_coverage_critical_error_and_high_pass() -> None:
    # coverage = 5 / (10 + 5) = 0.3333
    result = score(check("T-AVAILABILITY-001", C, E), check("T-AVAILABILITY-002", H, P))
    assert result.coverage == pytest.approx(0.3333, abs=1e-4)


@pytest.mark.parametrize(
    ("value", "letter"),
    [
        (100.0, "A"), (90.0, "A"), (89.99, "B"), (80.0, "B"), (79.99, "C"), (70.0, "C"),
        (69.99, "D"), (60.0, "D"), (59.99, "F"), (0.0, "F"),
    ],
)
def test_grade_bands(value: float, letter: str) -> None:
    assert grade(value, critical_fail=False) == letter


def test_grade_bands_from_findings() -> None:
    # ten low checks, 9 pass and 1 fail: 100 * 9/10 = 90 -> A (bound included)
    nine_of_ten = [check(f"T-AVAILABILITY-{i:03}", L, P if i else F) for i in range(10)]
    assert score(*nine_of_ten).value == 90.0
    assert score(*nine_of_ten).grade == "A"
    # five low checks, 3 pass 2 fail: 100 * 3/5 = 60 -> D
    three_of_five = [check(f"T-AVAILABILITY-{i:03}", L, P if i > 1 else F) for i in range(5)]
    assert (score(*three_of_five).value, score(*three_of_five).grade) == (60.0, "D")
    # one low check with 2 subjects, one fail, one warn: 0.25 -> 25 -> F
    assert score(check("T-AVAILABILITY-001", L, F, W)).grade == "F"


def test_unwaived_critical_fail_caps_grade_at_d_even_at_95() -> None:
    # one critical check with 19 passing subjects and 1 failing one:
    # credit 19/20 = 0.95 -> 100 * 10*0.95 / 10 = 95 -> would be A, capped at D
    result = score(check("T-AVAILABILITY-001", C, *([P] * 19), F))
    assert result.value == 95.0
    assert result.grade == "D"
    assert result.coverage == 1.0
    assert result.ready is False  # score and coverage are fine; the critical rule is not


def test_critical_fail_under_d_stays_f() -> None:
    # 100 * 10*0 / 10 = 0 -> F, the cap never raises a grade
    assert score(check("T-AVAILABILITY-001", C, F)).grade == "F"


def test_grade_function_cap() -> None:
    assert grade(95.0, critical_fail=True) == "D"
    assert grade(65.0, critical_fail=True) == "D"
    assert grade(10.0, critical_fail=True) == "F"
    assert grade(None, critical_fail=True) is None


def test_waived_critical_fail_does_not_cap() -> None:
    # critical check: 1 waived (left out) + 1 pass -> credit 1, weight 10
    # high check: 17 pass + 3 fail -> credit 0.85, weight 5
    # 100 * (10*1 + 5*0.85) / 15 = 100 * 14.25/15 = 95 -> A, not capped
    result = score(check("T-AVAILABILITY-001", C, X, P),
                   check("T-AVAILABILITY-002", H, *([P] * 17), F, F, F))
    assert result.value == 95.0
    assert result.grade == "A"
    assert result.ready is True


def test_ready_at_exact_thresholds() -> None:
    # four low checks each 4 pass + 1 fail (credit 0.8) and one low skip-only check:
    # score = 100 * 4*0.8 / 4 = 80; coverage = 4 / 5 = 0.8 -> ready (bounds included)
    checks = [check(f"T-AVAILABILITY-{i:03}", L, P, P, P, P, F) for i in range(4)]
    result = score(*checks, check("T-AVAILABILITY-009", L, S))
    assert result.value == 80.0
    assert result.coverage == 0.8
    assert result.grade == "B"
    assert result.ready is True


def test_ready_needs_score_80() -> None:
    # 100 * (5*1 + 1*0) / 6 = 83.33 -> ready; 100 * (3*1 + 1*0) / 4 = 75 -> not ready
    assert score(check("T-AVAILABILITY-001", H, P), check("T-AVAILABILITY-002", L, F)).ready
    assert not score(check("T-AVAILABILITY-001", M, P), check("T-AVAILABILITY-002", L, F)).ready


def test_ready_with_custom_thresholds() -> None:
    # 81.25 (see test_credit_is_the_mean_over_subjects), coverage 1.0
    findings = (check("T-AVAILABILITY-001", M, P, W, F), check("T-AVAILABILITY-002", H, P))
    assert score(*findings).ready is True
    assert score(*findings, thresholds=Thresholds(score=85)).ready is False
    assert score(*findings, thresholds=Thresholds(score=81.25)).ready is True
    # coverage 0.625, score 100 (see test_coverage_counts_a_check_whose_only_subject_errored)
    partial = (check("T-AVAILABILITY-001", H, P), check("T-AVAILABILITY-002", M, E))
    assert score(*partial).ready is False
    assert score(*partial, thresholds=Thresholds(coverage=0.6)).ready is True
    assert score(*partial, thresholds=Thresholds(score=100, coverage=0.625)).ready is True


def test_custom_thresholds_never_lift_the_critical_rule() -> None:
    result = score(check("T-AVAILABILITY-001", C, *([P] * 19), F),
                   thresholds=Thresholds(score=0, coverage=0))
    assert result.ready is False


def test_row_scores() -> None:
    result = score(
        # availability: 100 * (5*1 + 3*0) / 8 = 62.5; 2 evaluated, 1 with a fail subject
        check("T-AVAILABILITY-001", H, P, row=Row.AVAILABILITY),
        check("T-AVAILABILITY-002", M, P, F, row=Row.AVAILABILITY),
        # storage: one low warn -> 50; evaluated 1, failed 0
        check("T-STORAGE-001", L, W, row=Row.STORAGE),
        # backups: skip-only -> no value, evaluated 0, failed 0 (applicable, so listed)
        check("T-BACKUPS-001", H, S, row=Row.BACKUPS),
        # network: a waived fail is not a failure: credit 1 from the pass subject
        check("T-NETWORK-001", M, X, P, row=Row.NETWORK),
    )
    # availability credit of the medium check: (1 + 0) / 2 = 0.5
    # -> 100 * (5*1 + 3*0.5) / 8 = 81.25
    assert result.rows[Row.AVAILABILITY] == RowScore(value=81.25, evaluated=2, failed=1)
    assert result.rows[Row.STORAGE] == RowScore(value=50.0, evaluated=1, failed=0)
    assert result.rows[Row.BACKUPS] == RowScore(value=None, evaluated=0, failed=0)
    assert result.rows[Row.NETWORK] == RowScore(value=100.0, evaluated=1, failed=0)
    assert set(result.rows) == {Row.AVAILABILITY, Row.STORAGE, Row.BACKUPS, Row.NETWORK}
    # overall: 100 * (5 + 1.5 + 0.5 + 3) / (5 + 3 + 1 + 3) = 100 * 10/12 = 83.33
    assert result.value == 83.33
    # coverage: (5 + 3 + 1 + 3) / (5 + 3 + 1 + 5 + 3) = 12/17
    assert result.coverage == pytest.approx(12 / 17, abs=1e-4)


def test_formula_names_the_thresholds() -> None:
    text = formula(Thresholds(score=85, coverage=0.9))
    assert "score >= 85" in text
    assert "coverage >= 0.9" in text
    assert "critical 10 | high 5 | medium 3 | low 1 | info 0" in text


def test_overall_score_pools_each_check_of_each_target(tmp_path: Path) -> None:
    """The same check on two targets counts twice in the overall score, once per target.

    target a: HIGH check passes on 1 subject; MEDIUM check passes.
    target b: HIGH check fails on 3 subjects; MEDIUM check passes.
    Per target: a = 100, b = 100 * 3 / 8 = 37.5.
    Pooled over the four evaluated checks:
      100 * (5*1 + 3*1 + 5*0 + 3*1) / (5 + 3 + 5 + 3) = 100 * 11/16 = 68.75
    (merging the high check's four subjects into one check would give
      100 * (5*0.25 + 3*1) / 8 = 53.13, which is not the contract.)
    """

    def high(facts: Facts) -> list[Result]:
        if "bad" in facts.get(FILES_FACT, tuple):
            return [Result(subject, F) for subject in ("x", "y", "z")]
        return [Result("x", P)]

    plugin = MarkerPlugin(
        make_check("T-AVAILABILITY-001", high, severity=H, row=Row.AVAILABILITY),
        make_check("T-AVAILABILITY-002", fixed(("app", P)), severity=M,
                   row=Row.AVAILABILITY),
    )
    session = isolated_session(plugin)
    a = marker_dir(tmp_path / "a")
    b = marker_dir(tmp_path / "b", {"bad": ""})
    report = audit(parse_targets([str(a), str(b)]), session.host, session.registry, Config(),
                   ScanOptions())
    assert [t.score.value for t in report.targets] == [100.0, 37.5]
    assert report.score.value == 68.75
    assert report.score.coverage == 1.0


# --- ready_reasons (DESIGN, scoring 6): each failed READY criterion and the grade cap -------


def test_ready_at_the_bars_has_no_reasons() -> None:
    checks = [check(f"T-AVAILABILITY-{i:03}", L, P, P, P, P, F) for i in range(4)]
    assert score(*checks, check("T-AVAILABILITY-009", L, S)).ready_reasons == ()


def test_reasons_name_the_score_and_coverage_under_their_bars() -> None:
    # 75 (see test_ready_needs_score_80)
    assert score(check("T-AVAILABILITY-001", M, P),
                 check("T-AVAILABILITY-002", L, F)).ready_reasons == (
        "score 75.0 is under the READY bar of 80",)
    # coverage 5 / 8 = 0.625 with score 100
    partial = (check("T-AVAILABILITY-001", H, P), check("T-AVAILABILITY-002", M, E))
    assert score(*partial).ready_reasons == ("coverage 62.5% is under the READY bar of 80%",)
    assert score(*partial, thresholds=Thresholds(score=100.5, coverage=0.7)).ready_reasons == (
        "score 100.0 is under the READY bar of 100.5",
        "coverage 62.5% is under the READY bar of 70%")


def test_a_score_just_under_the_bar_is_not_rounded_up_to_it() -> None:
    # one low check, 7999 of its 10000 subjects passing
    near = score(check("T-AVAILABILITY-001", L, *([P] * 7999), *([F] * 2001)))
    assert near.value == 79.99
    assert near.ready_reasons == ("score 79.99 is under the READY bar of 80",)


def test_reasons_name_each_critical_failure_and_the_cap() -> None:
    capped = score(check("T-AVAILABILITY-002", C, *([P] * 19), F),
                   check("T-AVAILABILITY-001", C, P, F, P, P, P, P, P, P, P, P))
    assert capped.value == 92.5 and capped.grade == "D"
    assert capped.ready_reasons == (
        "unwaived critical failure: T-AVAILABILITY-001, T-AVAILABILITY-002",
        "the critical failure caps the grade at D (the score alone gives A)")
    # a critical failure under the D band: no cap to explain
    assert score(check("T-AVAILABILITY-001", C, F)).ready_reasons == (
        "score 0.0 is under the READY bar of 80",
        "unwaived critical failure: T-AVAILABILITY-001")
    # in band D the cap changes nothing either
    assert score(check("T-AVAILABILITY-001", C, P, P, F),
                 check("T-AVAILABILITY-002", L, P)).ready_reasons[-1] == \
        "unwaived critical failure: T-AVAILABILITY-001"


def test_nothing_evaluated_says_so() -> None:
    assert score(check("T-AVAILABILITY-001", H, S)).ready_reasons == (
        "nothing was evaluated, so there is no score",
        "coverage 0.0% is under the READY bar of 80%")
    assert score().ready_reasons == ("nothing was evaluated, so there is no score",
                                     "no check applies, so there is no coverage")


@pytest.mark.parametrize(("passes", "fails", "band"), [(17, 3, "B"), (15, 5, "C")])
def test_the_cap_is_explained_from_bands_b_and_c(passes: int, fails: int, band: str) -> None:
    capped = score(check("T-AVAILABILITY-001", C, *([P] * passes), *([F] * fails)))
    assert capped.grade == "D"
    assert capped.ready_reasons[-1] == (
        f"the critical failure caps the grade at D (the score alone gives {band})")


def test_coverage_just_under_its_bar_keeps_its_decimals() -> None:
    # 7,999 of 10,000 equal-weight checks evaluated: 79.99 %, never shown as "80.0%"
    evaluated = [check(f"T-AVAILABILITY-{i:05}", L, P) for i in range(7999)]
    skipped = [check(f"T-UPDATES-{i:05}", L, S, row=Row.UPDATES) for i in range(2001)]
    result = score(*evaluated, *skipped)
    assert result.coverage == 0.7999
    assert result.ready_reasons == ("coverage 79.99% is under the READY bar of 80%",)
