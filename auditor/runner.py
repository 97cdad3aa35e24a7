"""Collect facts once per (target, style), run the checks, isolate failures, score."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from auditor import __version__
from auditor.config import Config, Waiver
from auditor.model import (
    Check,
    Detection,
    Enrichment,
    FactMissing,
    Facts,
    Finding,
    Location,
    Report,
    Result,
    Status,
    Style,
    Target,
    TargetReport,
    WaiverOutcome,
    WaiverRef,
)
from auditor.plugins import PluginHost
from auditor.registry import Registry
from auditor.scoring import outcomes, score_findings, score_outcomes
from auditor.targets import choose_styles
from auditor.text import printable, shown


class Progress(Protocol):
    """What a front end is told while an audit runs (all optional to act on)."""

    def collecting(self, target: Target, style: Style) -> None: ...

    def finding(self, finding: Finding) -> None: ...


class _Silent:
    def collecting(self, target: Target, style: Style) -> None:
        pass

    def finding(self, finding: Finding) -> None:
        pass


@dataclass(frozen=True)
class ScanOptions:
    style: Style | None = None
    app: str | None = None
    debug: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)
    """Passed to collectors as ``options`` (context, namespace, kubeconfig, ...)."""
    today: dt.date | None = None
    annotation_waivers: bool = True
    """Honour waivers that audited objects carry (off: ``--no-annotation-waivers``)."""


class NothingAuditable(Exception):
    """No target yielded a style to audit; the message is one line for the user."""


RegistryFor = Callable[[frozenset[Style]], Registry]
"""The registry for the styles a run audits (``Session.registry_for``)."""


def audit(
    targets: Sequence[Target],
    host: PluginHost,
    registry: Registry | RegistryFor,
    config: Config,
    options: ScanOptions,
    progress: Progress | None = None,
) -> Report:
    """Detect every target, then collect facts and run the checks of each chosen style.

    ``registry`` may be a function of the styles chosen: it is called once, after
    detection, so a run imports the check modules of those styles only.
    """
    sink: Progress = progress or _Silent()
    # Thousands of findings of one check share their messages and evidence lines: each
    # distinct line is masked once per run (a cache of this run only, nothing kept after).
    show = functools.lru_cache(maxsize=8192)(shown)

    # Evidence tuples are shared too (a namespace's topology, one per workload): equal
    # tuples come out as one tuple, not one copy per finding.
    @functools.lru_cache(maxsize=4096)
    def show_lines(lines: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(show(line) for line in lines)

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    today = options.today or started.date()
    active_waivers = [w for w in config.waivers if not w.expired(today)]
    waiver_hits: dict[int, int] = {id(w): 0 for w in config.waivers}
    collect_options = {"app": options.app, **options.extra}
    reports: list[TargetReport] = []
    unauditable: list[str] = []
    detect_problems: list[str] = []
    plan: list[tuple[Target, list[Detection]]] = []
    for target in targets:
        detections, detect_errors = _detect(host, target)
        detect_problems.extend(detect_errors)
        chosen = choose_styles(detections, options.style)
        if not chosen:
            unauditable.append(_nothing_here(target, detections))
            continue
        plan.append((target, chosen))
    styles = frozenset(d.style for _, chosen in plan for d in chosen)
    known = registry if isinstance(registry, Registry) else registry(styles) if plan else Registry()
    for target, chosen in plan:
        for detection in chosen:
            sink.collecting(target, detection.style)
            facts, collect_problems = _collect(host, target, detection.style, collect_options)
            app = options.app or detection.app or facts.app
            checks = [
                c for c in known.for_target(detection.style, app)
                if not config.is_disabled(c.id)
            ]
            findings: list[Finding] = []
            object_waivers = facts.waivers if options.annotation_waivers else {}
            for check in sorted(checks, key=lambda c: c.id):
                for result in one_per_subject(_run_check(check, facts, options.debug)):
                    finding = _finding(check, result, detection.style, config,
                                       (show, show_lines),
                                       active_waivers, object_waivers, waiver_hits)
                    findings.append(finding)
                    sink.finding(finding)
            problems = tuple(show(p) for p in collect_problems) + tuple(
                show(f"{name}: {reason}") for name, reason in facts.problems.items()
            )
            reports.append(
                TargetReport(
                    target=printable(target.label),
                    style=detection.style,
                    app=app,
                    detection=dataclasses.replace(
                        detection, evidence=tuple(show(e) for e in detection.evidence)),
                    score=score_findings(findings, config.thresholds),
                    findings=tuple(findings),
                    problems=problems,
                )
            )
    if not reports:
        raise NothingAuditable("; ".join(unauditable) or "nothing to audit")
    # Pool per target: the same check on two targets is two evaluated checks.
    pooled = [o for r in reports for o in outcomes(r.findings)]
    # host.errors holds what went wrong loading plugins and building the registry.
    run_problems = [str(e) for e in host.errors] + detect_problems + unauditable
    return Report(
        tool_version=__version__,
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        duration_s=round(time.perf_counter() - clock, 3),
        score=score_outcomes(pooled, config.thresholds),
        targets=tuple(reports),
        waivers=_waiver_outcomes(config.waivers, waiver_hits, today),
        problems=tuple(show(p) for p in run_problems),
    )


def _detect(host: PluginHost, target: Target) -> tuple[list[Detection], list[str]]:
    errors_before = len(host.errors)
    detections = [
        d for _, d in host.call("auditor_detect", target=target) if isinstance(d, Detection)
    ]
    # Kept out of host.errors (like collect errors) so a reused session does not repeat them.
    problems = [str(e) for e in host.errors[errors_before:]]
    del host.errors[errors_before:]
    return detections, problems


LOOKED_FOR = ("a virtualenv or requirements naming apache-superset, systemd units running "
              "Superset, a Compose file, Kubernetes manifests, a Kustomization or a Helm chart")


def _nothing_here(target: Target, detections: Sequence[Detection]) -> str:
    if detections:
        best = max(detections, key=lambda d: d.confidence)
        return (
            f"{target.label}: nothing auditable (best guess {best.style.value} at "
            f"{best.confidence:.0%}; give --style to force it)"
        )
    return (f"{target.label}: nothing auditable found (looked for {LOOKED_FOR}; "
            "give --style to force one)")


def _collect(
    host: PluginHost, target: Target, style: Style, options: Mapping[str, object]
) -> tuple[Facts, list[str]]:
    errors_before = len(host.errors)
    facts = host.first("auditor_collect", target=target, style=style, options=options)
    problems = [str(e) for e in host.errors[errors_before:]]
    del host.errors[errors_before:]
    if not isinstance(facts, Facts):
        problems.append(f"no plugin could collect facts for style {style.value}")
        facts = Facts(style=style, problems={"facts": "no facts were collected"})
        return facts, problems
    values, found = dict(facts.values), dict(facts.problems)
    for _, extra in host.call("auditor_enrich", target=target, style=style, facts=facts,
                              options=options):
        if isinstance(extra, Enrichment):
            for name, value in extra.values.items():
                values.setdefault(name, value)
            for name, reason in extra.problems.items():
                found.setdefault(name, reason)
    problems.extend(str(e) for e in host.errors[errors_before:])
    del host.errors[errors_before:]
    return dataclasses.replace(facts, values=values, problems=found), problems


def _run_check(check: Check, facts: Facts, debug: bool) -> list[Result]:
    for name in check.requires:
        if name in facts.problems:
            return [Result(f"facts:{name}", Status.SKIP, f"skipped: {facts.problems[name]}")]
    try:
        results = list(check.evaluate(facts))
    except FactMissing as missing:
        return [Result(f"facts:{missing.name}", Status.SKIP, f"skipped: {missing.reason}")]
    except Exception as exc:  # a broken check is one error finding; the audit goes on
        evidence = tuple(traceback.format_exc().splitlines()) if debug else ()
        return [
            Result(
                f"check:{check.id}",
                Status.ERROR,
                f"check raised {type(exc).__name__}: {exc}".strip().rstrip(":"),
                evidence,
            )
        ]
    bad = [r for r in results if not isinstance(r, Result)]
    if bad:
        return [Result(f"check:{check.id}", Status.ERROR,
                       f"check returned {type(bad[0]).__name__}, not Result")]
    return results


# Worst first: a merged verdict is never better than any verdict merged into it.
_SEVERITY_OF_STATUS = {Status.FAIL: 5, Status.ERROR: 4, Status.WARN: 3, Status.SKIP: 2,
                       Status.WAIVED: 1, Status.PASS: 0}


def one_per_subject(results: Sequence[Result]) -> list[Result]:
    """A check's results with one verdict per subject, so fingerprints are unique.

    A fingerprint is (check, style, subject): two results of one check on one subject
    would be two findings under one fingerprint, which a baseline cannot tell apart and
    scoring (a mean over subjects) would count twice. Collectors make subjects precise
    where two distinct things would share one (``kubernetes.collect.place``); this is the
    last line for the rest (a check that reaches one workload along two paths). The
    results are merged, not renamed: the worst verdict stands, so a fail is never hidden
    behind a pass, and the others' messages stay in its evidence. Renaming (``#2``) would
    invent a subject that names nothing, and its fingerprint would hang on result order.
    """
    merged: dict[str, Result] = {}
    for result in results:
        key = printable(result.subject)
        kept = merged.get(key)
        if kept is None:
            merged[key] = result
            continue
        worse, other = (result, kept) if (
            _SEVERITY_OF_STATUS[result.status] > _SEVERITY_OF_STATUS[kept.status]) else (
            kept, result)
        extra = [f"also: {other.message}"] if other.message not in ("", worse.message) else []
        evidence = tuple(dict.fromkeys((*worse.evidence, *extra, *other.evidence)))
        merged[key] = dataclasses.replace(worse, evidence=evidence,
                                          location=worse.location or other.location)
    return list(merged.values())


def _finding(
    check: Check,
    result: Result,
    style: Style,
    config: Config,
    shown_as: tuple[Callable[[str], str], Callable[[tuple[str, ...]], tuple[str, ...]]],
    waivers: Iterable[Waiver],
    object_waivers: Mapping[str, Mapping[str, str]],
    hits: dict[int, int],
) -> Finding:
    show, show_lines = shown_as
    severity = config.severity.get(check.id, check.severity)
    status = result.status
    waiver_ref = None
    if status in (Status.FAIL, Status.WARN):
        for waiver in waivers:
            if waiver.matches(check.id, result.subject):
                hits[id(waiver)] += 1
                waiver_ref = WaiverRef(
                    reason=waiver.reason,
                    expires=waiver.expires.isoformat() if waiver.expires else None,
                    source=waiver.source,
                )
                status = Status.WAIVED
                break
        reason = object_waivers.get(result.subject, {}).get(check.id)
        if waiver_ref is None and reason:
            waiver_ref = WaiverRef(reason=reason, expires=None,
                                   source=f"annotation auditor.io/waive.{check.id}")
            status = Status.WAIVED
    return Finding(
        check_id=check.id,
        row=check.row,
        style=style,
        severity=severity,
        status=status,
        title=check.title,
        message=show(result.message or _default_message(check, result.status)),
        subject=printable(result.subject),
        remediation=check.remediation,
        location=_printable_location(result.location),
        evidence=show_lines(result.evidence),
        waiver=waiver_ref,
    )


def _printable_location(location: Location | None) -> Location | None:
    # Most paths are printable already: their Location is kept, not copied per finding.
    if location is None:
        return None
    path = printable(location.path)
    return location if path == location.path else Location(path, location.line)


def _default_message(check: Check, status: Status) -> str:
    if status == Status.PASS:
        return check.success or check.title
    return check.failure or check.title


def _waiver_outcomes(
    waivers: Sequence[Waiver], hits: Mapping[int, int], today: dt.date
) -> tuple[WaiverOutcome, ...]:
    outcomes = []
    for waiver in waivers:
        if waiver.expired(today):
            state = "expired"
        elif hits[id(waiver)]:
            state = "active"
        else:
            state = "unused"
        outcomes.append(
            WaiverOutcome(
                check=waiver.check,
                subject=waiver.subject,
                reason=waiver.reason,
                expires=waiver.expires.isoformat() if waiver.expires else None,
                state=state,
                matched=hits[id(waiver)],
                source=waiver.source,
            )
        )
    return tuple(outcomes)
