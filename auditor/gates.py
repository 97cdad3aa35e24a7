"""CI gates: score floor, severity ceiling, regressions against a baseline report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model import Report, Severity, Status


class BaselineError(Exception):
    """A baseline that cannot be read; the message names the file."""


@dataclass(frozen=True)
class FailingFinding:
    check_id: str
    subject: str
    severity: str
    fingerprint: str


@dataclass(frozen=True)
class Baseline:
    path: str
    score: float | None
    failing: frozenset[str]
    """Fingerprints that failed in the baseline run."""
    failing_findings: Mapping[str, FailingFinding] = field(default_factory=dict)
    """The same failures by fingerprint, with what a person needs to recognise them."""


def load_baseline(path: str) -> Baseline:
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else path
        raise BaselineError(f"{where}: baseline is not a JSON report: {exc}") from exc
    if not isinstance(data, Mapping) or data.get("schema_version") != 1:
        raise BaselineError(f"{path}: baseline is not a deploy-auditor report (schema_version 1)")
    failing: dict[str, FailingFinding] = {}
    for target in data.get("targets") or []:
        for finding in target.get("findings") or []:
            if finding.get("status") == Status.FAIL.value and finding.get("fingerprint"):
                fingerprint = str(finding["fingerprint"])
                failing[fingerprint] = FailingFinding(str(finding.get("check_id", "?")),
                                                 str(finding.get("subject", "?")),
                                                 str(finding.get("severity", "?")), fingerprint)
    score = (data.get("score") or {}).get("value")
    return Baseline(path=path, score=score if isinstance(score, int | float) else None,
                    failing=frozenset(failing), failing_findings=failing)


@dataclass(frozen=True)
class GateOptions:
    fail_under: float | None = None
    fail_on: Severity | None = None
    baseline: Baseline | None = None
    max_score_drop: float = 0.0


def gate_reasons(report: Report, gates: GateOptions) -> list[str]:
    """Why the gate trips; empty when it does not."""
    reasons = []
    score = report.score.value
    if gates.fail_under is not None and (score is None or score < gates.fail_under):
        shown = "no score (nothing evaluated)" if score is None else f"score {score:.1f}"
        reasons.append(f"{shown} is under --fail-under {gates.fail_under:g}")
    failing = [f for t in report.targets for f in t.findings if f.status == Status.FAIL]
    if gates.fail_on is not None:
        floor = gates.fail_on.rank
        over = [f for f in failing if f.severity.rank >= floor]
        if over:
            reasons.append(
                f"{len(over)} failing finding(s) at or above {gates.fail_on.value} "
                f"(first: {over[0].check_id} {over[0].subject})"
            )
    if gates.baseline is not None:
        new = [f for f in failing if f.fingerprint not in gates.baseline.failing]
        if new:
            reasons.append(
                f"{len(new)} new failing finding(s) since {gates.baseline.path} "
                f"(first: {new[0].check_id} {new[0].subject})"
            )
        old = gates.baseline.score
        if old is not None and score is not None and old - score > gates.max_score_drop:
            reasons.append(f"score dropped from {old:.1f} to {score:.1f} since the baseline")
    return reasons
