"""Verdicts found false on real Ansible-installed Superset hosts (onaio/ansible-superset:
uwsgi on a unix socket configured by an ini file, celery started by ``celery multi`` from
an EnvironmentFile), each reduced to the smallest host that shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import scan_report, write_tree

from auditor.checks.common.tree import Tree
from auditor.checks.pip.shell import ShellState, scan_script
from auditor.checks.pip.uwsgi_ini import ini_path, settings
from auditor.checks.systemd.services import collect_services
from auditor.checks.systemd.units import UnitIndex

VENV = "/home/superset/.virtualenvs/superset"
UWSGI_UNIT = f"""
[Service]
User=superset
ExecStart={VENV}/bin/uwsgi --ini /home/superset/app/uwsgi.ini
Restart=on-failure
WorkingDirectory=/home/superset/app

[Install]
WantedBy=multi-user.target
"""
UWSGI_INI = """
[uwsgi]
socket=/var/run/superset/superset.sock
processes=5
max-requests=100    # respawn processes after serving N requests
logto=/var/log/superset/uwsgi_superset.log
mount=/=superset:app
"""
CELERYD_UNIT = """
[Service]
Type=forking
User=superset
EnvironmentFile=-/etc/default/celeryd-superset
ExecStart=/bin/sh -c '${CELERY_BIN} multi start $CELERYD_NODES \\
    -A $CELERY_APP --pidfile=${CELERYD_PID_FILE} $CELERYD_OPTS'
"""
CELERYD_ENV = f"""
CELERYD_NODES="superset"
CELERY_BIN="{VENV}/bin/celery"
CELERYD_OPTS="--pool=gevent -Ofair --concurrency=4"
CELERY_APP="superset.tasks.celery_app:app"
CELERYD_PID_FILE="/run/celery-superset/%n.pid"
"""


def host(root: Path) -> Path:
    return write_tree(root, {
        "etc/systemd/system/superset.service": UWSGI_UNIT,
        "home/superset/app/uwsgi.ini": UWSGI_INI,
        "home/superset/app/superset_config.py": "SECRET_KEY = 'k' * 48\n",
        f"{VENV.lstrip('/')}/pyvenv.cfg": "home = /usr/bin\n",
        "etc/systemd/system/celeryd-superset.service": CELERYD_UNIT,
        "etc/default/celeryd-superset": CELERYD_ENV,
    })


def findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]


def test_uwsgi_ini_settings_are_read_as_uwsgi_reads_them() -> None:
    found = settings("[other]\nprocesses=1\n[uwsgi]\nsocket=/run/s.sock\nhttp-socket=:8080\n"
                     "processes=5    # comment\nlogto=/var/log/u.log\n")
    assert found["processes"] == ("5",)
    assert found["socket"] == ("unix:/run/s.sock",)
    assert found["http"] == (":8080",)
    assert found["logto"] == ("/var/log/u.log",)
    assert ini_path(["uwsgi", "--ini", "/a/u.ini"]) == "/a/u.ini"
    assert ini_path(["uwsgi", "--ini=/a/u.ini"]) == "/a/u.ini"
    assert ini_path(["uwsgi", "u.ini"]) == "u.ini"
    assert ini_path(["uwsgi", "--ini", "u.ini:prod"]) is None  # another section: not read


def test_celery_multi_start_is_a_worker_and_its_variables_come_from_the_environment() -> None:
    state = ShellState(env={"CELERY_APP": "superset.tasks.celery_app:app",
                            "CELERYD_OPTS": "--pool=gevent --concurrency=4"})
    [launch] = scan_script("/v/bin/celery multi start w1 -A $CELERY_APP $CELERYD_OPTS", "x",
                           state)
    assert launch.kind == "celery-worker"
    assert launch.option("app") == "superset.tasks.celery_app:app"
    assert launch.option("concurrency") == "4"
    # A variable the input does not set stays as written.
    [unknown] = scan_script("/v/bin/celery worker -A ${NOT_SET}", "x", ShellState())
    assert unknown.option("app") == "${NOT_SET}"


def test_units_read_their_uwsgi_ini_and_celery_environment_file(tmp_path: Path) -> None:
    root = host(tmp_path)
    problems: dict[str, str] = {}
    found = collect_services(UnitIndex.build(Tree.at(root), problems), problems)
    by_name = {s.name: s for s in found.services}
    web = by_name["superset.service"]
    assert web.launch.workers == 5
    assert web.launch.binds == ("unix:/var/run/superset/superset.sock",)
    assert [f.path for f in web.log_files] == ["/var/log/superset/uwsgi_superset.log"]
    assert by_name["celeryd-superset.service"].role == "worker"
    assert problems == {}


def test_verdicts_on_a_uwsgi_socket_host(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(host(tmp_path / "host")), "--style", "systemd")
    [workers] = findings(report, "SYSTEMD-AVAILABILITY-003")
    assert workers["status"] == "pass", workers  # processes=5, not "one worker"
    [tls] = findings(report, "SYSTEMD-PROXY-TLS-001")
    text = " ".join([tls["message"], *tls["evidence"]])
    assert "clients reach" not in text and "gunicorn" not in text, tls
    assert "unix:/var/run/superset/superset.sock" in text
    # The celery worker without Restart= is one of Superset's services and is judged.
    restart = {f["subject"]: f["status"] for f in findings(report, "SYSTEMD-SUPERVISION-001")}
    assert restart == {"superset.service": "pass", "celeryd-superset.service": "fail"}
    [backup] = findings(report, "SYSTEMD-BACKUPS-001")
    assert not any("archive_mode off" in e for e in backup["evidence"]), backup


def test_pip_project_reads_its_uwsgi_ini(tmp_path: Path) -> None:
    """The pip style, same server: ``uwsgi --ini uwsgi.ini`` from a start script."""
    root = write_tree(tmp_path / "project", {
        "requirements.txt": "apache-superset==4.0.1\nuwsgi==2.0.26\n",
        "start.sh": "#!/bin/sh\nexec venv/bin/uwsgi --ini uwsgi.ini\n",
        "uwsgi.ini": "[uwsgi]\nhttp-socket = 127.0.0.1:8088\nmodule = superset.app:create_app()\n"
                     "processes = 4\nlogto = /var/log/superset/uwsgi.log\n",
        "venv/pyvenv.cfg": "home = /usr/bin\n",
    })
    report = scan_report(tmp_path, str(root), "--style", "pip")
    status = {f["check_id"]: (f["status"], f["message"]) for t in report["targets"]
              for f in t["findings"]}
    assert status["PIP-AVAILABILITY-001"][0] == "pass"  # processes = 4
    assert status["PIP-LOAD-BALANCING-001"] == (
        "pass", "uwsgi spreads requests over 4 workers on one host")
    assert status["PIP-NETWORK-001"][0] == "pass"  # http-socket on loopback
    # logto: a file (not rotated here), not "the terminal".
    assert "terminal" not in status["PIP-LOGGING-001"][1]


SOCKET_UNIT = "[Socket]\nListenStream={listen}\n\n[Install]\nWantedBy=sockets.target\n"
ACTIVATED_UNIT = """
[Unit]
Requires=gunicorn.socket

