"""The HTML report: one self-contained page (inline CSS and SVG, no script, no fetch).

This module builds a view model of plain frozen data (text already cleaned and clipped,
SVG geometry already computed); ``templates/report.html.j2`` turns it into markup with
autoescaping forced on, so nothing from the audited world can become markup.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from auditor.compare import Comparison, FindingRef
from auditor.history import HistoryRun, series
from auditor.model import (
    ROW_QUESTIONS,
    Finding,
    Report,
    Row,
    Score,
    Severity,
    Status,
    TargetReport,
    WaiverOutcome,
)
from auditor.reports.base import RenderOptions
from auditor.reports.sidebyside import side_by_side
from auditor.scoring import formula, grade

CLIP = 500
COLUMNS = (Status.PASS, Status.WARN, Status.FAIL, Status.SKIP, Status.ERROR, Status.WAIVED)
URGENCY = (Status.FAIL, Status.ERROR, Status.WARN, Status.WAIVED, Status.SKIP, Status.PASS)
# Control characters (C0 but tab and newline, DEL, C1) and non-characters are invalid in
# an HTML document; they are dropped.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# Lone surrogates stand for bytes that were not UTF-8; they cannot even be written out.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bidirectional overrides would let an object name display as something else.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


@dataclass(frozen=True)
class Clip:
    """Text for display: ``shown`` is at most ``CLIP`` characters of ``full``."""

    full: str

    @property
    def shown(self) -> str:
        return self.full[:CLIP]

    @property
    def clipped(self) -> bool:
        return len(self.full) > CLIP


def clip(text: str) -> Clip:
    return Clip(clean(text))


@dataclass(frozen=True)
class Gauge:
    track: str
    arc: str
    label: str
    grade: str
    tone: str
    ready: bool
    coverage: str
    reasons: tuple[str, ...] = ()
    """Why not ready, and the grade cap (the score's ``ready_reasons``)."""

    @property
    def title(self) -> str:
        verdict = "ready" if self.ready else "not ready"
        return f"Score {self.label} of 100, grade {self.grade}, {verdict}, coverage {self.coverage}"


def _point(angle: float, radius: float = 50.0) -> str:
    rad = math.radians(angle)
    return f"{60 + radius * math.cos(rad):.2f} {60 + radius * math.sin(rad):.2f}"


def _arc(fraction: float) -> str:
    # A 240-degree dial open at the bottom, drawn clockwise from the lower left.
    sweep = 240.0 * max(0.0, min(1.0, fraction))
    if sweep <= 0:
        return ""
    large = 1 if sweep > 180 else 0
    return f"M {_point(150)} A 50 50 0 {large} 1 {_point(150 + sweep)}"


def tone(value: float | None) -> str:
    return (grade(value, False) or "none").lower()


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}".removesuffix(".0")


def gauge(score: Score) -> Gauge:
    return Gauge(track=_arc(1.0), arc=_arc((score.value or 0.0) / 100), label=number(score.value),
                 grade=score.grade or "n/a", tone=(score.grade or "none").lower(),
                 ready=score.ready, coverage=percent(score.coverage),
                 reasons=score.ready_reasons)


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None


@dataclass(frozen=True)
class WaiverNote:
    reason: Clip
    expires: str
    source: Clip


@dataclass(frozen=True)
class FindingView:
    status: str
    subject: Clip
    message: Clip
    location: Clip | None
    evidence: tuple[Clip, ...]
    remediation: Clip | None
    """Only when it differs from the one its check shows."""
    waiver: WaiverNote | None


