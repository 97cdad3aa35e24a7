"""auditor/config.py: discovery, severity overrides, disabled checks, waivers, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from markerplugin import MarkerPlugin, fixed, isolated_session, make_check, marker_dir

from auditor.api import Session, audit_targets, resolve_config, scan
from auditor.config import Config, ConfigError, find_config, load_config
from auditor.model import Report, Row, Severity, Status
from auditor.runner import ScanOptions, audit
from auditor.targets import parse_targets

P, W, F = Status.PASS, Status.WARN, Status.FAIL


def plugin() -> MarkerPlugin:
    return MarkerPlugin(
        make_check("T-GITOPS-001", fixed(("repo", P)), row=Row.GITOPS, severity=Severity.HIGH),
        make_check("T-UPDATES-001", fixed(("os", F)), row=Row.UPDATES, severity=Severity.LOW),
        make_check("T-UPDATES-002", fixed(("app", W)), row=Row.UPDATES, severity=Severity.LOW),
        make_check(
            "T-NETWORK-001",
            fixed(("web/a", F), ("web/b", W), ("db/a", F), ("cache", P)),
            row=Row.NETWORK,
            severity=Severity.MEDIUM,
        ),
    )


@pytest.fixture
def session() -> Session:
    return isolated_session(plugin())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root: discovery never walks above it."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, session: Session, config: Config,
        today: dt.date | None = None) -> Report:
    target = marker_dir(tmp_path / "target")
    if today is None:
        return audit_targets(parse_targets([str(target)]), config=config, session=session)
    return audit(parse_targets([str(target)]), session.host, session.registry, config,
                 ScanOptions(today=today))


def by_subject(report: Report, check_id: str) -> dict[str, Status]:
    return {f.subject: f.status for f in report.targets[0].findings if f.check_id == check_id}


# discovery ------------------------------------------------------------------


def test_finds_auditor_toml_walking_up(repo: Path) -> None:
    config = write(repo / "deploy" / "auditor.toml", "")
    target = repo / "deploy" / "prod" / "web"
    target.mkdir(parents=True)
    assert find_config(target) == config.resolve()
    assert find_config(repo / "deploy") == config.resolve()


def test_finds_pyproject_with_tool_auditor(repo: Path) -> None:
    pyproject = write(repo / "app" / "pyproject.toml", "[tool.auditor]\ndisable = []\n")
    (repo / "app" / "src").mkdir()
    assert find_config(repo / "app" / "src") == pyproject.resolve()


def test_skips_pyproject_without_tool_auditor(repo: Path) -> None:
    config = write(repo / "auditor.toml", "")
    write(repo / "app" / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\n")
    assert find_config(repo / "app") == config.resolve()


def test_auditor_toml_wins_over_pyproject_in_the_same_directory(repo: Path) -> None:
    write(repo / "pyproject.toml", "[tool.auditor]\n")
    config = write(repo / "auditor.toml", "")
    assert find_config(repo) == config.resolve()


def test_nearest_configuration_wins(repo: Path) -> None:
    write(repo / "auditor.toml", "")
    near = write(repo / "a" / "b" / "auditor.toml", "")
    assert find_config(repo / "a" / "b") == near.resolve()


def test_stops_at_the_repository_root(tmp_path: Path, repo: Path) -> None:
    write(tmp_path / "auditor.toml", "")  # above the repository: never used
    (repo / "sub" / "target").mkdir(parents=True)
    assert find_config(repo / "sub" / "target") is None


def test_repository_root_itself_is_searched(repo: Path) -> None:
    config = write(repo / "auditor.toml", "")
    (repo / "sub").mkdir()
    assert find_config(repo / "sub") == config.resolve()


def test_starting_from_a_file(repo: Path) -> None:
    config = write(repo / "auditor.toml", "")
    manifest = write(repo / "k8s" / "app.yaml", "kind: List\n")
    assert find_config(manifest) == config.resolve()


def test_scan_uses_the_configuration_found_above_the_target(tmp_path: Path,
                                                            session: Session) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "auditor.toml", 'disable = ["T-UPDATES-*"]\n')
    target = marker_dir(tmp_path / "deploy" / "prod")
    report = scan([str(target)], session=session)
    ids = {f.check_id for f in report.targets[0].findings}
    assert ids == {"T-GITOPS-001", "T-NETWORK-001"}


def test_explicit_config_wins_over_discovery(tmp_path: Path, session: Session) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "auditor.toml", 'disable = ["T-UPDATES-*"]\n')
    explicit = write(tmp_path / "other.toml", 'disable = ["T-GITOPS-001"]\n')
    target = marker_dir(tmp_path / "deploy")
    config = resolve_config(str(explicit), parse_targets([str(target)]))
    assert config.disabled == frozenset({"T-GITOPS-001"})
    assert config.source == str(explicit)
    report = scan([str(target)], config=str(explicit), session=session)
    assert "T-GITOPS-001" not in {f.check_id for f in report.targets[0].findings}


def test_no_configuration_gives_defaults(repo: Path) -> None:
    target = marker_dir(repo / "deploy")
    config = resolve_config(None, parse_targets([str(target)]))
    assert config == Config()


def test_pyproject_tool_auditor_is_parsed(repo: Path) -> None:
    pyproject = write(repo / "pyproject.toml", (
        "[project]\nname = 'x'\n\n"
        "[tool.auditor]\ndisable = ['T-GITOPS-001']\n\n"
        "[tool.auditor.severity]\nT-UPDATES-001 = 'critical'\n\n"
        "[tool.auditor.thresholds]\nready_score = 85\nready_coverage = 0.9\nmax_score_drop = 2\n\n"
        "[[tool.auditor.waivers]]\ncheck = 'T-NETWORK-001'\nreason = 'lab'\n"
    ))
    config = load_config(pyproject)
    assert config.disabled == frozenset({"T-GITOPS-001"})
    assert config.severity == {"T-UPDATES-001": Severity.CRITICAL}
    assert (config.thresholds.score, config.thresholds.coverage) == (85.0, 0.9)
    assert config.max_score_drop == 2.0
    assert [w.check for w in config.waivers] == ["T-NETWORK-001"]
    assert str(pyproject) in (config.source or "")


# severity overrides and disabled checks --------------------------------------


def test_severity_overrides_apply_to_findings_and_score(tmp_path: Path, session: Session) -> None:
    config_file = write(tmp_path / "cfg" / "auditor.toml",
                        '[severity]\nT-UPDATES-001 = "critical"\nT-GITOPS-001 = "LOW"\n')
    config = load_config(config_file)
    report = run(tmp_path, session, config)
    severities = {f.check_id: f.severity for f in report.targets[0].findings}
    assert severities["T-UPDATES-001"] == Severity.CRITICAL
    assert severities["T-GITOPS-001"] == Severity.LOW
    assert severities["T-NETWORK-001"] == Severity.MEDIUM  # untouched
    # the overridden critical fail now caps the grade and blocks readiness
    assert report.score.ready is False
    assert report.score.grade in ("D", "F")


def test_severity_override_changes_the_weights(tmp_path: Path, session: Session) -> None:
    # defaults: gitops high pass (5*1), updates-001 low fail (1*0), updates-002 low warn (1*0.5),
    # network medium (fail, warn, fail, pass) -> credit 1.5/4 = 0.375 (3*0.375)
    # 100 * (5 + 0 + 0.5 + 1.125) / (5 + 1 + 1 + 3) = 66.25
    assert run(tmp_path, session, Config()).score.value == 66.25
    # gitops as info (weight 0): 100 * (0 + 0.5 + 1.125) / (1 + 1 + 3) = 32.5
    config = Config(severity={"T-GITOPS-001": Severity.INFO})
    assert run(tmp_path, session, config).score.value == 32.5


def test_unknown_severity_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", '[severity]\nT-UPDATES-001 = "urgent"\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: severity 'urgent'"):
        load_config(path)


def test_disabled_checks_are_not_run(tmp_path: Path) -> None:
    ran: list[str] = []

    def spy(check_id: str):  # type: ignore[no-untyped-def]
        def evaluate(facts):  # type: ignore[no-untyped-def]
            ran.append(check_id)
            return fixed(("x", P))(facts)
        return evaluate

    session = isolated_session(MarkerPlugin(
        make_check("T-GITOPS-001", spy("T-GITOPS-001")),
        make_check("T-UPDATES-001", spy("T-UPDATES-001")),
        make_check("T-UPDATES-002", spy("T-UPDATES-002")),
    ))
    config = load_config(write(tmp_path / "auditor.toml",
                               'disable = ["T-UPDATES-*", "T-NOTHING-001"]\n'))
    report = run(tmp_path, session, config)
    assert ran == ["T-GITOPS-001"]
    assert [f.check_id for f in report.targets[0].findings] == ["T-GITOPS-001"]
    assert report.score.coverage == 1.0  # disabled checks are not applicable


# waivers ----------------------------------------------------------------------


def test_waiver_needs_a_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", '[[waivers]]\ncheck = "T-NETWORK-001"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: ")
    assert "reason" in message
    assert "\n" not in message


def test_blank_reason_is_no_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml",
                 '[[waivers]]\ncheck = "T-NETWORK-001"\nreason = "   "\n')
    with pytest.raises(ConfigError, match=rf"^{path}:2: .*reason"):
        load_config(path)


def test_second_waiver_without_reason_names_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", (
        '[[waivers]]\n'                   # 1
        'check = "T-NETWORK-001"\n'       # 2
        'reason = "lab network"\n'        # 3
        '\n'
        '[[waivers]]\n'                   # 5
        'check = "T-UPDATES-001"\n'       # 6: the waiver without a reason
        'subject = "os"\n'                # 7
    ))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:6: waiver #2 for T-UPDATES-001 needs a 'reason'")


def test_waiver_line_is_not_taken_from_another_table(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", (
        '[severity]\n'
        'T-UPDATES-001 = "low"\n'         # 2: mentions the id the broken waiver uses
        '\n'
        '[[waivers]]\n'                   # 4
        'check = "T-UPDATES-001"\n'       # 5: the waiver without a reason
    ))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:5: waiver #1 for T-UPDATES-001 needs a 'reason'")


def test_waiver_in_pyproject_without_reason_names_the_pyproject(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", (
        "[project]\nname = 'x'\n\n"
        "[[tool.auditor.waivers]]\n"       # 4
        "check = 'T-NETWORK-001'\n"        # 5
    ))
    with pytest.raises(ConfigError, match=rf"^{path}:5: waiver #1 .*reason"):
        load_config(path)


def test_waiver_subject_glob(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml", (
        '[[waivers]]\n'
        'check = "T-NETWORK-001"\n'
        'subject = "web/*"\n'
        'reason = "bound to all interfaces inside a lab VLAN"\n'
    )))
    report = run(tmp_path, session, config)
    assert by_subject(report, "T-NETWORK-001") == {
        "web/a": Status.WAIVED,   # fail, waived
        "web/b": Status.WAIVED,   # warn, waived
        "db/a": Status.FAIL,      # does not match the glob
        "cache": Status.PASS,     # a pass is never waived
    }
    waived = [f for f in report.targets[0].findings if f.status == Status.WAIVED]
    assert {f.waiver.reason for f in waived if f.waiver} == {
        "bound to all interfaces inside a lab VLAN"
    }
    assert all(f.waiver and f.waiver.source == str(tmp_path / "auditor.toml") for f in waived)
    [outcome] = report.waivers
    assert (outcome.state, outcome.matched) == ("active", 2)


def test_waiver_check_glob_default_subject(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml",
                               '[[waivers]]\ncheck = "T-UPDATES-*"\nreason = "tracked"\n'))
    report = run(tmp_path, session, config)
    assert by_subject(report, "T-UPDATES-001") == {"os": Status.WAIVED}
    assert by_subject(report, "T-UPDATES-002") == {"app": Status.WAIVED}
    assert by_subject(report, "T-NETWORK-001")["web/a"] == Status.FAIL


def test_waivers_change_the_score(tmp_path: Path, session: Session) -> None:
    # waiving T-NETWORK-001 entirely leaves only its pass subject: credit 1
    # 100 * (5*1 + 1*0 + 1*0.5 + 3*1) / 10 = 85
    config = Config(waivers=load_config(write(
        tmp_path / "auditor.toml", '[[waivers]]\ncheck = "T-NETWORK-001"\nreason = "lab"\n'
    )).waivers)
    assert run(tmp_path, session, config).score.value == 85.0


WAIVER_EXPIRING = (
    '[[waivers]]\n'
    'check = "T-UPDATES-001"\n'
    'reason = "patch window next quarter"\n'
    'expires = 2027-03-31\n'
)


def test_waiver_holds_until_its_expiry_date(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml", WAIVER_EXPIRING))
    report = run(tmp_path, session, config, today=dt.date(2027, 3, 31))
    assert by_subject(report, "T-UPDATES-001") == {"os": Status.WAIVED}
    finding = next(f for f in report.targets[0].findings if f.check_id == "T-UPDATES-001")
    assert finding.waiver is not None and finding.waiver.expires == "2027-03-31"
    assert [(w.state, w.matched) for w in report.waivers] == [("active", 1)]


def test_expired_waiver_does_not_apply(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml", WAIVER_EXPIRING))
    report = run(tmp_path, session, config, today=dt.date(2027, 4, 1))
    assert by_subject(report, "T-UPDATES-001") == {"os": Status.FAIL}
    [outcome] = report.waivers
    assert outcome.state == "expired"
    assert outcome.matched == 0
    assert outcome.expires == "2027-03-31"
    assert outcome.reason == "patch window next quarter"


def test_expiry_as_a_string_date(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml", WAIVER_EXPIRING.replace(
        "2027-03-31", '"2027-03-31"')))
    assert config.waivers[0].expires == dt.date(2027, 3, 31)


def test_bad_expiry_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", WAIVER_EXPIRING.replace("2027-03-31", '"soon"'))
    with pytest.raises(ConfigError, match=rf"^{path}:2: waiver #1 'expires' must be a date"):
        load_config(path)


def test_unused_waivers_are_listed(tmp_path: Path, session: Session) -> None:
    config = load_config(write(tmp_path / "auditor.toml", (
        '[[waivers]]\ncheck = "T-NETWORK-001"\nsubject = "nowhere/*"\nreason = "old host"\n\n'
        '[[waivers]]\ncheck = "T-GITOPS-001"\nreason = "passes anyway"\n\n'
        '[[waivers]]\ncheck = "T-UPDATES-001"\nreason = "tracked"\n'
    )))
    report = run(tmp_path, session, config, today=dt.date(2026, 1, 1))
    assert [(w.check, w.state, w.matched) for w in report.waivers] == [
        ("T-NETWORK-001", "unused", 0),
        ("T-GITOPS-001", "unused", 0),  # matches only a pass: waives nothing
        ("T-UPDATES-001", "active", 1),
    ]
    assert report.waivers[0].subject == "nowhere/*"


# rejected configurations -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("disabel = []\n", "unknown key 'disabel'"),
        ("[thresholds]\nready_scor = 80\n", "unknown threshold 'ready_scor'"),
        ('[[waivers]]\ncheck = "T-X-001"\nreason = "r"\nowner = "me"\n', "unknown key 'owner'"),
    ],
)
def test_unknown_keys_are_rejected(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert needle in message
    assert "\n" not in message


def test_unknown_key_in_pyproject_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.auditor]\nwaiver = []\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(str(path))
    assert "unknown key 'waiver'" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "[thresholds]\nready_score = 120\n",
        "[thresholds]\nready_coverage = 1.5\n",
        '[thresholds]\nready_score = "80"\n',
        "[thresholds]\nready_score = true\n",
        'disable = "T-GITOPS-001"\n',
        "severity = 3\n",
    ],
)
def test_bad_values_are_rejected(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError, match=rf"^{path}"):
        load_config(path)


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml", 'disable = [\n  "A-B-001",\n\n[severity]\nx = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    assert "invalid TOML" in message
    assert "line 4" in message
    assert "\n" not in message


def test_thresholds_from_configuration_decide_readiness(tmp_path: Path) -> None:
    session = isolated_session(MarkerPlugin(
        make_check("T-GITOPS-001", fixed(("a", P), ("b", P), ("c", P), ("d", P), ("e", W))),
    ))
    # credit (4 + 0.5) / 5 = 0.9 -> score 90
    assert run(tmp_path, session, Config()).score.ready is True
    strict = load_config(write(tmp_path / "auditor.toml", "[thresholds]\nready_score = 95\n"))
    report = run(tmp_path, session, strict)
    assert report.score.value == 90.0
    assert report.score.ready is False


# [gates]: defaults for --fail-under, --fail-on, --min-coverage --------------------------


def test_gates_are_read(tmp_path: Path) -> None:
    path = write(tmp_path / "auditor.toml",
                 '[gates]\nfail_under = 70\nfail_on = "Critical"\nmin_coverage = 0.75\n')
    gates = load_config(path).gates
    assert (gates.fail_under, gates.fail_on, gates.min_coverage) == (70.0, Severity.CRITICAL,
                                                                     0.75)
    assert load_config(write(tmp_path / "empty.toml", "")).gates.fail_on is None


@pytest.mark.parametrize(("text", "needle"), [
    ("[gates]\nfail_undr = 70\n", "unknown gate 'fail_undr'"),
    ('[gates]\nfail_on = "severe"\n', "fail_on 'severe' is not one of critical"),
    ("[gates]\nmin_coverage = 80\n", "gates.min_coverage must be a number from 0 to 1"),
    ('[gates]\nfail_under = "70"\n', "gates.fail_under must be a number from 0 to 100"),
])
def test_bad_gates_name_the_file_and_line(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:2: ") and needle in str(info.value)


def test_configured_gates_apply_and_options_override_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.commands as commands
    from auditor.cli import main

    project = marker_dir(tmp_path / "deploy")
    (tmp_path / ".git").mkdir()
    write(tmp_path / "auditor.toml", "[gates]\nfail_under = 100\n")
    session = isolated_session(MarkerPlugin(
        make_check("T-AVAILABILITY-001", fixed(("a", Status.FAIL)))))
    monkeypatch.setattr(commands, "open_session", lambda: session)
    assert main(["scan", str(project), "-q"]) == 1
    assert "under --fail-under 100" in capsys.readouterr().err
    assert main(["scan", str(project), "-q", "--fail-under", "0"]) == 0
