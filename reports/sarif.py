"""SARIF 2.1.0: one run whose results are the findings that need attention, for code scanning.

Passing and skipped findings are left out (code scanning would show each result as an alert,
whatever its kind), but their checks are still described as rules; a check that broke
is a problem of the tool, so it becomes an execution notification, not a result. Waived
findings stay results with a ``suppressions`` entry, which code scanning shows as dismissed.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from auditor.model import Check, Finding, Report, Score, Severity, Status, TargetReport
from auditor.reports.base import RenderOptions
from auditor.reports.places import Place

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "deploy-auditor"
FINGERPRINT_KEY = "deployAuditor/v1"
SRCROOT = "%SRCROOT%"

LEVELS: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads rule.properties["security-severity"] (a number as a string) and
# buckets it: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low.
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
RESULT_STATUSES = frozenset({Status.FAIL, Status.WARN, Status.WAIVED})

# Only lone surrogates are replaced. They are not Unicode scalar values, so no UTF-8 file can
# hold them (writing one raises) and RFC 8259 leaves their meaning undefined. C0 control
# characters are kept: JSON escapes them (\u0007), every JSON parser reads them back, and a
# person verifying evidence needs the bytes the audited object really held. Consumers that
# print SARIF text to a terminal must escape it, as for any text taken from audited input.
_SURROGATE = re.compile("[\ud800-\udfff]")


def render_sarif(report: Report, options: RenderOptions) -> str:
    return json.dumps(sarif_log(report, options), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: Report, options: RenderOptions) -> dict[str, Any]:
    rules, index = _rules([f for t in report.targets for f in t.findings], options.catalog)
    results: list[dict[str, Any]] = []
    broken: list[dict[str, Any]] = []
    for target in report.targets:
        place = Place(target)
        for finding in target.findings:
            if finding.status in RESULT_STATUSES:
                result = _result(target, place, finding, index)
                if options.comparison is not None and finding.status is Status.FAIL:
                    # Only failures are compared; warn and waived results carry no state.
                    old = options.comparison.old.failing
                    result["baselineState"] = "unchanged" if finding.fingerprint in old else "new"
                results.append(result)
            elif finding.status is Status.ERROR:
                broken.append(_check_error(target, place, finding, index))
    invocation: dict[str, Any] = {"executionSuccessful": not broken}
    start, end = _times(report)
    if start:
        invocation["startTimeUtc"] = start
    if end:
        invocation["endTimeUtc"] = end
    notifications = broken + _problems(report)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver: dict[str, Any] = {"name": TOOL_NAME, "version": _clean(report.tool_version)}
    home = information_uri()
    if home is not None:
        driver["informationUri"] = home
    driver["rules"] = rules
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": _automation_id(report)},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "score": _score(report.score),
            "targets": [_target_summary(t) for t in report.targets],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def information_uri() -> str | None:
    """The project's home page, as its installed metadata names it (``[project.urls]``):
    where a developer reading an alert learns about the tool. None when the metadata names
    none: a made-up address would send them nowhere."""
    from importlib import metadata

    try:
        meta = metadata.metadata(TOOL_NAME)
    except metadata.PackageNotFoundError:
        return None
    urls: dict[str, str] = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    for candidate in (urls.get("homepage"), urls.get("repository"), urls.get("source"),
                      urls.get("documentation"), *(meta.get_all("Home-page") or [])):
        if isinstance(candidate, str) and _is_web_url(candidate):
            return candidate
    return None


# rules ----------------------------------------------------------------------------------------


def _rules(findings: Iterable[Finding], catalog: Mapping[str, Check]
           ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One rule per check that produced a finding, sorted by id; and each rule's index."""
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.check_id, finding)
    order = sorted(first)
    rules = [_rule_from_check(catalog[c]) if c in catalog else _rule_from_finding(first[c])
             for c in order]
    return rules, {check_id: i for i, check_id in enumerate(order)}


def _rule_from_check(check: Check) -> dict[str, Any]:
    return _rule(check.id, check.title, check.rationale, check.remediation, check.severity,
                 check.row.value, check.style.value, check.references)


