"""JUnit XML: one test suite per audited (target, style), one test case per finding.

CI systems (Jenkins, GitLab, Azure Pipelines, GitHub test reporters) show these as test
results next to the build. Gating stays with the exit code (``--fail-under``, ``--fail-on``):
this file only reports.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable

from auditor.model import Finding, Report, Score, Status, TargetReport
from auditor.reports.base import RenderOptions

SUITES_NAME = "deploy-auditor"

# XML 1.0 allows only TAB, LF, CR and U+0020 up, minus surrogates and U+FFFE/U+FFFF; not even
# a character reference (&#7;) may name the others, so no escaping can carry them. They are
# replaced with U+FFFD, the mark a reader knows as "something unreadable was here". CR is
# folded into LF first: parsers turn CR LF into LF in text anyway, so doing it here makes
# attribute and text values read back identically.
_NOT_XML = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CR = re.compile("\r\n?")


def clean(text: str) -> str:
    """``text`` as XML 1.0 can hold it."""
    return _NOT_XML.sub("\ufffd", _CR.sub("\n", text))


def render_junit(report: Report, options: RenderOptions) -> str:
    root = ET.Element("testsuites", _attrs(name=SUITES_NAME))
    totals: Counter[str] = Counter()
    for target in report.targets:
        suite, counts = _suite(target, report.started_at)
        root.append(suite)
        totals.update(counts)
    if report.problems:
        # <testsuites> has no <system-err>: run-wide problems (a plugin that failed to load,
        # a target nothing could audit) get a suite of their own, with no test cases.
        run = ET.SubElement(root, "testsuite", _attrs(
            name=f"{SUITES_NAME} [run]", tests="0", failures="0", errors="0", skipped="0",
            time="0", timestamp=report.started_at))
        ET.SubElement(run, "system-err").text = clean("\n".join(report.problems))
    root.attrib.update(_attrs(**_count_attrs(totals), time=f"{max(report.duration_s, 0.0):.3f}"))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(target: TargetReport, started_at: str) -> tuple[ET.Element, Counter[str]]:
    counts = _counts(target.findings)
    # Durations are measured for the whole run only, so suites and cases say 0.
    suite = ET.Element("testsuite", _attrs(
        name=f"{target.target} [{target.style.value}]", **_count_attrs(counts), time="0",
        timestamp=started_at))
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(target):
        ET.SubElement(properties, "property", _attrs(name=name, value=value))
    for finding in target.findings:
        suite.append(_case(finding))
    if target.problems:
        ET.SubElement(suite, "system-err").text = clean("\n".join(target.problems))
    return suite, counts


def _counts(findings: Iterable[Finding]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for finding in findings:
        counts["tests"] += 1
        if finding.status is Status.FAIL:
            counts["failures"] += 1
        elif finding.status is Status.ERROR:
            counts["errors"] += 1
        elif finding.status in (Status.SKIP, Status.WAIVED):
            counts["skipped"] += 1
    return counts


def _count_attrs(counts: Counter[str]) -> dict[str, str]:
    return {key: str(counts[key]) for key in ("tests", "failures", "errors", "skipped")}


def _properties(target: TargetReport) -> list[tuple[str, str]]:
    score: Score = target.score
    return [
        ("score", "" if score.value is None else f"{score.value:g}"),
        ("grade", score.grade or ""),
        ("ready", "true" if score.ready else "false"),
        ("coverage", "" if score.coverage is None else f"{score.coverage:g}"),
        ("app", target.app or ""),
        ("detection_confidence", f"{target.detection.confidence:g}"),
        ("style", target.style.value),
        ("target", target.target),
    ]


def _case(finding: Finding) -> ET.Element:
    # classname reads as a dotted path, which reporters fold into a tree: style, row, check.
    case = ET.Element("testcase", _attrs(
        classname=f"{finding.style.value}.{finding.row.value}.{finding.check_id}",
        name=finding.subject, time="0"))
    message = finding.message or finding.title
    status = finding.status
    if status is Status.FAIL:
        _child(case, "failure", _details(finding), message=message,
               type=finding.severity.value)
    elif status is Status.ERROR:
        _child(case, "error", _details(finding), message=message, type="check-error")
    elif status is Status.SKIP:
        _child(case, "skipped", None, message=message)
    elif status is Status.WAIVED and finding.waiver is not None:
        expires = f" (expires {finding.waiver.expires})" if finding.waiver.expires else ""
        _child(case, "skipped", _details(finding) + f"\nwaived by: {finding.waiver.source}",
               message=f"waived: {finding.waiver.reason}{expires}")
    elif status is Status.WAIVED:
        _child(case, "skipped", _details(finding), message="waived")
    elif status is Status.WARN:
        # JUnit knows pass, failure, error and skipped only. A warning earns half credit: as a
        # failure it would turn the build red without any gate asking for that, and as a skip
        # it would hide that it was evaluated. It passes, and says its concern in system-out.
        _child(case, "system-out", f"WARN ({finding.severity.value}): {message}\n"
               + _details(finding))
    return case


def _details(finding: Finding) -> str:
    lines = [f"{finding.check_id}: {finding.title}", f"subject: {finding.subject}"]
    if finding.message and finding.message != finding.title:
        lines.append(f"message: {finding.message}")
    if finding.location is not None:
        where = finding.location.path
        if finding.location.line is not None:
            where += f":{finding.location.line}"
        lines.append(f"location: {where}")
    if finding.evidence:
        lines.append("evidence:")
        lines.extend(f"  - {item}" for item in finding.evidence)
    lines.append(f"remediation: {finding.remediation}")
    return "\n".join(lines)


def _child(parent: ET.Element, tag: str, text: str | None, **attrs: str) -> None:
    element = ET.SubElement(parent, tag, _attrs(**attrs))
    if text is not None:
        element.text = clean(text)


def _attrs(**values: str) -> dict[str, str]:
    return {key: clean(value) for key, value in values.items()}
