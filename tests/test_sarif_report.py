"""reports/sarif.py: SARIF 2.1.0 valid against the real schema, and faithful to the report."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from jsonschema import Draft4Validator
from reportdata import (
    HOSTILE_SECRET,
    REPO,
    all_examples_report,
    example_report,
    hostile_report,
    render,
)
from sarifschema import sarif_schema

from auditor.model import Finding, Location, Report, Severity, Status, WaiverRef

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
         "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0",
                     "info": "0.0"}
# RFC 3986: unreserved, reserved and percent-encoded octets, nothing else.
URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")


def sarif(report: Report, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif", **overrides))
    return data


def assert_valid_sarif(data: dict[str, Any]) -> None:
    validator = Draft4Validator(sarif_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "SARIF does not match the 2.1.0 schema:\n" + "\n".join(
        f"  /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20])
    # The validator checks no formats: the URIs are checked here.
    for location in _artifact_locations(data):
        assert URI_CHARS.match(location["uri"]), location


def _artifact_locations(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("artifactLocation"), dict):
            yield node["artifactLocation"]
        for value in node.values():
            yield from _artifact_locations(value)
    elif isinstance(node, list):
        for value in node:
            yield from _artifact_locations(value)


def run_of(data: dict[str, Any]) -> dict[str, Any]:
    [run] = data["runs"]
    result: dict[str, Any] = run
    return result


def findings(report: Report) -> list[Finding]:
    return [f for t in report.targets for f in t.findings]


def results_by_fingerprint(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    results = run_of(data)["results"]
    by_print = {r["partialFingerprints"]["deployAuditor/v1"]: r for r in results}
    assert len(by_print) == len(results)
    return by_print


def with_findings(report: Report, *changed: Finding, target: str | None = None,
                  problems: tuple[str, ...] | None = None) -> Report:
    """``report``'s first target with ``changed`` findings in place of its own."""
    first = report.targets[0]
    entry = dataclasses.replace(first, findings=changed or first.findings,
                                target=first.target if target is None else target,
                                problems=first.problems if problems is None else problems)
    return dataclasses.replace(report, targets=(entry,))


def kubernetes() -> Report:
    return example_report("kubernetes")


def located(report: Report) -> Finding:
    return next(f for f in findings(report) if f.status is Status.FAIL and f.location)


# validity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [all_examples_report, hostile_report],
                         ids=["all-examples", "hostile"])
