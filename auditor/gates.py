"""CI gates: score floor, severity ceiling, regressions against a baseline report."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.compare import BaselineError, Comparison, Snapshot, load_snapshot
from auditor.model import Report, Severity, Status

__all__ = ["BaselineError", "GateOptions", "gate_reasons", "load_baseline",
           "nothing_evaluated", "tripped"]


def load_baseline(path: str) -> Snapshot:
    return load_snapshot(path, "baseline")


@dataclass(frozen=True)
class GateOptions:
    fail_under: float | None = None
    fail_on: Severity | None = None
    comparison: Comparison | None = None
    """This run against ``--baseline``; None when no baseline was given."""
    regression_floor: Severity = Severity.INFO
    """A new failing finding regresses when its severity is at or above this."""
    max_score_drop: float = 0.0
    min_coverage: float | None = None
    """``--min-coverage``: trips when less than this fraction of the applicable checks'
    weight was evaluated. A run that skips most checks (a forbidden list, a missing
    kubeconfig for live facts) has a score made of what was left, which can look fine."""


def regressions(comparison: Comparison, floor: Severity, max_score_drop: float) -> list[str]:
    """Why this run regressed against its baseline; empty when it did not."""
    reasons = []
    new = [f for f in comparison.new_failures if f.severity_rank >= floor.rank]
    if new:
        worst = new[0]
        at = "" if floor is Severity.INFO else f" at or above {floor.value}"
        reasons.append(f"{len(new)} new failing finding(s){at} since {comparison.old.path} "
                       f"(first: {worst.check_id} {worst.subject})")
    old, score = comparison.old.score, comparison.new.score
    if old is not None and score is not None and old - score > max_score_drop:
        reasons.append(f"score dropped from {old:.1f} to {score:.1f} since the baseline "
                       f"(tolerance {max_score_drop:g})")
    return reasons


def tripped(report: Report, gates: GateOptions) -> list[tuple[str, str]]:
    """Each tripped gate as (name, reason), in option order; empty when none trips. The
    names (``fail-under``, ``fail-on``, ``regression``, ``coverage``) are what the run log
    shows as ``gate=``."""
    out: list[tuple[str, str]] = []
    score = report.score.value
    if gates.fail_under is not None and (score is None or score < gates.fail_under):
        shown = "no score (nothing evaluated)" if score is None else f"score {score:.1f}"
        out.append(("fail-under", f"{shown} is under --fail-under {gates.fail_under:g}"))
    if gates.fail_on is not None:
        floor = gates.fail_on.rank
        over = [f for t in report.targets for f in t.findings
                if f.status == Status.FAIL and f.severity.rank >= floor]
        if over:
            out.append(("fail-on",
                        f"{len(over)} failing finding(s) at or above {gates.fail_on.value} "
                        f"(first: {over[0].check_id} {over[0].subject})"))
    if gates.comparison is not None:
        out.extend(("regression", reason) for reason in regressions(
            gates.comparison, gates.regression_floor, gates.max_score_drop))
    cov = report.score.coverage
    if gates.min_coverage is not None and (cov is None or cov < gates.min_coverage):
        shown = "no coverage (nothing applicable)" if cov is None else f"coverage {cov:.2f}"
        out.append(("coverage", f"{shown} is under --min-coverage {gates.min_coverage:g}"))
    return out


def gate_reasons(report: Report, gates: GateOptions) -> list[str]:
    """Why the gate trips; empty when it does not."""
    return [reason for _, reason in tripped(report, gates)]


CAUSES_SHOWN = 3


def nothing_evaluated(report: Report) -> str | None:
    """Why no check could judge anything (the overall score is null), in one line naming
    the cause; None when something was evaluated.

    Not a gate: a run that judged nothing has no verdict to pass, so it exits 2 whatever
    the gates say (DESIGN, CLI contract), after its reports are written.
    """
    if report.score.value is not None:
        return None
    # A plugin that failed to load is the cause of whatever its style could not collect.
    parts = list(report.problems[:CAUSES_SHOWN])
    for target in report.targets:
        causes = list(target.problems) or list(dict.fromkeys(
            f.message for f in target.findings if f.status in (Status.SKIP, Status.ERROR)))
        shown = "; ".join(causes[:CAUSES_SHOWN]) or "no check applies to what was found"
        more = f" (and {len(causes) - CAUSES_SHOWN} more)" if len(causes) > CAUSES_SHOWN else ""
        parts.append(f"{target.target} ({target.style.value}): {shown}{more}")
    line = "nothing evaluated: " + (" | ".join(parts) or "no target")
    # One line whatever the input named: a file name may hold a newline.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)