@dataclass(frozen=True)
class CheckView:
    check_id: str
    title: Clip
    severity: str
    status: str
    rationale: Clip | None
    remediation: Clip
    references: tuple[Link, ...]
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class RowView:
    anchor: str
    name: str
    question: str
    score: str
    tone: str
    counts: tuple[int, ...]
    checks: tuple[CheckView, ...]
    passed: tuple[CheckView, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def passed_findings(self) -> int:
        return sum(len(c.findings) for c in self.passed)


@dataclass(frozen=True)
class TargetView:
    anchor: str
    target: Clip
    short: str
    """The last part of the target's path, for navigation."""
    style: str
    app: str | None
    confidence: str
    evidence: tuple[Clip, ...]
    gauge: Gauge
    counts: tuple[int, ...]
    rows: tuple[RowView, ...]
    problems: tuple[Clip, ...]


def counts(findings: Iterable[Finding]) -> tuple[int, ...]:
    statuses = [f.status for f in findings]
    return tuple(statuses.count(s) for s in COLUMNS)


def _finding(finding: Finding, remediation: str) -> FindingView:
    where = None
    if finding.location:
        line = f":{finding.location.line}" if finding.location.line else ""
        where = clip(finding.location.path + line)
    waiver = finding.waiver
    return FindingView(
        status=finding.status.value, subject=clip(finding.subject), message=clip(finding.message),
        location=where, evidence=tuple(clip(e) for e in finding.evidence),
        remediation=None if finding.remediation == remediation else clip(finding.remediation),
        waiver=WaiverNote(clip(waiver.reason), clean(waiver.expires or "never"),
                          clip(waiver.source)) if waiver else None)


def link(url: str) -> Link:
    safe = url.lower().startswith(("https://", "http://"))
    return Link(clean(url), clean(url) if safe else None)


def _check(group: Sequence[Finding], options: RenderOptions) -> CheckView:
    first = group[0]
    ordered = sorted(group, key=lambda f: (URGENCY.index(f.status), f.subject))
    meta = options.catalog.get(first.check_id)
    return CheckView(
        check_id=clean(first.check_id), title=clip(first.title), severity=first.severity.value,
        status=ordered[0].status.value,
        rationale=clip(meta.rationale) if meta and meta.rationale else None,
        remediation=clip(first.remediation),
        references=tuple(link(u) for u in meta.references) if meta else (),
        findings=tuple(_finding(f, first.remediation) for f in ordered))


def _row(anchor: str, row: Row, target: TargetReport, options: RenderOptions) -> RowView:
    findings = [f for f in target.findings if f.row == row]
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.check_id, []).append(finding)
    checks = [_check(g, options) for g in groups.values()]
    checks.sort(key=lambda c: (URGENCY.index(Status(c.status)), -Severity(c.severity).rank,
                               c.check_id))
    row_score = target.score.rows.get(row)
    value = row_score.value if row_score else None
    return RowView(
        anchor=f"{anchor}-{row.value}", name=row.value, question=ROW_QUESTIONS[row],
        score=number(value) if findings else "—", tone=tone(value), counts=counts(findings),
        checks=tuple(c for c in checks if c.status != Status.PASS.value),
        passed=tuple(c for c in checks if c.status == Status.PASS.value))


def target_view(index: int, target: TargetReport, options: RenderOptions) -> TargetView:
    anchor = f"t{index}"
    return TargetView(
        anchor=anchor, target=clip(target.target),
        short=clean(target.target.rstrip("/").rsplit("/", 1)[-1] or target.target)[:60],
        style=target.style.value,
        app=clean(target.app) if target.app else None,
        confidence=percent(target.detection.confidence),
        evidence=tuple(clip(e) for e in target.detection.evidence), gauge=gauge(target.score),
        counts=counts(target.findings),
        rows=tuple(_row(anchor, row, target, options) for row in Row),
        problems=tuple(clip(p) for p in target.problems))


# The trend chart's frame, in SVG user units; text sizes are chosen for this width.
W, H, LEFT, RIGHT, TOP, BOTTOM = 440, 220, 34, 14, 10, 26


@dataclass(frozen=True)
class Series:
    label: Clip
    points: str
    dots: tuple[tuple[float, float, str], ...]
    latest: str
    change: str


@dataclass(frozen=True)
class Trend:
    runs: int
    series: tuple[Series, ...]
    x_ticks: tuple[tuple[float, str, str], ...]
    """x, label, text-anchor."""
    y_ticks: tuple[tuple[float, str], ...]
    ready_y: float
    ready: str


