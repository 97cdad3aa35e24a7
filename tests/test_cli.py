"""The command line: exit codes, one-line errors, gates, reports, catalog, plugins.

Most tests call ``auditor.cli.main`` in process with the marker test plugin as
the only source of checks; a few run the real ``auditor`` console script.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from markerplugin import MarkerPlugin, fixed, isolated_session, make_check, marker_dir

from auditor import __version__, cli, commands, hookimpl
from auditor.api import Session, open_session
from auditor.model import Report, Row, Severity, Status
from auditor.reports.base import Renderer, RenderOptions

P, W, F = Status.PASS, Status.WARN, Status.FAIL

# score: 100 * (5*1 + 3*0 + 5*0.5 + 1*0) / (5 + 3 + 5 + 1) = 100 * 7.5/14 = 53.57
CHECKS = (
    make_check("T-GITOPS-001", fixed(("repo", P)), row=Row.GITOPS, severity=Severity.HIGH),
    make_check("T-UPDATES-001", fixed(("os", F)), row=Row.UPDATES, severity=Severity.MEDIUM),
    make_check("T-NETWORK-001", fixed(("web", W)), row=Row.NETWORK, severity=Severity.HIGH),
    make_check("T-STORAGE-001", fixed(("db", F)), row=Row.STORAGE, severity=Severity.LOW),
)
SCORE = 53.57


def _boom(report: Report, options: RenderOptions) -> str:
    raise RuntimeError("renderer exploded")


class BoomRenderer:
    __name__ = "boom-renderer"

    @hookimpl
    def auditor_register_renderers(self) -> list[Renderer]:
        return [Renderer("boom", "always raises", _boom)]


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Session:
    """Every command in this module sees only the marker plugin's checks."""
    built = isolated_session(MarkerPlugin(*CHECKS), BoomRenderer())
    monkeypatch.setattr(commands, "open_session", lambda **_: built)
    return built


