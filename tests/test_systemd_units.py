"""systemd units resolved the way systemd resolves them, and checked by systemd itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from needs import require_tool, unavailable

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.security import exposure
from auditor.checks.systemd.services import collect_services
from auditor.checks.systemd.unitfile import entries, env_file, environment_words
from auditor.checks.systemd.units import UnitIndex

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "systemd"
UNIT_TREES = sorted([*FIXTURES.glob("*-*"), ROOT / "examples" / "manual-vm"])


def write(root: Path, inner: str, text: str) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def index(root: Path) -> tuple[UnitIndex, dict[str, str]]:
    problems: dict[str, str] = {}
    return UnitIndex.build(Tree.at(root), problems), problems


def test_etc_overrides_lib_and_dropins_apply_in_lexical_order(tmp_path: Path) -> None:
    write(tmp_path, "lib/systemd/system/superset.service",
          "[Service]\nExecStart=/usr/bin/false\nUser=lib\n")
    write(tmp_path, "etc/systemd/system/superset.service",
          "[Service]\nExecStart=/opt/venv/bin/gunicorn -w 2 app\nUser=etc\nRestart=no\n")
    # Lexical order across directories: 10-* (lib) before 20-* (etc) before 30-* (lib).
    write(tmp_path, "lib/systemd/system/superset.service.d/10-a.conf",
          "[Service]\nRestart=always\nUser=from-10\n")
    write(tmp_path, "etc/systemd/system/superset.service.d/20-b.conf",
          "[Service]\nRestart=on-failure\n")
    write(tmp_path, "lib/systemd/system/superset.service.d/30-c.conf", "[Service]\nUser=from-30\n")
    # The same name in /etc hides the one in /lib entirely.
    write(tmp_path, "lib/systemd/system/superset.service.d/40-d.conf", "[Service]\nUser=lib-40\n")
    write(tmp_path, "etc/systemd/system/superset.service.d/40-d.conf", "[Service]\nUser=etc-40\n")
    units, _ = index(tmp_path)
    unit = units.load("superset.service")
    assert unit.path == "/etc/systemd/system/superset.service"
    assert [d.rsplit("/", 1)[-1] for d in unit.dropins] == ["10-a.conf", "20-b.conf",
                                                            "30-c.conf", "40-d.conf"]
    assert unit.dropins[-1].startswith("/etc/")
    assert unit.value("Service", "Restart") == "on-failure"
    assert unit.value("Service", "User") == "etc-40"
    assert unit.value("Service", "ExecStart") == "/opt/venv/bin/gunicorn -w 2 app"


def test_empty_assignment_resets_lists(tmp_path: Path) -> None:
    write(tmp_path, "etc/systemd/system/superset.service",
          "[Service]\nEnvironment=A=1 B=2\nExecStart=/usr/bin/old --flag\n"
          "ExecStartPre=/bin/true\nCapabilityBoundingSet=CAP_NET_ADMIN\n")
    write(tmp_path, "etc/systemd/system/superset.service.d/override.conf",
          "[Service]\nEnvironment=\nEnvironment=C=3\nExecStart=\n"
          "ExecStart=/opt/venv/bin/gunicorn -w 3 superset.app:create_app()\n"
          "CapabilityBoundingSet=\n")
    units, _ = index(tmp_path)
    unit = units.load("superset.service")
    assert [a.value for a in unit.all("Service", "ExecStart")] == [
        "/opt/venv/bin/gunicorn -w 3 superset.app:create_app()"]
    assert [a.value for a in unit.all("Service", "Environment")] == ["C=3"]
    assert [a.value for a in unit.all("Service", "ExecStartPre")] == ["/bin/true"]
    # An empty CapabilityBoundingSet= is a setting (no capabilities), kept as such.
    assert [a.value for a in unit.all("Service", "CapabilityBoundingSet")] == [""]
    found = collect_services(units, {})
    (service,) = found.services
    assert service.launch.workers == 3
    assert set(service.env) == {"C"}


def test_masked_and_template_units(tmp_path: Path) -> None:
    write(tmp_path, "lib/systemd/system/superset-old.service",
          "[Service]\nExecStart=/opt/venv/bin/gunicorn superset.app:create_app()\n")
    mask = tmp_path / "etc/systemd/system/superset-old.service"
    mask.parent.mkdir(parents=True, exist_ok=True)
    mask.symlink_to("/dev/null")
    write(tmp_path, "etc/systemd/system/superset@.service",
          "[Service]\nUser=superset\nExecStart=/opt/venv/bin/gunicorn -b 127.0.0.1:%i "
          "superset.app:create_app()\nRestart=always\n[Install]\nWantedBy=multi-user.target\n")
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir()
    for port in ("8088", "8089"):
        (wants / f"superset@{port}.service").symlink_to("../superset@.service")
    units, problems = index(tmp_path)
    assert units.load("superset-old.service").masked
    found = collect_services(units, problems)
    assert problems == {}  # a mask points at /dev/null, which is no problem
    assert sorted(s.name for s in found.services) == ["superset@8088.service",
                                                       "superset@8089.service"]
    binds = sorted(b for s in found.services for b in s.launch.binds)
    assert binds == ["127.0.0.1:8088", "127.0.0.1:8089"]
    assert all(s.unit.enabled_by for s in found.services)


def test_environment_files_override_and_name_their_source(tmp_path: Path) -> None:
    write(tmp_path, "etc/superset/superset.env",
          "# comment\nSUPERSET_SECRET_KEY='from file'\nexport WORKERS=4\nQUOTED=\"a b\"\n")
    write(tmp_path, "etc/systemd/system/superset.service",
          "[Service]\nEnvironment=\"SUPERSET_SECRET_KEY=inline\" WORKERS=2\n"
          "EnvironmentFile=/etc/superset/superset.env\n"
          "EnvironmentFile=-/etc/superset/optional.env\n"
          "EnvironmentFile=/etc/superset/missing.env\n"
          "ExecStart=/opt/venv/bin/gunicorn -w $WORKERS superset.app:create_app()\n")
    problems: dict[str, str] = {}
    found = collect_services(UnitIndex.build(Tree.at(tmp_path), problems), problems)
    (service,) = found.services
    assert service.env["SUPERSET_SECRET_KEY"].value == "from file"
    assert service.env["SUPERSET_SECRET_KEY"].source == "/etc/superset/superset.env:2"
    assert service.env["QUOTED"].value == "a b"
    assert service.launch.workers == 4
    assert "SUPERSET_SECRET_KEY" in service.inline_env
    # The optional file is silently absent; the required one is a named problem.
    assert list(problems) == ["file /etc/superset/missing.env"]
    assert "refuses to start" in problems["file /etc/superset/missing.env"]


def test_gunicorn_settings_from_config_file_env_and_command_line(tmp_path: Path) -> None:
    write(tmp_path, "opt/superset/gunicorn.conf.py",
          "import multiprocessing\ntimeout = 90\nworkers = multiprocessing.cpu_count()\n"
          "bind = ['127.0.0.1:9000']\naccesslog = '/var/log/superset/access.log'\n")
    write(tmp_path, "etc/systemd/system/superset.service",
          "[Service]\nWorkingDirectory=/opt/superset\n"
          "Environment=\"GUNICORN_CMD_ARGS=--timeout 100 --workers 3\"\n"
          "ExecStart=/opt/superset/venv/bin/gunicorn --timeout 120 superset.app:create_app()\n")
    found = collect_services(index(tmp_path)[0], {})
    (service,) = found.services
    launch = service.launch
    assert launch.option("timeout") == "120"  # command line beats GUNICORN_CMD_ARGS and file
    assert launch.workers == 3  # GUNICORN_CMD_ARGS beats the (computed) file value
    assert launch.binds == ("127.0.0.1:9000",)  # the file's default config was read
    assert [log.path for log in service.log_files] == ["/var/log/superset/access.log"]


def test_wrapper_script_and_shell_c(tmp_path: Path) -> None:
    write(tmp_path, "opt/superset/start.sh",
          "#!/bin/bash\nsource /opt/superset/venv/bin/activate\nexport FLASK_DEBUG=1\n"
          "exec superset run -p 8088 --with-threads >> /var/log/superset.log 2>&1\n")
    write(tmp_path, "etc/systemd/system/superset.service",
          "[Service]\nExecStart=/opt/superset/start.sh\n")
    write(tmp_path, "etc/systemd/system/superset-worker.service",
          "[Service]\nExecStart=/bin/sh -c 'cd /opt/superset && exec venv/bin/celery "
          "--app=superset.tasks.celery_app:app worker'\n")
    found = collect_services(index(tmp_path)[0], {})
    roles = {s.name: s for s in found.services}
    web = roles["superset.service"]
    assert web.via == "/opt/superset/start.sh"
    assert web.launch.kind == "superset-run" and web.launch.debugger
    assert any(log.path == "/var/log/superset.log" for log in web.log_files)
    assert roles["superset-worker.service"].role == "worker"


def test_unit_file_syntax() -> None:
    text = ("# comment\n; another\n[Service]\nExecStart=/bin/a \\\n  --flag \\\n"
            "# dropped comment\n  value\nEnvironment=\"A=1 2\" B=3\n[Install]\nWantedBy=x\n")
    found = list(entries(text))
    assert found[0] == ("Service", "ExecStart", "/bin/a  --flag  value", 4)
    assert dict(environment_words(found[1][2])) == {"A": "1 2", "B": "3"}
    assert found[2][:3] == ("Install", "WantedBy", "x")
    assert env_file("A=1\n#B=2\nC = 'x y'\nBAD LINE\n", "/f")["C"].value == "x y"


def require_systemd_targets() -> None:
    if not Path("/usr/lib/systemd/system/multi-user.target").exists():
        unavailable("systemd's targets not installed (/usr/lib/systemd/system/"
                    "multi-user.target), needed to verify units: apt-get install systemd "
                    "(or run .ci/run)")


@pytest.mark.parametrize("tree", UNIT_TREES, ids=lambda p: p.name)
def test_exposure_matches_systemd_analyze_security(tree: Path, tmp_path: Path) -> None:
    """Our exposure score is systemd's own, for every Superset unit of every fixture."""
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    units, _ = index(tree)
    found = collect_services(units, {})
    assert found.services, f"{tree.name} has Superset units"
    root = _verify_root(tree, tmp_path, found_programs=[
        s.launch.program for s in found.services if s.launch.program])
    for service in found.services:
        ours = exposure(service.unit)
        done = subprocess.run(
            [analyze, "security", "--offline=true", f"--root={root}", service.name],
            capture_output=True, text=True, timeout=60, check=False,
        )
        match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", done.stdout)
        assert match, done.stdout[-500:] + done.stderr[-500:]
        assert abs(float(match.group(1)) - ours.score) <= 0.2, (service.name, ours, done.stdout)
        assert match.group(2) == ours.level


