"""Pure scoring, exactly as DESIGN.md states it (contract).

1. Per check: credit = mean over its subjects of (pass 1, warn 0.5, fail 0);
   subjects with skip, error or waived are left out. A check with no evaluated
   subject is not evaluated.
2. Score = 100 x sum(weight x credit) / sum(weight) over evaluated checks;
   nothing evaluated gives null, never 100.
3. Coverage = sum(weight of evaluated checks) / sum(weight of applicable checks).
4. Grade: A >= 90, B >= 80, C >= 70, D >= 60, else F; an unwaived critical fail
   caps the grade at D.
5. ready = score >= threshold (80), coverage >= threshold (0.8), and no
   unwaived critical fail.
6. ready_reasons: each criterion of 5 that failed, and the grade cap of 4 when it
   applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.model import Finding, Row, RowScore, Score, Severity, Status

FORMULA = """\
Scoring (deploy-auditor, schema_version 1)

  credit(check)  = mean over its subjects of  pass 1 | warn 0.5 | fail 0
                   (skip, error and waived subjects are left out; a check with
                   no evaluated subject is not evaluated)
  weight         = critical 10 | high 5 | medium 3 | low 1 | info 0
  score          = 100 x sum(weight x credit) / sum(weight)   over evaluated checks
                   (nothing evaluated: no score, never 100)
  coverage       = sum(weight of evaluated checks) / sum(weight of applicable checks)
  grade          = A >= 90 | B >= 80 | C >= 70 | D >= 60 | F
                   an unwaived critical fail caps the grade at D
  ready          = score >= {score_threshold:g} and coverage >= {coverage_threshold:g}
                   and no unwaived critical fail

Row scores use the same formula over the checks of that row; the overall score
pools every evaluated check of every target.
"""

DEFAULT_READY_SCORE = 80.0
DEFAULT_READY_COVERAGE = 0.8


@dataclass(frozen=True)
class Thresholds:
    score: float = DEFAULT_READY_SCORE
    coverage: float = DEFAULT_READY_COVERAGE


@dataclass(frozen=True)
class CheckOutcome:
    """One check's findings on one target, reduced for scoring."""

    check_id: str
    row: Row
    severity: Severity
    credit: float | None
    """None when no subject was evaluated."""
    has_fail: bool

    @property
    def weight(self) -> int:
        return self.severity.weight


def outcomes(findings: Iterable[Finding]) -> list[CheckOutcome]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.check_id, []).append(finding)
    result = []
    for check_id, group in grouped.items():
        credits = [c for f in group if (c := f.status.credit) is not None]
        result.append(
            CheckOutcome(
                check_id=check_id,
                row=group[0].row,
                severity=group[0].severity,
                credit=sum(credits) / len(credits) if credits else None,
                has_fail=any(f.status == Status.FAIL for f in group),
            )
        )
    return result


def weighted_score(checks: Sequence[CheckOutcome]) -> float | None:
    evaluated = [c for c in checks if c.credit is not None]
    total = sum(c.weight for c in evaluated)
    if total == 0:
        return None
    return round(100.0 * sum(c.weight * (c.credit or 0.0) for c in evaluated) / total, 2)


def coverage(checks: Sequence[CheckOutcome]) -> float | None:
    applicable = sum(c.weight for c in checks)
    if applicable == 0:
        return None
    evaluated = sum(c.weight for c in checks if c.credit is not None)
    return round(evaluated / applicable, 4)


def grade(score: float | None, critical_fail: bool) -> str | None:
    if score is None:
        return None
    letter = "F"
    for bound, name in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= bound:
            letter = name
            break
    if critical_fail and letter in ("A", "B", "C"):
        letter = "D"
    return letter


def score_outcomes(checks: Sequence[CheckOutcome], thresholds: Thresholds) -> Score:
    value = weighted_score(checks)
    cov = coverage(checks)
    critical_fail = any(c.has_fail and c.severity == Severity.CRITICAL for c in checks)
    rows: dict[Row, RowScore] = {}
    for row in Row:
        in_row = [c for c in checks if c.row == row]
        if not in_row:
            continue
        rows[row] = RowScore(
            value=weighted_score(in_row),
            evaluated=sum(1 for c in in_row if c.credit is not None),
            failed=sum(1 for c in in_row if c.has_fail),
        )
    reasons = ready_reasons(value, cov, checks, thresholds)
    ready = (
        value is not None
        and value >= thresholds.score
        and cov is not None
        and cov >= thresholds.coverage
        and not critical_fail
    )
    return Score(value=value, grade=grade(value, critical_fail), ready=ready, coverage=cov,
                 rows=rows, ready_reasons=reasons)


def _under(value: float, bar: float) -> str:
    """``value`` as the reports show it (one decimal), with more decimals where one would
    round it up to the bar it is under: 79.99 must not read "80.0 is under 80"."""
    for places in (1, 2, 4):
        shown = f"{value:.{places}f}"
        if float(shown) < bar:
            return shown
    return f"{value!r}"


def ready_reasons(value: float | None, cov: float | None, checks: Sequence[CheckOutcome],
                  thresholds: Thresholds) -> tuple[str, ...]:
    """Why the verdict is not READY, one line per criterion that failed, and why the grade
    is lower than the score's band when the critical cap applied."""
    reasons = []
    if value is None:
        reasons.append("nothing was evaluated, so there is no score")
    elif value < thresholds.score:
        reasons.append(f"score {_under(value, thresholds.score)} is under the READY bar of "
                       f"{thresholds.score:g}")
    if cov is None:
        reasons.append("no check applies, so there is no coverage")
    elif cov < thresholds.coverage:
        reasons.append(f"coverage {_under(100 * cov, 100 * thresholds.coverage)}% is under "
                       f"the READY bar of {100 * thresholds.coverage:g}%")
    # sorted set: the overall score pools targets, so one check can fail on several
    critical = sorted({c.check_id for c in checks
                       if c.has_fail and c.severity == Severity.CRITICAL})
    if critical:
        reasons.append(f"unwaived critical failure: {', '.join(critical)}")
        uncapped = grade(value, False)
        if uncapped in ("A", "B", "C"):
            reasons.append(f"the critical failure caps the grade at D (the score alone gives "
                           f"{uncapped})")
    return tuple(reasons)


def score_findings(findings: Iterable[Finding], thresholds: Thresholds) -> Score:
    return score_outcomes(outcomes(findings), thresholds)


def formula(thresholds: Thresholds) -> str:
    return FORMULA.format(
        score_threshold=thresholds.score, coverage_threshold=thresholds.coverage
    )
