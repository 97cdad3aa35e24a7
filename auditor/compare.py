"""Comparing two audits by fingerprint: what newly fails, what was fixed, what stayed.

Both sides are :class:`Snapshot` objects, read from a JSON report on disk (a baseline,
``auditor diff``) or taken from the report of the run in progress. Only fingerprints
are compared, never messages or line numbers, so moving a manifest or rewording a check
does not count as a regression.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.jsonfile import JsonFileError, NotJson, read_json_file
from auditor.model import Report, Severity, Status


class BaselineError(Exception):
    """A baseline (or report given to ``auditor diff``) that cannot be read; names the file."""


@dataclass(frozen=True)
class FindingRef:
    """What a person needs to recognise one failing finding in a comparison."""

    check_id: str
    subject: str
    severity: str
    fingerprint: str
    title: str = ""
    message: str = ""
    target: str = ""
    style: str = ""
    path: str | None = None
    line: int | None = None

    @property
    def severity_rank(self) -> int:
        try:
            return Severity(self.severity).rank
        except ValueError:
            return 0

    def as_dict(self) -> dict[str, Any]:
        return {"check_id": self.check_id, "subject": self.subject, "severity": self.severity,
                "fingerprint": self.fingerprint, "title": self.title, "message": self.message,
                "target": self.target, "style": self.style,
                "location": None if self.path is None else {"path": self.path, "line": self.line}}


@dataclass(frozen=True)
class Snapshot:
    """The failing findings and the score of one audit."""

    path: str
    """Where it came from: a report file, or a label such as ``this run``."""
    score: float | None
    failing: Mapping[str, FindingRef] = field(default_factory=dict)
    """Failing findings by fingerprint."""
    started_at: str | None = None


def _finding_ref(target: Mapping[str, Any], finding: Mapping[str, Any]) -> FindingRef:
    location = finding.get("location") if isinstance(finding.get("location"), Mapping) else None
    line = location.get("line") if location else None
    return FindingRef(
        check_id=str(finding.get("check_id", "?")),
        subject=str(finding.get("subject", "?")),
        severity=str(finding.get("severity", "?")),
        fingerprint=str(finding["fingerprint"]),
        title=str(finding.get("title", "")),
        message=str(finding.get("message", "")),
        target=str(target.get("target", "")),
        style=str(target.get("style", "")),
        path=str(location["path"]) if location and location.get("path") is not None else None,
        line=line if isinstance(line, int) else None,
    )


def snapshot_from_data(data: Any, path: str, role: str = "report") -> Snapshot:
    """A snapshot of a parsed JSON report; anything else is a :class:`BaselineError`."""
    if not isinstance(data, Mapping) or data.get("schema_version") != 1:
        raise BaselineError(f"{path}: {role} is not a deploy-auditor report (schema_version 1)")
    failing: dict[str, FindingRef] = {}
    targets = data.get("targets")
    for target in targets if isinstance(targets, list) else []:
        if not isinstance(target, Mapping):
            continue
        findings = target.get("findings")
        for finding in findings if isinstance(findings, list) else []:
            if (isinstance(finding, Mapping) and finding.get("status") == Status.FAIL.value
                    and finding.get("fingerprint")):
                ref = _finding_ref(target, finding)
                failing[ref.fingerprint] = ref
    score_data = data.get("score")
    score = score_data.get("value") if isinstance(score_data, Mapping) else None
    started = data.get("started_at")
    return Snapshot(path=path,
                    score=float(score) if isinstance(score, int | float) else None,
                    failing=failing, started_at=str(started) if started else None)


def read_json(path: str, role: str = "report") -> Any:
    """The parsed JSON of a stored report; a one-line :class:`BaselineError` otherwise."""
    try:
        return read_json_file(path)
    except NotJson as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        raise BaselineError(f"{where}: {role} is not a JSON report: {exc}") from exc
    except JsonFileError as exc:
        raise BaselineError(f"{path}: cannot read {role}: {exc}") from exc


def load_snapshot(path: str, role: str = "report") -> Snapshot:
    return snapshot_from_data(read_json(path, role), path, role)


def snapshot_from_report(report: Report, label: str = "this run") -> Snapshot:
    failing: dict[str, FindingRef] = {}
    for target in report.targets:
        for f in target.findings:
            if f.status is Status.FAIL:
                failing[f.fingerprint] = FindingRef(
                    f.check_id, f.subject, f.severity.value, f.fingerprint, f.title, f.message,
                    target.target, target.style.value,
                    f.location.path if f.location else None,
                    f.location.line if f.location else None)
    return Snapshot(path=label, score=report.score.value, failing=failing,
                    started_at=report.started_at)


@dataclass(frozen=True)
class Comparison:
    old: Snapshot
    new: Snapshot
    new_failures: tuple[FindingRef, ...]
    fixed: tuple[FindingRef, ...]
    unchanged: tuple[FindingRef, ...]
    """Failing in both, as the new run reports them."""

    @property
    def score_delta(self) -> float | None:
        if self.old.score is None or self.new.score is None:
            return None
        return round(self.new.score - self.old.score, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.path,
            "new": self.new.path,
            "score": {"old": self.old.score, "new": self.new.score, "delta": self.score_delta},
            "new_failures": [f.as_dict() for f in self.new_failures],
            "fixed": [f.as_dict() for f in self.fixed],
            "unchanged_failures": len(self.unchanged),
        }


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    def ordered(prints: set[str], source: Snapshot) -> tuple[FindingRef, ...]:
        return tuple(sorted((source.failing[p] for p in prints),
                            key=lambda f: (-f.severity_rank, f.check_id, f.subject)))

    old_prints, new_prints = set(old.failing), set(new.failing)
    return Comparison(
        old=old,
        new=new,
        new_failures=ordered(new_prints - old_prints, new),
        fixed=ordered(old_prints - new_prints, old),
        unchanged=ordered(old_prints & new_prints, new),
    )


def render_text(comparison: Comparison) -> str:
    def score(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f}"

    delta = comparison.score_delta
    lines = [f"score {score(comparison.old.score)} -> {score(comparison.new.score)}"
             + (f" ({delta:+.1f})" if delta is not None else "")]
    for title, items in (("new failing", comparison.new_failures),
                         ("fixed", comparison.fixed)):
        lines.append(f"{title} ({len(items)}):")
        lines.extend(f"  {f.severity:<8} {f.check_id}  {f.subject}" for f in items)
    lines.append(f"still failing: {len(comparison.unchanged)}")
    return "\n".join(lines) + "\n"