def _verify_root(tree: Path, tmp_path: Path, found_programs: list[str]) -> Path:
    """A copy of the tree systemd can load: the machine's targets, stub executables."""
    root = tmp_path / "root"
    shutil.copytree(tree, root, symlinks=True)
    targets = Path("/usr/lib/systemd/system")
    dest = root / "usr/lib/systemd/system"
    dest.mkdir(parents=True, exist_ok=True)
    for target in targets.glob("*.target"):
        if not (dest / target.name).exists():
            shutil.copy(target, dest / target.name, follow_symlinks=True)
    for program in found_programs:
        if program.startswith("/"):
            stub = root / program.lstrip("/")
            if not stub.exists():
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text("#!/bin/sh\n")
                stub.chmod(0o755)
    return root


@pytest.mark.parametrize("tree", UNIT_TREES, ids=lambda p: p.name)
def test_systemd_analyze_verify_accepts_fixture_units(tree: Path, tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    require_systemd_targets()
    units, _ = index(tree)
    names = [n for n in units.names(".service") + units.names(".timer")
             if units.fragment(n) and units.fragment(n).startswith("etc/")]  # type: ignore[union-attr]
    programs = []
    for name in names:
        start = units.load(name).value("Service", "ExecStart")
        if start:
            programs.append(start.lstrip("-@:+!").split()[0])
    root = _verify_root(tree, tmp_path, programs)
    done = subprocess.run([analyze, "verify", "--man=no", f"--root={root}", *names],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_systemd_analyze_verify_rejects_a_broken_unit(tmp_path: Path) -> None:
    """The verify test above can fail: systemd does reject a bad unit."""
    analyze = require_tool("systemd-analyze", "apt-get install systemd")
    require_systemd_targets()
    tree = tmp_path / "tree"
    write(tree, "etc/systemd/system/superset.service",
          "[Service]\nExecStart=relative/gunicorn app\n")
    root = _verify_root(tree, tmp_path, [])
    done = subprocess.run([analyze, "verify", "--man=no", f"--root={root}", "superset.service"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0


def test_a_unit_is_superset_by_what_it_runs_not_by_its_name(tmp_path: Path) -> None:
    """Host role detection: a `superset-exporter` unit running another gunicorn app and a
    `superset-celery` unit running another project's Celery were counted as Superset's web and
    worker because of their names and working directory; a `gunicorn wsgi:application` unit
    whose wsgi.py builds Superset's app is Superset."""
    write(tmp_path, "etc/systemd/system/superset-exporter.service",
          "[Service]\nWorkingDirectory=/opt/superset\n"
          "ExecStart=/opt/superset/venv/bin/gunicorn -b 127.0.0.1:9102 exporter:app\n")
    write(tmp_path, "opt/superset/exporter.py", "from prometheus_client import make_wsgi_app\n"
          "app = make_wsgi_app()\n")
    write(tmp_path, "etc/systemd/system/superset-celery.service",
          "[Service]\nWorkingDirectory=/opt/superset\n"
          "ExecStart=/opt/superset/venv/bin/celery -A reports_mailer worker\n")
    write(tmp_path, "etc/systemd/system/bi.service",
          "[Service]\nWorkingDirectory=/srv/bi\n"
          "ExecStart=/srv/bi/venv/bin/gunicorn -w 4 -b 127.0.0.1:8088 wsgi:application\n")
    write(tmp_path, "srv/bi/wsgi.py", "from superset.app import create_app\n"
          "application = create_app()\n")
    units, _ = index(tmp_path)
    found = collect_services(units, {})
    assert [(s.name, s.role) for s in found.services] == [("bi.service", "web")]
