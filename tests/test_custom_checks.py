"""Custom checks declared in auditor.toml as JSON Schema: run, score, waive, render; errors.

The three documented examples (examples/custom-checks) are the consumer: each is run on a
passing and a failing deployment under tests/fixtures/custom-checks, through the real
jsonschema (Draft 2020-12) and the real CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_valid_report, scan_report
from markerplugin import fixed, make_check

from auditor import hookimpl
from auditor.api import Session, open_session, scan, with_custom_checks
from auditor.cli import main
from auditor.config import Config, ConfigError, load_config
from auditor.model import Check, Finding, Report, Severity, Status, Style
from auditor.reports.base import RenderOptions

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "custom-checks"
EXAMPLE_CONFIG = EXAMPLE / "auditor.toml"
FIXTURES = REPO / "tests" / "fixtures" / "custom-checks"
FIXTURE_SECRET = "fixture-secret-0c9f2b7d"
"""The SECRET_KEY value in fail-kubernetes: no evidence may quote it."""
REGISTRY_PATTERN = ("'^(registry\\.example\\.com/|ghcr\\.io/example-org/|(docker\\.io/)?"
                    "apache/superset[:@])'")
FLOOR_PATTERN = ("'^(docker\\.io/)?apache/superset:(4\\.([1-9]|[1-9][0-9])|([5-9]|[1-9][0-9])"
                 "\\.[0-9]+)(\\.[0-9]+)?(rc[0-9]+)?(-[a-z0-9]+)?...")


@pytest.fixture(scope="module")
def session() -> Session:
    return open_session(autoload=False)


@pytest.fixture(scope="module")
def example() -> Config:
    return load_config(EXAMPLE_CONFIG)


def custom(report: Report) -> dict[tuple[str, str], Finding]:
    return {(f.check_id, f.subject): f for t in report.targets for f in t.findings
            if f.check_id.startswith("CUSTOM-")}


def verdicts(report: Report) -> dict[tuple[str, str], str]:
    return {key: f.status.value for key, f in custom(report).items()}


# the three examples, passing and failing ---------------------------------------------------


def test_kubernetes_examples_pass(session: Session, example: Config) -> None:
    report = scan([str(FIXTURES / "pass-kubernetes")], config=example, session=session)
    assert verdicts(report) == {
        ("CUSTOM-LABELS-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/postgres"): "pass",
        ("CUSTOM-REGISTRY-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-REGISTRY-001", "apps/v1/StatefulSet/analytics/postgres"): "pass",
        ("CUSTOM-REGISTRY-001", "batch/v1/Job/analytics/superset-init"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/StatefulSet/analytics/postgres"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "batch/v1/Job/analytics/superset-init"): "pass",
    }
    labels = custom(report)[("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/postgres")]
    assert labels.message == "app.kubernetes.io/name and app.kubernetes.io/version are set"
    assert labels.evidence == ()
    assert labels.location is not None
    assert (labels.location.path, labels.location.line) == ("workloads.yaml", 28)
    assert labels.row.value == "gitops" and labels.severity == Severity.LOW


def test_kubernetes_examples_fail(session: Session, example: Config) -> None:
    report = scan([str(FIXTURES / "fail-kubernetes")], config=example, session=session)
    found = custom(report)
    assert verdicts(report) == {
        ("CUSTOM-LABELS-001", "apps/v1/Deployment/analytics/superset"): "fail",
        ("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/redis"): "fail",
        ("CUSTOM-REGISTRY-001", "apps/v1/Deployment/analytics/superset"): "fail",
        ("CUSTOM-REGISTRY-001", "apps/v1/StatefulSet/analytics/redis"): "pass",
        ("CUSTOM-REGISTRY-001", "batch/v1/Job/analytics/superset-init"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/Deployment/analytics/superset"): "fail",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/StatefulSet/analytics/redis"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "batch/v1/Job/analytics/superset-init"): "fail",
    }  # the CronJob is of no kind the checks name: no finding at all
    web = "apps/v1/Deployment/analytics/superset"
    assert found[("CUSTOM-LABELS-001", web)].evidence == (
        "/metadata/labels: 'app.kubernetes.io/version' is a required property",)
    assert found[("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/redis")].evidence == (
        "/metadata: 'labels' is a required property",)
    registry = found[("CUSTOM-REGISTRY-001", web)]
    assert registry.message == "an image comes from a registry outside the allow-list"
    assert registry.evidence == (
        f"/spec/template/spec/containers/1/image: fails pattern {REGISTRY_PATTERN} "
        "(value 'nginx:1.27')",)
    assert registry.location is not None
    assert (registry.location.path, registry.location.line) == ("workloads.yaml", 2)
    assert registry.remediation.startswith("Mirror the image into registry.example.com")
    job = found[("CUSTOM-SUPERSET-VERSION-001", "batch/v1/Job/analytics/superset-init")]
    assert job.evidence == (f"/spec/template/spec/containers/0/image: fails pattern "
                            f"{FLOOR_PATTERN} (value 'apache/superset:latest')",)
    assert found[("CUSTOM-SUPERSET-VERSION-001", web)].evidence == (
        f"/spec/template/spec/containers/0/image: fails pattern {FLOOR_PATTERN} "
        "(value 'apache/superset:3.1.0')",)


def test_compose_examples_pass(session: Session, example: Config) -> None:
    report = scan([str(FIXTURES / "pass-compose")], config=example, session=session)
    services = ("service/superset", "service/worker", "service/redis", "service/db")
    assert verdicts(report) == {
        **{("CUSTOM-REGISTRY-002", s): "pass" for s in services},
        **{("CUSTOM-SUPERSET-VERSION-002", s): "pass" for s in services},
    }
    web = custom(report)[("CUSTOM-SUPERSET-VERSION-002", "service/superset")]
    assert web.location is not None
    assert (web.location.path, web.location.line) == ("compose.yaml", 3)


def test_compose_examples_fail(session: Session, example: Config) -> None:
    report = scan([str(FIXTURES / "fail-compose")], config=example, session=session)
    assert verdicts(report) == {
        ("CUSTOM-REGISTRY-002", "service/superset"): "pass",
        ("CUSTOM-REGISTRY-002", "service/redis"): "fail",
        ("CUSTOM-REGISTRY-002", "service/db"): "pass",
        ("CUSTOM-SUPERSET-VERSION-002", "service/superset"): "fail",
        ("CUSTOM-SUPERSET-VERSION-002", "service/redis"): "pass",
        ("CUSTOM-SUPERSET-VERSION-002", "service/db"): "pass",
    }
    found = custom(report)
    assert found[("CUSTOM-REGISTRY-002", "service/redis")].evidence == (
        f"/image: fails pattern {REGISTRY_PATTERN} (value 'redis:7.2')",)
    floor = found[("CUSTOM-SUPERSET-VERSION-002", "service/superset")]
    assert floor.message == (
        "an apache/superset image older than 4.1, or a tag that names no version")
    assert floor.evidence == (
        f"/image: fails pattern {FLOOR_PATTERN} (value 'apache/superset:latest')",)
    assert floor.location is not None
    assert (floor.location.path, floor.location.line) == ("compose.yaml", 3)


def test_example_directory_audits_itself_through_the_cli(tmp_path: Path) -> None:
    """`auditor scan examples/custom-checks` finds the auditor.toml beside the manifests."""
    report = scan_report(tmp_path, str(EXAMPLE))
    (target,) = report["targets"]
    mine = {(f["check_id"], f["subject"]): f["status"] for f in target["findings"]
            if f["check_id"].startswith("CUSTOM-")}
    assert mine == {
        ("CUSTOM-LABELS-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/redis"): "fail",
        ("CUSTOM-REGISTRY-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-REGISTRY-001", "apps/v1/StatefulSet/analytics/redis"): "fail",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/Deployment/analytics/superset"): "pass",
        ("CUSTOM-SUPERSET-VERSION-001", "apps/v1/StatefulSet/analytics/redis"): "pass",
    }
    assert target["problems"] == []  # the schema files beside the manifests are no problem


def test_evidence_never_quotes_a_value_under_env(session: Session, tmp_path: Path) -> None:
    config = _config(tmp_path, _table("CUSTOM-ENV-001", path="/spec/template/spec", schema=(
        '{properties = {containers = {items = {properties = {env = {items = {properties = '
        '{value = {pattern = "^\\\\$\\\\("}}}}}}}}}')))
    report = scan([str(FIXTURES / "fail-kubernetes")], config=config, session=session)
    finding = custom(report)[("CUSTOM-ENV-001", "apps/v1/Deployment/analytics/superset")]
    assert finding.status == Status.FAIL
    assert finding.evidence == ("/spec/template/spec/containers/0/env/0/value: fails pattern",)
    assert FIXTURE_SECRET not in json.dumps([str(f) for f in custom(report).values()])


def test_a_schema_that_names_the_secret_it_forbids_does_not_print_it(
        session: Session, tmp_path: Path) -> None:
    forbid = '{not = {const = "' + FIXTURE_SECRET + '"}}'
    env = ('{properties = {containers = {items = {properties = {env = {items = {properties = '
           '{value = ' + forbid + '}}}}}}}}')
    name = '{properties = {metadata = {properties = {name = {not = {const = "superset"}}}}}}'
    config = _config(tmp_path, _table("CUSTOM-ENV-001", path="/spec/template/spec", schema=env)
                     + _table("CUSTOM-NOT-001", schema=name))
    report = scan([str(FIXTURES / "fail-kubernetes")], config=config, session=session)
    found = custom(report)
    web = "apps/v1/Deployment/analytics/superset"
    assert found[("CUSTOM-ENV-001", web)].evidence == (
        "/spec/template/spec/containers/0/env/0/value: fails not",)
    # Elsewhere the value is quoted, but never the schema of a failing ``not``.
    assert found[("CUSTOM-NOT-001", web)].evidence == (
        "/metadata/name: fails not (value 'superset')",)
    assert FIXTURE_SECRET not in json.dumps([str(f) for f in found.values()])


def test_no_object_of_the_kinds_is_a_skip_and_other_kinds_get_nothing(
        session: Session, tmp_path: Path) -> None:
    config = _config(tmp_path, _table("CUSTOM-DS-001", kinds='["DaemonSet"]')
                     + _table("CUSTOM-POD-001", kinds='["Job", "Deployment"]',
                              path="/spec/jobTemplate"))
    report = scan([str(FIXTURES / "pass-kubernetes")], config=config, session=session)
    found = custom(report)
    daemon = found[("CUSTOM-DS-001", "kinds:DaemonSet")]
    assert (daemon.status, daemon.message) == (Status.SKIP, "skipped: no DaemonSet in the target")
    assert len([k for k in found if k[0] == "CUSTOM-DS-001"]) == 1
    # An object of the kinds without the path is skipped, never judged.
    job = found[("CUSTOM-POD-001", "batch/v1/Job/analytics/superset-init")]
    assert (job.status, job.message) == (
        Status.SKIP, "skipped: no /spec/jobTemplate in this object")


# waive, override, score, render ------------------------------------------------------------


def test_waiver_severity_override_and_score(session: Session, tmp_path: Path) -> None:
    copy = tmp_path / "cfg"
    shutil.copytree(EXAMPLE, copy)
    with (copy / "auditor.toml").open("a") as handle:
        handle.write('\n[severity]\nCUSTOM-REGISTRY-001 = "critical"\n\n[[waivers]]\n'
                     'check = "CUSTOM-LABELS-001"\nsubject = "apps/v1/StatefulSet/*"\n'
                     'reason = "redis is labelled by its operator"\n')
    config = load_config(copy / "auditor.toml")
    report = scan([str(FIXTURES / "fail-kubernetes")], config=config, session=session)
    found = custom(report)
    waived = found[("CUSTOM-LABELS-001", "apps/v1/StatefulSet/analytics/redis")]
    assert waived.status == Status.WAIVED
    assert waived.waiver is not None and waived.waiver.reason == "redis is labelled by its operator"
    assert found[("CUSTOM-LABELS-001", "apps/v1/Deployment/analytics/superset")].status == (
        Status.FAIL)
    assert {f.severity for k, f in found.items() if k[0] == "CUSTOM-REGISTRY-001"} == {
        Severity.CRITICAL}
    # The overridden severity counts as any critical does: an unwaived critical fail.
    (critical,) = [r for r in report.score.ready_reasons if r.startswith("unwaived critical")]
    assert "CUSTOM-REGISTRY-001" in critical.split(": ", 1)[1].split(", ")
    assert report.score.ready is False
    gitops = report.targets[0].score.rows[found[("CUSTOM-LABELS-001",
                                                 "apps/v1/Deployment/analytics/superset")].row]
    assert gitops.failed >= 1
    (outcome,) = report.waivers
    assert (outcome.state, outcome.matched) == ("active", 1)


def test_disable_turns_a_custom_check_off(session: Session, tmp_path: Path) -> None:
    copy = tmp_path / "cfg"
    shutil.copytree(EXAMPLE, copy)
    text = (copy / "auditor.toml").read_text()
    (copy / "auditor.toml").write_text('disable = ["CUSTOM-REGISTRY-*"]\n' + text)
    report = scan([str(FIXTURES / "fail-kubernetes")], config=load_config(copy / "auditor.toml"),
                  session=session)
    assert {k[0] for k in custom(report)} == {"CUSTOM-LABELS-001", "CUSTOM-SUPERSET-VERSION-001"}


def test_every_registered_format_renders_custom_findings(session: Session,
                                                         example: Config) -> None:
    report = scan([str(FIXTURES / "fail-kubernetes")], config=example, session=session)
    catalog = dict(with_custom_checks(session, example).registry.checks)
    formats = sorted(session.registry.renderers)
    assert {"json", "sarif", "html", "markdown", "junit", "codequality",
            "policyreport"} <= set(formats)
    for fmt in formats:
        text = session.registry.renderers[fmt].render(report, RenderOptions(catalog=catalog))
        assert text.strip(), fmt
        assert FIXTURE_SECRET not in text, fmt
        if fmt != "prometheus":  # its series are per row and severity, not per check
            assert "CUSTOM-REGISTRY-001" in text, fmt
    assert_valid_report(json.loads(session.registry.renderers["json"].render(
        report, RenderOptions(catalog=catalog))))
    sarif = json.loads(session.registry.renderers["sarif"].render(
        report, RenderOptions(catalog=catalog)))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CUSTOM-REGISTRY-001"]["shortDescription"]["text"] == (
        "Container images come from an allowed registry")


def test_cli_scan_with_config_writes_a_valid_report(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(FIXTURES / "fail-compose"), "--config",
                         str(EXAMPLE_CONFIG))
    statuses = {(f["check_id"], f["subject"]): f["status"]
                for t in report["targets"] for f in t["findings"]}
    assert statuses[("CUSTOM-REGISTRY-002", "service/redis")] == "fail"
    assert statuses[("CUSTOM-SUPERSET-VERSION-002", "service/superset")] == "fail"


def test_session_with_custom_checks_leaves_the_given_session_alone(
        session: Session, example: Config) -> None:
    before = set(session.registry.checks)
    derived = with_custom_checks(session, example)
    assert set(session.registry.checks) == before
    added = set(derived.registry.checks) - before
    assert added == {"CUSTOM-LABELS-001", "CUSTOM-REGISTRY-001", "CUSTOM-REGISTRY-002",
                     "CUSTOM-SUPERSET-VERSION-001", "CUSTOM-SUPERSET-VERSION-002"}
    listed = [c.id for c in derived.registry.select(style="compose")
              if c.id.startswith("CUSTOM-")]
    assert listed == ["CUSTOM-REGISTRY-002", "CUSTOM-SUPERSET-VERSION-002"]
    assert with_custom_checks(derived, example) is derived  # the CLI's catalog, then the audit
    check = derived.registry.checks["CUSTOM-REGISTRY-002"]
    assert check.plugin == "custom checks of auditor.toml"
    assert (check.style, check.requires) == (Style.COMPOSE, ("compose",))
    assert check.rationale == "An organisation's own rule, declared in auditor.toml."


def test_an_id_another_plugin_uses_is_an_error_before_any_audit(tmp_path: Path) -> None:
    class Taken:
        __name__ = "taken-plugin"

        @hookimpl
        def auditor_register_checks(self) -> list[Check]:
            return [make_check("CUSTOM-T-001", fixed(("x", Status.PASS)))]

    session = open_session(autoload=False, extra=[Taken()])
    config = _config(tmp_path, _table("CUSTOM-T-001"))
    with pytest.raises(ConfigError) as caught:
        scan([str(FIXTURES / "pass-kubernetes")], config=config, session=session)
    assert str(caught.value) == (f"{tmp_path / 'auditor.toml'}: custom check CUSTOM-T-001: "
                                 "id already used by taken-plugin")


# configuration errors, one line each --------------------------------------------------------


def _table(check_id: str = "CUSTOM-T-001", *, kinds: str = '["Deployment"]', path: str = "",
           schema: str = '{type = "object"}', extra: str = "") -> str:
    lines = [f"[checks.custom.{check_id}]", 'style = "kubernetes"', f"kinds = {kinds}",
             'row = "gitops"', 'severity = "low"', 'title = "T"', 'success = "ok"',
             'failure = "not ok"', 'remediation = "fix"', f"schema = {schema}"]
    if path:
        lines.append(f'path = "{path}"')
    return "\n".join(lines) + "\n" + extra + "\n"


def _config(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "auditor.toml"
    path.write_text(text)
    return load_config(path)


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _config(tmp_path, text)
    return str(caught.value)


ROWS = ("scalability, availability, supervision, monitoring, logging, rollback, isolation, "
        "resources, load-balancing, proxy-tls, storage, backups, network, config-secrets, "
        "gitops, updates, app-security")

BAD_TABLES = [
    ('row = "gitops"', 'row = "backup"', f"unknown row 'backup' (expected one of {ROWS})"),
    ('severity = "low"', 'severity = "urgent"',
     "severity 'urgent' is not one of critical, high, medium, low, info"),
    ('title = "T"\n', "", "missing 'title'"),
    ('title = "T"', 'title = "  "', "'title' must be a non-empty string"),
    ('title = "T"', 'title = "T"\ncolour = "red"',
     "unknown key 'colour' (expected failure, kinds, path, rationale, references, remediation, "
     "row, schema, schema_file, severity, style, success, title)"),
    ('style = "kubernetes"', 'style = "helm"', "style 'helm' is not one of kubernetes, compose"),
    ('kinds = ["Deployment"]', 'kinds = ["deployment"]',
     "kind 'deployment' is not a Kubernetes kind (like Deployment)"),
    ('kinds = ["Deployment"]', "kinds = []",
     "'kinds' must be a non-empty list of Kubernetes kinds, e.g. [\"Deployment\", "
     "\"StatefulSet\"]"),
    ('style = "kubernetes"', 'style = "compose"',
     "'kinds' is for kubernetes checks; a compose check applies to every service"),
    ('schema = {type = "object"}', 'schema = {type = "object"}\nschema_file = "s.json"',
     "give exactly one of 'schema' (a table) and 'schema_file'"),
    ('schema = {type = "object"}', "", "give exactly one of 'schema' (a table) and 'schema_file'"),
    ('schema = {type = "object"}', 'schema = {type = "strin"}',
     "schema is not a valid JSON Schema (Draft 2020-12): at /type: 'strin' is not valid under "
     "any of the given schemas"),
    ('schema = {type = "object"}', 'schema = {properties = {a = {minLength = "x"}}}',
     "schema is not a valid JSON Schema (Draft 2020-12): at /properties/a/minLength: 'x' is not "
     "of type 'integer'"),
    ('schema = {type = "object"}', 'schema = {pattern = "("}',
     "schema is not a valid JSON Schema (Draft 2020-12): at /pattern: '(' is not a 'regex'"),
    ('schema = {type = "object"}', 'schema = {"$ref" = "https://example.com/s.json"}',
     "schema refers to 'https://example.com/s.json' at /: only references inside the schema "
     "('#...') are allowed, the auditor fetches nothing"),
    ('schema = {type = "object"}', 'schema = {items = {"$dynamicRef" = "other.json#meta"}}',
     "schema refers to 'other.json#meta' at /items: only references inside the schema "
     "('#...') are allowed, the auditor fetches nothing"),
    ('schema = {type = "object"}', 'schema = {"$ref" = "#"}',
     "schema refers to itself without end (a $ref loop)"),
    ('schema = {type = "object"}',
     'schema = {"$defs" = {a = {"$ref" = "#/$defs/b"}, b = {"$ref" = "#/$defs/a"}}, '
     '"$ref" = "#/$defs/a"}',
     "schema refers to itself without end (a $ref loop)"),
    ('schema = {type = "object"}',
     'schema = {properties = {metadata = {"$ref" = "#/$defs/meta"}}}',
     "schema refers to '#/$defs/meta' at /properties/metadata, which it does not define"),
    ('schema = {type = "object"}', 'schema = {"$ref" = "#meta"}',
     "schema refers to a part it does not define"),
    ('schema = {type = "object"}',
     'schema = {"$schema" = "http://json-schema.org/draft-07/schema#"}',
     "schema declares $schema 'http://json-schema.org/draft-07/schema#'; custom checks are "
     "JSON Schema Draft 2020-12 (https://json-schema.org/draft/2020-12/schema)"),
    ('schema = {type = "object"}', f'schema = {{pattern = "{"a" * 1001}"}}',
     "pattern at /pattern is longer than 1000 characters"),
    ('schema = {type = "object"}', 'schema = "object"', "schema must be a table (a JSON object)"),
    ('kinds = ["Deployment"]', 'kinds = ["Deployment"]\npath = "spec/template"',
     "path 'spec/template' is not a JSON pointer (\"\" for the whole object, or like "
     "\"/spec/template/spec\")"),
    ('kinds = ["Deployment"]', 'kinds = ["Deployment"]\nreferences = "https://x"',
     "'references' must be a list of URLs"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD_TABLES,
                         ids=[m[:40] for _, _, m in BAD_TABLES])
def test_a_bad_declaration_is_one_line_naming_file_line_and_check(
        tmp_path: Path, old: str, new: str, message: str) -> None:
    text = "# custom checks\n\n" + _table().replace(old, new, 1)
    assert _error(tmp_path, text) == (
        f"{tmp_path / 'auditor.toml'}:3: custom check CUSTOM-T-001: {message}")


def test_a_bad_id_is_named(tmp_path: Path) -> None:
    assert _error(tmp_path, _table("LABELS-1")) == (
        f"{tmp_path / 'auditor.toml'}:1: custom check LABELS-1: the id must look like "
        "CUSTOM-NAME-NNN (upper-case letters, digits and dashes, ending in three digits)")


def test_a_second_table_of_one_id_is_refused_by_toml(tmp_path: Path) -> None:
    message = _error(tmp_path, _table() + _table())
    assert message.startswith(f"{tmp_path / 'auditor.toml'}: invalid TOML: Cannot declare "
                              "('checks', 'custom', 'CUSTOM-T-001') twice")


def test_unknown_checks_key(tmp_path: Path) -> None:
    assert _error(tmp_path, '[checks.other]\nx = 1\n') == (
        f"{tmp_path / 'auditor.toml'}:1: unknown key 'checks.other' (expected checks.custom)")


def test_declared_in_pyproject(tmp_path: Path) -> None:
    text = ("[project]\nname = \"x\"\n\n"
            + _table().replace("[checks.custom.", "[tool.auditor.checks.custom.")
            .replace('row = "gitops"', 'row = "nope"'))
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (f"{path}:4: custom check CUSTOM-T-001: unknown row 'nope' "
                                 f"(expected one of {ROWS})")
    path.write_text(text.replace('row = "nope"', 'row = "gitops"'))
    assert [c.id for c in load_config(path).custom_checks] == ["CUSTOM-T-001"]


def _file_table(name: str) -> str:
    return _table(schema="x").replace("schema = x", f'schema_file = "{name}"')


@pytest.mark.parametrize(("name", "content", "message"), [
    ("../outside.json", None,
     "schema_file '../outside.json' leads out of the configuration's directory (refused)"),
    ("/etc/hostname", None, "schema_file '/etc/hostname' must be a path relative to the "
     "configuration file"),
    ("missing.json", None, "schema_file 'missing.json' cannot be read: No such file or directory"),
    ("s.txt", "{}", "schema_file 's.txt' must end in .json, .yaml or .yml"),
    ("broken.json", "{", "schema_file 'broken.json' is not valid JSON: Expecting property name "
     "enclosed in double quotes: line 1 column 2 (char 1)"),
    ("broken.yaml", "a: [\nb: ]]", "schema_file 'broken.yaml' is not valid YAML (line 2)"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "schema_file 'deep.json' is nested too deeply"),
    ("nested.json", '{"not": ' * 70 + "{}" + "}" * 70,
     "schema is too large: nested deeper than 64 levels"),
    ("laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
               for p, n in zip("abcdefg", "bcdefgh", strict=True))
     + "enum: *h\n", "schema is too large: more than 20000 values"),
    ("big.json", '{"description": "' + "x" * (1024 * 1024) + '"}',
     "schema_file 'big.json' is larger than 1 MiB"),
    ("latin1.json", b'{"description": "caf\xe9"}', "schema_file 'latin1.json' is not UTF-8 text"),
    ("bad.json", '{"type": 5}', "schema is not a valid JSON Schema (Draft 2020-12): at /type: 5 "
     "is not valid under any of the given schemas"),
])
def test_a_bad_schema_file_is_named(tmp_path: Path, name: str, content: str | bytes | None,
                                    message: str) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    if isinstance(content, bytes):
        (folder / name).write_bytes(content)
    elif content is not None:
        (folder / name).write_text(content)
    assert _error(folder, _file_table(name)) == (
        f"{folder / 'auditor.toml'}:1: custom check CUSTOM-T-001: {message}")


def test_a_schema_file_linked_out_or_not_a_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (tmp_path / "secret.json").write_text('{"type": "object"}')
    (folder / "link.json").symlink_to(tmp_path / "secret.json")
    os.mkfifo(folder / "pipe.json")  # opening it would block: never opened
    assert _error(folder, _file_table("link.json")).endswith(
        "custom check CUSTOM-T-001: schema_file 'link.json' leads out of the configuration's "
        "directory (refused)")
    assert _error(folder, _file_table("pipe.json")).endswith(
        "custom check CUSTOM-T-001: schema_file 'pipe.json' is not a regular file")


def test_a_yaml_schema_file_inside_a_subfolder_loads(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "s.yaml").write_text("type: object\nrequired: [metadata]\n")
    (config,) = _config(tmp_path, _file_table("schemas/s.yaml")).custom_checks
    assert config.id == "CUSTOM-T-001"


def test_the_cli_exits_2_with_one_line_before_any_audit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "auditor.toml"
    config.write_text(_table().replace('row = "gitops"', 'row = "backup"'))
    out = tmp_path / "report.json"
    assert main(["scan", str(FIXTURES / "pass-kubernetes"), "--config", str(config),
                 "--format", "json", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"auditor: {config}:1: custom check CUSTOM-T-001: unknown row 'backup' "
                   f"(expected one of {ROWS})\n")
    assert not out.exists()


# hostile schemas: an error or a bounded result, never a hang or a network access -----------


def test_no_network_while_declaring_or_judging(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path, session: Session) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    message = _error(tmp_path, _table(schema='{properties = {metadata = {"$ref" = '
                                             '"http://127.0.0.1:9/meta.json"}}}'))
    assert message.endswith("schema refers to 'http://127.0.0.1:9/meta.json' at "
                            "/properties/metadata: only references inside the schema ('#...') "
                            "are allowed, the auditor fetches nothing")
    # A schema with an absolute $id and local references resolves without fetching.
    config = _config(tmp_path, _table(schema=(
        '{"$id" = "https://schemas.example.com/root.json", properties = {metadata = '
        '{"$ref" = "#/$defs/meta"}}, "$defs" = {meta = {required = ["labels"]}}}')))
    report = scan([str(FIXTURES / "fail-kubernetes")], config=config, session=session)
    assert custom(report)[("CUSTOM-T-001", "apps/v1/Deployment/analytics/superset")].status == (
        Status.PASS)


def test_a_reference_loop_through_the_object_is_an_error_finding(
        session: Session, tmp_path: Path) -> None:
    # Loops only where the object has the property: no probe meets it, the object does.
    config = _config(tmp_path, _table(schema='{properties = {metadata = {"$ref" = '
                                             '"#/properties/metadata"}}}'))
    report = scan([str(FIXTURES / "pass-kubernetes")], config=config, session=session)
    finding = custom(report)[("CUSTOM-T-001", "apps/v1/Deployment/analytics/superset")]
    assert (finding.status, finding.message) == (
        Status.ERROR, "not validated: the schema's references recurse deeper than Python "
                      "allows on this object")


def test_an_undefined_reference_met_only_through_the_object_is_an_error_finding(
        session: Session, tmp_path: Path) -> None:
    # A nested $id makes the reference relative to it: judged by jsonschema, on the object.
    config = _config(tmp_path, _table(schema=(
        '{properties = {metadata = {"$id" = "https://example.com/meta", '
        '"$ref" = "#/$defs/absent"}}}')))
    report = scan([str(FIXTURES / "pass-kubernetes")], config=config, session=session)
    finding = custom(report)[("CUSTOM-T-001", "apps/v1/Deployment/analytics/superset")]
    assert (finding.status, finding.message) == (
        Status.ERROR, "not validated: the schema refers to a part it does not define")


def test_a_backtracking_pattern_is_stopped(tmp_path: Path) -> None:
    """``^(a+)+$`` on 40 a's and a '!' takes 2^40 steps: the object's alarm stops it, and the
    check validates nothing more."""
    (tmp_path / "deploy").mkdir()
    manifest = ["apiVersion: apps/v1", "kind: Deployment", "metadata:",
                f"  name: {'a' * 40}!", "spec: {}"]
    (tmp_path / "deploy" / "a.yaml").write_text(
        "\n".join(manifest) + "\n---\n" + "\n".join(manifest).replace("!", "?") + "\n")
    config = tmp_path / "auditor.toml"
    config.write_text(_table(schema='{properties = {metadata = {properties = {name = '
                                    '{pattern = "^(a+)+$"}}}}}'))
    out = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", str(tmp_path / "deploy"), "--config",
         str(config), "--format", "json", "--output", str(out)],
        capture_output=True, text=True, timeout=300, cwd=REPO, check=False)  # hang guard only
    assert done.returncode == 0, done.stderr
    findings = {f["subject"]: f for t in json.loads(out.read_text())["targets"]
                for f in t["findings"] if f["check_id"] == "CUSTOM-T-001"}
    first = findings[f"apps/v1/Deployment/default/{'a' * 40}!"]
    assert (first["status"], first["message"]) == (
        "error", "validation stopped after 2 s: the schema's patterns backtrack on this object")
    second = findings[f"apps/v1/Deployment/default/{'a' * 40}?"]
    assert (second["status"], second["message"]) == (
        "error", f"not validated: the check's time ran out on apps/v1/Deployment/default/"
                 f"{'a' * 40}!")


def test_kinds_that_could_not_be_listed_are_said_never_taken_as_none(
        session: Session, example: Config) -> None:
    from auditor.checks.kubernetes.facts import KubeFacts
    from auditor.checks.kubernetes.objects import Item
    from auditor.model import Facts

    deployment = Item({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "web", "namespace": "bi",
                                    "labels": {"app.kubernetes.io/name": "web",
                                               "app.kubernetes.io/version": "1"}}})
    check = with_custom_checks(session, example).registry.checks["CUSTOM-LABELS-001"]

    def live(*items: Item, missing: frozenset[str]) -> list[tuple[str, str, str]]:
        kube = KubeFacts(items=items, by_kind={"Deployment": items} if items else {},
                         workloads=(), source="live", kinds_missing=missing)
        results = check.evaluate(Facts(Style.KUBERNETES, values={"kubernetes": kube}))
        return [(r.subject, r.status.value, r.message) for r in results]

    assert live(deployment, missing=frozenset({"StatefulSet"})) == [
        ("apps/v1/Deployment/bi/web", "pass",
         "app.kubernetes.io/name and app.kubernetes.io/version are set"),
        ("kinds:StatefulSet", "skip", "skipped: StatefulSet could not be listed")]
    assert live(missing=frozenset({"Deployment", "DaemonSet"})) == [
        ("kinds:Deployment,StatefulSet,DaemonSet", "skip",
         "skipped: Deployment, DaemonSet could not be listed")]
