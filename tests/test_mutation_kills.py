"""Tests that kill mutants which survived ``python bench/mutation.py core`` (docs/mutation.md).

Each test names the mutants it was written for. Expected values are literals (messages,
grades, rounded numbers), never taken from the code under test, so a mutant that changes a
constant cannot change the expectation with it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.checks.common.debugger import _address, _port, is_loopback, reachable, reasons
from auditor.checks.common.images import Pinning, describe, is_moving, pinning, split
from auditor.checks.common.redact import mask_text, redact, redact_url, redact_words
from auditor.checks.common.secretvalues import secret_kind
from auditor.checks.pip.facts import Launch
from auditor.compare import BaselineError, Comparison, FindingRef, Snapshot
from auditor.gates import GateOptions, gate_reasons, load_baseline, nothing_evaluated, tripped
from auditor.model import (
    Detection,
    Finding,
    Report,
    Row,
    Score,
    Severity,
    Status,
    Style,
    TargetReport,
)
from auditor.scoring import coverage, grade, outcomes

# --- helpers ---------------------------------------------------------------------------------


def finding(check_id: str, severity: Severity, status: Status, subject: str = "web",
            message: str = "m") -> Finding:
    return Finding(check_id=check_id, row=Row.AVAILABILITY, style=Style.PIP, severity=severity,
                   status=status, title="t", message=message, subject=subject,
                   remediation="r")


def target(name: str, findings: tuple[Finding, ...] = (), problems: tuple[str, ...] = (),
           value: float | None = None) -> TargetReport:
    score = Score(value=value, grade=None, ready=False, coverage=None)
    return TargetReport(target=name, style=Style.COMPOSE, app="superset",
                        detection=Detection(Style.COMPOSE, 1.0), score=score,
                        findings=findings, problems=problems)


def report(*targets: TargetReport, value: float | None = None,
           problems: tuple[str, ...] = ()) -> Report:
    return Report(tool_version="0.1.0", started_at="2026-12-06T00:00:00Z", duration_s=0.1,
                  score=Score(value=value, grade=None, ready=False, coverage=None),
                  targets=targets, problems=problems)


def ref(check_id: str, severity: str, subject: str = "web") -> FindingRef:
    return FindingRef(check_id=check_id, subject=subject, severity=severity,
                      fingerprint=f"fp-{check_id}-{subject}")


def comparison(new_failures: tuple[FindingRef, ...], old_score: float | None,
               new_score: float | None) -> Comparison:
    return Comparison(old=Snapshot(path="base.json", score=old_score),
                      new=Snapshot(path="this run", score=new_score),
                      new_failures=new_failures, fixed=(), unchanged=())


# --- auditor/scoring.py ----------------------------------------------------------------------


def test_outcome_keeps_the_check_id() -> None:
    """x_outcomes__mutmut_11 (check_id=None)."""
    [outcome] = outcomes([finding("pip.replicas", Severity.HIGH, Status.PASS)])
    assert outcome.check_id == "pip.replicas"


def test_coverage_is_rounded_to_four_places() -> None:
    """x_coverage__mutmut_13 (round to 5 places): low evaluated, high not: 1 / 6."""
    checks = outcomes([finding("a", Severity.LOW, Status.PASS),
                       finding("b", Severity.HIGH, Status.SKIP)])
    assert coverage(checks) == 0.1667


@pytest.mark.parametrize(("score", "expected"), [
    (95.0, "D"), (90.0, "D"), (85.0, "D"), (80.0, "D"), (75.0, "D"), (70.0, "D"),
    (65.0, "D"), (60.0, "D"), (59.99, "F"),
])
def test_critical_fail_caps_a_b_and_c_at_d(score: float, expected: str) -> None:
    """x_grade__mutmut_24..27 ("B" and "C" misspelled in the capped letters)."""
    assert grade(score, True) == expected


# --- auditor/gates.py ------------------------------------------------------------------------


def test_load_baseline_names_the_file_as_the_baseline(tmp_path: Path) -> None:
    """x_load_baseline__mutmut_2..6 (the role in the error message)."""
    with pytest.raises(BaselineError, match=r"missing\.json: cannot read baseline: "):
        load_baseline(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    with pytest.raises(BaselineError,
                       match=r"bad\.json: baseline is not a deploy-auditor report"):
        load_baseline(str(bad))


def test_fail_under_names_the_score_and_the_floor() -> None:
    gates = GateOptions(fail_under=80)
    assert gate_reasons(report(value=79.96), gates) == [
        "score 80.0 is under --fail-under 80"]
    assert gate_reasons(report(value=72.25), GateOptions(fail_under=80.5)) == [
        "score 72.2 is under --fail-under 80.5"]
    assert gate_reasons(report(value=None), gates) == [
        "no score (nothing evaluated) is under --fail-under 80"]


def test_fail_under_is_met_at_the_floor() -> None:
    assert gate_reasons(report(value=80.0), GateOptions(fail_under=80)) == []
    assert gate_reasons(report(value=100.0), GateOptions(fail_under=80)) == []
    assert gate_reasons(report(value=None), GateOptions()) == []


def test_fail_on_counts_failures_at_or_above_the_severity() -> None:
    findings = (
        finding("c.warned", Severity.CRITICAL, Status.WARN, "a"),
        finding("m.failed", Severity.MEDIUM, Status.FAIL, "b"),
        finding("h.failed", Severity.HIGH, Status.FAIL, "c"),
        finding("c.failed", Severity.CRITICAL, Status.FAIL, "d"),
        finding("h.skipped", Severity.HIGH, Status.SKIP, "e"),
    )
    rep = report(target("one", findings[:3]), target("two", findings[3:]), value=90.0)
    assert gate_reasons(rep, GateOptions(fail_on=Severity.HIGH)) == [
        "2 failing finding(s) at or above high (first: h.failed c)"]
    assert gate_reasons(rep, GateOptions(fail_on=Severity.CRITICAL)) == [
        "1 failing finding(s) at or above critical (first: c.failed d)"]
    assert gate_reasons(rep, GateOptions(fail_on=Severity.MEDIUM)) == [
        "3 failing finding(s) at or above medium (first: m.failed b)"]
    clean = report(target("one", findings[:1]), value=90.0)
    assert gate_reasons(clean, GateOptions(fail_on=Severity.INFO)) == []


def test_every_tripped_gate_is_reported_in_order() -> None:
    rep = report(target("one", (finding("h.failed", Severity.HIGH, Status.FAIL),)), value=50.0)
    comp = comparison((ref("h.failed", "high"),), 60.0, 50.0)
    assert gate_reasons(rep, GateOptions(fail_under=80, fail_on=Severity.LOW,
                                         comparison=comp)) == [
        "score 50.0 is under --fail-under 80",
        "1 failing finding(s) at or above low (first: h.failed web)",
        "1 new failing finding(s) since base.json (first: h.failed web)",
        "score dropped from 60.0 to 50.0 since the baseline (tolerance 0)",
    ]


def test_new_failures_below_the_regression_floor_do_not_regress() -> None:
    comp = comparison((ref("h.one", "high", "x"), ref("l.two", "low", "y"),
                       ref("m.three", "medium", "z")), 80.0, 80.0)
    rep = report(value=80.0)
    assert gate_reasons(rep, GateOptions(comparison=comp)) == [
        "3 new failing finding(s) since base.json (first: h.one x)"]
    assert gate_reasons(rep, GateOptions(comparison=comp,
                                         regression_floor=Severity.MEDIUM)) == [
        "2 new failing finding(s) at or above medium since base.json (first: h.one x)"]
    assert gate_reasons(rep, GateOptions(comparison=comp,
                                         regression_floor=Severity.HIGH)) == [
        "1 new failing finding(s) at or above high since base.json (first: h.one x)"]
    assert gate_reasons(rep, GateOptions(comparison=comp,
                                         regression_floor=Severity.CRITICAL)) == []


def test_score_drop_within_the_tolerance_does_not_regress() -> None:
    rep = report(value=85.0)
    at_tolerance = comparison((), 90.0, 85.0)
    assert gate_reasons(rep, GateOptions(comparison=at_tolerance, max_score_drop=5)) == []
    assert gate_reasons(rep, GateOptions(comparison=at_tolerance, max_score_drop=4.5)) == [
        "score dropped from 90.0 to 85.0 since the baseline (tolerance 4.5)"]
    assert gate_reasons(rep, GateOptions(comparison=comparison((), 85.0, 90.0))) == []
    assert gate_reasons(rep, GateOptions(comparison=comparison((), None, 85.0))) == []
    assert gate_reasons(rep, GateOptions(comparison=comparison((), 90.0, None))) == []


def test_nothing_evaluated_is_none_when_there_is_a_score() -> None:
    assert nothing_evaluated(report(target("one"), value=0.0)) is None
    assert nothing_evaluated(report(target("one"), value=55.5)) is None


def test_nothing_evaluated_without_targets_or_problems() -> None:
    assert nothing_evaluated(report()) == "nothing evaluated: no target"


def test_nothing_evaluated_names_run_problems_then_each_target() -> None:
    skips = (
        finding("a", Severity.HIGH, Status.SKIP, message="no compose file"),
        finding("b", Severity.HIGH, Status.ERROR, message="unreadable .env"),
        finding("c", Severity.HIGH, Status.SKIP, message="no compose file"),
        finding("d", Severity.HIGH, Status.WAIVED, message="waived here"),
        finding("e", Severity.HIGH, Status.PASS, message="passed here"),
    )
    rep = report(
        target("first", skips),
        target("second", skips, problems=("cannot read it",)),
        target("third"),
        problems=("plugin x failed to load", "p2", "p3", "p4"),
    )
    assert nothing_evaluated(rep) == (
        "nothing evaluated: plugin x failed to load | p2 | p3"
        " | first (compose): no compose file; unreadable .env"
        " | second (compose): cannot read it"
        " | third (compose): no check applies to what was found")


def test_nothing_evaluated_shows_three_causes_and_counts_the_rest() -> None:
    three = target("three", problems=("one", "two", "three"))
    five = target("five", problems=("one", "two", "three", "four", "five"))
    four = target("four", tuple(finding(str(i), Severity.LOW, Status.SKIP, message=f"s{i}")
                                for i in range(4)))
    assert nothing_evaluated(report(three, five, four)) == (
        "nothing evaluated: three (compose): one; two; three"
        " | five (compose): one; two; three (and 2 more)"
        " | four (compose): s0; s1; s2 (and 1 more)")


def test_nothing_evaluated_is_one_printable_line() -> None:
    rep = report(target("a\nb\tc", problems=("bad\x1bname",)))
    assert nothing_evaluated(rep) == "nothing evaluated: a\\nb\\tc (compose): bad\\x1bname"


def test_nothing_evaluated_shows_printable_characters_as_they_are() -> None:
    """x_nothing_evaluated__mutmut_34 (every character through repr): a backslash, printable,
    stays one backslash."""
    rep = report(target("C:\\audit 'x' \"y\"", problems=("no file",)))
    assert nothing_evaluated(rep) == "nothing evaluated: C:\\audit 'x' \"y\" (compose): no file"


# --- checks/common/redact.py -----------------------------------------------------------------


def test_a_secret_option_value_containing_equals_is_masked_whole() -> None:
    """x_redact_words__mutmut_10 (rpartition: ``--password=se=cret`` -> ``--password=se=***``)."""
    assert redact("--password=se=cret") == "--password=***"
    assert redact_words(["DB_PASSWORD=a=b=c", "--user=bob"]) == ["DB_PASSWORD=***", "--user=bob"]


def test_the_names_before_a_secret_value_are_kept_with_their_equals_signs() -> None:
    """x_redact_words__mutmut_29 (the kept names joined by "XX=XX")."""
    assert redact("docker run --env=DB_PASSWORD=hunter2 img") == \
        "docker run --env=DB_PASSWORD=*** img"


def test_a_path_naming_a_secret_does_not_hide_the_next_word() -> None:
    """x_redact_words__mutmut_20 ("/" -> "XX/XX"): a path such as a secrets file is not an
    option, so the word after it is shown."""
    assert redact("cat /run/secrets/db_password now") == "cat /run/secrets/db_password now"
    # An option naming a file (``--password-file``) takes a path, not the secret: shown.
    assert redact("--password-file /run/secrets/token -v") == \
        "--password-file /run/secrets/token -v"
    assert redact("--password /run/secrets/token -v") == "--password *** -v"



# Structural masking (issue 14, item 3): each rule and each harmless class pinned exactly.

@pytest.mark.parametrize(("text", "shown"), [
    ("A= B=*** C=... D=<redacted>", "A= B=*** C=... D=<redacted>"),  # empty, placeholders
    ("W=4 T=90s M=512Mi P=50% N=-1 F=0.5", "W=4 T=90s M=512Mi P=50% N=-1 F=0.5"),
    ("D=on E=False Y=yes", "D=on E=False Y=yes"),
    ("B=0.0.0.0:8088 C=[::1]:80 S=unix:/run/s.sock L=localhost", None),
    ("P=/opt/app R=./run.sh H=~/x", None),
    ("V=$HOME U=${USER} X=${A:-secret}", "V=$HOME U=${USER} X=***}"),
    ("K=AUTH_DB Q=FMT Z=ABCDEFGHI", "K=AUTH_DB Q=FMT Z=***"),
    ("N=db.internal:5432 I=superset.app:create_app()", None),
    ("LANG=C.UTF-8 LC=en_US.UTF-8 G=@daily", None),
    ("CONN='1' CONN2=\"abc\"", "CONN='1' CONN2=***\""),
    ("URL=http://h/x?a=b URL2=redis:pw@cache:6379", "URL=http://h/x?a=b URL2=redis:***@cache:6379"),
])
def test_each_harmless_class_is_shown_and_nothing_else(text: str, shown: str | None) -> None:
    assert mask_text(text) == (text if shown is None else shown)
    assert redact(text) == (text if shown is None else shown)


def test_a_setting_name_shows_its_value_a_secret_name_never() -> None:
    assert mask_text("REDIS_HOST=cache SUPERSET_LOAD_EXAMPLES=maybe") == \
        "REDIS_HOST=cache SUPERSET_LOAD_EXAMPLES=maybe"
    assert mask_text("REDIS_HOSTX=cache") == "REDIS_HOSTX=***"
    assert mask_text("DB_PASSWORD_HOST=cache") == "DB_PASSWORD_HOST=***"
    assert mask_text("-e lower=x1y2 --env other=z") == "-e lower=*** --env other=***"
    assert mask_text("lower=x1y2") == "lower=x1y2"  # not an environment name, no -e before
    assert mask_text('"DB_CONN=abc", x') == '"DB_CONN=***", x'


def test_names_holding_a_path_show_it_and_only_a_path() -> None:
    assert mask_text("DB_PASSWORD_FILE=/run/secrets/db") == "DB_PASSWORD_FILE=/run/secrets/db"
    assert mask_text("DB_PASSWORD_FILE=s3cr3t") == "DB_PASSWORD_FILE=***"
    assert mask_text("LoadCredential=key:/etc/k") == "LoadCredential=key:/etc/k"
    assert mask_text("SetCredential=key:s3cr3t") == "SetCredential=***"
    assert mask_text("DB_PASSWORD=/x8Kd") == "DB_PASSWORD=***"


def test_user_options_mask_only_what_follows_the_colon() -> None:
    assert redact("curl -u admin:pw x") == "curl -u admin:*** x"
    assert redact("curl -u admin x") == "curl -u admin x"
    assert redact("docker run -u 1000:1000 x") == "docker run -u 1000:1000 x"
    assert redact("curl --user admin:pw\" x") == "curl --user admin:***\" x"
    assert redact("curl -uadmin:pw --user=bob:pw2 -u") == "curl -uadmin:*** --user=bob:*** -u"
    assert redact("ls -u --user=bob x") == "ls -u --user=bob x"


def test_authorization_headers_keep_the_scheme_and_mask_the_credential() -> None:
    assert redact("-H 'Authorization: Bearer tok' -v") == "-H 'Authorization: Bearer ***' -v"
    assert redact("-H 'Authorization: tok' -v") == "-H 'Authorization: ***' -v"
    assert redact("-H 'X-Auth-Token: tok' -v") == "-H 'X-Auth-Token: ***' -v"
    assert mask_text("missing token: set it") == "missing token: set it"
    # In prose an object named like a secret before a colon hides nothing (a kustomize
    # problem lost the file it names); a header's own name still does.
    assert mask_text("secretGenerator superset-secret: superset.env is not") == \
        "secretGenerator superset-secret: superset.env is not"
    assert mask_text("Private-Token: abc X-Vault-Token: def") == \
        "Private-Token: *** X-Vault-Token: ***"
    assert redact("missing token: set it") == "missing token: *** it"


def test_tool_specific_password_options() -> None:
    assert redact("mysql -uroot -ppw -p -h db") == "mysql -uroot -p*** -p -h db"
    assert redact("psql -p5432 db") == "psql -p5432 db"  # only after mysql
    assert redact("/usr/bin/redis-cli -a pw ping") == "/usr/bin/redis-cli -a *** ping"
    assert redact("ls -a pw") == "ls -a pw"  # only after redis-cli
    assert redact("mariadb --password=x -pY") == "mariadb --password=*** -p***"


def test_words_naming_a_secret_hide_the_next_in_commands_options_in_text() -> None:
    assert redact("mysqladmin password newpw") == "mysqladmin password *** "[:-1]
    assert mask_text("the password is rotated --token abc") == \
        "the password is rotated --token ***"
    assert redact("proxy_pass http://u:pw@up; x") == "proxy_pass http://u:***@up; x"
    assert redact("--token-file /t --pass-env DB x") == "--token-file /t --pass-env DB x"


def test_urls_mask_passwords_token_users_and_secret_query_values() -> None:
    assert redact_url("https://ghp_x@github.com/o/r") == "https://***@github.com/o/r"
    assert redact_url("ssh://git@github.com/o/r") == "ssh://git@github.com/o/r"
    assert redact_url("http://h/?token=a&b=c&api_key=d;sig=e#f") == \
        "http://h/?token=***&b=c&api_key=***;sig=***#f"
    assert redact_url("http://h/?X-Amz-Signature=a&key=b&code=c&monkey=d") == \
        "http://h/?X-Amz-Signature=***&key=***&code=***&monkey=d"
    assert redact_url("amqp:guest:pw@mq// nginx:1.25@sha256:ab") == \
        "amqp:guest:***@mq// nginx:1.25@sha256:ab"
    assert redact_url("a/b:c@d x:y@-z") == "a/b:c@d x:y@-z"


def test_masking_survivors_of_the_core_run() -> None:
    """Each line kills one survivor of `bench/mutation.py core` (docs/mutation.md)."""
    assert mask_text("CONN='X1'") == "CONN=***'"  # quotes stripped, nothing else
    assert mask_text("--env=DB_CONN=x1") == "--env=DB_CONN=***"  # the names kept joined
    assert redact("curl -u admin:pw:x") == "curl -u admin:***"  # all after the first colon
    assert redact("x foo=password bar") == "x foo=password bar"  # "=": not an option
    assert redact("x '--password-file' /run/x") == "x '--password-file' /run/x"
    assert redact_words(["mysqladmin", "password", "pw"]) == ["mysqladmin", "password", "***"]
    assert redact("/usr/local/bin/mysql -pS3cret") == "/usr/local/bin/mysql -p***"
    assert redact("./mysql -p=x") == "./mysql -p***"
    assert redact("mysql -p") == "mysql -p"  # a prompt, no value
    # Each mark alone lets the URL rules run (they are skipped for words with none).
    for text, masked in (("h/?token=a", "h/?token=***"), ("h/x&token=a", "h/x&token=***"),
                         ("h/x;sig=a", "h/x;sig=***"), ("redis:pw@h", "redis:***@h")):
        assert redact_url(text) == masked and mask_text(text) == masked


def test_free_text_keeps_its_spacing_and_an_empty_text_is_empty() -> None:
    assert mask_text("") == "" and redact("") == ""
    assert mask_text("  a\n\tDB_CONN=x  ") == "  a\n\tDB_CONN=***  "


# --- checks/common/secretvalues.py (checks-common target: 9 of 9 survived) -------------------


@pytest.mark.parametrize(("value", "kind"), [
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
     "a PEM private key"),
    ('{"type": "service_account", "project_id": "p", "private_key": "k"}',
     "a GCP service account key"),
    ("AKIAABCDEFGHIJKLMNOP", "an AWS access key id"),
    ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + "Ab1+" * 8 + "==",
     "an Azure storage account key"),
    ("postgresql://superset:hunter2@db:5432/superset", "a connection string with a password"),
    ("redis://:${REDIS_PASSWORD}@cache/0 postgresql://superset:hunter2@db/superset",
     "a connection string with a password"),
])
def test_secret_kind_names_each_kind(value: str, kind: str) -> None:
    assert secret_kind(value) == kind


@pytest.mark.parametrize("value", [
    "postgresql://superset:${DB_PASSWORD}@db/superset",
    "redis://:***@cache/0",
    "postgresql://superset@db/superset",
    "just some configuration",
    "",
])
def test_secret_kind_is_none_without_a_secret(value: str) -> None:
    assert secret_kind(value) is None


# --- checks/common/images.py (checks-common target: 19 of 59 survived) -----------------------


def test_split_keeps_every_colon_after_the_first_in_the_tag() -> None:
    """x_split__mutmut_11 (rpartition) and _16 (an empty tag instead of None)."""
    assert split("registry:5000/apache/superset:4.1.1@sha256:abc") == (
        "registry:5000/apache/superset", "4.1.1", "sha256:abc")
    assert split("img:a:b") == ("img", "a:b", None)
    assert split("apache/superset") == ("apache/superset", None, None)


@pytest.mark.parametrize(("tag", "moving"), [
    ("build-nightly", True), ("4.1-snapshot", True), ("NIGHTLY-2", True), ("x.SnapShot", True),
    ("latest-dev", True), ("master", True), ("4.1.1", False), ("4.1.1-py311", False),
])
def test_is_moving_tags(tag: str, moving: bool) -> None:
    """x_is_moving__mutmut_14, _19, _20, _22, _23 (nightly/snapshot anywhere in the tag)."""
    assert is_moving(tag) is moving


def test_a_major_line_in_capitals_still_floats() -> None:
    """x_pinning__mutmut_6 (tag.upper() against a lowercase pattern)."""
    assert pinning("postgres:16-Alpine") is Pinning.FLOATING
    assert pinning("postgres:V16") is Pinning.FLOATING
    assert pinning("postgres:16.4") is Pinning.VERSION


@pytest.mark.parametrize(("image", "sentence"), [
    ("apache/superset@sha256:0123", "pinned by digest"),
    ("apache/superset", "apache/superset has no tag: it means latest, whatever that is today"),
    ("apache/superset:latest-dev",
     "tag latest-dev moves with every push or release: no version to roll back to"),
    ("postgres:16", "tag 16 floats over every release of that line: the version running "
                    "changes on the next pull"),
    ("apache/superset:4.1.1",
     "tag 4.1.1 names one release, but a tag can be re-pushed: a digest pins it"),
])
def test_describe_each_pinning(image: str, sentence: str) -> None:
    """x_describe__mutmut_3..12."""
    assert describe(image) == sentence


# --- checks/common/debugger.py (checks-common target: 62 of 150 survived) --------------------


def launch(kind: str = "flask-run", argv: tuple[str, ...] = ("flask", "run"),
           options: dict[str, tuple[str, ...]] | None = None,
           env: dict[str, str] | None = None) -> Launch:
    return Launch(kind=kind, argv=argv, source="start.sh", options=options or {},
                  env=env or {})


@pytest.mark.parametrize(("kwargs", "found"), [
    ({}, []),
    ({"options": {"debugger": ()}}, ["--debugger"]),
    ({"options": {"debug": ()}}, ["--debug"]),
    ({"argv": ("flask", "--debug", "run")}, ["--debug"]),
    ({"env": {"FLASK_DEBUG": "1"}}, ["FLASK_DEBUG=1"]),
    ({"env": {"FLASK_DEBUG": "True"}}, ["FLASK_DEBUG=True"]),
    ({"env": {"FLASK_DEBUG": "yes"}}, ["FLASK_DEBUG=yes"]),
    ({"env": {"FLASK_DEBUG": "ON"}}, ["FLASK_DEBUG=ON"]),
    ({"env": {"FLASK_DEBUG": "0"}}, []),
    ({"env": {"FLASK_DEBUG": "false"}}, []),
    ({"options": {"debugger": (), "debug": ()}, "env": {"FLASK_DEBUG": "true"}},
     ["--debugger", "--debug", "FLASK_DEBUG=true"]),
    ({"options": {"debug": (), "no-debugger": ()}, "env": {"FLASK_DEBUG": "1"}}, []),
])
def test_debugger_reasons(kwargs: dict[str, object], found: list[str]) -> None:
    """x_reasons__mutmut_* (the flags, the FLASK_DEBUG values, their order)."""
    assert reasons(launch(**kwargs)) == found  # type: ignore[arg-type]


def test_no_debugger_outside_the_development_server() -> None:
    assert reasons(launch(kind="gunicorn", argv=("gunicorn", "--debug"),
                          options={"debug": ()}, env={"FLASK_DEBUG": "1"})) == []


def _node_id(value: object) -> str:
    # "::" in a test id splits the node id for pytest (and mutmut's per-test runs).
    return str(value).replace("::", "..").replace(":", ".")


@pytest.mark.parametrize(("backend", "address"), [
    ("0.0.0.0:8088", "0.0.0.0:8088"),
    ("http://127.0.0.1:8088/superset/", "127.0.0.1:8088"),
    ("http://localhost/", "localhost:80"),
    ("https://example.org/path/x", "example.org:443"),
    ("HTTP://example.org", "example.org:80"),
    ("http://unix:/run/superset.sock:/", "unix:/run/superset.sock"),
    ("unix:/run/gunicorn.sock", "unix:/run/gunicorn.sock"),
    ("unix:/run/a:b:c", "unix:/run/a"),
    ("http://[::1]/", "[::1]:80"),
    ("http://[::1]:8088/x", "[::1]:8088"),
    ("[::1]:8088", "[::1]:8088"),
    ("h:1/a/b", "h:1"),
    ("http://h:1/next?u=ftp://x", "h:1"),
    ("0.0.0.0", "0.0.0.0"),
], ids=lambda v: _node_id(v))
def test_backend_addresses(backend: str, address: str) -> None:
    """x__address__mutmut_* (scheme, unix sockets, default ports, IPv6 brackets)."""
    assert _address(backend) == address


@pytest.mark.parametrize(("address", "port"), [
    ("unix:/run/s.sock", "unix:/run/s.sock"), ("[::1]:8088", "8088"),
    ("127.0.0.1:80", "80"), ("a:b:c", "c"), ("localhost", "localhost"),
], ids=lambda v: _node_id(v))
def test_ports(address: str, port: str) -> None:
    """x__port__mutmut_*."""
    assert _port(address) == port


@pytest.mark.parametrize(("address", "loopback"), [
    ("unix:/run/s.sock", True), ("127.0.0.1:8088", True), ("127.0.0.1", True),
    ("localhost:80", True), ("[::1]:8088", True), ("[::1]", True),
    ("0.0.0.0:8088", False), ("10.0.0.127:80", False), ("192.168.1.5", False),
    ("example.org:127", False), ("[2001:db8::1]:80", False),
], ids=lambda v: _node_id(v))
def test_is_loopback(address: str, loopback: bool) -> None:
    """x_is_loopback__mutmut_*."""
    assert is_loopback(address) is loopback


def test_reachable_directly_or_through_a_proxy() -> None:
    assert reachable(["0.0.0.0:8088", "127.0.0.1:8000"],
                     [("nginx", "http://127.0.0.1:8000/"), ("nginx", "http://127.0.0.1:9/"),
                      ("caddy", "http://10.0.0.2:8000/")]) == [
        "listens on 0.0.0.0:8088, beyond loopback",
        "nginx passes requests to 127.0.0.1:8000",
    ]
    assert reachable(["unix:/run/s.sock"], [("nginx", "http://unix:/run/s.sock:/")]) == [
        "nginx passes requests to unix:/run/s.sock"]
    assert reachable(["127.0.0.1:8000"], []) == []


def _covered(coverage: float | None, value: float | None = 90.0) -> Report:
    return Report(tool_version="0.1.0", started_at="2026-12-06T00:00:00Z", duration_s=0.1,
                  score=Score(value=value, grade=None, ready=False, coverage=coverage),
                  targets=(), problems=())


def test_min_coverage_trips_below_the_fraction_only() -> None:
    gates = GateOptions(min_coverage=0.8)
    assert tripped(_covered(0.8), gates) == []
    assert tripped(_covered(1.0), gates) == []
    assert tripped(_covered(0.7999), gates) == [
        ("coverage", "coverage 0.80 is under --min-coverage 0.8")]
    assert tripped(_covered(0.25), gates) == [
        ("coverage", "coverage 0.25 is under --min-coverage 0.8")]
    assert tripped(_covered(None, None), gates) == [
        ("coverage", "no coverage (nothing applicable) is under --min-coverage 0.8")]
    assert tripped(_covered(0.0), GateOptions()) == []  # no option, no gate


def test_tripped_names_each_gate_in_option_order() -> None:
    gates = GateOptions(fail_under=95, min_coverage=0.9,
                        comparison=comparison((), 99.0, 90.0))
    assert [name for name, _ in tripped(_covered(0.5), gates)] == [
        "fail-under", "regression", "coverage"]
    failing = report(TargetReport(
        target="t", style=Style.PIP, app=None, detection=Detection(Style.PIP, 1.0, (), None),
        score=Score(value=50.0, grade="F", ready=False, coverage=1.0),
        findings=(Finding(check_id="T-X-001", row=Row.GITOPS, style=Style.PIP,
                          severity=Severity.HIGH, status=Status.FAIL, title="t", message="m",
                          subject="s", remediation="r"),), problems=()), value=50.0)
    assert [name for name, _ in tripped(failing, GateOptions(fail_on=Severity.HIGH))] == [
        "fail-on"]


@pytest.mark.parametrize(("address", "loopback"), [
    ("localhost.example.com:5000", False), ("localhostfoo:5000", False),
    ("localhost:5000", True), ("LOCALHOST:5000", True), ("app.localhost:5000", True),
    ("127.5.5.5:5000", True), ("::1", True), ("::1:80", True), ("fe80::1", False),
    ("::", False),
], ids=lambda v: _node_id(v))
def test_loopback_is_the_whole_host_not_its_start(address: str, loopback: bool) -> None:
    """A name that starts with 'localhost' is another machine: the debugger reachable
    through it was judged local (common.debugger and pip's bind check alike)."""
    from auditor.checks.pip.common import is_loopback as pip_is_loopback

    assert is_loopback(address) is loopback
    assert pip_is_loopback(address) is loopback


def test_secret_kind_prefilters_never_change_an_answer() -> None:
    """The substring tests before each search are necessary conditions of a match: over
    values built from every pattern's parts, the answer equals a search without them."""
    import itertools

    from auditor.checks.common import secretvalues as sv

    def searched(value: str) -> str | None:
        for label, pattern, _ in sv.KINDS:
            if pattern.search(value):
                return label
        for match in sv.URL_WITH_PASSWORD.finditer(value):
            if not sv.PLACEHOLDER.match(match.group("password")):
                return "a connection string with a password"
        return None

    parts = ["-----BEGIN EC PRIVATE KEY-----", "-----BEGIN", '"private_key": "k"',
             '"type": "service_account"', "ASIAABCDEFGHIJKLMNOP", "AKIA1234",
             "accountkey=" + "A" * 24, "ACCOUNTKEY=" + "b" * 30, "x://u:p@h", "x://u@h",
             "a=b", "plain text", "@", "://"]
    values = ["".join(c) for n in (1, 2, 3) for c in itertools.permutations(parts, n)]
    assert len(values) > 2000
    assert [secret_kind(v) for v in values] == [searched(v) for v in values]
    assert secret_kind("x AccountKey=" + "Ab1+" * 8) == "an Azure storage account key"
