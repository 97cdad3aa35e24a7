"""The Prometheus text exposition, read back by prometheus_client's parser (the consumer
exporters use): types, values against the Report, escaping, cardinality, no secrets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from reportdata import (
    HOSTILE_SECRET,
    SECRETS,
    all_examples_report,
    hostile_report,
    options,
    render,
)

from auditor.model import Report, Row, RowScore, Score, Status
from auditor.reports.prometheus import GRADE_VALUES, render_prometheus

PREFIX = "deploy_auditor_"

HOSTILE_TARGET = (
    'say "hi"\\ C:\\dir\\ } 1\ndeploy_auditor_fake 1\n# TYPE x counter \x07\x1b[31m\x00')
"""Quotes, backslashes, a newline that tries to start a sample and a comment, control bytes."""
HOSTILE_TARGET_LABEL = 'say "hi"\\ C:\\dir\\ } 1\ndeploy_auditor_fake 1\n# TYPE x counter [31m'
"""What the label must read after parsing: control characters other than newline removed."""


def parse(text: str) -> dict[str, Any]:
    families = list(text_string_to_metric_families(text))
    names = [f.name for f in families]
    assert len(names) == len(set(names)), f"a family is declared twice: {names}"
    return {f.name: f for f in families}


def samples(families: dict[str, Any], name: str) -> list[Sample]:
    family = families.get(PREFIX + name)
    return list(family.samples) if family else []


def by_target(families: dict[str, Any], name: str) -> dict[tuple[str, str], float]:
    found: dict[tuple[str, str], float] = {}
    for sample in samples(families, name):
        key = (sample.labels["target"], sample.labels["style"])
        assert key not in found, f"{name}: two samples for {key}"
        found[key] = sample.value
    return found


def hostile_labels_report() -> Report:
    """The hostile audit with hostile strings where labels come from: target, app, version,
    plus an entry that differs from the first only by an undecodable byte."""
    report = hostile_report()
    first = report.targets[0]
    return dataclasses.replace(
        report,
        tool_version='0.1.0"\\\n',
        targets=(
            dataclasses.replace(first, target=HOSTILE_TARGET, app='app"\\\n'),
            dataclasses.replace(first, target="bytes-\udcff-\u202e-end"),
        ),
    )


REPORTS: dict[str, Callable[[], Report]] = {
    "examples": all_examples_report,
    "hostile": hostile_report,
    "hostile-labels": hostile_labels_report,
}


@pytest.fixture(params=sorted(REPORTS))
def report(request: pytest.FixtureRequest) -> Report:
    return REPORTS[request.param]()


def test_every_family_is_one_contiguous_documented_gauge(report: Report) -> None:
    text = render_prometheus(report, options())
    assert text.endswith("\n")
    families = parse(text)
    assert families
    for name, family in families.items():
        assert name.startswith(PREFIX)
        assert family.type == "gauge", name
        assert family.documentation, name
        assert family.samples, f"{name} is declared without samples"
        assert all(s.timestamp is None for s in family.samples), "timestamps are rejected"
        assert not name.endswith("_total"), "a _total suffix marks a counter"
    # Text-level: HELP and TYPE once per family, each family's sample lines in one block
    # (parsers that stream, like node_exporter's, reject a family that comes back).
    blocks: list[str] = []
    for line in text.splitlines():
        match = re.match(r"# (?:HELP|TYPE) (\S+)|([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", line)
        assert match, f"not a comment or sample line: {line!r}"
        name = match.group(1) or match.group(2)
        if not blocks or blocks[-1] != name:
            blocks.append(name)
    assert len(blocks) == len(set(blocks)) == len(families)
    assert Counter(re.findall(r"^# HELP (\S+)", text, re.M)) == Counter(list(families))
    assert Counter(re.findall(r"^# TYPE (\S+) gauge$", text, re.M)) == Counter(list(families))


def test_values_match_the_report() -> None:
    report = all_examples_report()
    families = parse(render_prometheus(report, options()))
    keys = [(t.target, t.style.value) for t in report.targets]
    assert len(set(keys)) == len(report.targets) == 4

    assert by_target(families, "score") == {k: t.score.value for k, t in zip(
        keys, report.targets, strict=True)}
    assert {s.labels["app"] for s in samples(families, "score")} == {"superset"}
    assert by_target(families, "grade") == {
        k: GRADE_VALUES[t.score.grade or ""] for k, t in zip(keys, report.targets, strict=True)}
    assert by_target(families, "ready") == {
        k: int(t.score.ready) for k, t in zip(keys, report.targets, strict=True)}
    assert by_target(families, "coverage_ratio") == {
        k: t.score.coverage for k, t in zip(keys, report.targets, strict=True)}
    assert by_target(families, "problems") == {
        k: len(t.problems) for k, t in zip(keys, report.targets, strict=True)}

    rows = {(s.labels["target"], s.labels["row"]): s.value for s in samples(families, "row_score")}
    assert rows == {(t.target, row.value): rs.value for t in report.targets
                    for row, rs in t.score.rows.items() if rs.value is not None}

    for target in report.targets:
        statuses = {s.labels["status"]: s.value for s in samples(families, "findings_by_status")
                    if s.labels["target"] == target.target}
        assert set(statuses) == {s.value for s in Status}, "every status, zeros included"
        assert statuses == {s.value: sum(f.status is s for f in target.findings) for s in Status}
        assert sum(statuses.values()) == len(target.findings)

        detailed = [s for s in samples(families, "findings")
                    if s.labels["target"] == target.target]
        assert all(s.value > 0 for s in detailed), "zero combinations are left out"
        assert Counter({(s.labels["row"], s.labels["status"], s.labels["severity"]): s.value
                        for s in detailed}) == Counter(
            (f.row.value, f.status.value, f.severity.value) for f in target.findings)
        for status, count in statuses.items():
            assert sum(s.value for s in detailed if s.labels["status"] == status) == count

    def single(name: str) -> float:
        [sample] = samples(families, name)
        assert sample.labels == {}
        return sample.value

    assert single("overall_score") == report.score.value
    assert single("overall_grade") == GRADE_VALUES[report.score.grade or ""]
    assert single("overall_ready") == int(report.score.ready)
    assert single("overall_coverage_ratio") == report.score.coverage
    assert single("run_duration_seconds") == report.duration_s
    assert single("run_problems") == len(report.problems)
    started = dt.datetime.strptime(report.started_at, "%Y-%m-%dT%H:%M:%SZ")
    assert single("last_run_timestamp_seconds") == started.replace(tzinfo=dt.UTC).timestamp()
    [info] = samples(families, "info")
    assert info.labels == {"version": report.tool_version} and info.value == 1


def test_nothing_evaluated_means_no_sample_not_nan() -> None:
    report = all_examples_report()
    empty = Score(value=None, grade=None, ready=False, coverage=None,
                  rows={Row.RESOURCES: RowScore(None, 0, 0), Row.BACKUPS: RowScore(0.0, 1, 1)})
    first = dataclasses.replace(report.targets[0], score=empty)
    report = dataclasses.replace(report, score=empty, targets=(first, *report.targets[1:]))
    text = render_prometheus(report, options())
    assert "NaN" not in text
    families = parse(text)
    key = (first.target, first.style.value)
    for name in ("score", "grade", "coverage_ratio"):
        assert key not in by_target(families, name), name
        assert len(by_target(families, name)) == 3, name
    assert by_target(families, "ready")[key] == 0
    assert {s.labels["row"]: s.value for s in samples(families, "row_score")
            if s.labels["target"] == first.target} == {"backups": 0.0}
    assert len([s for s in samples(families, "findings_by_status")
                if s.labels["target"] == first.target]) == len(Status)
    for name in ("overall_score", "overall_grade", "overall_coverage_ratio"):
        assert PREFIX + name not in families, name
    assert [s.value for s in samples(families, "overall_ready")] == [0]


def test_hostile_label_values_round_trip() -> None:
    report = hostile_labels_report()
    text = render_prometheus(report, options())
    families = parse(text)
    assert set(families) == {PREFIX + n for n in (
        "score", "grade", "ready", "coverage_ratio", "row_score", "findings",
        "findings_by_status", "problems", "overall_score", "overall_grade", "overall_ready",
        "overall_coverage_ratio", "last_run_timestamp_seconds", "run_duration_seconds",
        "run_problems", "info")}, "the newline in a label must not start a new sample"
    expected_targets = {HOSTILE_TARGET_LABEL, "bytes-\ufffd-\u202e-end"}
    for family in families.values():
        for sample in family.samples:
            if "target" in sample.labels:
                assert sample.labels["target"] in expected_targets
    assert {s.labels["app"] for s in samples(families, "score")} == {'app"\\\n', "superset"}
    assert [s.labels["version"] for s in samples(families, "info")] == ['0.1.0"\\\n']
    # Every physical line is a comment or one of our samples: nothing escaped into the file.
    for line in text.splitlines():
        assert line.startswith(("# HELP deploy_auditor_", "# TYPE deploy_auditor_",
                                "deploy_auditor_")), line
        assert not any(ord(c) < 0x20 for c in line), line
    text.encode("utf-8")  # no lone surrogates left


def test_entries_that_share_labels_get_distinct_series() -> None:
    report = all_examples_report()
    twin = dataclasses.replace(report.targets[0])
    ctrl = dataclasses.replace(report.targets[0], target=report.targets[0].target + "\x07")
    report = dataclasses.replace(report, targets=(report.targets[0], twin, ctrl))
    families = parse(render_prometheus(report, options()))
    base = report.targets[0].target
    assert set(by_target(families, "ready")) == {
        (base, "pip"), (f"{base} #2", "pip"), (f"{base} #3", "pip")}


def test_no_secret_in_any_output() -> None:
    for report in (hostile_report(), hostile_labels_report(), all_examples_report()):
        text = render_prometheus(report, options())
        for secret in (HOSTILE_SECRET, *SECRETS):
            assert secret not in text


def test_registered_as_a_format() -> None:
    report = all_examples_report()
    assert render(report, "prometheus") == render_prometheus(report, options())
