"""Start-up in proportion to the work (issue 16, item 5): a run imports the check modules
of the styles it audits and no others, and the cheap answers detection now gives before
a style is imported are the answers the style itself gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.api import Session, open_session, scan
from auditor.checks.common.style import StylePlugin, imported
from auditor.checks.compose.collect import detect_in as compose_detect_in
from auditor.checks.compose.layout import detect as compose_detect
from auditor.checks.compose.layout import layout
from auditor.model import Style, Target, TargetKind
from auditor.plugins import BUILTIN_PLUGINS
from auditor.registry import build_registry
from auditor.targets import parse_target

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
STYLE_PLUGINS = [spec for spec in BUILTIN_PLUGINS if spec.endswith(":plugin")]


def _style_plugin(spec: str) -> StylePlugin:
    plugin = imported(spec)
    assert isinstance(plugin, StylePlugin)
    return plugin


def _targets(tmp_path: Path) -> list[Target]:
    """Every way in a style may be asked about: each example and fixture deployment as a
    path, one Compose file by name, a host tree, standard input and a live cluster."""
    dirs = [d for d in sorted(EXAMPLES.iterdir()) if d.is_dir()]
    for style in ("compose", "kubernetes", "pip", "systemd"):
        dirs += [d for d in sorted((FIXTURES / style).iterdir()) if d.is_dir()]
    (tmp_path / "empty").mkdir()
    (tmp_path / "only-env").mkdir()
    (tmp_path / "only-env" / ".env").write_text("COMPOSE_FILE=elsewhere.yml\n")
    (tmp_path / "override-only").mkdir()
    (tmp_path / "override-only" / "compose.override.yml").write_text("services: {}\n")
    dirs += [tmp_path / "empty", tmp_path / "only-env", tmp_path / "override-only"]
    targets = [parse_target(str(d)) for d in dirs]
    targets.append(parse_target(str(EXAMPLES / "compose" / "docker-compose.yml")))
    targets.append(parse_target("host", root=str(EXAMPLES / "manual-vm")))
    targets.append(Target(label="-", kind=TargetKind.STDIN,
                          stdin_text="apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"))
    targets.append(Target(label="kube", kind=TargetKind.KUBE))
    return targets


@pytest.mark.parametrize("spec", STYLE_PLUGINS)
def test_every_builtin_style_names_modules_that_exist(spec: str) -> None:
    plugin = _style_plugin(spec)
    for part in (plugin.detect, plugin.collect):
        assert isinstance(part, str)
        assert callable(imported(part)), part
    assert isinstance(plugin.checks, str)
    checks = imported(plugin.checks)
    assert len(checks) >= 13  # at least one per comparison row
    assert {c.style for c in checks} == {plugin.style}


@pytest.mark.parametrize("spec", STYLE_PLUGINS)
def test_the_plugin_detects_exactly_as_its_style_does(spec: str, tmp_path: Path) -> None:
    # The kinds and host-tree answers are given without importing the style: they must
    # be the answers its own detection gives, for every way in.
    plugin = _style_plugin(spec)
    assert isinstance(plugin.detect, str)
    full = imported(plugin.detect.replace(".layout:", ".collect:").replace(
        ".hosttree:", ".collect:"))
    found = 0
    for target in _targets(tmp_path):
        answer = plugin.auditor_detect(target)
        assert answer == full(target), target
        found += answer is not None
    assert found >= 2  # the style is found somewhere: the comparison is not all None


def test_compose_looks_no_further_only_where_compose_finds_no_file(tmp_path: Path) -> None:
    targets = _targets(tmp_path)
    for target in targets:
        where = layout(target)
        expected = None if where is None else compose_detect_in(target, where)
        assert compose_detect(target) == expected, target
    found = [t.label for t in targets if compose_detect(t) is not None]
    assert any("only-env" in label for label in found)  # COMPOSE_FILE: still a project
    assert not any(label.endswith(("empty", "override-only")) for label in found)


def test_a_registry_for_some_styles_holds_their_checks_and_the_app_checks() -> None:
    host = open_session(autoload=False).host
    whole = build_registry(host)
    systemd = build_registry(host, [Style.SYSTEMD])
    assert {c.style for c in systemd.checks.values()} == {Style.SYSTEMD, Style.ANY}
    assert set(systemd.checks) == {k for k, c in whole.checks.items()
                                   if c.style in (Style.SYSTEMD, Style.ANY)}
    assert set(systemd.renderers) == set(whole.renderers)
    assert {c.style for c in build_registry(host, []).checks.values()} == {Style.ANY}


def _imports_after(code: str) -> dict[str, object]:
    script = (
        "import json, sys\n" + code + "\n"
        "mods = sorted(m for m in sys.modules if m.startswith('auditor.checks.'))\n"
        "print(json.dumps(mods))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT / "tests", check=True, timeout=120)
    styles: dict[str, object] = {}
    for name in json.loads(done.stdout):
        parts = name.split(".")
        if len(parts) >= 4:
            styles.setdefault(parts[2], set()).add(parts[3])  # type: ignore[union-attr]
    return styles


def test_a_host_audit_imports_no_kubernetes_and_no_compose_checks() -> None:
    styles = _imports_after(
        "from auditor.api import scan\n"
        f"report = scan(['host'], root={str(EXAMPLES / 'manual-vm')!r})\n"
        "assert [t.style.value for t in report.targets] == ['systemd'], report.targets\n")
    assert styles["kubernetes"] == {"plugin"}
    # The host reader shares Compose's .env parser; the Compose reader and checks stay out.
    assert styles["compose"] <= {"plugin", "layout", "dotenv", "interpolate"}  # type: ignore[operator]
    assert "checks_list" in styles["systemd"]  # type: ignore[operator]


def test_a_plain_host_scan_imports_no_history_lock_log_or_tls(tmp_path: Path) -> None:
    # The command line's own extras are imported where an option asks for them, and TLS
    # only where --probe reaches a server: a scan with none of them does not pay for them.
    out = tmp_path / "report.json"
    script = (
        "import json, sys\n"
        "from auditor.cli import main\n"
        f"code = main(['scan', '--root', {str(EXAMPLES / 'manual-vm')!r}, '--format', 'json',"
        f" '--output', {str(out)!r}, '--quiet'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT / "tests", check=True, timeout=120)
    code, modules = json.loads(done.stdout)
    assert code in (0, 1), done.stderr  # audited: 1 is a gate the example trips
    assert json.loads(out.read_text(encoding="utf-8"))["targets"][0]["style"] == "systemd"
    loaded = set(modules)
    assert "auditor.checks.superset.probe" in loaded  # its fact types, for the live checks
    for name in ("ssl", "auditor.history", "auditor.runlock", "auditor.runlog",
                 "auditor.pushgateway", "auditor.policyapply"):
        assert name not in loaded, name


def test_a_manifest_audit_imports_no_host_or_compose_checks() -> None:
    styles = _imports_after(
        "from auditor.api import scan\n"
        f"report = scan([{str(EXAMPLES / 'kubernetes')!r}])\n"
        "assert [t.style.value for t in report.targets] == ['kubernetes'], report.targets\n")
    assert styles["systemd"] == {"plugin", "hosttree"}
    assert styles["compose"] <= {"plugin", "layout", "dotenv", "interpolate"}  # type: ignore[operator]
    assert "checks_list" in styles["kubernetes"]  # type: ignore[operator]


def test_the_catalog_imports_every_style() -> None:
    styles = _imports_after("from auditor.api import open_session\nopen_session().registry\n")
    for style in ("compose", "kubernetes", "pip", "systemd"):
        assert "checks_list" in styles[style], style  # type: ignore[operator]


@pytest.mark.parametrize("example", ["manual-vm", "kubernetes", "compose", "pip-dev"])
def test_the_lazy_registry_gives_the_whole_registrys_report(example: str) -> None:
    whole = open_session(autoload=False)
    given = Session(whole.host, whole.registry)
    lazy = scan([str(EXAMPLES / example)], session=open_session(autoload=False))
    eager = scan([str(EXAMPLES / example)], session=given)

    def verdicts(report: object) -> list[tuple[str, str, str, str]]:
        return [(f.check_id, f.subject, f.status.value, f.message)
                for t in report.targets for f in t.findings]  # type: ignore[attr-defined]

    assert verdicts(lazy) == verdicts(eager)
    assert len(verdicts(lazy)) > 30
    assert lazy.score == eager.score


def test_a_style_whose_checks_cannot_be_imported_is_named_only_when_audited() -> None:
    broken = StylePlugin(Style.COMPOSE, "auditor.checks.compose.no_such_module:CHECKS",
                         "auditor.checks.compose.layout:detect",
                         "auditor.checks.compose.collect:collect")
    host = open_session(autoload=False, extra=[broken]).host
    build_registry(host, [Style.SYSTEMD])
    assert host.errors == []
    build_registry(host, [Style.COMPOSE])
    assert [e.message for e in host.errors] == [
        "auditor_register_checks raised ModuleNotFoundError: No module named "
        "'auditor.checks.compose.no_such_module'"]


def test_pip_detection_reads_what_it_weighs_and_answers_as_a_full_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.pip import collect as pip_collect
    from auditor.checks.pip import project as pip_project

    targets = _targets(tmp_path)
    light = [pip_collect.detect(t) for t in targets]
    full_scan = pip_project.scan_project

    def full(*args: object, **kwargs: object) -> object:
        kwargs.pop("light", None)
        return full_scan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pip_collect, "scan_project", full)
    assert [pip_collect.detect(t) for t in targets] == light
    assert sum(d is not None for d in light) >= 2


def test_a_light_pip_read_skips_the_files_only_checks_need(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.common.tree import Tree
    from auditor.checks.pip.project import scan_project

    for index in range(30):
        (tmp_path / f"m{index}.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "requirements.txt").write_text("apache-superset==4.1.1\n")
    read: list[str] = []
    original = Tree.read_text

    def counting(self: Tree, inner: str, *args: object, **kwargs: object) -> str:
        read.append(inner)
        return original(self, inner, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Tree, "read_text", counting)
    tree = Tree.at(str(tmp_path))
    light, _ = scan_project(tree, ".", ".", False, light=True)
    light_reads, read[:] = len(read), []
    whole, _ = scan_project(tree, ".", ".", False)
    assert [r.name for r in light.requirements] == [r.name for r in whole.requirements] == [
        "apache-superset"]
    assert light_reads < 5 and len(read) >= 30  # every YAML file read for update tooling
