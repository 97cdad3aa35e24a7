"""Comparing two JSON reports by fingerprint: what newly fails, what was fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.gates import Baseline, FailingFinding


@dataclass(frozen=True)
class Comparison:
    old: Baseline
    new: Baseline
    new_failures: tuple[FailingFinding, ...]
    fixed: tuple[FailingFinding, ...]
    unchanged: int

    @property
    def score_delta(self) -> float | None:
        if self.old.score is None or self.new.score is None:
            return None
        return round(self.new.score - self.old.score, 2)

    def as_dict(self) -> dict[str, Any]:
        def rows(items: tuple[FailingFinding, ...]) -> list[dict[str, str]]:
            return [{"check_id": f.check_id, "subject": f.subject, "severity": f.severity,
                     "fingerprint": f.fingerprint} for f in items]

        return {
            "old": self.old.path,
            "new": self.new.path,
            "score": {"old": self.old.score, "new": self.new.score, "delta": self.score_delta},
            "new_failures": rows(self.new_failures),
            "fixed": rows(self.fixed),
            "unchanged_failures": self.unchanged,
        }


def compare(old: Baseline, new: Baseline) -> Comparison:
    def ordered(prints: set[str], source: Baseline) -> tuple[FailingFinding, ...]:
        return tuple(sorted((source.failing_findings[p] for p in prints),
                            key=lambda f: (f.check_id, f.subject)))

    return Comparison(
        old=old,
        new=new,
        new_failures=ordered(set(new.failing) - set(old.failing), new),
        fixed=ordered(set(old.failing) - set(new.failing), old),
        unchanged=len(set(old.failing) & set(new.failing)),
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
    lines.append(f"still failing: {comparison.unchanged}")
    return "\n".join(lines) + "\n"