def test_reports_are_valid_sarif_2_1_0(make: Any) -> None:
    data = sarif(make())
    assert_valid_sarif(data)
    assert data["version"] == "2.1.0"
    assert data["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    driver = run_of(data)["tool"]["driver"]
    assert driver["name"] == "deploy-auditor"
    assert driver["version"] == make().tool_version


def test_every_status_errors_and_problems_stay_valid() -> None:
    base = kubernetes()
    some = [f for f in findings(base) if f.status is Status.FAIL][:4]
    changed = (
        dataclasses.replace(some[0], status=Status.ERROR, message="check raised KeyError: 'x'"),
        dataclasses.replace(some[1], status=Status.SKIP, message="skipped: forbidden (403)"),
        dataclasses.replace(some[2], status=Status.WAIVED, waiver=WaiverRef(
            "accepted until the March window", "2027-03-31", "/srv/auditor.toml")),
        some[3],
    )
    report = dataclasses.replace(
        with_findings(base, *changed, problems=("secrets: forbidden (403)",)),
        problems=("plugin broken-plugin failed to load: ImportError",))
    data = sarif(report)
    assert_valid_sarif(data)
    run = run_of(data)
    # The broken check is a notification of the run, not a result.
    assert {r["ruleId"] for r in run["results"]} == {some[2].check_id, some[3].check_id}
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    [broken] = [n for n in notes if n["level"] == "error"]
    assert broken["associatedRule"]["id"] == some[0].check_id
    rules = run["tool"]["driver"]["rules"]
    assert rules[broken["associatedRule"]["index"]]["id"] == some[0].check_id
    assert "KeyError" in broken["message"]["text"]
    warnings = [n["message"]["text"] for n in notes if n["level"] == "warning"]
    assert warnings == ["plugin broken-plugin failed to load: ImportError",
                        "secrets: forbidden (403)"]
    # Skipped findings are not results, but their check is still described.
    assert some[1].check_id in {r["id"] for r in rules}


def test_a_clean_run_is_successful_and_has_no_notifications() -> None:
    base = kubernetes()
    passing = tuple(f for f in findings(base) if f.status is Status.PASS)
    data = sarif(with_findings(base, *passing, problems=()))
    assert_valid_sarif(data)
    run = run_of(data)
    assert run["results"] == []
    assert run["invocations"] == [{"executionSuccessful": True,
                                   "startTimeUtc": run["invocations"][0]["startTimeUtc"],
                                   "endTimeUtc": run["invocations"][0]["endTimeUtc"]}]
    assert run["invocations"][0]["startTimeUtc"].endswith("Z")


# rules ----------------------------------------------------------------------------------------


def test_rules_describe_exactly_the_checks_in_the_findings() -> None:
    report = all_examples_report()
    run = run_of(sarif(report))
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted({f.check_id for f in findings(report)})
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rules_carry_the_catalog_metadata() -> None:
    from reportdata import session

    catalog = session().registry.checks
    for rule in run_of(sarif(all_examples_report()))["tool"]["driver"]["rules"]:
        check = catalog[rule["id"]]
        assert rule["shortDescription"]["text"] == check.title
        assert rule["fullDescription"]["text"] == check.rationale
        assert rule["help"]["text"] == check.remediation
        assert re.fullmatch(r"[A-Za-z0-9]+", rule["name"]), rule["name"]
        if check.references:
            # the first link, less a fragment with an escaped non-ASCII byte (the SARIF
            # multitool refuses those: tests/test_sarif_multitool.py)
            first = check.references[0]
            expected = first.partition("#")[0] if "%E2" in first.partition("#")[2] else first
            assert rule["helpUri"] == expected
            assert all(f"<{ref}>" in rule["help"]["markdown"] for ref in check.references)
        else:
            assert "helpUri" not in rule
        severity = check.severity.value
        assert rule["defaultConfiguration"]["level"] == LEVEL[severity]
        assert rule["properties"]["security-severity"] == SECURITY_SEVERITY[severity]
        assert rule["properties"]["tags"] == [check.row.value, check.style.value]
        assert rule["properties"]["row"] == check.row.value
        assert rule["properties"]["severity"] == severity


def test_rule_help_markdown_shows_remediation_text_literally() -> None:
    from markdown_it import MarkdownIt

    catalog_rules = run_of(sarif(all_examples_report()))["tool"]["driver"]["rules"]
    tricky = [r for r in catalog_rules if re.search(r"[<*_`]", r["help"]["text"])]
    assert tricky, "no remediation with markup characters to test"
    parser = MarkdownIt("commonmark")
    for rule in tricky:
        html = parser.render(rule["help"]["markdown"])
        text = re.sub(r"<[^>]+>", "", html)
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
            text = text.replace(entity, char)
        assert rule["help"]["text"] in text, rule["id"]


def test_checks_missing_from_the_catalog_get_rules_from_their_findings() -> None:
    report = all_examples_report()
    data = sarif(report, catalog={})
    assert_valid_sarif(data)
    rules = {r["id"]: r for r in run_of(data)["tool"]["driver"]["rules"]}
    for finding in findings(report):
        rule = rules[finding.check_id]
        assert rule["shortDescription"]["text"] == finding.title
        assert rule["help"]["text"] == finding.remediation
        assert rule["defaultConfiguration"]["level"] == LEVEL[finding.severity.value]


# results --------------------------------------------------------------------------------------


def test_results_are_the_fail_warn_and_waived_findings_with_their_fingerprints() -> None:
    report = all_examples_report()
    json_report = json.loads(render(report, "json"))
    expected = {f["fingerprint"]: f for t in json_report["targets"] for f in t["findings"]
                if f["status"] in ("fail", "warn", "waived")}
    by_print = results_by_fingerprint(sarif(report))
    assert set(by_print) == set(expected)
    for fingerprint, result in by_print.items():
        finding = expected[fingerprint]
        assert result["ruleId"] == finding["check_id"]
        assert result["message"]["text"] == finding["message"]
        assert result["properties"]["subject"] == finding["subject"]
        assert result["properties"]["status"] == finding["status"]
        assert result["properties"]["evidence"] == finding["evidence"]


@pytest.mark.parametrize("severity", list(Severity))
@pytest.mark.parametrize("status", [Status.FAIL, Status.WARN, Status.WAIVED])
def test_levels_follow_severity_and_a_warning_is_never_an_error(
        severity: Severity, status: Status) -> None:
    finding = dataclasses.replace(located(kubernetes()), severity=severity, status=status)
    data = sarif(with_findings(kubernetes(), finding))
    assert_valid_sarif(data)
    [result] = run_of(data)["results"]
    expected = LEVEL[severity.value]
    if status is Status.WARN and expected == "error":
        expected = "warning"
    assert result["level"] == expected
    assert result["kind"] == "fail"  # SARIF allows a level other than "none" only for "fail"


def test_levels_in_the_examples() -> None:
    report = all_examples_report()
    by_print = results_by_fingerprint(sarif(report))
    seen = set()
    for finding in findings(report):
        result = by_print.get(finding.fingerprint)
        if result is None:
            continue
        level = LEVEL[finding.severity.value]
        if finding.status is Status.WARN and level == "error":
            level = "warning"
        assert result["level"] == level, finding
        seen.add((finding.severity, finding.status))
    assert {s for s, _ in seen} >= {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM,
                                    Severity.LOW}


def test_file_locations_match_the_json_report() -> None:
    report = kubernetes()
    json_report = json.loads(render(report, "json"))
    target = Path(json_report["targets"][0]["target"])
    by_print = results_by_fingerprint(sarif(report))
    checked = 0
    for finding in json_report["targets"][0]["findings"]:
        if finding["fingerprint"] not in by_print or not finding["location"]:
            continue
        [location] = by_print[finding["fingerprint"]]["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert uri.startswith("file:///")  # the example was audited by its absolute path
        path = Path(unquote_to_bytes(uri.removeprefix("file://")).decode())
        assert path == target / finding["location"]["path"]
        assert path.is_file()
        line = finding["location"]["line"]
        assert physical["region"] == {"startLine": line}
        assert line <= len(path.read_text(encoding="utf-8").splitlines())
        assert location["logicalLocations"] == [
            {"fullyQualifiedName": finding["subject"], "kind": "resource"}]
        checked += 1
    assert checked > 10


def test_a_finding_without_a_file_has_a_logical_location_anchored_at_the_target() -> None:
    report = all_examples_report()
    by_print = results_by_fingerprint(sarif(report))
    fileless = [(t, f) for t in report.targets for f in t.findings
                if f.location is None and f.fingerprint in by_print]
    assert fileless
    for target, finding in fileless:
        [location] = by_print[finding.fingerprint]["locations"]
        assert location["logicalLocations"] == [
            {"fullyQualifiedName": finding.subject, "kind": "resource"}]
        # GitHub code scanning rejects a whole upload when one result has no physical
        # location: the audited path stands in, without a region.
        physical = location["physicalLocation"]
        assert "region" not in physical
        uri = physical["artifactLocation"]["uri"]
        assert unquote_to_bytes(uri.removeprefix("file://")).decode() == target.target


def test_relative_targets_give_relative_percent_encoded_uris() -> None:
    base = kubernetes()
    odd = dataclasses.replace(located(base), location=Location("dir with space/%ä#?.yaml", 7))
    plain = dataclasses.replace(located(base), subject="other", location=Location("a.yaml"))
    fileless = dataclasses.replace(located(base), subject="third", location=None)
    data = sarif(with_findings(base, odd, plain, fileless, target="deploy/k8s prod/"))
    assert_valid_sarif(data)
    first, second, third = (r["locations"][0]["physicalLocation"]
                            for r in run_of(data)["results"])
    assert first["artifactLocation"] == {
        "uri": "deploy/k8s%20prod/dir%20with%20space/%25%C3%A4%23%3F.yaml",
        "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 7}
    assert second == {"artifactLocation": {"uri": "deploy/k8s%20prod/a.yaml",
                                           "uriBaseId": "%SRCROOT%"}}
    assert third["artifactLocation"]["uri"] == "deploy/k8s%20prod"


def test_a_file_target_names_its_own_file_and_its_siblings() -> None:
    base = kubernetes()
    itself = dataclasses.replace(located(base), location=Location("superset.yaml", 3))
    sibling = dataclasses.replace(located(base), subject="s", location=Location("docker/.env", 2))
    data = sarif(with_findings(base, itself, sibling, target="./deploy/superset.yaml"))
    assert_valid_sarif(data)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run_of(data)["results"]]
    assert uris == ["deploy/superset.yaml", "deploy/docker/.env"]


@pytest.mark.parametrize("label", ["-", "kube", "kube:prod-cluster"])
def test_stdin_and_cluster_targets_have_logical_locations_only(label: str) -> None:
    base = kubernetes()
    finding = dataclasses.replace(located(base), location=Location("-", 12))
    data = sarif(with_findings(base, finding, target=label))
    assert_valid_sarif(data)
    [result] = run_of(data)["results"]
    assert result["locations"] == [{"logicalLocations": [
        {"fullyQualifiedName": finding.subject, "kind": "resource"}]}]
    assert result["properties"]["location"] == {"path": "-", "line": 12}


def test_the_host_target_is_the_root_of_the_machine() -> None:
    base = kubernetes()
    finding = dataclasses.replace(located(base), location=Location("etc/nginx/nginx.conf", 4))
    data = sarif(with_findings(base, finding, target="host"))
    [result] = run_of(data)["results"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///etc/nginx/nginx.conf"}


def test_helm_rendered_output_is_not_taken_for_a_file() -> None:
    base = kubernetes()
    finding = dataclasses.replace(located(base),
                                  location=Location("superset (helm template)", 880))
    data = sarif(with_findings(base, finding, target="charts/superset"))
    [result] = run_of(data)["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "charts/superset"
    assert "region" not in physical
    assert result["properties"]["location"] == {"path": "superset (helm template)",
                                                "line": 880}


def test_a_waived_finding_is_a_suppressed_result_with_the_reason() -> None:
    report = hostile_report()
    [waived] = [f for f in findings(report) if f.status is Status.WAIVED]
    assert waived.waiver is not None
    result = results_by_fingerprint(sarif(report))[waived.fingerprint]
    # The hostile waiver is an annotation in the audited manifest itself.
    assert result["suppressions"] == [{
        "kind": "inSource", "status": "accepted", "justification": waived.waiver.reason,
        "properties": {"source": waived.waiver.source, "expires": None}}]
    from_config = dataclasses.replace(waived, waiver=WaiverRef(
        "migrating in March", "2027-03-31", "/repo/auditor.toml"))
    data = sarif(with_findings(report, from_config))
    assert_valid_sarif(data)
    [result] = run_of(data)["results"]
    assert result["suppressions"][0]["kind"] == "external"
    assert result["suppressions"][0]["justification"] == "migrating in March"
    assert result["suppressions"][0]["properties"]["expires"] == "2027-03-31"
    unwaived = [r for r in run_of(sarif(report))["results"] if "suppressions" not in r]
    assert len(unwaived) == len(run_of(sarif(report))["results"]) - 1


# run ------------------------------------------------------------------------------------------


def test_run_properties_carry_the_score_and_the_category() -> None:
    report = all_examples_report()
    run = run_of(sarif(report))
    json_report = json.loads(render(report, "json"))
    assert run["properties"]["score"] == json_report["score"]
    assert [t["target"] for t in run["properties"]["targets"]] == [
        t["target"] for t in json_report["targets"]]
    assert run["automationDetails"]["id"] == "deploy-auditor/compose+kubernetes+pip+systemd/"
    assert run_of(sarif(kubernetes()))["automationDetails"]["id"] == "deploy-auditor/kubernetes/"


def test_target_problems_are_warnings_of_the_run() -> None:
    report = hostile_report()
    [invocation] = run_of(sarif(report))["invocations"]
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert texts == list(report.targets[0].problems)
    assert invocation["executionSuccessful"] is True


# hostile input --------------------------------------------------------------------------------


def test_no_secret_in_any_sarif() -> None:
    for report in (hostile_report(), all_examples_report()):
        assert HOSTILE_SECRET not in render(report, "sarif")


def test_hostile_strings_round_trip_exactly() -> None:
    report = hostile_report()
    text = render(report, "sarif")
    by_print = results_by_fingerprint(json.loads(text))
    for finding in findings(report):
        result = by_print.get(finding.fingerprint)
        if result is None:
            continue
        assert result["message"]["text"] == finding.message
        assert result["properties"]["subject"] == finding.subject
        assert result["properties"]["evidence"] == list(finding.evidence)
    assert "\u202e" in text  # kept as the character, not dropped: JSON has no trouble with it


def test_control_characters_are_kept_and_lone_surrogates_replaced() -> None:
    base = kubernetes()
    nasty = "bell\x07 esc\x1b[31m nul\x00 cr\r\n tab\t"
    finding = dataclasses.replace(
        located(base), message=nasty + " bad byte \udcff", subject="s/\x1b]0;title\x07",
        evidence=(nasty, "lone \ud800 high"))
    report = with_findings(base, finding, problems=("file caf\udce9.yaml: not UTF-8",))
    text = render(report, "sarif")
    text.encode("utf-8")  # no lone surrogate left: the file can be written
    data = json.loads(text)
    assert_valid_sarif(data)
    [result] = run_of(data)["results"]
    assert result["message"]["text"] == nasty + " bad byte \ufffd"
    assert result["properties"]["subject"] == "s/\x1b]0;title\x07"
    assert result["properties"]["evidence"] == [nasty, "lone \ufffd high"]
    notes = run_of(data)["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "file caf\ufffd.yaml: not UTF-8"
    assert "\\u0007" in text and "\\u0000" in text  # escaped by JSON, not raw


def test_a_non_utf8_file_name_is_percent_encoded_as_its_bytes() -> None:
    base = kubernetes()
    finding = dataclasses.replace(located(base), location=Location("caf\udce9.yaml", 1))
    data = sarif(with_findings(base, finding, target="deploy"))
    assert_valid_sarif(data)
    [result] = run_of(data)["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "deploy/caf%E9.yaml"
    assert result["properties"]["location"]["path"] == "caf\ufffd.yaml"


# the command line -----------------------------------------------------------------------------


def test_cli_writes_sarif_and_junit_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from junitparser import JUnitXml

    from auditor.cli import main

    monkeypatch.chdir(REPO)
    sarif_path, junit_path = tmp_path / "audit.sarif", tmp_path / "audit.xml"
    code = main(["scan", "examples/kubernetes", "-q",
                 "--report", f"sarif={sarif_path}", "--report", f"junit={junit_path}"])
    capsys.readouterr()
    assert code == 0
    data = json.loads(sarif_path.read_text(encoding="utf-8"))
    assert_valid_sarif(data)
    run = run_of(data)
    assert run["results"]
    for result in run["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (REPO / unquote_to_bytes(artifact["uri"]).decode()).exists()
    ET.parse(junit_path)
    xml = JUnitXml.fromfile(str(junit_path))
    report = example_report("kubernetes")
    assert xml.tests == len(findings(report))
    assert xml.failures == sum(f.status is Status.FAIL for f in findings(report))


def test_baseline_state_marks_new_and_unchanged_failures() -> None:
    from reportdata import example_report, hostile_report

    from auditor.compare import compare, snapshot_from_report

    old, new = example_report("kubernetes"), hostile_report()
    comparison = compare(snapshot_from_report(old, "main.json"), snapshot_from_report(new))
    log = sarif(new, comparison=comparison)
    assert_valid_sarif(log)
    states = {r["partialFingerprints"]["deployAuditor/v1"]: r.get("baselineState")
              for r in log["runs"][0]["results"]}
    for ref in comparison.new_failures:
        assert states[ref.fingerprint] == "new"
    for ref in comparison.unchanged:
        assert states[ref.fingerprint] == "unchanged"
    assert "baselineState" not in json.dumps(json.loads(render(new, "sarif")))