def _rule_from_finding(finding: Finding) -> dict[str, Any]:
    """A check missing from the catalog (its plugin is not installed where this renders)."""
    return _rule(finding.check_id, finding.title, "", finding.remediation, finding.severity,
                 finding.row.value, finding.style.value, ())


def _rule(check_id: str, title: str, rationale: str, remediation: str, severity: Severity,
          row: str, style: str, references: tuple[str, ...]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": _clean(check_id),
        "name": _camel_case(title) or _clean(check_id),
        "shortDescription": {"text": _clean(title or check_id)},
    }
    if rationale:
        rule["fullDescription"] = {"text": _clean(rationale)}
    links = [_clean(r) for r in references if _is_web_url(r)]
    fix = _clean(remediation or title or check_id)
    parts = [_markdown(rationale), f"**Fix:** {_markdown(fix)}"] if rationale else [_markdown(fix)]
    if links:
        parts.append("\n".join(f"- <{url}>" for url in links))
    rule["help"] = {"text": fix, "markdown": "\n\n".join(parts)}
    if links:
        rule["helpUri"] = _help_uri(links[0])
    rule["defaultConfiguration"] = {"level": LEVELS[severity]}
    rule["properties"] = {
        "row": row,
        "style": style,
        "severity": severity.value,
        "tags": [row, style],
        "security-severity": SECURITY_SEVERITY[severity],
    }
    return rule