def _moment(stamp: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    # Naive times are taken as UTC so that runs written either way can be compared.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _y(value: float) -> float:
    value = max(0.0, min(100.0, value))
    return round(TOP + (100 - value) / 100 * (H - TOP - BOTTOM), 1)


def _tick_format(span: float) -> str:
    """The coarsest time format that still tells four ticks over ``span`` seconds apart:
    runs within one minute read 16:00:05, 16:00:10, not 16:00 four times."""
    if span >= 2 * 86400:
        return "%Y-%m-%d"
    if span >= 3 * 3600:
        return "%m-%d %H:%M"
    if span >= 3 * 60:
        return "%H:%M"
    return "%H:%M:%S"


def trend(runs: Sequence[HistoryRun], ready: float) -> Trend | None:
    if len(runs) < 2:
        return None
    moments = [_moment(r.started_at) for r in runs]
    known = [m for m in moments if m is not None]
    # Time on the x axis when every run has a readable time, else evenly spaced runs.
    timed = len(known) == len(runs) and known[-1] > known[0]
    start = known[0] if timed else None
    span = (known[-1] - known[0]).total_seconds() if timed else float(len(runs) - 1)
    width = W - LEFT - RIGHT

    def x_of(stamp: str, index: int) -> float:
        moment = _moment(stamp)
        offset = (moment - start).total_seconds() if start and moment else float(index)
        return round(LEFT + offset / span * width, 1)

    index = {r.started_at: i for i, r in enumerate(runs)}
    out = []
    for (target, style), points in series(runs).items():
        seen = [(x_of(at, index[at]), _y(v), at, v) for at, v in points if v is not None]
        label = clip(f"{target} ({style})")
        dots = tuple((x, y, f"{label.shown}: {number(v)} at {clean(at)}") for x, y, at, v in seen)
        values = [v for *_, v in seen]
        change = f"{values[-1] - values[0]:+.1f}" if len(values) > 1 else ""
        out.append(Series(label, " ".join(f"{x},{y}" for x, y, *_ in seen), dots,
                          number(values[-1]) if values else "n/a", change))
    ticks = min(len(runs), 4)
    x_ticks: list[tuple[float, str, str]] = []
    for i in range(ticks):
        fraction = i / (ticks - 1)
        if start is not None:
            moment = start.timestamp() + fraction * span
            text = datetime.fromtimestamp(moment, start.tzinfo).strftime(_tick_format(span))
        else:
            text = f"run {round(fraction * (len(runs) - 1)) + 1}"
        anchor = "start" if i == 0 else "end" if i == ticks - 1 else "middle"
        if x_ticks and x_ticks[-1][1] == text:
            continue  # a label that repeats tells nothing (runs seconds apart)
        x_ticks.append((round(LEFT + fraction * width, 1), text, anchor))
    return Trend(len(runs), tuple(out), tuple(x_ticks),
                 tuple((_y(v), str(v)) for v in (0, 25, 50, 75, 100)),
                 _y(ready), number(ready))


@dataclass(frozen=True)
class WaiverView:
    check: str
    subject: Clip
    reason: Clip
    expires: str
    state: str
    matched: int
    source: Clip


def waiver_view(w: WaiverOutcome) -> WaiverView:
    return WaiverView(clean(w.check), clip(w.subject), clip(w.reason),
                      clean(w.expires) if w.expires else "never", clean(w.state), w.matched,
                      clip(w.source))


@dataclass(frozen=True)
class RefView:
    severity: str
    check_id: str
    title: Clip
    subject: Clip
    where: Clip


def _ref(ref: FindingRef) -> RefView:
    where = f"{ref.target} ({ref.style})" if ref.target else ref.style
    if ref.path:
        where += f", {ref.path}" + (f":{ref.line}" if ref.line else "")
    return RefView(clean(ref.severity), clean(ref.check_id), clip(ref.message or ref.title),
                   clip(ref.subject), clip(where))


@dataclass(frozen=True)
class Baseline:
    path: Clip
    old: str
    new: str
    delta: str
    direction: str
    new_failures: tuple[RefView, ...]
    fixed: tuple[RefView, ...]
    unchanged: int


def baseline(comparison: Comparison | None) -> Baseline | None:
    if comparison is None:
        return None
    delta = comparison.score_delta
    return Baseline(
        path=clip(comparison.old.path), old=number(comparison.old.score),
        new=number(comparison.new.score), delta="n/a" if delta is None else f"{delta:+.1f}",
        direction="none" if not delta else "up" if delta > 0 else "down",
        new_failures=tuple(_ref(r) for r in comparison.new_failures),
        fixed=tuple(_ref(r) for r in comparison.fixed), unchanged=len(comparison.unchanged))


def _finalize(value: object) -> object:
    # A safety net under the view model: whatever reaches the page is cleaned once more.
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


BREAK_AFTER = re.compile(r"([/:._=])")


def breakable(value: object) -> Markup:
    """Escaped text with a line-break opportunity after each / : . _ =, so a long object
    name (apps/v1/Deployment/ns/name) wraps between its parts, not in the middle of one.
    Escaping comes first, and none of those characters occurs in an entity it writes."""
    return Markup(BREAK_AFTER.sub(r"\1<wbr>", str(escape(value))))


@functools.cache
def environment() -> jinja2.Environment:
    # autoescape=True for every template: select_autoescape would not cover ".j2" names.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, finalize=_finalize,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["breakable"] = breakable
    return env


def render_html(report: Report, options: RenderOptions) -> str:
    moment = _moment(report.started_at)
    findings = [f for t in report.targets for f in t.findings]
    return environment().get_template("report.html.j2").render(
        columns=[s.value for s in COLUMNS],
        version=clean(report.tool_version),
        started=clean(report.started_at),
        started_text=moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment else clean(
            report.started_at),
        duration=f"{report.duration_s:.2f} s",
        overall=gauge(report.score),
        counts=counts(findings),
        targets=[target_view(i, t, options) for i, t in enumerate(report.targets, 1)],
        side=side_by_side(report),
        problems=[clip(p) for p in report.problems],
        waivers=[waiver_view(w) for w in sorted(report.waivers,
                                                key=lambda w: w.state == "active")],
        trend=trend(options.history, options.thresholds.score),
        runs=len(options.history),
        baseline=baseline(options.comparison),
        formula=formula(options.thresholds),
        W=W, H=H, LEFT=LEFT, RIGHT=RIGHT,
    )
