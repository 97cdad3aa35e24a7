"""Plugins: a real third-party package found through entry points, and broken plugins.

The example package (tests/plugins/auditor_example_plugin) is installed with pip
into a temporary directory and found through PYTHONPATH by a real
``python -m auditor`` process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from markerplugin import (
    PIP_NOT_THERE_YET,
    MarkerPlugin,
    fixed,
    isolated_session,
    make_check,
    marker_dir,
    pip_style_detects,
    write_pip_target,
)

from auditor import cli, hookimpl, plugins
from auditor.api import open_session
from auditor.config import Config
from auditor.model import Check, Status
from auditor.plugins import AUTOLOAD_ENV, PluginHost, get_plugin_manager
from auditor.registry import build_registry
from auditor.reports.base import Renderer
from auditor.runner import ScanOptions, audit
from auditor.targets import parse_targets

EXAMPLE_SOURCE = Path(__file__).parent / "plugins" / "auditor_example_plugin"
EXAMPLE_IDS = {"EXAMPLE-GITOPS-001", "EXAMPLE-UPDATES-001"}


# a real third-party package ----------------------------------------------------------


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed by pip into its own directory (for PYTHONPATH)."""
    work = tmp_path_factory.mktemp("example-plugin")
    source = work / "src"
    # Built from a copy: an in-tree build would leave build/ and *.egg-info in tests/.
    shutil.copytree(EXAMPLE_SOURCE, source)
    site = work / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--quiet", "--target", str(site),
         str(source)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert list(site.glob("auditor_example_plugin-1.0.0.dist-info/entry_points.txt"))
    return site


def auditor_run(site: Path | None, *args: str, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in (AUTOLOAD_ENV, "PYTHONPATH")}
    if site is not None:
        environ["PYTHONPATH"] = str(site)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True, text=True, env=environ, cwd=cwd, check=False, timeout=300,
    )