@pytest.fixture
def target(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # no configuration discovery above the test directory
    return marker_dir(tmp_path / "deploy")


def main(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("auditor: ")
    return lines[0]


def console_script() -> Path:
    script = Path(sys.executable).parent / "auditor"
    assert script.is_file(), f"console script missing next to {sys.executable}"
    return script


def run_script(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(console_script()), *map(str, argv)], capture_output=True,
                          text=True, cwd=cwd, check=False, timeout=120)


# version and usage -------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, "--version")
    assert code == 0
    assert out == f"auditor {__version__}\n"
    assert err == ""


def test_version_console_script() -> None:
    done = run_script("--version")
    assert done.returncode == 0
    assert done.stdout == f"auditor {__version__}\n"


def test_version_imports_neither_kubernetes_nor_rich() -> None:
    code = textwrap.dedent("""
        import sys
        import auditor.cli
        assert auditor.cli.main(["--version"]) == 0
        heavy = sorted(m for m in sys.modules
                       if m.split(".")[0] in ("kubernetes", "rich", "jinja2"))
        print("HEAVY", heavy)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = main(capsys)
    assert code == 2
    assert "usage:" in err


def test_bad_option_is_a_usage_error(capsys: pytest.CaptureFixture[str], target: Path) -> None:
    assert main(capsys, "scan", target, "--fail-on", "urgent")[0] == 2
    assert main(capsys, "scan", target, "--fail-under", "lots")[0] == 2


# nothing to audit ------------------------------------------------------------------------


def test_missing_target_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, "scan", "/nonexistent")
    assert code == 2
    assert out == ""
    assert one_line(err) == "auditor: /nonexistent: no such file or directory"


def test_missing_target_console_script() -> None:
    done = run_script("scan", "/nonexistent")
    assert done.returncode == 2
    assert done.stdout == ""
    assert one_line(done.stderr) == "auditor: /nonexistent: no such file or directory"


def test_nothing_auditable_exits_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = main(capsys, "scan", empty)
    assert code == 2
    assert out == ""
    line = one_line(err)
    assert str(empty) in line
    assert "nothing auditable" in line


def test_nothing_auditable_console_script(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to see\n", encoding="utf-8")
    done = run_script("scan", ".", cwd=tmp_path)
    assert done.returncode == 2
    assert "nothing auditable" in one_line(done.stderr)


@pytest.mark.usefixtures("session")
def test_one_unauditable_target_among_others_is_a_problem_not_an_error(
    capsys: pytest.CaptureFixture[str], target: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = main(capsys, "scan", target, empty, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert [t["target"] for t in data["targets"]] == [str(target)]
    assert f"{empty}: nothing auditable found (looked for a virtualenv or requirements naming " \
           "apache-superset, systemd units running Superset, a Compose file, Kubernetes " \
           "manifests, a Kustomization or a Helm chart; give --style to force one)" \
        in data["problems"]


# output options ---------------------------------------------------------------------------


@pytest.mark.usefixtures("session")
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--report", "json"), "--report 'json': expected FMT=PATH"),
        (("--report", "=out.json"), "expected FMT=PATH"),
        (("--report", "json="), "expected FMT=PATH"),
        (("--report", "yaml=out.yaml"), "unknown format 'yaml'"),
        (("--format", "yaml"), "unknown format 'yaml'"),
        (("--report", "json=-"), "only one output can go to standard output"),
    ],
)
def test_bad_report_options_exit_2(capsys: pytest.CaptureFixture[str], target: Path,
                                   argv: tuple[str, ...], needle: str) -> None:
    code, out, err = main(capsys, "scan", target, *argv)
    assert code == 2
    assert out == ""
    assert needle in one_line(err)
    assert sorted(p.name for p in target.parent.iterdir()) == [".git", "deploy"]


@pytest.mark.usefixtures("session")
def test_unknown_format_lists_the_choices(capsys: pytest.CaptureFixture[str],
                                          target: Path) -> None:
    err = main(capsys, "scan", target, "--format", "yaml")[2]
    assert ("choose from boom, codequality, html, json, junit, markdown, policyreport, "
            "prometheus, sarif, terminal") in err


@pytest.mark.usefixtures("session")
def test_renderer_crash_is_an_internal_error_exit_2(capsys: pytest.CaptureFixture[str],
                                                    target: Path, tmp_path: Path) -> None:
    out_json = tmp_path / "out.json"
    code, out, err = main(capsys, "scan", target, "--format", "boom",
                          "--report", f"json={out_json}")
    assert code == 2
    assert out == ""
    assert one_line(err) == "auditor: internal error: RuntimeError: renderer exploded"
    assert not out_json.exists()  # rendered first: no half-written set of reports
    # --debug adds the traceback
    code, _, err = main(capsys, "scan", target, "--format", "boom", "--debug")
    assert code == 2
    assert "Traceback" in err
    assert err.rstrip().endswith("auditor: internal error: RuntimeError: renderer exploded")


@pytest.mark.usefixtures("session")
def test_reports_are_written_atomically(capsys: pytest.CaptureFixture[str], target: Path,
                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, err = main(capsys, "scan", target, "-q", "--report", f"json={out}/r.json",
                             "--report", f"terminal={out}/r.txt")
    assert code == 0, err
    assert stdout == ""  # --quiet: no terminal report on stdout
    assert sorted(p.name for p in out.iterdir()) == ["r.json", "r.txt"]  # no .tmp left
    data = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert data["score"]["value"] == SCORE
    text = (out / "r.txt").read_text(encoding="utf-8")
    assert ": 1 passed, 1 warned, 2 failed in " in text
    assert oct((out / "r.json").stat().st_mode & 0o777) == "0o644"


@pytest.mark.usefixtures("session")
def test_reports_replace_existing_files(capsys: pytest.CaptureFixture[str], target: Path,
                                       tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    report.write_text("old", encoding="utf-8")
    assert main(capsys, "scan", target, "--format", "json", "--output", report)[0] == 0
    assert json.loads(report.read_text(encoding="utf-8"))["schema_version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "deploy", "r.json"]


@pytest.mark.usefixtures("session")
def test_terminal_report_on_stdout_and_json_to_stdout(capsys: pytest.CaptureFixture[str],
                                                      target: Path) -> None:
    code, out, _ = main(capsys, "scan", target)
    assert code == 0
    assert "Score 53.6  Grade F  NOT READY" in out
    code, out, _ = main(capsys, "scan", target, "--format", "json")
    assert code == 0
    assert json.loads(out)["targets"][0]["style"] == "pip"


# gates -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("session")
def test_no_gate_exits_0_whatever_was_found(capsys: pytest.CaptureFixture[str],
                                            target: Path) -> None:
    code, _, err = main(capsys, "scan", target, "-q")
    assert code == 0
    assert err == ""


@pytest.mark.usefixtures("session")
def test_fail_under(capsys: pytest.CaptureFixture[str], target: Path) -> None:
    code, _, err = main(capsys, "scan", target, "-q", "--fail-under", "101")
    assert code == 1
    assert one_line(err) == "auditor: gate: score 53.6 is under --fail-under 101"
    assert main(capsys, "scan", target, "-q", "--fail-under", "53.57")[0] == 0
    assert main(capsys, "scan", target, "-q", "--fail-under", "53.58")[0] == 1


@pytest.mark.parametrize(
    ("severity", "code"),
    [("info", 1), ("low", 1), ("medium", 1), ("high", 0), ("critical", 0)],
)
@pytest.mark.usefixtures("session")
def test_fail_on(capsys: pytest.CaptureFixture[str], target: Path, severity: str,
                 code: int) -> None:
    # failing: T-UPDATES-001 (medium) and T-STORAGE-001 (low); the high check only warns
    got, _, err = main(capsys, "scan", target, "-q", "--fail-on", severity)
    assert got == code
    if code:
        assert f"at or above {severity}" in one_line(err)
    else:
        assert err == ""


@pytest.mark.usefixtures("session")
def test_fail_on_ignores_waived_findings(capsys: pytest.CaptureFixture[str],
                                         target: Path) -> None:
    (target / "auditor.toml").write_text(
        '[[waivers]]\ncheck = "T-UPDATES-001"\nreason = "tracked in OPS-12"\n', encoding="utf-8")
    assert main(capsys, "scan", target, "-q", "--fail-on", "medium")[0] == 0
    assert main(capsys, "scan", target, "-q", "--fail-on", "low")[0] == 1


def write_baseline(capsys: pytest.CaptureFixture[str], target: Path, path: Path) -> dict[str, Any]:
    code, _, err = main(capsys, "scan", target, "-q", "--report", f"json={path}")
    assert code == 0, err
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.usefixtures("session")
def test_baseline_with_the_same_failures_passes(capsys: pytest.CaptureFixture[str],
                                                target: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    write_baseline(capsys, target, baseline)
    code, _, err = main(capsys, "scan", target, "-q", "--baseline", baseline)
    assert code == 0, err
    assert err == ""


@pytest.mark.usefixtures("session")
def test_baseline_missing_a_failing_fingerprint_trips(capsys: pytest.CaptureFixture[str],
                                                      target: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    data = write_baseline(capsys, target, baseline)
    findings = data["targets"][0]["findings"]
    dropped = next(f for f in findings if f["check_id"] == "T-STORAGE-001")
    assert dropped["status"] == "fail"
    dropped["status"] = "pass"  # it did not fail back then
    baseline.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = main(capsys, "scan", target, "-q", "--baseline", baseline)
    assert code == 1
    assert one_line(err) == (
        f"auditor: gate: 1 new failing finding(s) since {baseline} (first: T-STORAGE-001 db)"
    )


@pytest.mark.usefixtures("session")
def test_baseline_score_drop(capsys: pytest.CaptureFixture[str], target: Path,
                             tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    data = write_baseline(capsys, target, baseline)
    data["score"]["value"] = 60.0
    baseline.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = main(capsys, "scan", target, "-q", "--baseline", baseline)
    assert code == 1
    assert "score dropped from 60.0 to 53.6" in one_line(err)
    # a configured tolerance absorbs the drop of 6.43
    (target / "auditor.toml").write_text("[thresholds]\nmax_score_drop = 7\n", encoding="utf-8")
    assert main(capsys, "scan", target, "-q", "--baseline", baseline)[0] == 0


@pytest.mark.usefixtures("session")
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"schema_version": 1,\n "targets": [\n', ":3: baseline is not a JSON report"),
        ('{"schema_version": 2, "targets": []}', ": baseline is not a deploy-auditor report"),
        ("[1, 2]", ": baseline is not a deploy-auditor report"),
        ("\xff\xfe", ": baseline is not a JSON report"),
    ],
)
def test_malformed_baseline_exits_2(capsys: pytest.CaptureFixture[str], target: Path,
                                    tmp_path: Path, text: str, needle: str) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(text.encode("latin-1"))
    code, out, err = main(capsys, "scan", target, "-q", "--baseline", baseline)
    assert code == 2
    assert out == ""
    assert one_line(err).startswith(f"auditor: {baseline}{needle}")


@pytest.mark.usefixtures("session")
def test_missing_baseline_exits_2(capsys: pytest.CaptureFixture[str], target: Path,
                                  tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, _, err = main(capsys, "scan", target, "--baseline", missing)
    assert code == 2
    assert one_line(err).startswith(f"auditor: {missing}: cannot read baseline")


@pytest.mark.usefixtures("session")
def test_bad_configuration_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str],
                                                   target: Path) -> None:
    config = target / "auditor.toml"
    config.write_text('[[waivers]]\ncheck = "T-UPDATES-001"\n', encoding="utf-8")
    code, out, err = main(capsys, "scan", target)
    assert code == 2
    assert out == ""
    assert one_line(err).startswith(f"auditor: {config.resolve()}:2: waiver #1")


# checks, explain, plugins -----------------------------------------------------------------


CATALOG_KEYS = {"id", "style", "row", "severity", "title", "rationale", "remediation"}


@pytest.mark.usefixtures("session")
def test_checks_json_is_a_bare_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "checks", "--format", "json")
    assert code == 0
    items = json.loads(out)
    assert isinstance(items, list)
    assert [i["id"] for i in items] == sorted(c.id for c in CHECKS)
    for item in items:
        assert set(item) >= CATALOG_KEYS
        assert item["style"] == "pip"
        assert item["plugin"] == "marker-plugin"
    first = items[0]
    assert (first["id"], first["row"], first["severity"]) == ("T-GITOPS-001", "gitops", "high")
    assert first["rationale"] == "rationale of T-GITOPS-001"
    assert first["remediation"] == "remediation of T-GITOPS-001"


@pytest.mark.usefixtures("session")
def test_checks_filters(capsys: pytest.CaptureFixture[str]) -> None:
    out = main(capsys, "checks", "--format", "json", "--row", "updates")[1]
    assert [i["id"] for i in json.loads(out)] == ["T-UPDATES-001"]
    out = main(capsys, "checks", "--format", "json", "--style", "kubernetes")[1]
    assert json.loads(out) == []


def test_builtin_catalog_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "checks", "--format", "json")
    assert code == 0
    items = json.loads(out)
    assert isinstance(items, list)
    for item in items:
        assert set(item) >= CATALOG_KEYS
        assert all(isinstance(item[k], str) and item[k] for k in CATALOG_KEYS)
    assert len({i["id"] for i in items}) == len(items)


@pytest.mark.usefixtures("session")
def test_checks_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "checks")
    assert code == 0
    assert "T-NETWORK-001" in out
    assert "4 checks; 'auditor explain ID' for details" in out


def test_explain_scoring(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = main(capsys, "explain", "--scoring")
    assert code == 0
    assert "score          = 100 x sum(weight x credit) / sum(weight)" in out
    assert "coverage       = sum(weight of evaluated checks) / sum(weight of applicable" in out
    assert "ready          = score >= 80 and coverage >= 0.8" in out
    assert "an unwaived critical fail caps the grade at D" in out
    config = tmp_path / "auditor.toml"
    config.write_text("[thresholds]\nready_score = 85\nready_coverage = 0.9\n", encoding="utf-8")
    out = main(capsys, "explain", "--scoring", "--config", config)[1]
    assert "ready          = score >= 85 and coverage >= 0.9" in out


@pytest.mark.usefixtures("session")
def test_explain_a_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "explain", "t-updates-001")
    assert code == 0
    assert out.startswith("T-UPDATES-001  title of T-UPDATES-001")
    assert "severity medium (weight 3)" in out
    assert "rationale of T-UPDATES-001" in out
    assert "provided by: marker-plugin" in out


def test_explain_unknown_check_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main(capsys, "explain", "NO-SUCH-001")
    assert code == 2
    assert out == ""
    assert one_line(err) == "auditor: no check 'NO-SUCH-001'; 'auditor checks' lists all 137"
    code, _, err = main(capsys, "explain")
    assert code == 2
    assert "CHECK_ID or --scoring" in one_line(err)


def test_explain_unknown_check_console_script() -> None:
    done = run_script("explain", "NO-SUCH-001")
    assert done.returncode == 2
    assert "NO-SUCH-001" in one_line(done.stderr)


def test_plugins_lists_builtins_and_hooks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "plugins")
    assert code == 0
    blocks = {}
    lines = out.splitlines()
    for head, hooks in itertools.pairwise(lines):
        if head.endswith("(builtin)"):
            blocks[head.split()[0]] = hooks.strip()
    assert blocks["auditor.checks.pip.plugin"].startswith("hooks: ")
    assert "auditor_register_checks" in blocks["auditor.checks.pip.plugin"]
    assert "auditor_detect" in blocks["auditor.checks.pip.plugin"]
    assert "auditor_collect" in blocks["auditor.checks.pip.plugin"]
    assert "auditor_register_apps" in blocks["auditor.checks.superset.plugin"]
    assert blocks["auditor.reports.plugin"] == "hooks: auditor_register_renderers"
    assert "errors:" not in out, out


def test_plugins_console_script_without_autoload() -> None:
    env = {**os.environ, "AUDITOR_DISABLE_PLUGIN_AUTOLOAD": "1"}
    done = subprocess.run([str(console_script()), "plugins"], capture_output=True, text=True,
                          env=env, check=False, timeout=120)
    assert done.returncode == 0
    assert "auditor.reports.plugin  (builtin)" in done.stdout


# help and validation (issue 15 item 7) ---------------------------------------------------


def _subparsers() -> dict[str, Any]:
    import argparse

    parser = cli.build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_of_every_subcommand_is_described() -> None:
    undocumented = [f"{name} {a.option_strings or a.dest}"
                    for name, sub in _subparsers().items() for a in sub._actions
                    if a.dest != "help" and not (a.help or "").strip()]
    assert not undocumented


def test_scan_help_groups_its_options_and_names_the_formats(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = main(capsys, "scan", "--help")
    assert code == 0
    for title in ("what to audit:", "Kubernetes (live clusters and charts):", "reports:",
                  "hosts and the running app (live facts; read-only):",
                  "gates (exit 1 when one trips):", "history and unattended runs:"):
        assert f"\n{title}\n" in out
    builtin = set(open_session(autoload=False).registry.renderers)
    assert set(cli.FORMATS.split(", ")) == builtin
    assert ("terminal, json, html, markdown, junit, sarif, prometheus, codequality, "
            "policyreport") in " ".join(out.split())


def test_an_unknown_row_is_a_usage_error_listing_the_rows(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["checks", "--row", "avail"]) == 2
    err = capsys.readouterr().err
    assert "argument --row: invalid choice: 'avail'" in err
    assert "'availability'" in err and "'app-security'" in err


def test_an_unknown_check_id_suggests_close_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = main(capsys, "explain", "K8S-AVAILABILTY-001")
    assert code == 2
    assert err.startswith("auditor: no check 'K8S-AVAILABILTY-001'; did you mean "
                          "K8S-AVAILABILITY-001")
    assert err.rstrip().endswith("'auditor checks' lists all 137")


def test_diff_names_its_files_old_and_new(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code, _, err = main(capsys, "diff", tmp_path / "a.json", tmp_path / "b.json")
    assert code == 2
    assert err == f"auditor: {tmp_path / 'a.json'}: cannot read old report: No such file or " \
                  "directory\n"
    (tmp_path / "a.json").write_text('{"schema_version": 1, "score": {}, "targets": []}')
    code, _, err = main(capsys, "diff", tmp_path / "a.json", tmp_path / "b.json")
    assert err == f"auditor: {tmp_path / 'b.json'}: cannot read new report: No such file or " \
                  "directory\n"


def test_python_m_auditor_from_the_repository_root_without_the_editable_finder() -> None:
    """A normal (non-editable) install run as ``python -m auditor`` at the repository root
    imports ./auditor, which has no checks/ or reports/ inside: they must still resolve."""
    root = Path(__file__).resolve().parents[1]
    script = textwrap.dedent("""
        import runpy, sys
        sys.meta_path[:] = [m for m in sys.meta_path if "ditable" not in repr(m)]
        sys.argv = ["auditor", "scan", "examples/pip-dev", "-q", "--format", "json",
                    "--output", "-"]
        runpy.run_module("auditor", run_name="__main__")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["targets"][0]["style"] == "pip"