[Service]
Type=notify
User=superset
ExecStart=/opt/superset/venv/bin/gunicorn -w 10 -b 127.0.0.1:8080 "superset.app:create_app()"

[Install]
WantedBy=multi-user.target
"""


def socket_host(root: Path, listen: str, enabled: bool = True) -> Path:
    """gunicorn.service without Restart= nor a .wants link, started by an enabled
    gunicorn.socket (the pattern of unipartdigital/puppet-superset's units)."""
    write_tree(root, {
        "etc/systemd/system/gunicorn.socket": SOCKET_UNIT.format(listen=listen),
        "etc/systemd/system/gunicorn.service": ACTIVATED_UNIT,
        "opt/superset/venv/pyvenv.cfg": "home = /usr/bin\n",
    })
    if enabled:
        wants = root / "etc/systemd/system/sockets.target.wants"
        wants.mkdir(parents=True)
        (wants / "gunicorn.socket").symlink_to("/etc/systemd/system/gunicorn.socket")
    return root


def test_a_socket_activated_service_is_restarted_and_started_by_its_socket(
        tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(socket_host(tmp_path / "host", "127.0.0.1:8080")),
                         "--style", "systemd")
    for check in ("SYSTEMD-SUPERVISION-001", "SYSTEMD-SUPERVISION-002"):
        [found] = findings(report, check)
        assert found["status"] == "pass", found
        assert "gunicorn.socket" in " ".join([found["message"], *found["evidence"]])


def test_a_socket_that_is_not_enabled_starts_nothing(tmp_path: Path) -> None:
    report = scan_report(tmp_path, str(socket_host(tmp_path / "host", "127.0.0.1:8080",
                                                   enabled=False)), "--style", "systemd")
    for check in ("SYSTEMD-SUPERVISION-001", "SYSTEMD-SUPERVISION-002"):
        [found] = findings(report, check)
        assert found["status"] == "fail", found


def test_gunicorn_listens_where_its_socket_unit_says(tmp_path: Path) -> None:
    """ListenStream=8080 is every interface, whatever -b 127.0.0.1:8080 says: gunicorn
    serves the file descriptors systemd passes it."""
    report = scan_report(tmp_path, str(socket_host(tmp_path / "host", "8080")),
                         "--style", "systemd")
    [bound] = findings(report, "SYSTEMD-NETWORK-003")
    assert bound["status"] == "fail", bound
    assert any("ListenStream" in e for e in bound["evidence"]), bound


def test_a_python_health_probe_on_a_timer_is_seen(tmp_path: Path) -> None:
    """QiMata/ansible's role: superset-health-check.timer runs health_check.py, which GETs
    f"{SUPERSET_URL}{HEALTH_ENDPOINT}" with the URL and the path on lines of their own."""
    root = write_tree(tmp_path / "host", {
        "etc/systemd/system/superset.service": "[Service]\nUser=superset\nRestart=always\n"
            "ExecStart=/opt/superset/venv/bin/gunicorn -w 4 -b 127.0.0.1:8088 "
            "superset.app:create_app()\n",
        "etc/systemd/system/superset-health-check.service":
            "[Service]\nType=oneshot\nExecStart=/opt/superset/venv/bin/python "
            "/opt/superset/health_check.py\n",
        "etc/systemd/system/superset-health-check.timer":
            "[Timer]\nOnCalendar=*:0/5\n\n[Install]\nWantedBy=timers.target\n",
        "opt/superset/health_check.py": 'import requests\nSUPERSET_URL = "http://127.0.0.1:8088"\n'
            'HEALTH_ENDPOINT = "/health"\n'
            'requests.get(f"{SUPERSET_URL}{HEALTH_ENDPOINT}", timeout=30)\n',
        "opt/superset/venv/pyvenv.cfg": "home = /usr/bin\n",
    })
    wants = root / "etc/systemd/system/timers.target.wants"
    wants.mkdir(parents=True)
    (wants / "superset-health-check.timer").symlink_to(
        "/etc/systemd/system/superset-health-check.timer")
    report = scan_report(tmp_path, str(root), "--style", "systemd")
    [found] = findings(report, "SYSTEMD-MONITORING-001")
    assert found["status"] == "pass", found
    assert "health probe" in found["message"], found