def catalog(site: Path | None, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    done = auditor_run(site, "checks", "--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert isinstance(data, list)
    return data


def test_example_checks_join_the_catalog(example_site: Path) -> None:
    items = {c["id"]: c for c in catalog(example_site)}
    assert set(items) >= EXAMPLE_IDS
    for check_id in EXAMPLE_IDS:
        assert items[check_id]["plugin"] == "example"
        assert items[check_id]["style"] == "pip"
    assert items["EXAMPLE-GITOPS-001"]["row"] == "gitops"
    assert items["EXAMPLE-UPDATES-001"]["severity"] == "medium"


def test_autoload_can_be_turned_off(example_site: Path) -> None:
    ids = {c["id"] for c in catalog(example_site, env={AUTOLOAD_ENV: "1"})}
    assert not ids & EXAMPLE_IDS
    # and without the package on the path they are absent too
    assert not {c["id"] for c in catalog(None)} & EXAMPLE_IDS


def test_plugins_command_names_the_distribution(example_site: Path) -> None:
    done = auditor_run(example_site, "plugins")
    assert done.returncode == 0, done.stderr
    assert "example  (auditor-example-plugin==1.0.0)" in done.stdout
    block = done.stdout.split("example  (auditor-example-plugin==1.0.0)", 1)[1]
    assert block.splitlines()[1].strip() == "hooks: auditor_register_checks"


def scan_json(site: Path, target: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    done = auditor_run(site, "scan", str(target), "--format", "json", *extra, cwd=target.parent)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def assert_example_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    findings = [f for t in report["targets"] for f in t["findings"]]
    example = [f for f in findings if f["check_id"] in EXAMPLE_IDS]
    gitops = [f for f in example if f["check_id"] == "EXAMPLE-GITOPS-001"]
    assert [f["status"] for f in gitops] == ["pass"]
    errors = [f for f in findings if f["check_id"] == "EXAMPLE-UPDATES-001"]
    assert len(errors) == 1
    [error] = errors
    assert error["status"] == "error"
    assert "RuntimeError" in error["message"]
    assert "broken on purpose" in error["message"]
    assert "Traceback" not in error["message"]
    assert error["evidence"] == []
    return findings


def test_scan_with_forced_pip_style_isolates_the_broken_check(
    example_site: Path, tmp_path: Path
) -> None:
    target = write_pip_target(tmp_path / "deploy")
    code, report, stderr = scan_json(example_site, target, "--style", "pip")
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert_example_findings(report)


def test_scan_with_example_plugin_completes_the_audit(example_site: Path, tmp_path: Path) -> None:
    target = write_pip_target(tmp_path / "deploy")
    if not pip_style_detects(target):
        pytest.skip(PIP_NOT_THERE_YET)
    code, report, stderr = scan_json(example_site, target)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert [t["style"] for t in report["targets"]] == ["pip"]
    findings = assert_example_findings(report)
    others = [f for f in findings if f["check_id"] not in EXAMPLE_IDS]
    assert others, "the built-in pip checks should still run next to the broken one"
    assert {f["status"] for f in others} & {"pass", "warn", "fail"}
    assert [f["check_id"] for f in findings if f["status"] == "error"] == [
        "EXAMPLE-UPDATES-001"
    ]
    assert report["score"]["value"] is not None


# broken plugins, in process -----------------------------------------------------------


class Raising:
    __name__ = "raising-plugin"

    @hookimpl
    def auditor_register_checks(self) -> list[Check]:
        raise RuntimeError("cannot list checks\nsecond line")


class Typo:
    __name__ = "typo-plugin"

    @hookimpl
    def auditor_register_chekcs(self) -> list[Check]:  # the typo: no such hook
        return []

    @hookimpl
    def auditor_register_apps(self) -> list[object]:
        raise AssertionError("a rejected plugin must not be called")


def module_plugin(name: str, cls: type) -> types.ModuleType:
    """A plugin as a module (like the built-ins), made from a class's hooks."""
    module = types.ModuleType(name)
    instance = cls()
    for attr in dir(cls):
        if attr.startswith("auditor_"):
            setattr(module, attr, getattr(instance, attr))
    return module


def errors_of(host: PluginHost, plugin: str) -> list[str]:
    return [e.message for e in host.errors if e.plugin == plugin]


def test_raising_hook_is_reported_and_others_still_answer() -> None:
    good = MarkerPlugin(make_check("T-GITOPS-001", fixed(("x", Status.PASS))), name="good")
    session = open_session(autoload=False, extra=[Raising(), good])
    assert "T-GITOPS-001" in session.registry.checks
    [message] = errors_of(session.host, "raising-plugin")  # registering is where it failed
    assert message == "auditor_register_checks raised RuntimeError: cannot list checks"
    assert {"json", "terminal"} <= set(session.registry.renderers)


def test_typo_hook_is_rejected_by_check_pending() -> None:
    host = get_plugin_manager(autoload=False, extra=[Typo()])
    [message] = errors_of(host, "typo-plugin")
    assert message.startswith("rejected: PluginValidationError: unknown hook "
                              "'auditor_register_chekcs'")
    assert host.pm.get_plugin("typo-plugin") is None
    assert "typo-plugin" not in host.sources
    build_registry(host)  # the rejected plugin's valid hooks are not called either
    assert errors_of(host, "typo-plugin") == [message]


def test_duplicate_check_id_is_rejected_and_the_first_keeps_it() -> None:
    first = MarkerPlugin(make_check("T-GITOPS-001", fixed(("x", Status.PASS))), name="first")
    second = MarkerPlugin(
        make_check("T-GITOPS-001", fixed(("x", Status.FAIL))),
        make_check("T-GITOPS-002", fixed(("x", Status.FAIL))),
        name="second",
    )
    session = open_session(autoload=False, extra=[first, second])
    assert session.registry.checks["T-GITOPS-001"].plugin == "first"
    assert session.registry.checks["T-GITOPS-002"].plugin == "second"
    assert errors_of(session.host, "second") == [
        "check T-GITOPS-001 rejected: id already used by first"
    ]
    assert errors_of(session.host, "first") == []


def test_plugin_cannot_take_over_a_builtin_renderer() -> None:
    def hijack(report: object, options: object) -> str:
        return "hijacked"

    class Hijacker:
        __name__ = "hijacker"

        @hookimpl
        def auditor_register_renderers(self) -> list[Renderer]:
            return [Renderer("json", "not the real one", hijack)]

    session = open_session(autoload=False, extra=[Hijacker()])
    assert session.registry.renderers["json"].render is not hijack
    assert errors_of(session.host, "hijacker") == ["renderer 'json' rejected: name already used"]


def test_invalid_check_id_is_rejected() -> None:
    bad = MarkerPlugin(make_check("t-gitops-1", fixed(("x", Status.PASS))), name="bad")
    session = open_session(autoload=False, extra=[bad])
    assert "t-gitops-1" not in session.registry.checks
    [message] = errors_of(session.host, "bad")
    assert "check 't-gitops-1' rejected" in message


def test_get_plugin_manager_is_fresh_each_call() -> None:
    one = get_plugin_manager(autoload=False)
    two = get_plugin_manager(autoload=False, extra=[MarkerPlugin(name="only-in-three")])
    three = get_plugin_manager(autoload=False)
    assert one is not three and one.pm is not three.pm
    assert one.errors is not three.errors
    assert two.pm.get_plugin("only-in-three") is not None
    assert one.pm.get_plugin("only-in-three") is None
    assert three.pm.get_plugin("only-in-three") is None
    one.errors.append(plugins.PluginError("x", "y"))
    assert get_plugin_manager(autoload=False).errors == three.errors


@pytest.fixture
def broken_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make get_plugin_manager load a raising, a typo'd and a missing module as built-ins."""
    monkeypatch.setitem(sys.modules, "tests_raising_plugin",
                        module_plugin("tests_raising_plugin", Raising))
    monkeypatch.setitem(sys.modules, "tests_typo_plugin", module_plugin("tests_typo_plugin", Typo))
    monkeypatch.setattr(plugins, "BUILTIN_PLUGINS", (
        *plugins.BUILTIN_PLUGINS, "tests_raising_plugin", "tests_typo_plugin",
        "tests_no_such_plugin_module",
    ))


@pytest.mark.usefixtures("broken_builtins")
def test_plugins_command_reports_broken_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "auditor.reports.plugin  (builtin)" in out
    errors = out.split("errors:\n", 1)[1]
    assert ("plugin tests_raising_plugin: auditor_register_checks raised RuntimeError: "
            "cannot list checks") in errors
    assert "plugin tests_typo_plugin: rejected: PluginValidationError: unknown hook " \
           "'auditor_register_chekcs'" in errors
    assert ("plugin tests_no_such_plugin_module: failed to import: ModuleNotFoundError"
            in errors)
    # the raising plugin is still listed with its hooks; the rejected one is not
    assert "tests_raising_plugin  (builtin)" in out
    assert "tests_typo_plugin  (builtin)" not in out


@pytest.mark.usefixtures("broken_builtins")
def test_broken_plugins_are_scan_problems_and_never_stop_the_audit(tmp_path: Path) -> None:
    good = MarkerPlugin(make_check("T-GITOPS-001", fixed(("x", Status.PASS))), name="good")
    session = isolated_session(good)
    target = marker_dir(tmp_path / "deploy")
    report = audit(parse_targets([str(target)]), session.host, session.registry, Config(),
                   ScanOptions())
    assert [f.check_id for f in report.targets[0].findings] == ["T-GITOPS-001"]
    problems = "\n".join(report.problems)
    assert "plugin tests_raising_plugin: auditor_register_checks raised RuntimeError" in problems
    assert "plugin tests_typo_plugin: rejected" in problems
    assert "plugin tests_no_such_plugin_module: failed to import" in problems
    # a second audit with the same session reports them once, not twice
    again = audit(parse_targets([str(target)]), session.host, session.registry, Config(),
                  ScanOptions())
    assert again.problems == report.problems


def test_raising_detect_and_collect_are_problems_not_crashes(tmp_path: Path) -> None:
    class BadDetect:
        __name__ = "bad-detect"

        @hookimpl
        def auditor_detect(self, target: object) -> None:
            raise OSError("detector fell over")

    class BadCollect:
        __name__ = "bad-collect"

        @hookimpl
        def auditor_collect(self, target: object, style: object, options: object) -> None:
            raise ValueError("collector fell over")

    good = MarkerPlugin(make_check("T-GITOPS-001", fixed(("x", Status.PASS))), name="good")
    # registered after the marker plugin, BadCollect is asked first and raises
    session = isolated_session(BadDetect(), good, BadCollect())
    target = marker_dir(tmp_path / "deploy")
    report = audit(parse_targets([str(target)]), session.host, session.registry, Config(),
                   ScanOptions())
    assert [f.status for f in report.targets[0].findings] == [Status.PASS]
    assert "plugin bad-detect: auditor_detect raised OSError: detector fell over" in report.problems
    assert ("plugin bad-collect: auditor_collect raised ValueError: collector fell over"
            in report.targets[0].problems)
    assert session.host.errors == []


def test_two_plugins_detecting_one_style_give_one_target_entry(tmp_path: Path) -> None:
    one = MarkerPlugin(make_check("T-GITOPS-001", fixed(("x", Status.PASS))), name="one")
    two = MarkerPlugin(name="two", app="superset")
    session = isolated_session(one, two)
    target = marker_dir(tmp_path / "deploy")
    report = audit(parse_targets([str(target)]), session.host, session.registry, Config(),
                   ScanOptions())
    assert [(t.style.value, t.app) for t in report.targets] == [("pip", "superset")]
    assert [f.check_id for f in report.targets[0].findings] == ["T-GITOPS-001"]
