"""Direct tests of the pip checks where a written tree cannot reach (issue 13, item 3).

The live facts of a running host (memory, disks, listening sockets) are not files, so
``tests/conditions/pip.py`` cannot hold them: ``PIP-RESOURCES-002`` and the live branch of
``PIP-PROXY-TLS-001`` are judged here on hand-made facts. The rest kill mutants that
survived ``python bench/mutation.py checks-pip`` (docs/mutation/pip.md), each test naming
the code it pins. Expected values are literals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import write_tree

from auditor.checks.common import live
from auditor.checks.common.tree import Tree
from auditor.checks.pip import appspec, collect, load_balancing, proxy_tls, resources, shell
from auditor.checks.pip import common as pip_common
from auditor.checks.pip.facts import HostLive, Launch, PipProject, ProxyConfig
from auditor.checks.pip.project import ProjectScan, scan_project
from auditor.checks.superset.configmodel import SupersetConfig
from auditor.model import Facts, Location, Result, Status, Style
from auditor.targets import parse_target

GIB = 1024**3


def _facts(project: PipProject, live: HostLive | None = None) -> Facts:
    values: dict[str, object] = {"pip.project": project}
    if live is not None:
        values["host.live"] = live
    return Facts(Style.PIP, values=values)


def _live(available_gib: float, disks: Mapping[str, tuple[int, int]] | None = None,
          listeners: tuple[tuple[str, int, int | None], ...] = (),
          names: Mapping[int, str] | None = None) -> HostLive:
    return HostLive(memory_total=8 * GIB, memory_available=int(available_gib * GIB),
                    cpu_count=4, disk_free=disks or {"/": (100 * GIB, 50 * GIB)},
                    listeners=listeners, process_names=names or {})


def _headroom(live: HostLive | None, label: str = ".") -> Result:
    (result,) = resources.CHECKS[1].evaluate(_facts(PipProject(label), live))
    return result


# --- PIP-RESOURCES-002: memory (fail under 1 GiB, warn under 2 GiB) and disks (fail under
# 10 % free), on a live host only ------------------------------------------------------------

def test_headroom_skips_without_a_live_host() -> None:
    result = _headroom(None)
    assert (result.subject, result.status) == ("host", Status.SKIP)
    assert result.message == "memory and disk are measured only on a live host (scan 'host')"


def test_headroom_passes_with_memory_and_disk() -> None:
    result = _headroom(_live(2.0))
    assert (result.subject, result.status, result.message) == (
        "host", Status.PASS, "memory and disk have headroom")
    assert result.evidence == ("memory available 2.0 GiB of 8.0 GiB", "4 CPUs",
                               "disk /: 50.0 GiB free of 100.0 GiB")


@pytest.mark.parametrize(("gib", "status", "message"), [
    (1.99, Status.WARN, "under 2 GiB of memory available for Superset's workers"),
    (1.0, Status.WARN, "under 2 GiB of memory available for Superset's workers"),
    (0.99, Status.FAIL, "less than 1 GiB of memory available"),
])
def test_headroom_memory_boundaries(gib: float, status: Status, message: str) -> None:
    result = _headroom(_live(gib))
    assert (result.status, result.message) == (status, message)


@pytest.mark.parametrize(("free", "status"), [(10, Status.PASS), (9, Status.FAIL)])
def test_headroom_disk_boundary_at_ten_percent(free: int, status: Status) -> None:
    result = _headroom(_live(4.0, {"/": (100 * GIB, free * GIB), "/srv": (10 * GIB, 5 * GIB)}))
    assert result.status == status
    assert f"disk /: {free}.0 GiB free of 100.0 GiB" in result.evidence
    assert "disk /srv: 5.0 GiB free of 10.0 GiB" in result.evidence
    if status == Status.FAIL:
        assert result.message == "under 10% disk free on /"


def test_headroom_names_every_reason_and_every_tight_disk() -> None:
    live = _live(0.5, {"/": (100 * GIB, 1 * GIB), "/srv": (10 * GIB, 0)})
    result = _headroom(live, label="/opt/superset")
    assert result.subject == "/opt/superset:host"
    assert result.message == ("less than 1 GiB of memory available; "
                              "under 10% disk free on /, /srv")


def test_headroom_ignores_a_disk_of_size_zero() -> None:
    # A pseudo filesystem reports 0 bytes: no ratio to judge, not a full disk.
    result = _headroom(_live(4.0, {"/proc": (0, 0)}))
    assert result.status == Status.PASS


# --- PIP-PROXY-TLS-001 on a live host: a proxy process on port 443 passes ------------------

GUNICORN = Launch("gunicorn", ("gunicorn", "superset.app:create_app()"), "start.sh", 1)


def _proxy(live: HostLive | None, proxies: tuple[ProxyConfig, ...] = ()) -> Result:
    project = PipProject(".", launches=(GUNICORN,), proxies=proxies)
    (result,) = proxy_tls.CHECKS[0].evaluate(_facts(project, live))
    return result


@pytest.mark.parametrize("name", ["nginx", "caddy", "haproxy", "traefik", "envoy", "apache2",
                                  "httpd", "nginx: master"])
def test_proxy_process_on_443_passes(name: str) -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", 443, 77),), names={77: name}))
    assert (result.subject, result.status) == ("proxy", Status.PASS)
    assert result.message == "a reverse proxy listens on port 443"
    assert result.evidence == (f"port 443: {name}",)


@pytest.mark.parametrize(("port", "name"), [(8443, "nginx"), (443, "python3")])
def test_no_proxy_process_on_443_fails(port: int, name: str) -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", port, 77),), names={77: name}))
    assert result.status == Status.FAIL
    assert result.message.startswith("no reverse proxy and no TLS")


def test_listener_without_a_known_process_is_not_a_proxy() -> None:
    result = _proxy(_live(4.0, listeners=(("0.0.0.0", 443, None),)))
    assert result.status == Status.FAIL


def test_plain_proxy_fails_even_with_a_live_host() -> None:
    plain = ProxyConfig("nginx.conf", "nginx", False, ("http://127.0.0.1:8088",))
    result = _proxy(_live(4.0), (plain,))
    assert (result.status, result.message) == (
        Status.FAIL, "nginx fronts the app over plain HTTP (no TLS)")
    assert result.evidence == ("nginx: nginx.conf",)


def test_every_tls_proxy_is_evidence_and_the_first_is_named() -> None:
    first = ProxyConfig("a.conf", "nginx", True)
    second = ProxyConfig("Caddyfile", "caddy", True)
    plain = ProxyConfig("b.conf", "nginx", False)
    result = _proxy(None, (plain, first, second))
    assert result.message == "nginx terminates TLS in front of the app"
    assert result.evidence == ("nginx: a.conf", "caddy: Caddyfile")
    assert result.location is not None and result.location.path == "a.conf"


# --- detection (checks/pip/collect.py): each kind of evidence has its own weight --------------

V = {"venv/pyvenv.cfg": "home = /usr/bin\n"}
WEB_SH = {"start.sh": "gunicorn -b 0.0.0.0:8088 'superset.app:create_app()'\n"}


def _detect(tmp_path: Path, files: dict[str, str]) -> tuple[float, tuple[str, ...], str | None]:
    write_tree(tmp_path / "p", files)
    found = collect.detect(parse_target(str(tmp_path / "p")))
    assert found is not None and found.style == Style.PIP
    return found.confidence, found.evidence, found.app


@pytest.mark.parametrize(("files", "expected"), [
    (V, (0.3, ("virtualenv venv/ (pyvenv.cfg)",), None)),
    ({**V, "requirements.txt": "flask==3.0.3\n"},
     (0.45, ("virtualenv venv/ (pyvenv.cfg)", "requirements in requirements.txt"), None)),
    ({**V, "requirements.txt": "apache-superset==4.1.1\n"},
     (0.6, ("virtualenv venv/ (pyvenv.cfg)", "apache-superset in requirements.txt"), "superset")),
    ({"requirements.txt": "Apache_Superset==4.1.1\n"},
     (0.3, ("apache-superset in requirements.txt",), "superset")),
    ({"superset_config.py": "ROW_LIMIT = 5000\n"},
     (0.2, ("Superset configuration superset_config.py",), "superset")),
    (WEB_SH, (0.3, ("gunicorn started from start.sh:1",), "superset")),
    ({"start.sh": "gunicorn -c gunicorn.conf.py\n"},
     (0.3, ("gunicorn started from start.sh:1",), None)),
    ({**V, "requirements.txt": "apache-superset==4.1.1\n", "superset_config.py": "A = 1\n",
      **WEB_SH}, (0.95, ("virtualenv venv/ (pyvenv.cfg)", "apache-superset in requirements.txt",
                         "Superset configuration superset_config.py",
                         "gunicorn started from start.sh:1"), "superset")),
])
def test_detection_weighs_each_kind_of_evidence(
    tmp_path: Path, files: dict[str, str], expected: tuple[float, tuple[str, ...], str | None]
) -> None:
    assert _detect(tmp_path, files) == expected


def test_detection_names_other_styles_and_lowers_confidence(tmp_path: Path) -> None:
    files = {**V, "requirements.txt": "apache-superset==4.1.1\n", "compose.yaml": "services: {}\n",
             "Chart.yaml": "name: x\n", "superset.service": "[Service]\n",
             "k.yaml": "apiVersion: v1\nkind: Pod\n", "values.yml": "a: 1\n"}
    confidence, evidence, app = _detect(tmp_path, files)
    assert (confidence, app) == (0.24, "superset")
    assert evidence[-1] == ("but also Compose file compose.yaml; Helm chart Chart.yaml; "
                            "Kubernetes manifest k.yaml (another style)")


def test_detection_of_each_compose_file_name_and_a_lone_unit(tmp_path: Path) -> None:
    for index, name in enumerate(["compose.yml", "docker-compose.yml", "docker-compose.yaml"]):
        write_tree(tmp_path / str(index), {**V, name: "services: {}\n"})
        found = collect.detect(parse_target(str(tmp_path / str(index))))
        assert found is not None and found.confidence == 0.12
        assert found.evidence[-1] == f"but also Compose file {name} (another style)"
    write_tree(tmp_path / "u", {**V, "web.service": "[Service]\n"})
    found = collect.detect(parse_target(str(tmp_path / "u")))
    assert found is not None
    assert found.evidence[-1] == "but also systemd unit web.service (another style)"


def test_host_tree_projects_are_found_by_their_venvs(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "opt/superset/venv/pyvenv.cfg": "home = /usr/bin\n",
        "opt/superset/requirements.txt": "apache-superset==4.1.1\n",
        "srv/other/.venv/pyvenv.cfg": "home = /usr/bin\n",
        "etc/systemd/system/superset-web.service": "[Service]\n",
        "etc/systemd/system/cron.service": "[Service]\n",
    })
    target = parse_target("host", root=str(tmp_path))
    tree = Tree.at(str(tmp_path))
    assert collect.candidate_projects(target, tree) == ["opt/superset", "srv/other"]
    found = collect.detect(target)
    assert found is not None
    assert found.confidence == 0.24
    assert found.evidence[-1] == ("but also systemd unit etc/systemd/system/superset-web.service "
                                  "(another style)")
    facts = collect.collect(target, {})
    assert facts.values["pip.project"].label == "/opt/superset"


# --- what the pip collector tells the Superset checks: topology, URLs, the proxy ----------

def _config(tmp_path: Path, files: dict[str, str]) -> SupersetConfig:
    write_tree(tmp_path / "p", files)
    facts = collect.collect(parse_target(str(tmp_path / "p")), {})
    config = facts.values["superset.config"]
    assert isinstance(config, SupersetConfig)
    return config


def test_topology_counts_web_workers_and_beats(tmp_path: Path) -> None:
    config = _config(tmp_path, {**V, "start.sh": (
        "gunicorn --timeout 90 -b 127.0.0.1:8088 'superset.app:create_app()'\n"
        "celery --app=superset.tasks.celery_app:app worker -B\n"
        "celery --app=superset.tasks.celery_app:app worker\n"
        "celery --app=superset.tasks.celery_app:app beat\n")})
    topology = config.topology
    assert topology is not None
    assert (topology.web, topology.workers, topology.beats) == (1, 2, 2)
    assert topology.gunicorn_timeout == 90.0
    assert topology.evidence == ("gunicorn at start.sh:1", "celery-worker at start.sh:2",
                                 "celery-worker at start.sh:3", "celery-beat at start.sh:4")
    assert (config.behind_proxy, config.proxy_evidence) == (False, "no proxy configuration found")


def test_topology_without_a_web_server(tmp_path: Path) -> None:
    config = _config(tmp_path, {**V, "requirements.txt": "apache-superset==4.1.1\n",
                                "start.sh": "celery --app=superset.tasks.celery_app:app "
                                            "worker --beat\n"})
    topology = config.topology
    assert topology is not None
    assert (topology.web, topology.workers, topology.beats) == (0, 1, 1)
    assert topology.gunicorn_timeout is None
    assert config.behind_proxy is None and config.urls == ()


def test_urls_from_binds(tmp_path: Path) -> None:
    config = _config(tmp_path, {**V, "start.sh": (
        "gunicorn -b 0.0.0.0:8088 -b unix:/run/s.sock -b '[::1]:9000' -b 127.0.0.1:8088 "
        "-b '[::]:9001' "
        "'superset.app:create_app()'\n"
        "superset run -h 10.0.0.5 -p 8089 --cert c.pem\n")})
    assert config.urls == ("http://127.0.0.1:8088", "http://[::1]:9000", "http://127.0.0.1:9001",
                           "http://10.0.0.5:8089")


def test_https_url_with_a_certfile(tmp_path: Path) -> None:
    config = _config(tmp_path, {**V, "start.sh": (
        "gunicorn -b '*:8443' --certfile c.pem 'superset.app:create_app()'\n")})
    assert config.urls == ("https://127.0.0.1:8443",)


def test_proxy_is_named_for_the_superset_checks(tmp_path: Path) -> None:
    config = _config(tmp_path, {**V, **WEB_SH, "deploy/nginx.conf": (
        "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8088; }\n}\n")})
    assert (config.behind_proxy, config.proxy_evidence) == (True, "nginx (deploy/nginx.conf)")


# --- reading commands (checks/pip/shell.py) ----------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (["-w", "4", "--bind=0.0.0.0:80", "-b", "unix:/s", "--reload", "app"],
     {"workers": ("4",), "bind": ("0.0.0.0:80", "unix:/s"), "reload": ()}),
    (["-w4", "-t60", "--statsd-host", "h:8125"],
     {"workers": ("4",), "timeout": ("60",), "statsd-host": ("h:8125",)}),
    (["--unknown=x", "-v", "--timeout"], {"unknown": ("x",), "v": (), "timeout": ("",)}),
])
def test_gunicorn_options(args: list[str], expected: dict[str, tuple[str, ...]]) -> None:
    assert shell.parse_options("gunicorn", args) == expected


def test_options_of_a_server_without_a_table_are_flags() -> None:
    assert shell.parse_options("nothing", ["-w", "4", "--x=1"]) == {"w": (), "x": ("1",)}


@pytest.mark.parametrize(("line", "clean", "stdout"), [
    ("g > out.log 2>&1", ["g"], "out.log"),
    ("g >> out.log", ["g"], "out.log"),
    ("g &> all.log", ["g"], "all.log"),
    ("g 2> err.log", ["g"], None),
    ("g 1> one.log", ["g"], "one.log"),
    ("g < in.txt", ["g"], None),
    ("g >", ["g"], ""),
])
def test_redirections(line: str, clean: list[str], stdout: str | None) -> None:
    assert shell._redirections(shell.split_words(line) or []) == (clean, stdout)


@pytest.mark.parametrize(("program", "venv"), [
    ("venv/bin/gunicorn", "venv"), ("/opt/s/.venv/bin/gunicorn", "/opt/s/.venv"),
    ("/usr/bin/gunicorn", None), ("/usr/local/bin/gunicorn", None),
    ("/opt/homebrew/bin/gunicorn", None), ("/bin/gunicorn", None), ("gunicorn", None),
    ("venv/lib/gunicorn", None),
])
def test_venv_of(program: str, venv: str | None) -> None:
    assert shell.venv_of(program) == venv


@pytest.mark.parametrize(("line", "found"), [
    ("python3.11 -m gunicorn app", ("gunicorn", 3)),
    ("python -m superset run -p 8088", ("superset-run", 4)),
    ("nohup env A=1 uwsgi-core --http :80", ("uwsgi", 4)),
    ("waitress-serve --listen=:80 app", ("waitress", 1)),
    ("waitress --port 80", ("waitress", 1)),
    ("celery -A x worker", ("celery-worker", 1)),
    ("celery -A x beat", ("celery-beat", 1)),
    ("celery -A x flower", None),
    ("superset db upgrade", None),
    ("flask --app x --debug run -p 5000", ("flask-run", 5)),
    ("flask -e .env run", ("flask-run", 4)),
    ("flask db upgrade", None),
    ("flask --app x", None),
    ("echo gunicorn", None),
    ("-m gunicorn", ("gunicorn", 2)),
])
def test_classify(line: str, found: tuple[str, int] | None) -> None:
    assert shell.classify(line.split()) == found


def test_procfile_makefile_keywords_and_setup_lines() -> None:
    procfile = shell.scan_script("web: gunicorn -w 3 superset.app:create_app()\n"
                                 "worker:gunicorn -w 2 app\n", "Procfile")
    assert [(x.kind, x.workers, x.line) for x in procfile] == [("gunicorn", 3, 1),
                                                                ("gunicorn", 2, 2)]
    makefile = shell.scan_script("serve:\n\t@gunicorn -w 2 app\n\t-superset run\n", "Makefile")
    assert [(x.kind, x.line) for x in makefile] == [("gunicorn", 2), ("superset-run", 3)]
    state = shell.ShellState()
    script = shell.scan_script(
        "export A=1 B=x=y\nC=3\n. ./venv/bin/activate\nulimit -v 100\n"
        "if true; then gunicorn app; fi\n", "run.sh", state)
    assert [(x.kind, x.venv, x.line) for x in script] == [("gunicorn", "./venv", 5)]
    assert state.env == {"A": "1", "B": "x=y", "C": "3"}
    assert state.env_sources == {"A": "run.sh:1", "B": "run.sh:1", "C": "run.sh:2"}
    assert state.ulimit_memory is True
    assert script[0].env == {"A": "1", "B": "x=y", "C": "3"}


def test_unbalanced_quotes_and_continuations() -> None:
    assert shell.split_words("gunicorn 'app") is None
    lines = list(shell.logical_lines("# c\ngunicorn \\\n  -w 2 \\\n  app\n\nsuperset run\n"))
    assert lines == [(2, "gunicorn    -w 2    app"), (6, "superset run")]


def test_supervisor_program_settings() -> None:
    text = ("[supervisord]\nlogfile=x\n\n[program:web]\n"
            "command=gunicorn -w 2 superset.app:create_app()\n"
            'environment=A="1", B=2,C\nautorestart=FALSE\nstdout_logfile_maxbytes=0MB\n'
            "user=superset\n\n[program:other]\ncommand=echo hi\n\n"
            "[program:dev]\ncommand=superset run\nautorestart=unexpected\n"
            "stdout_logfile_maxbytes=10MB\n")
    web, dev = shell.scan_supervisor(text, "s.conf")
    assert (web.line, web.env, web.autorestart, web.log_bounded, web.stdout, web.user) == (
        4, {"A": "1", "B": "2"}, False, False, "AUTO", "superset")
    assert (web.supervisor, dev.line, dev.autorestart, dev.log_bounded, dev.user) == (
        "supervisord", 14, True, True, None)
    # supervisord keeps its programs in the foreground (scan_supervisor mutant 64).
    assert (web.background, dev.background) == (False, False)


@pytest.mark.parametrize("maxbytes", ["0", "0MB", "0KB", " 0GB"])
def test_supervisor_unbounded_log_spellings(maxbytes: str) -> None:
    text = f"[program:w]\ncommand=gunicorn app\nstdout_logfile_maxbytes={maxbytes}\n"
    (launch,) = shell.scan_supervisor(text, "s.conf")
    assert launch.log_bounded is False


def test_broken_supervisor_file_has_no_programs() -> None:
    assert shell.scan_supervisor("[program:w\ncommand=gunicorn app\n", "s.conf") == []


def test_crontab_entries_user_and_system() -> None:
    text = "MAILTO=x\n15 2 * * * /b.sh\n@daily root /d.sh --x\nbad line\n"
    user = shell.scan_crontab(text, "crontab", system=False)
    assert [(e.schedule, e.command, e.line) for e in user] == [
        ("15 2 * * *", "/b.sh", 2), ("@daily", "root /d.sh --x", 3)]
    system = shell.scan_crontab(text + "0 1 * * * root\n", "etc/crontab", system=True)
    assert [(e.schedule, e.command) for e in system] == [
        ("15 2 * * *", ""), ("@daily", "/d.sh --x"), ("0 1 * * *", "")]
    assert shell.scan_crontab("@reboot x\n", "c", system=True)[0].command == "x"


# --- reading a project (checks/pip/project.py) -------------------------------------------

def _project(tmp_path: Path, files: dict[str, str], host: bool = False,
             base: str = ".") -> tuple[PipProject, ProjectScan]:
    write_tree(tmp_path, files)
    return scan_project(Tree.at(str(tmp_path)), base, "." if base == "." else "/" + base, host)


def test_requirements_lines(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {"requirements.txt": (
        "# comment\n\n-e .\n--index-url https://x\nA==1 # pinned\nb[x] ===2.0\n"
        "c>=1\nd==1.*\ne==1; python_version<'4'\nf==1 \\\n  --hash=sha256:ab\n"
        "g @ https://h/g.whl#sha256=00\nh @ git+https://h/h@" + "a" * 40 + "\n"
        "i @ git+https://h/i@main\n-r more.txt\n--constraint=c.txt\n!!!\n"
        "-e git+https://h/l@" + "b" * 40 + "#egg=l\n"),
        "more.txt": "j==2\n-r requirements.txt\n", "c.txt": "k\n"})
    got = [(r.name, r.pinned, r.hashed, r.source, r.line) for r in proj.requirements]
    assert got == [
        ("a", True, False, "requirements.txt", 5), ("b", True, False, "requirements.txt", 6),
        ("c", False, False, "requirements.txt", 7), ("d", False, False, "requirements.txt", 8),
        ("e", True, False, "requirements.txt", 9), ("f", True, False, "requirements.txt", 10),
        ("g", True, False, "requirements.txt", 12), ("h", True, False, "requirements.txt", 13),
        ("i", False, False, "requirements.txt", 14), ("j", True, False, "more.txt", 1),
        ("k", False, False, "c.txt", 1)]
    assert proj.requirement_files == ("requirements.txt",)


def test_requirement_files_by_name_and_depth(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {"requirements-dev.txt": "a==1\n", "constraints.txt": "b==1\n",
                                  "req/requirements.in": "c\n", "x/y/requirements.txt": "d\n",
                                  "requirement.txt": "e\n", "poetry.lock": "", "x/uv.lock": ""})
    assert proj.requirement_files == ("constraints.txt", "req/requirements.in",
                                      "requirements-dev.txt")
    assert proj.lock_files == ("poetry.lock", "x/uv.lock")
    assert proj.declarative == ("constraints.txt", "req/requirements.in",
                                "requirements-dev.txt", "poetry.lock", "x/uv.lock")


def test_venvs_and_their_settings(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {
        "venv/pyvenv.cfg": "home = /usr/bin\nInclude-System-Site-Packages = TRUE\n"
                           "version = 3.11.2\n",
        ".venv/pyvenv.cfg": "version_info = 3.12.1.final.0\nno equals sign\n"})
    venvs = sorted((v.path, v.python, v.system_site_packages) for v in proj.venvs)
    assert venvs == [(".venv", "3.12.1.final.0", False), ("venv", "3.11.2", True)]


def test_dotenv_values_and_bad_lines(tmp_path: Path) -> None:
    _, scan = _project(tmp_path, {".env": "A=1\nnot a line\n", ".flaskenv": "B=2\nA=9\n",
                                  "prod.env": "C=3\n"})
    assert {k: (v.value, v.source) for k, v in scan.env.items()} == {
        "A": ("1", ".env:1"), "B": ("2", ".flaskenv:1"), "C": ("3", "prod.env:1")}
    assert scan.problems == {"file .env:2": "not a KEY=value line (python-dotenv skips it)"}


def test_where_launch_commands_are_looked_for(tmp_path: Path) -> None:
    cmd = "gunicorn superset.app:create_app()\n"
    proj, _ = _project(tmp_path, {
        "run": cmd, "a/start": cmd, "bin/serve-it": cmd, "scripts/go": cmd, "x/y/z.sh": cmd,
        "bin/tool.py": cmd, "conf/app.ini": "[program:w]\ncommand=" + cmd,
        "a/b/c.conf": "[program:w]\ncommand=" + cmd, "notes.conf": "command=" + cmd,
        "supervisor.conf": "[program:s]\ncommand=" + cmd})
    assert sorted(launch.source for launch in proj.launches) == [
        "bin/serve-it", "conf/app.ini", "run", "scripts/go", "supervisor.conf", "x/y/z.sh"]
    assert proj.looked_in == ("bin/serve-it", "conf/app.ini", "run", "scripts/go",
                              "supervisor.conf", "x/y/z.sh")


def test_a_wrapper_module_decides_whose_app_it_is(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {
        "start.sh": "gunicorn wsgi:app\ngunicorn other:app\ngunicorn exporter:app\n"
                    "SUPERSET_HOME=/x gunicorn third:app\n",
        "wsgi.py": "from superset.app import create_app\napp = create_app()\n",
        "other.py": "app = object()\n"})
    assert [launch.line for launch in proj.launches] == [1, 4]


def test_backup_scripts_tools_and_lines(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {
        "a.sh": "echo start\nsqlite3 s.db '.dump' > /b/s.sql\n",
        "b.sh": "sqlite3 s.db 'select 1'\n", "c.sh": "tar czf /b/s.tgz superset.db\n",
        "d.sh": "borg create ::x /b\n", "e.sh": "echo nothing\n",
        "crontab": "0 1 * * * pg_dumpall | gsutil cp - gs://b/x\n0 2 * * * echo hi\n"})
    got = [(b.path, b.tools, b.off_host, b.line) for b in proj.backup_scripts]
    assert got == [("a.sh", ("sqlite3",), False, 2),
                   ("c.sh", ("copy of the sqlite file",), False, 1),
                   ("d.sh", ("borg",), True, 1),
                   ("crontab", ("pg_dumpall",), True, 1)]
    assert [(s.schedule, s.line) for s in proj.schedules] == [("0 1 * * *", 1), ("0 2 * * *", 2)]


def test_host_crontabs(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {
        "opt/s/venv/pyvenv.cfg": "", "etc/crontab": "0 1 * * * root /opt/s/backup.sh\n",
        "etc/cron.d/s": "0 2 * * * superset pip-audit\n",
        "var/spool/cron/crontabs/superset": "0 3 * * * /opt/s/x.sh\n",
        "etc/cron.daily/dump": "#!/bin/sh\npg_dump s | rclone rcat r:s\n",
        "etc/logrotate.d/superset": "", "etc/logrotate.d/nginx": "",
        "etc/logrotate.d/gunicorn-web": ""}, host=True, base="opt/s")
    assert [(s.schedule, s.command, s.source) for s in proj.schedules] == [
        ("0 1 * * *", "/opt/s/backup.sh", "etc/crontab"),
        ("0 2 * * *", "pip-audit", "etc/cron.d/s"),
        ("0 3 * * *", "/opt/s/x.sh", "var/spool/cron/crontabs/superset"),
        ("@daily", "#!/bin/sh\npg_dump s | rclone rcat r:s\n", "etc/cron.daily/dump")]
    assert proj.update_tooling == ("etc/cron.d/s:1",)
    assert [(b.path, b.off_host) for b in proj.backup_scripts] == [("etc/cron.daily/dump", True)]
    assert sorted(proj.logrotate) == ["etc/logrotate.d/gunicorn-web", "etc/logrotate.d/superset"]


def test_host_proxies(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {
        "opt/s/venv/pyvenv.cfg": "",
        "etc/nginx/sites-enabled/s": "server { listen 443 ssl; location / { "
                                     "proxy_pass http://unix:/run/s.sock:/; } }\n",
        "etc/nginx/conf.d/t.conf": "server { listen 80; }\n",
        "etc/caddy/Caddyfile": "s.example.com {\n  reverse_proxy 127.0.0.1:8088\n}\n",
        "etc/haproxy/haproxy.cfg": "frontend f\n  bind :443 ssl crt /c.pem\n"},
        host=True, base="opt/s")
    assert [(p.path, p.server, p.tls, p.proxies_to) for p in proj.proxies] == [
        ("etc/nginx/sites-enabled/s", "nginx", True, ("http://unix:/run/s.sock:/",)),
        ("etc/nginx/conf.d/t.conf", "nginx", False, ()),
        ("etc/caddy/Caddyfile", "caddy", True, ("127.0.0.1:8088",)),
        ("etc/haproxy/haproxy.cfg", "haproxy", True, ())]


def test_caddy_tls_spellings(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {"a/Caddyfile": "http://s {\n  tls internal\n}\n",
                                  "b/Caddyfile": "  :80 {\n reverse_proxy h:1;\n}\n"})
    assert sorted((p.path, p.tls, p.proxies_to) for p in proj.proxies) == [
        ("a/Caddyfile", True, ()), ("b/Caddyfile", False, ("h:1",))]


def test_broken_nginx_is_a_problem(tmp_path: Path) -> None:
    proj, scan = _project(tmp_path, {"nginx.conf": "server { listen 80;\n"})
    assert [(p.path, p.tls) for p in proj.proxies] == [("nginx.conf", False)]
    assert scan.problems["file nginx.conf"].startswith("nginx syntax: ")


def test_superset_config_path_from_the_environment(tmp_path: Path) -> None:
    _, scan = _project(tmp_path, {".env": "SUPERSET_CONFIG_PATH=${PWD}/conf/prod.py\n",
                                  "conf/prod.py": "A = 1\n", "superset_config.py": "B = 2\n"})
    assert (scan.config_path, scan.config_text) == ("conf/prod.py", "A = 1\n")


def test_superset_config_locations_in_order(tmp_path: Path) -> None:
    _, scan = _project(tmp_path, {"conf/superset_config.py": "C = 1\n",
                                  "pythonpath/superset_config.py": "P = 1\n"})
    assert scan.config_path == "pythonpath/superset_config.py"


def test_superset_config_path_outside_the_tree_is_a_problem(tmp_path: Path) -> None:
    _, scan = _project(tmp_path, {".env": "SUPERSET_CONFIG_PATH=/etc/superset/config.py\n"})
    assert scan.config_path is None
    assert scan.problems["superset.config"] == (
        "SUPERSET_CONFIG_PATH=/etc/superset/config.py (.env:1) is not in the audited tree")


def test_versioned_by_a_git_file_too(tmp_path: Path) -> None:
    proj, _ = _project(tmp_path, {".git": "gitdir: ../.git/worktrees/s\n"})
    assert proj.versioned == ".git"


# --- whose application a command runs (checks/pip/appspec.py) ---------------------------

def _launch(line: str, env: Mapping[str, str] | None = None) -> Launch:
    launch = shell.launch_from_words(line.split(), False, "s.sh", 1,
                                     shell.ShellState(env=dict(env or {})))
    assert launch is not None
    return launch


@pytest.mark.parametrize(("line", "env", "app"), [
    ("superset run", None, "superset"),
    ("flask --app superset.app:create_app run", None, "superset.app:create_app"),
    ("flask run --app=x:y", None, "x:y"),
    ("flask -Ax:y run", None, "x:y"),
    ("flask run", {"FLASK_APP": "f:app"}, "f:app"),
    ("flask run", None, None),
    ("celery -A superset.tasks worker", None, "superset.tasks"),
    ("celery --app=c:app beat", None, "c:app"),
    ("celery worker", {"CELERY_APP": "e:app"}, "e:app"),
    ("celery worker", None, None),
    ("uwsgi --http :80 --module m:app", None, "m:app"),
    ("uwsgi --http :80 -w w:app", None, "w:app"),
    ("uwsgi --wsgi-file f.py", None, "f.py"),
    ("uwsgi --http :80", None, None),
    ("gunicorn -w 2 -b :80 --paste x.ini --name n a:app", None, "a:app"),
    ("gunicorn --bind=:80 first:app second:app", None, "second:app"),
    ("gunicorn -c conf.py", None, None),
    ("waitress-serve --listen=:80 --call w:create", None, "w:create"),
    ("venv/bin/waitress-serve --port 80 w:app", None, "w:app"),
])
def test_application_of_each_server(line: str, env: Mapping[str, str] | None,
                                    app: str | None) -> None:
    assert appspec.application(_launch(line, env)) == app


def test_runs_superset_says_when_it_cannot_tell() -> None:
    assert appspec.runs_superset(_launch("gunicorn 'superset.app:create_app()'")) is True
    assert appspec.runs_superset(_launch("gunicorn exporter:app")) is False
    assert appspec.runs_superset(_launch("gunicorn -c conf.py")) is None


@pytest.mark.parametrize(("app", "path"), [
    ("wsgi:app", "wsgi.py"), ("'pkg.mod:create()'", "pkg/mod.py"), ("a.b", "a/b.py"),
    ("x-y:app", None), (":app", None), ("1abc:app", None),
])
def test_module_file(app: str, path: str | None) -> None:
    assert appspec.module_file(app) == path


# --- survivors of the first sample (docs/mutation/pip.md) ---------------------------------

@pytest.mark.parametrize(("upstream", "address"), [
    ("http://unix:/run/s.sock:/static/", "unix:/run/s.sock"),
    ("http://unix:/run/s.sock", "unix:/run/s.sock"),
    ("https://10.0.0.2:8443/x/y", "10.0.0.2:8443"),
    ("127.0.0.1:8088", "127.0.0.1:8088"),
    ("superset_upstream", "superset_upstream"),
])
def test_upstream_addresses(upstream: str, address: str) -> None:
    # load_balancing._address mutants 15 and 19: the unix: prefix and its path.
    assert load_balancing._address(upstream) == address


def test_supervisor_environment_value_holding_equals() -> None:
    # shell.scan_supervisor mutant 50: split("=", 2) breaks A=x=y.
    (launch,) = shell.scan_supervisor(
        '[program:w]\ncommand=gunicorn app\nenvironment=A="x=y",B=1\n', "s.conf")
    assert launch.env == {"A": "x=y", "B": "1"}


def test_module_file_strips_only_quotes() -> None:
    # appspec.module_file mutant 11: strip("XX'\"XX") would eat a leading X too.
    assert appspec.module_file("'Xwsgi:app'") == "Xwsgi.py"


@dataclasses.dataclass(frozen=True)
class _Proc:
    pid: int
    ppid: int
    cmdline: tuple[str, ...]
    cwd: str | None = "/srv/app"
    user: str | None = "superset"
    parents: tuple[str, ...] = ()
    environ: dict[str, str] | None = None
    name: str = "python"


def test_live_launches_from_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    found = [
        _Proc(10, 1, ("gunicorn", "-w", "2", "superset.app:create_app()"),
              parents=("supervisord", "systemd"), environ={"FLASK_DEBUG": "0"}),
        _Proc(11, 10, ("gunicorn", "-w", "2", "superset.app:create_app()")),
        _Proc(12, 10, ("gunicorn", "-w", "2", "superset.app:create_app()")),
        _Proc(20, 1, ("gunicorn: master [superset.app:create_app()]", "", ""), cwd=None,
              parents=("systemd",), user="root"),
        _Proc(30, 1, ("celery", "-A", "superset.tasks", "worker"), parents=("runit",)),
        _Proc(40, 1, ("vim", "superset_config.py")),
    ]
    asked: list[tuple[str, ...]] = []

    def processes(matching: tuple[str, ...], problems: list[str]) -> list[_Proc]:
        asked.append(tuple(matching))
        return found

    monkeypatch.setattr(live, "processes", processes)
    launches = collect._live_launches([])
    assert asked == [("superset", "gunicorn", "celery", "flask")]
    got = [(x.kind, x.pid, x.family, x.user, x.supervisor, x.autorestart, x.source, x.live,
            x.line, dict(x.env), x.argv) for x in launches]
    assert got == [
        ("gunicorn", 10, (10, 11, 12), "superset", "supervisord", True,
         "process 10 in /srv/app", True, None, {"FLASK_DEBUG": "0"},
         ("gunicorn", "-w", "2", "superset.app:create_app()")),
        ("gunicorn", 20, (20,), "root", "systemd", False, "process 20 in ?", True, None, {},
         ("gunicorn", "superset.app:create_app()")),
        ("celery-worker", 30, (30,), "superset", "runit", True, "process 30 in /srv/app", True,
         None, {}, ("celery", "-A", "superset.tasks", "worker")),
    ]
    assert launches[0].workers == 2 and launches[1].workers == 1


# --- shared helpers of the pip checks (checks/pip/common.py) -----------------------------

def test_command_evidence_is_cut_at_160_characters() -> None:
    words = ("gunicorn", "-b", "127.0.0.1:8088", "x" * 150)
    assert len(pip_common.cmd(Launch("gunicorn", words[:3], "s.sh"))) == 26
    shown = pip_common.cmd(Launch("gunicorn", words, "s.sh"))
    assert len(shown) == 160 and shown.endswith("x...")
    exact = ("gunicorn", "y" * 151)  # 160 characters with the space: kept whole
    assert pip_common.cmd(Launch("gunicorn", exact, "s.sh")) == "gunicorn " + "y" * 151


def test_web_subjects_of_twins_and_live_processes() -> None:
    a = Launch("gunicorn", ("gunicorn",), "start.sh", 1)
    b = Launch("gunicorn", ("gunicorn",), "start.sh", 3)
    c = Launch("gunicorn", ("gunicorn",), "supervisord.conf", 2)
    d = Launch("uwsgi", ("uwsgi",), "start.sh", 5)
    proj = PipProject("/opt/s", launches=(a, b, c, d))
    assert [pip_common.web_subject(proj, x) for x in (a, b, c, d)] == [
        "/opt/s:web/gunicorn@start.sh:1", "/opt/s:web/gunicorn@start.sh:3",
        "/opt/s:web/gunicorn@supervisord.conf", "/opt/s:web/uwsgi"]
    live = Launch("gunicorn", ("gunicorn",), "process 7 in /", live=True, pid=7)
    assert pip_common.web_subject(PipProject("."), live) == "web/gunicorn@7"
    assert pip_common.location(live) is None
    assert pip_common.location(a) == Location("start.sh", 1)
    lone = Launch("gunicorn", ("gunicorn",), "start.sh")
    only = PipProject(".", launches=(lone, Launch("gunicorn", ("gunicorn",), "run")))
    assert pip_common.web_subject(only, lone) == "web/gunicorn@start.sh"


def test_no_web_names_where_it_looked() -> None:
    looked = pip_common.no_web(PipProject(".", looked_in=("start.sh", "Procfile")))
    assert (looked.subject, looked.status, looked.message) == (
        "web", Status.SKIP,
        "no command starting the web server was found (looked in: start.sh, Procfile)")
    nothing = pip_common.no_web(PipProject("/srv/s"))
    assert (nothing.subject, nothing.message) == (
        "/srv/s:web", "no command starting the web server was found (looked in: no script, "
        "Procfile or supervisor file)")


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1:80", True), ("127.9.9.9:80", True), ("localhost:80", True),
    ("[::1]:80", True), ("::1:80", True), ("unix:/run/s.sock", True), ("/run/s.sock", True),
    ("0.0.0.0:80", False), (":80", False), ("[::]:80", False), ("10.0.0.1:80", False),
    ("128.0.0.1:80", False),
])
def test_is_loopback(address: str, loopback: bool) -> None:
    assert pip_common.is_loopback(address) is loopback


def test_an_unreadable_crontab_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    # project._crontab mutant 4: a file the tree refuses to read (a link leaving it) gives
    # no text, and must give no entries rather than be parsed as None.
    outside = tmp_path / "outside"
    outside.write_text("15 2 * * * /backup.sh\n")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "crontab").symlink_to(outside)
    proj, scan = _project(tmp_path / "p", {"backup.cron": "0 1 * * * /x.sh\n"})
    assert [(s.source, s.command) for s in proj.schedules] == [("backup.cron", "/x.sh")]
    assert "file crontab" in scan.problems


def test_sourcing_a_file_that_is_no_venv_sets_no_venv() -> None:
    # shell._setup mutant 30: only a .../bin/activate names a virtualenv.
    (launch,) = shell.scan_script("source ./env.sh\ngunicorn app\n", "run.sh")
    assert launch.venv is None


def test_a_recycling_option_without_a_value_bounds_nothing() -> None:
    # resources._bounded mutant 20: --max-requests at the end of the line has the value "".
    launch = Launch("gunicorn", ("gunicorn", "app", "--max-requests"), "run.sh", 1,
                    options={"max-requests": ("",)})
    (result,) = resources.CHECKS[0].evaluate(_facts(PipProject(".", launches=(launch,))))
    assert (result.status, result.evidence) == (Status.FAIL, ("gunicorn app --max-requests",))
