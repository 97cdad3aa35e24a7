"""reports/junit.py: JUnit XML that CI consumers parse, with totals true to the report."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from reportdata import (
    HOSTILE_MARKUP,
    HOSTILE_SECRET,
    all_examples_report,
    example_report,
    hostile_report,
    render,
)

from auditor.model import Finding, Report, Status, TargetReport, WaiverRef
from auditor.reports.junit import clean

REPORTS = {"all-examples": all_examples_report, "hostile": hostile_report}


def junit(report: Report) -> str:
    text = render(report, "junit")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return text


def parse(text: str) -> tuple[ET.Element, JUnitXml]:
    data = text.encode("utf-8")
    root = ET.fromstring(data)
    xml = JUnitXml.fromstring(data)
    assert isinstance(xml, JUnitXml)
    return root, xml


def counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, int]:
    by_status = Counter(f.status for f in findings)
    return {"tests": len(findings), "failures": by_status[Status.FAIL],
            "errors": by_status[Status.ERROR],
            "skipped": by_status[Status.SKIP] + by_status[Status.WAIVED]}


def every(report: Report) -> list[Finding]:
    return [f for t in report.targets for f in t.findings]


def with_findings(report: Report, *changed: Finding, target: TargetReport | None = None,
                  problems: tuple[str, ...] | None = None) -> Report:
    first = target or report.targets[0]
    entry = dataclasses.replace(first, findings=changed or first.findings,
                                problems=first.problems if problems is None else problems)
    return dataclasses.replace(report, targets=(entry,))


def mixed() -> Report:
    """The Kubernetes example with one finding of every status."""
    base = example_report("kubernetes")
    fails = [f for f in every(base) if f.status is Status.FAIL]
    warn = next(f for f in every(base) if f.status is Status.WARN)
    passed = next(f for f in every(base) if f.status is Status.PASS)
    return with_findings(
        base,
        passed,
        fails[0],
        warn,
        dataclasses.replace(fails[1], status=Status.ERROR,
                            message="check raised KeyError: 'spec'", evidence=()),
        dataclasses.replace(fails[2], status=Status.SKIP, message="skipped: forbidden (403)"),
        dataclasses.replace(fails[3], status=Status.WAIVED, waiver=WaiverRef(
            "replaced in the March release", "2027-03-31", "/repo/auditor.toml")),
        problems=("secrets: forbidden (403); config-secrets checks skipped",),
    )


# totals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*REPORTS, "mixed"])
def test_totals_equal_the_counts_by_status(name: str) -> None:
    report = mixed() if name == "mixed" else REPORTS[name]()
    root, xml = parse(junit(report))
    assert root.tag == "testsuites"
    assert root.get("name") == "deploy-auditor"
    expected = counts(every(report))
    assert {k: int(root.get(k, "-1")) for k in expected} == expected
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == tuple(expected.values())
    assert float(root.get("time", "-1")) == pytest.approx(report.duration_s, abs=0.001)
    suites = list(xml)
    assert len(suites) == len(report.targets)
    for suite, target in zip(suites, report.targets, strict=True):
        assert suite.name == f"{target.target} [{target.style.value}]"
        want = counts(target.findings)
        assert (suite.tests, suite.failures, suite.errors, suite.skipped) == tuple(want.values())
        assert suite.timestamp == report.started_at
        cases = list(suite)
        assert len(cases) == want["tests"]
        # What a consumer counts from the cases agrees with the totals it was told.
        kinds = Counter(type(r).__name__ for c in cases for r in c.result)
        assert kinds["Failure"] == want["failures"]
        assert kinds["Error"] == want["errors"]
        assert kinds["Skipped"] == want["skipped"]
        # junitparser recomputes the totals from the cases: they must not change.
        before = (suite.tests, suite.failures, suite.errors, suite.skipped)
        suite.update_statistics()
        assert (suite.tests, suite.failures, suite.errors, suite.skipped) == before


def test_properties_describe_each_target() -> None:
    report = all_examples_report()
    _, xml = parse(junit(report))
    for suite, target in zip(xml, report.targets, strict=True):
        props = {p.name: p.value for p in suite.properties()}
        assert props["score"] == f"{target.score.value:g}"
        assert props["grade"] == target.score.grade
        assert props["ready"] == ("true" if target.score.ready else "false")
        assert float(props["coverage"]) == pytest.approx(target.score.coverage)
        assert props["app"] == target.app
        assert float(props["detection_confidence"]) == target.detection.confidence


# cases ----------------------------------------------------------------------------------------


def test_each_status_maps_to_its_junit_form() -> None:
    report = mixed()
    _, xml = parse(junit(report))
    [suite] = list(xml)
    cases = list(suite)
    by_status = dict(zip((f.status for f in report.targets[0].findings), cases, strict=True))
    for finding, case in zip(report.targets[0].findings, cases, strict=True):
        assert case.classname == f"kubernetes.{finding.row.value}.{finding.check_id}"
        assert case.name == finding.subject
        assert case.time == 0
    assert by_status[Status.PASS].is_passed and not by_status[Status.PASS].system_out

    [failure] = by_status[Status.FAIL].result
    fail = report.targets[0].findings[1]
    assert isinstance(failure, Failure)
    assert failure.message == fail.message
    assert failure.type == fail.severity.value
    assert fail.title in failure.text and fail.remediation in failure.text
    assert fail.location is not None
    assert f"location: {fail.location.path}:{fail.location.line}" in failure.text
    assert all(f"  - {e}" in failure.text for e in fail.evidence)

    # A warning earns half credit: it passes, and says why in system-out.
    warn_case = by_status[Status.WARN]
    assert warn_case.is_passed
    assert warn_case.system_out.startswith("WARN (")
    assert report.targets[0].findings[2].message in warn_case.system_out

    [error] = by_status[Status.ERROR].result
    assert isinstance(error, Error)
    assert error.message == "check raised KeyError: 'spec'"

    [skipped] = by_status[Status.SKIP].result
    assert isinstance(skipped, Skipped)
    assert skipped.message == "skipped: forbidden (403)"

    [waived] = by_status[Status.WAIVED].result
    assert isinstance(waived, Skipped)
    assert waived.message == "waived: replaced in the March release (expires 2027-03-31)"
    assert "waived by: /repo/auditor.toml" in waived.text

    root = ET.fromstring(junit(report).encode())
    assert root.findtext("testsuite/system-err") == (
        "secrets: forbidden (403); config-secrets checks skipped")


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_failure_has_a_message(name: str) -> None:
    root, _ = parse(junit(REPORTS[name]()))
    failures = root.findall(".//failure")
    assert failures
    for failure in failures:
        assert failure.get("message")
        assert failure.get("type") in ("critical", "high", "medium", "low", "info")
        assert failure.text


def test_run_problems_get_a_suite_of_their_own() -> None:
    report = dataclasses.replace(example_report("kubernetes"),
                                 problems=("plugin broken failed to load: ImportError",
                                           "kube:gone: no such context"))
    root, xml = parse(junit(report))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites][-1] == "deploy-auditor [run]"
    assert suites[-1].get("tests") == "0"
    assert suites[-1].findtext("system-err") == "\n".join(report.problems)
    assert xml.tests == len(every(report))


# hostile input --------------------------------------------------------------------------------


def test_hostile_report_parses_and_its_text_round_trips() -> None:
    report = hostile_report()
    text = junit(report)
    root, xml = parse(text)
    [suite] = list(xml)
    target = report.targets[0]
    assert suite.name == f"{target.target} [kubernetes]"
    for finding, case in zip(target.findings, suite, strict=True):
        assert case.name == clean(finding.subject)
        for result in case.result:
            if isinstance(result, Failure):
                assert result.message == clean(finding.message)
                assert all(clean(e) in result.text for e in finding.evidence)
    # the broken (not UTF-8) manifest is named in system-err, as the report has it
    assert root.findtext("testsuite/system-err") == "\n".join(target.problems)
    assert "\u202e" in text
    for markup in HOSTILE_MARKUP:  # escaped, never raw markup
        assert markup not in text


def test_control_characters_and_lone_surrogates_are_replaced() -> None:
    base = example_report("kubernetes")
    fail = next(f for f in every(base) if f.status is Status.FAIL)
    nasty = "bell\x07 esc\x1b[31m nul\x00 crlf\r\n cr\r tab\t nonchar\ufffe"
    finding = dataclasses.replace(fail, message=nasty + " byte \udcff",
                                  subject="s/\x1b]0;title\x07",
                                  evidence=(nasty, "lone \ud800"))
    report = with_findings(base, finding, problems=("file caf\udce9.yaml: not UTF-8\x00",))
    text = junit(report)
    text.encode("utf-8")  # nothing that cannot be written
    root, xml = parse(text)
    expected = ("bell\ufffd esc\ufffd[31m nul\ufffd crlf\n cr\n tab\t nonchar\ufffd")
    assert clean(nasty) == expected
    [case] = list(next(iter(xml)))
    assert case.name == "s/\ufffd]0;title\ufffd"
    [failure] = case.result
    assert failure.message == expected + " byte \ufffd"
    assert f"  - {expected}" in failure.text and "  - lone \ufffd" in failure.text
    assert root.findtext("testsuite/system-err") == "file caf\ufffd.yaml: not UTF-8\ufffd"
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text


def test_no_secret_in_any_junit() -> None:
    for report in (hostile_report(), all_examples_report(), mixed()):
        assert HOSTILE_SECRET not in junit(report)


def test_timestamp_and_times_are_present() -> None:
    report = example_report("kubernetes")
    root, _ = parse(junit(report))
    suite: Any = root.find("testsuite")
    assert suite.get("timestamp") == report.started_at
    assert suite.get("time") == "0"
    assert {c.get("time") for c in suite.iter("testcase")} == {"0"}