def _markdown(text: str) -> str:
    """Plain text that renders as itself: remediations hold ``<password>``, ``*`` and ``_``,
    which Markdown would hide or turn into markup. CommonMark lets any ASCII punctuation be
    backslash-escaped; escaping only what can start markup keeps the source readable."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-!|~&@])", r"\\\1", _clean(text))


def _camel_case(title: str) -> str:
    """``Web tier runs more than one replica`` -> ``WebTierRunsMoreThanOneReplica``."""
    words = re.findall(r"[^\W_]+", re.sub(r"['\u2019]", "", _clean(title)))
    return "".join(w[:1].upper() + w[1:] for w in words)


_NON_ASCII_ESCAPE = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")


def _help_uri(url: str) -> str:
    """``url`` as a helpUri the SARIF multitool accepts: a fragment holding an escaped
    non-ASCII byte (``systemctl.html#enable%20UNIT%E2%80%A6``) is refused as "not a valid
    URI reference" (SARIF1002), so the link goes to the page without it; the help text
    keeps it whole."""
    page, _, fragment = url.partition("#")
    return page if _NON_ASCII_ESCAPE.search(fragment) else url


def _is_web_url(text: str) -> bool:
    return re.match(r"^https?://[^\s<>]+$", text) is not None


# results --------------------------------------------------------------------------------------


def _result(target: TargetReport, place: Place, finding: Finding, index: Mapping[str, int]
            ) -> dict[str, Any]:
    level = LEVELS[finding.severity]
    if finding.status is Status.WARN and level == "error":
        level = "warning"  # a concern, not a failure: never louder than a warning
    result: dict[str, Any] = {
        "ruleId": _clean(finding.check_id),
        "ruleIndex": index[finding.check_id],
        # SARIF forbids any level but "none" unless kind is "fail"; warn is a partial failure.
        "kind": "fail",
        "level": level,
        "message": {"text": _clean(finding.message or finding.title or finding.check_id)},
        "locations": [_location(place, finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": _finding_properties(target, finding),
    }
    if finding.waiver is not None:
        waiver = finding.waiver
        # A waiver written into the audited manifest (a Kubernetes annotation) lives in the
        # source; one from auditor.toml or [tool.auditor] is kept apart from it.
        in_source = waiver.source.startswith("annotation ")
        suppression: dict[str, Any] = {
            "kind": "inSource" if in_source else "external",
            "status": "accepted",
            "justification": _clean(waiver.reason),
            "properties": {"source": _clean(waiver.source), "expires": waiver.expires},
        }
        result["suppressions"] = [suppression]
    return result


def _finding_properties(target: TargetReport, finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "subject": _clean(finding.subject),
        "row": finding.row.value,
        "style": finding.style.value,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "target": _clean(target.target),
        "evidence": [_clean(e) for e in finding.evidence],
    }
    if finding.location is not None:
        properties["location"] = {"path": _clean(finding.location.path),
                                  "line": finding.location.line}
    return properties


def _location(place: Place, finding: Finding) -> dict[str, Any]:
    """The file and line when the finding has one; always the subject as a logical location.

    GitHub code scanning rejects a whole upload when one result lacks a physical location, so
    a finding without a file of its own is anchored at the audited path itself (no region).
    Only targets with no path at all (standard input, a live cluster) give logical ones alone.
    """
    location: dict[str, Any] = {}
    loc = finding.location
    file = place.file_of(loc)
    if file is not None and loc is not None:
        physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
        if loc.line is not None and loc.line >= 1:
            physical["region"] = {"startLine": loc.line}
        location["physicalLocation"] = physical
    elif place.path is not None:
        location["physicalLocation"] = {"artifactLocation": {
            **_artifact(place.path),
            "description": {"text": "the audited target: this finding has no file of its own"},
        }}
    location["logicalLocations"] = [{"fullyQualifiedName": _clean(finding.subject),
                                     "kind": "resource"}]
    return location


def _artifact(path: str) -> dict[str, Any]:
    path = posixpath.normpath(path)
    if path.startswith("/"):
        return {"uri": "file://" + _percent_encode(path)}
    return {"uri": _percent_encode(path), "uriBaseId": SRCROOT}


def _percent_encode(path: str) -> str:
    # A name that was not UTF-8 on disk reaches us with surrogate escapes: encode the original
    # bytes, so the URI names the real file.
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "replace")
    return quote(raw, safe="/")


# notifications --------------------------------------------------------------------------------


def _check_error(target: TargetReport, place: Place, finding: Finding,
                 index: Mapping[str, int]) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": _clean(
            f"{finding.check_id} broke on {finding.subject}: "
            f"{finding.message or 'the check raised an error'}")},
        "locations": [_location(place, finding)],
        "associatedRule": {"id": _clean(finding.check_id), "index": index[finding.check_id]},
        "properties": _finding_properties(target, finding),
    }


def _problems(report: Report) -> list[dict[str, Any]]:
    """Facts that could not be had: the audit went on, with less coverage."""
    notes: list[dict[str, Any]] = [
        {"level": "warning", "message": {"text": _clean(problem)},
         "properties": {"scope": "run"}}
        for problem in report.problems
    ]
    for target in report.targets:
        notes.extend(
            {"level": "warning", "message": {"text": _clean(problem)},
             "properties": {"scope": "target", "target": _clean(target.target),
                            "style": target.style.value}}
            for problem in target.problems
        )
    return notes


# run ------------------------------------------------------------------------------------------


def _automation_id(report: Report) -> str:
    # The trailing slash makes the id a category only: code scanning then replaces the
    # previous analysis of the same styles instead of keeping every run's alerts apart.
    styles = sorted({t.style.value for t in report.targets})
    return f"{TOOL_NAME}/{'+'.join(styles)}/" if styles else f"{TOOL_NAME}/"


def _times(report: Report) -> tuple[str | None, str | None]:
    try:
        start = dt.datetime.fromisoformat(report.started_at)
    except ValueError:
        return None, None
    if start.tzinfo is None:
        return None, None
    start = start.astimezone(dt.UTC)
    end = start + dt.timedelta(seconds=max(report.duration_s, 0.0))

    def utc(moment: dt.datetime) -> str:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return utc(start), utc(end)


def _score(score: Score) -> dict[str, Any]:
    return {"value": score.value, "grade": score.grade, "ready": score.ready,
            "coverage": score.coverage, "ready_reasons": list(score.ready_reasons)}


def _target_summary(target: TargetReport) -> dict[str, Any]:
    return {
        "target": _clean(target.target),
        "style": target.style.value,
        "app": _clean(target.app) if target.app is not None else None,
        "detectionConfidence": target.detection.confidence,
        "score": _score(target.score),
    }


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)
