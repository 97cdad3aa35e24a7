"""Unit tests that kill mutants of the systemd host checks the condition cases leave alive.

Each test pins a rule of one helper with literal inputs and outputs (issue 13, item 3);
the per-condition cases in tests/conditions/systemd_host.py cover the verdicts.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path

import pytest
from conditions import changed, dedent
from conditions.systemd_host import BASE, CRON, GUNICORN, HBA, NO_BACKUP, PGCONF, UNIT

from auditor.checks.common.tree import Tree
from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import security
from auditor.checks.systemd.checks_list import CHECKS
from auditor.checks.systemd.collect import collect
from auditor.checks.systemd.common import _port, app_routes
from auditor.checks.systemd.facts import (
    LIVE,
    PGLIVE,
    PROCESSES,
    SERVICES,
    LiveProcess,
    NginxConfig,
    PgLive,
    Processes,
    ProxyRoute,
    Server,
    ServiceSet,
)
from auditor.checks.systemd.hostconf import _logrotate, apt_reads
from auditor.checks.systemd.pglive import PgLiveError, describe, dsn_from_uri, read_live
from auditor.checks.systemd.postgres import listen_is_local, unquote
from auditor.checks.systemd.resources import memory_bytes
from auditor.checks.systemd.services import collect_services
from auditor.checks.systemd.storage import bool_off
from auditor.checks.systemd.units import UnitIndex
from auditor.model import Facts, Target, TargetKind


@pytest.mark.parametrize(("value", "off"), [
    ("off", True), ("of", True), ("OFF", True), ("0", True), ("f", True), ("false", True),
    ("n", True), ("no", True), (" off ", True),
    ("on", False), ("o", False), ("1", False), ("t", False), ("yes", False), ("", False),
    ("offf", False), ("nope", False), ("00", False), ("fa1se", False),
])
def test_bool_off_reads_postgresql_booleans(value: str, off: bool) -> None:
    assert bool_off(value) is off


@pytest.mark.parametrize(("name", "read"), [
    ("20auto-upgrades", True), ("50unattended-upgrades", True), ("99local.conf", True),
    ("a:b", True), ("x_y", True),
    ("20auto-upgrades.dpkg-old", False), ("20auto-upgrades.bak", False), (".hidden", False),
    ("trailing.", False), ("with space", False), ("tilde~", False), ("x.conf.bak", False),
    ("ünicode", False),
])
def test_apt_reads_only_what_apt_reads(name: str, read: bool) -> None:
    assert apt_reads(name) is read


# --- Live facts: what only a running host gives (memory, processes, pg_settings) --------
# The per-condition cases audit trees offline; these add the live facts to a collected
# tree, as 'auditor scan host' does, and pin each live branch with literals.

GIB = 1024**3


def _host_facts(tmp_path: Path, files: dict[str, str], **live: object) -> Facts:
    root = tmp_path / "host"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    facts = collect(Target("host", TargetKind.PATH, root=str(root), host_tree=True), {})
    return dataclasses.replace(facts, values={**facts.values, **live})


def _results(check_id: str, facts: Facts) -> list[tuple[str, str, str, tuple[str, ...]]]:
    (check,) = [c for c in CHECKS if c.id == check_id]
    return [(r.subject, r.status.value, r.message, r.evidence) for r in check.evaluate(facts)]


def _memory(total: int, available: int) -> HostLive:
    return HostLive(memory_total=total, memory_available=available, cpu_count=2)


def test_memory_limit_above_the_host_never_applies(tmp_path: Path) -> None:
    facts = _host_facts(tmp_path, BASE, **{LIVE: _memory(GIB, GIB // 2)})
    assert _results("SYSTEMD-RESOURCES-001", facts) == [
        ("superset.service", "warn", "2G is more than the host's 1.0 GiB: the limit never applies",
         ("MemoryMax=2G", "host memory: 0.5 GiB free of 1.0 GiB"))]


def test_memory_limit_equal_to_the_host_applies(tmp_path: Path) -> None:
    facts = _host_facts(tmp_path, BASE, **{LIVE: _memory(2 * GIB, GIB)})
    assert _results("SYSTEMD-RESOURCES-001", facts)[0][1:3] == (
        "pass", "memory bounded (MemoryMax=2G)")


@pytest.mark.parametrize(("available", "status"), [
    (GIB - 1, "warn"), (GIB, "pass"), (GIB + 1, "pass")])
def test_memory_headroom_boundary_is_ten_percent(tmp_path: Path, available: int,
                                                 status: str) -> None:
    facts = _host_facts(tmp_path, BASE, **{LIVE: _memory(10 * GIB, available)})
    ((_, found, message, evidence),) = _results("SYSTEMD-RESOURCES-001", facts)
    assert found == status
    if status == "warn":
        assert message == "memory is bounded but the host has less than 10% free right now"
    assert evidence[1] == "host memory: 1.0 GiB free of 10.0 GiB"


def test_memory_percent_limit_against_the_host(tmp_path: Path) -> None:
    files = changed(BASE, {UNIT: dedent(BASE[UNIT]).replace("MemoryMax=2G", "MemoryMax=150%")})
    facts = _host_facts(tmp_path, files, **{LIVE: _memory(4 * GIB, 2 * GIB)})
    assert _results("SYSTEMD-RESOURCES-001", facts)[0][1:3] == (
        "warn", "150% is more than the host's 4.0 GiB: the limit never applies")


@pytest.mark.parametrize(("value", "total", "expected"), [
    ("4G", None, 4 * GIB), ("512M", None, 512 * 1024**2), ("1T", None, 1024**4),
    ("2048K", None, 2 * 1024**2), ("100", None, 100), ("1.5G", None, int(1.5 * GIB)),
    (" 4g ", None, 4 * GIB), ("50%", 1000, 500), ("50%", None, None), ("x%", 1000, None),
    ("infinity", None, None), ("4X", None, None),
])
def test_memory_bytes(value: str, total: int | None, expected: int | None) -> None:
    assert memory_bytes(value, total) == expected


def _proc(pid: int, *cmdline: str) -> LiveProcess:
    return LiveProcess(pid=pid, name=cmdline[0].rsplit("/", 1)[-1], cmdline=cmdline,
                       user="superset", ppid=1)


def test_restart_with_the_process_running(tmp_path: Path) -> None:
    running = Processes((_proc(7, "/usr/bin/python3", "/usr/sbin/cron"),
                         _proc(42, "/opt/superset/venv/bin/gunicorn", "-w", "4",
                               "superset.app:create_app()")))
    facts = _host_facts(tmp_path, BASE, **{PROCESSES: running})
    assert _results("SYSTEMD-SUPERVISION-001", facts) == [
        ("superset.service", "pass", "Restart=on-failure: systemd restarts it when it dies",
         ("Restart=on-failure (/etc/systemd/system/superset.service:9)",
          "running now: pid 42"))]


def test_restart_with_no_process_running(tmp_path: Path) -> None:
    idle = Processes((_proc(9, "/usr/bin/gunicorn", "other.app:app"),
                      _proc(10, "/usr/bin/celery", "-A", "superset.tasks.celery_app", "worker")))
    facts = _host_facts(tmp_path, BASE, **{PROCESSES: idle})
    assert _results("SYSTEMD-SUPERVISION-001", facts) == [
        ("superset.service", "warn", "Restart=on-failure, but no such process runs now",
         ("Restart=on-failure (/etc/systemd/system/superset.service:9)", "not running now"))]


def test_a_worker_is_found_by_celery(tmp_path: Path) -> None:
    worker = changed(BASE, {UNIT: dedent(BASE[UNIT]).replace(
        GUNICORN, "/opt/superset/venv/bin/celery --app=superset.tasks.celery_app:app worker")})
    procs = Processes((_proc(5, "/opt/superset/venv/bin/celery",
                             "--app=superset.tasks.celery_app:app", "worker"),))
    facts = _host_facts(tmp_path, worker, **{PROCESSES: procs})
    assert _results("SYSTEMD-SUPERVISION-001", facts)[0][3][1] == "running now: pid 5"


LIVE_DB = "postgresql db.internal:5432/superset"


def _pg(**settings: str) -> PgLive:
    return PgLive(label="db.internal:5432/superset", settings=settings)


def test_live_durability_settings(tmp_path: Path) -> None:
    facts = _host_facts(tmp_path, BASE, **{PGLIVE: _pg(fsync="off", full_page_writes="on")})
    assert _results("SYSTEMD-STORAGE-001", facts) == [
        (LIVE_DB, "fail", "fsync = off: a power cut or crash can corrupt the database",
         ("fsync = off (live setting)", "full_page_writes = on (live setting)"))]


@pytest.mark.parametrize(("free", "status"), [(9, "warn"), (10, "pass"), (11, "pass")])
def test_disk_headroom_boundary_is_ten_percent(tmp_path: Path, free: int, status: str) -> None:
    data = "/var/lib/postgresql/15/main"
    host = HostLive(memory_total=GIB, memory_available=GIB, cpu_count=1,
                    disk_free={"/": (100 * GIB, 90 * GIB), data: (100 * GIB, free * GIB)})
    facts = _host_facts(tmp_path, BASE, **{LIVE: host})
    ((_, found, message, evidence),) = _results("SYSTEMD-STORAGE-001", facts)
    assert found == status
    if status == "warn":
        assert message == ("durable, but only 9 GiB free (9%) where the database lives")
        assert evidence[-1] == f"disk: {9 * GIB} of {100 * GIB} bytes free"


def test_live_archiving_passes_and_goes_off_host(tmp_path: Path) -> None:
    files = changed(BASE, {CRON: None})
    live = _pg(archive_mode="on", archive_command="wal-g wal-push %p")
    facts = _host_facts(tmp_path, files, **{PGLIVE: live})
    assert _results("SYSTEMD-BACKUPS-001", facts) == [
        ("metadata-database", "pass", "continuous WAL archiving",
         ("live db.internal:5432/superset: archive_command wal-g wal-push %p",))]
    assert _results("SYSTEMD-BACKUPS-002", facts) == [
        ("metadata-database", "pass", "backups are copied off the host",
         ("live db.internal:5432/superset: archive_command -> wal-g (object storage)",))]


@pytest.mark.parametrize("settings", [
    {"archive_mode": "off", "archive_command": "wal-g wal-push %p"},
    {"archive_mode": "on", "archive_command": "/bin/true"},
    {"archive_mode": "on", "archive_command": ""},
])
def test_live_archiving_that_archives_nothing(tmp_path: Path, settings: dict[str, str]) -> None:
    facts = _host_facts(tmp_path, changed(BASE, {CRON: None}), **{PGLIVE: _pg(**settings)})
    assert _results("SYSTEMD-BACKUPS-001", facts)[0][1] == "fail"


def test_live_archive_library_counts(tmp_path: Path) -> None:
    live = _pg(archive_mode="always", archive_library="basic_archive")
    facts = _host_facts(tmp_path, changed(BASE, {CRON: None}), **{PGLIVE: live})
    assert _results("SYSTEMD-BACKUPS-001", facts) == [
        ("metadata-database", "pass", "continuous WAL archiving",
         ("live db.internal:5432/superset: archive_command basic_archive",))]


def test_live_archiver_stale_warns(tmp_path: Path) -> None:
    live = dataclasses.replace(_pg(archive_mode="on", archive_command="cp %p /mnt/%f"),
                               archiver_stale=True, last_archived_time="2026-12-01 02:00")
    facts = _host_facts(tmp_path, BASE, **{PGLIVE: live})
    assert _results("SYSTEMD-BACKUPS-001", facts) == [
        ("metadata-database", "warn", "1 scheduled backup job(s) and continuous WAL archiving, "
         "but no WAL was archived in the last day",
         ("/etc/cron.d/pg-backup:1 (30 2 * * *): pg_dump",
          "live db.internal:5432/superset: archive_command cp %p /mnt/%f",
          "last archived at 2026-12-01 02:00"))]


@pytest.mark.parametrize(("failed", "last_failed", "last_archived", "failing"), [
    (3, "2026-12-06 10:00", "2026-12-06 09:00", True),
    (3, "2026-12-06 08:00", "2026-12-06 09:00", False),
    (3, "2026-12-06 08:00", None, True),
    (0, "2026-12-06 10:00", "2026-12-06 09:00", False),
])
def test_live_archiver_failing(tmp_path: Path, failed: int, last_failed: str,
                               last_archived: str | None, failing: bool) -> None:
    live = dataclasses.replace(_pg(archive_mode="on", archive_command="cp %p /mnt/%f"),
                               failed_count=failed, last_failed_time=last_failed,
                               last_archived_time=last_archived)
    facts = _host_facts(tmp_path, BASE, **{PGLIVE: live})
    ((_, status, message, evidence),) = _results("SYSTEMD-BACKUPS-001", facts)
    if failing:
        assert (status, message) == ("fail", "WAL archiving is configured but failing")
        assert evidence[-1] == (f"pg_stat_archiver: {failed} failed attempt(s), last at "
                                f"{last_failed}; last success {last_archived or 'never'}")
    else:
        assert status == "pass"


@pytest.mark.parametrize(("value", "status"), [("scram-sha-256", "pass"), ("md5", "fail")])
def test_live_password_encryption(tmp_path: Path, value: str, status: str) -> None:
    facts = _host_facts(tmp_path, BASE, **{PGLIVE: _pg(password_encryption=value)})
    results = _results("SYSTEMD-CONFIG-SECRETS-003", facts)
    assert results[0] == (LIVE_DB, status, f"the live server stores passwords as {value}",
                          (f"SHOW password_encryption = {value} (live)",))
    assert [r[0] for r in results] == [LIVE_DB, "postgresql 15/main"]


def test_live_password_encryption_without_a_cluster(tmp_path: Path) -> None:
    files = changed(BASE, {PGCONF: None, HBA: None})
    facts = _host_facts(tmp_path, files, **{PGLIVE: _pg(password_encryption="md5")})
    assert [r[:2] for r in _results("SYSTEMD-CONFIG-SECRETS-003", facts)] == [(LIVE_DB, "fail")]


@pytest.mark.parametrize(("uri", "dsn"), [
    ("postgresql+psycopg2://u:p@h:5432/db", "postgresql://u:p@h:5432/db"),
    ("postgres://u@h/db", "postgresql://u@h/db"),
    ("PostgreSQL://h/db", "postgresql://h/db"),
    ("mysql://u@h/db", None), ("sqlite:////var/lib/superset/superset.db", None),
    ("postgresql", None),
])
def test_dsn_from_uri(uri: str, dsn: str | None) -> None:
    assert dsn_from_uri(uri) == dsn


# --- Exposure as systemd-analyze rates it ---------------------------------------------------
# Each expected score and level is what `systemd-analyze security --offline=true` (systemd
# 252) printed for the same unit file; the [Service] head is ExecStart= plus the lines shown.
EXPOSURES = [
    ("User=superset\n",
     9.2, 'UNSAFE'),
    ("User=superset\n"
     "RestrictNamespaces=uts ipc\n"
     "RestrictAddressFamilies=AF_INET AF_NETLINK\n"
     "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SYS_ADMIN\n"
     "SystemCallFilter=@system-service\n",
     4.7, 'OK'),
    ("User=superset\n"
     "RestrictNamespaces=~user net\n"
     "RestrictAddressFamilies=~AF_PACKET\n"
     "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE\n"
     "SystemCallFilter=~@mount @debug\n"
     "PrivateDevices=yes\n"
     "ProtectClock=yes\n",
     6.9, 'MEDIUM'),
    ("User=superset\n"
     "RestrictNamespaces=yes\n"
     "RestrictAddressFamilies=AF_UNIX\n"
     "CapabilityBoundingSet=\n"
     "SystemCallFilter=@system-service\n"
     "SystemCallFilter=~@privileged @resources\n"
     "AmbientCapabilities=CAP_NET_BIND_SERVICE\n"
     "DevicePolicy=closed\n"
     "ProtectProc=invisible\n"
     "ProcSubset=pid\n"
     "UMask=0077\n",
     3.4, 'OK'),
    ("DynamicUser=yes\n"
     "RestrictAddressFamilies=AF_INET AF_INET6\n"
     "RestrictNamespaces=cgroup pid\n"
     "NoNewPrivileges=y\n",
     7.4, 'MEDIUM'),
    ("User=nobody\n"
     "ProtectSystem=full\n"
     "ProtectHome=read-only\n"
     "PrivateNetwork=yes\n"
     "IPAddressDeny=any\n",
     8.7, 'EXPOSED'),
    ("User=superset\n"
     "ProtectSystem=yes\n"
     "ProtectHome=tmpfs\n"
     "RestrictAddressFamilies=none\n"
     "SystemCallArchitectures=native\n"
     "KeyringMode=private\n"
     "NotifyAccess=all\n"
     "RemoveIPC=yes\n",
     8.2, 'EXPOSED'),
    ("User=root\n"
     "Delegate=yes\n"
     "PrivateUsers=yes\n"
     "PrivateMounts=yes\n"
     "LockPersonality=yes\n"
     "MemoryDenyWriteExecute=yes\n"
     "RestrictRealtime=yes\n"
     "RestrictSUIDSGID=yes\n"
     "ProtectHostname=yes\n",
     8.9, 'EXPOSED'),
    ("User=superset\n"
     "CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETUID CAP_SETGID "
     "CAP_NET_ADMIN CAP_NET_RAW\n"
     "AmbientCapabilities=CAP_NET_RAW\n"
     "SystemCallFilter=@basic-io @file-system\n"
     "RestrictNamespaces=~cgroup\n"
     "DevicePolicy=strict\n"
     "ProtectProc=noaccess\n",
     5.7, 'MEDIUM'),
    ("User=superset\n"
     "SystemCallFilter=~@clock @cpu-emulation @debug @module @mount @obsolete "
     "@privileged @raw-io @reboot @resources @swap\n"
     "RestrictAddressFamilies=~AF_INET AF_INET6\n"
     "ProtectKernelTunables=yes\n"
     "ProtectKernelModules=yes\n"
     "ProtectKernelLogs=yes\n"
     "ProtectControlGroups=yes\n"
     "PrivateTmp=yes\n"
     "NoNewPrivileges=yes\n",
     6.0, 'MEDIUM'),
    # An allow-list naming a family beyond the five rated alone ("exotic sockets").
    ("User=superset\n"
     "RestrictAddressFamilies=AF_UNIX AF_BLUETOOTH\n",
     8.7, 'EXPOSED'),
]


@pytest.mark.parametrize(("settings", "score", "level"), EXPOSURES)
def test_exposure_matches_systemd_analyze(tmp_path: Path, settings: str, score: float,
                                          level: str) -> None:
    unit = tmp_path / "etc/systemd/system/x.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/opt/superset/venv/bin/gunicorn app\n" + settings)
    # The rules table is built by factories (_bool, _syscalls...) when the module is
    # imported; reloading it runs them inside this test, so a mutant in a factory is
    # judged by these scores, not only by whichever test first imported the module.
    fresh = importlib.reload(security)
    rated = fresh.exposure(UnitIndex.build(Tree.at(tmp_path), {}).load("x.service"))
    assert (rated.score, rated.level) == (score, level)


# --- logrotate rules ---------------------------------------------------------------------------

def test_logrotate_patterns_on_lines_before_the_brace() -> None:
    text = "# superset\n/var/log/a.log\n/var/log/b.log\n{\n    rotate 7\n}\n"
    (rule,) = _logrotate(text, "/etc/logrotate.d/x", 0)
    assert (rule.patterns, rule.line, rule.bounded) == (("/var/log/a.log", "/var/log/b.log"),
                                                       2, True)


def test_logrotate_rotate_with_a_word_is_ignored() -> None:
    (rule,) = _logrotate("/var/log/a.log {\n    rotate X5\n}\n", "/etc/logrotate.d/x", -1)
    assert (rule.line, rule.bounded) == (1, False)


@pytest.mark.parametrize("value", ["false", "off"])
def test_restrict_namespaces_off_spellings(tmp_path: Path, value: str) -> None:
    # systemd-analyze: 9.2 UNSAFE, the same as no RestrictNamespaces= at all.
    unit = tmp_path / "etc/systemd/system/x.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/opt/superset/venv/bin/gunicorn app\n"
                    f"User=superset\nRestrictNamespaces={value}\n")
    fresh = importlib.reload(security)
    rated = fresh.exposure(UnitIndex.build(Tree.at(tmp_path), {}).load("x.service"))
    assert (rated.score, rated.level) == (9.2, "UNSAFE")


# --- Small helpers the verdict cases reach only through equal transformations ---------------

@pytest.mark.parametrize(("dsn", "label", "password"), [
    ("postgresql://alice@db.internal/", "db.internal:5432/alice", None),
    ("postgresql://alice:pw@db.internal:5433/meta", "db.internal:5433/meta", "pw"),
    ("host=/run/postgresql dbname=superset", "/run/postgresql:5432/superset", None),
    ("not a dsn ===", "the given DSN", None),
])
def test_describe_names_host_port_and_database(dsn: str, label: str,
                                               password: str | None) -> None:
    assert describe(dsn) == (label, password)


@pytest.mark.parametrize(("address", "port"), [
    ("127.0.0.1:8088", "8088"), ("unix:/run/superset.sock", "unix:/run/superset.sock"),
    ("[::1]:8088", "8088"), ("8088", "8088"),
])
def test_port_of_an_address(address: str, port: str) -> None:
    assert _port(address) == port


@pytest.mark.parametrize(("value", "local"), [
    ("", True), (" , ", True), ("localhost", True), ("127.0.0.1", True), ("::1", True),
    ("127.0.1.1", True), ("localhost, 127.0.0.1", True), ("*", False), ("0.0.0.0", False),
    ("localhost,10.0.0.5", False),
])
def test_listen_is_local(value: str, local: bool) -> None:
    assert listen_is_local(value) is local


@pytest.mark.parametrize(("module", "found"), [
    ("from superset.app import create_app\napp = create_app()\n", True),
    ("from flask import Flask\napp = Flask('exporter')\n", False),
])
def test_gunicorn_chdir_module_decides_superset(tmp_path: Path, module: str,
                                                found: bool) -> None:
    unit = tmp_path / "etc/systemd/system/web.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\nExecStart=/opt/venv/bin/gunicorn --chdir /srv/app -w 2 "
                    "wsgi:app\n")
    (tmp_path / "srv/app").mkdir(parents=True)
    (tmp_path / "srv/app/wsgi.py").write_text(module)
    services = collect_services(UnitIndex.build(Tree.at(tmp_path), {}), {})
    assert [s.name for s in services.services] == (["web.service"] if found else [])


def test_read_live_without_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg raises ImportError
    with pytest.raises(PgLiveError) as caught:
        read_live("postgresql://u@db.internal/superset")
    assert str(caught.value) == "psycopg is not installed (pip install 'psycopg[binary]')"


def _route(backend: str, upstream: str | None) -> ProxyRoute:
    return ProxyRoute(match="/", target=f"http://{upstream or backend}", backends=(backend,),
                      upstream=upstream, headers={}, proxy_headers={}, read_timeout=60.0,
                      read_timeout_source="default", path="/etc/nginx/sites-enabled/x",
                      line=3)


def test_app_routes_match_by_port_or_by_a_superset_upstream(tmp_path: Path) -> None:
    facts = _host_facts(tmp_path, BASE)
    found = facts.get(SERVICES, ServiceSet)
    by_port = _route("127.0.0.1:8088", "grafana")
    by_name = _route("10.0.0.7:9000", "Superset_Backend")
    other = _route("127.0.0.1:3000", "grafana")
    server = Server(names=("bi.example.org",), listens=(), path="/etc/nginx/x", line=1,
                    tls=True, routes=(by_port, by_name, other))
    routes = app_routes(NginxConfig(present=True, servers=(server,)), found)
    assert [(r.backends, matched) for _, r, matched in routes] == [
        (("127.0.0.1:8088",), True), (("10.0.0.7:9000",), True)]


@pytest.mark.parametrize(("raw", "value"), [
    ("'it''s'", "it's"), (r"'a\'b'", "a'b"), (r"'C:\\x'", "C:\\x"), ("off  # comment", "off"),
    ("'/var/lib/pg' # data", "/var/lib/pg"),
])
def test_postgresql_conf_unquote(raw: str, value: str) -> None:
    assert unquote(raw) == value


class _Cursor:
    """Answers read_live's four queries as a PostgreSQL standby would."""

    def __init__(self, queries: list[str]) -> None:
        self.queries = queries

    def __enter__(self) -> _Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, params: object = None) -> None:
        self.queries.append(sql)

    def fetchall(self) -> list[tuple[str, str]]:
        return [("fsync", "on"), ("archive_mode", "always")]

    def fetchone(self) -> tuple[object, ...]:
        last = self.queries[-1]
        if "pg_is_in_recovery" in last:
            return ("16.4", True)
        if "pg_stat_archiver" in last:
            return (7, "2026-12-01 10:00:00+00", 2, "2026-12-02 11:00:00+00", False)
        return (1,)


class _Connection:
    def __init__(self) -> None:
        self.queries: list[str] = []
        self.read_only = False
        self.rolled_back = False

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def cursor(self) -> _Cursor:
        return _Cursor(self.queries)

    def rollback(self) -> None:
        self.rolled_back = True


def test_read_live_reads_a_standby_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No live suite has a standby: psycopg's connect answers as one."""
    import psycopg

    conn = _Connection()
    calls: list[tuple[str, dict[str, object]]] = []

    def connect(dsn: str, **kwargs: object) -> _Connection:
        calls.append((dsn, kwargs))
        return conn

    monkeypatch.setattr(psycopg, "connect", connect)
    live = read_live("postgresql://u:pw@db.internal/meta", timeout=2.5)
    assert calls == [("postgresql://u:pw@db.internal/meta", {
        "connect_timeout": 2, "autocommit": False,
        "options": "-c default_transaction_read_only=on -c statement_timeout=2500",
        "application_name": "deploy-auditor"})]
    assert (conn.read_only, conn.rolled_back) == (True, True)
    assert live == PgLive(label="db.internal:5432/meta",
                          settings={"fsync": "on", "archive_mode": "always"},
                          archived_count=7, last_archived_time="2026-12-01 10:00:00+00",
                          failed_count=2, last_failed_time="2026-12-02 11:00:00+00",
                          archiver_stale=False, in_recovery=True, replicas=1, version="16.4")


@pytest.mark.parametrize(("dsn", "error", "message"), [
    ("postgresql://u:s3cret@db.internal:5433/meta", "password s3cret rejected\nmore",
     "db.internal:5433/meta: password *** rejected"),
    ("host=db.internal dbname=meta", 'cannot parse "host=db.internal dbname=meta"',
     'db.internal:5432/meta: cannot parse "the given DSN"'),
    ("host=db.internal dbname=meta", "", "db.internal:5432/meta: OperationalError"),
])
def test_read_live_error_names_the_server_not_the_password(
        monkeypatch: pytest.MonkeyPatch, dsn: str, error: str, message: str) -> None:
    import psycopg

    def connect(dsn: str, **kwargs: object) -> _Connection:
        raise psycopg.OperationalError(error)

    monkeypatch.setattr(psycopg, "connect", connect)
    with pytest.raises(PgLiveError) as caught:
        read_live(dsn, timeout=0.2)
    assert str(caught.value) == message


# --- live.py: what the running machine answers, stood in for ----------------------------------

NGINX_T = ("# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp {\n"
           "    include /etc/nginx/conf.d/*.conf;\n}\n\n"
           "# configuration file /etc/nginx/conf.d/superset.conf:\nserver {\n    listen 8443;\n"
           "    location / {\n        proxy_pass http://127.0.0.1:8088;\n    }\n}\n")


def _nginx_answers(monkeypatch: pytest.MonkeyPatch,
                   answer: tuple[int, str, str]) -> list[list[str]]:
    from auditor.checks.systemd import live

    calls: list[list[str]] = []

    def run(argv: list[str]) -> tuple[int, str, str]:
        calls.append(argv)
        return answer

    monkeypatch.setattr(live.shutil, "which", lambda name: f"/usr/sbin/{name}")
    monkeypatch.setattr(live, "_run", run)
    return calls


def test_nginx_dump_is_read_file_by_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.systemd.live import nginx_dump

    calls = _nginx_answers(monkeypatch, (0, NGINX_T, ""))
    problems: dict[str, str] = {}
    config = nginx_dump(problems)
    assert calls == [["/usr/sbin/nginx", "-T", "-q"]]
    assert problems == {}
    assert config is not None
    assert (config.main, config.files, config.source) == (
        "/etc/nginx/nginx.conf", ("/etc/nginx/nginx.conf", "/etc/nginx/conf.d/superset.conf"),
        "nginx -T")
    (server,) = config.servers
    assert (server.path, [listen.port for listen in server.listens]) == (
        "/etc/nginx/conf.d/superset.conf", [8443])
    assert [route.backends for route in server.routes] == [("127.0.0.1:8088",)]


def test_nginx_dump_that_fails_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.systemd.live import nginx_dump

    _nginx_answers(monkeypatch, (1, "", "nginx: [warn] x\nnginx: [emerg] open() failed\n"))
    problems: dict[str, str] = {}
    assert nginx_dump(problems) is None
    assert problems == {"nginx -T": "failed (nginx: [emerg] open() failed); read /etc/nginx "
                                    "from files instead"}


def test_a_command_that_cannot_start_says_why() -> None:
    from auditor.checks.systemd.live import _run

    assert _run(["/nonexistent/deploy-auditor-test"]) == (
        127, "", "[Errno 2] No such file or directory: '/nonexistent/deploy-auditor-test'")


def test_live_processes_keep_their_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.common import live as common_live
    from auditor.checks.common.live import ProcessInfo
    from auditor.checks.systemd.live import live_state

    gunicorn = ProcessInfo(pid=41, ppid=1, name="gunicorn",
                           cmdline=("/opt/venv/bin/gunicorn", "superset.app:create_app()"),
                           user="superset", cwd=None, parents=(), environ=None)
    monkeypatch.setattr(common_live, "processes", lambda words, found: [gunicorn])
    problems: dict[str, str] = {}
    _, found = live_state([], problems)
    assert found == Processes((LiveProcess(pid=41, name="gunicorn",
                                           cmdline=("/opt/venv/bin/gunicorn",
                                                    "superset.app:create_app()"),
                                           user="superset", ppid=1),))


class _EmptyCursor(_Cursor):
    """A server whose statistics views answer no row at all."""

    def fetchone(self) -> tuple[object, ...] | None:  # type: ignore[override]
        return None


def test_read_live_without_statistics_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    conn = _Connection()
    monkeypatch.setattr(conn, "cursor", lambda: _EmptyCursor(conn.queries))
    monkeypatch.setattr(psycopg, "connect", lambda dsn, **kwargs: conn)
    live = read_live("postgresql://u@db.internal/meta")
    assert live == PgLive(label="db.internal:5432/meta",
                          settings={"fsync": "on", "archive_mode": "always"})


@pytest.mark.parametrize("keyword", ["postrotate", "prerotate", "firstaction", "lastaction",
                                     "preremove"])
def test_logrotate_script_lines_are_not_directives(keyword: str) -> None:
    """A shell brace group closing inside a script does not close the rule."""
    text = (f"/var/log/a.log {{\n    {keyword}\n        {{\n            systemctl reload x\n"
            "        } || true\n    endscript\n    rotate 7\n}\n")
    (rule,) = _logrotate(text, "/etc/logrotate.d/x", -1)
    assert (rule.patterns, rule.bounded) == (("/var/log/a.log",), True)


def test_logrotate_brace_right_after_the_pattern() -> None:
    (rule,) = _logrotate("/var/log/a.log{\n    rotate 7\n}\n", "/etc/logrotate.d/x", -1)
    assert (rule.patterns, rule.line, rule.bounded) == (("/var/log/a.log",), 1, True)


def test_pg_hba_continuation_lines_join_at_the_backslash() -> None:
    from auditor.checks.systemd.postgres import _lines

    text = "host all all 10.0.0.0/8 \\\n    scram-sha-256\nlocal all all peer\n"
    assert list(_lines(text)) == [(1, "host all all 10.0.0.0/8      scram-sha-256"),
                                  (3, "local all all peer")]


@pytest.mark.parametrize(("command", "shown"), [
    ("pg_dump --password=s3cret superset", "pg_dump --password=*** superset"),
    ("x" * 160, "x" * 160),
    ("x" * 161, "x" * 157 + "..."),
])
def test_job_commands_are_masked_and_cut_at_160(command: str, shown: str) -> None:
    from auditor.checks.systemd.jobs import _mask

    assert _mask(command) == shown


def test_environment_file_wildcards_expand_in_their_directory(tmp_path: Path) -> None:
    from auditor.checks.systemd.services import _expand_glob

    (tmp_path / "etc/superset").mkdir(parents=True)
    for name in ("a.env", "b.conf"):
        (tmp_path / "etc/superset" / name).write_text("A=1\n")
    tree = Tree.at(tmp_path)
    assert _expand_glob(tree, "/etc/superset/*.env") == ["/etc/superset/a.env"]
    assert _expand_glob(tree, "/etc/superset/b.conf") == ["/etc/superset/b.conf"]


@pytest.mark.parametrize(("raw", "value"), [
    ('""', ""), ("''", ""), ('"a\\"b"', 'a"b'), ("'x'", "x"), ("x # note", "x"), ('"', '"'),
])
def test_environment_file_values_unquoted(raw: str, value: str) -> None:
    from auditor.checks.systemd.unitfile import _unquote

    assert _unquote(raw) == value


def test_apt_scopes_close_at_their_brace() -> None:
    from auditor.checks.systemd.hostconf import _apt_file

    values: dict[str, object] = {}
    text = ('APT {\n  Periodic {\n    Update-Package-Lists "1";\n  };\n};\n'
            'Unattended-Upgrade::Mail "root";\n')
    _apt_file(text, "/etc/apt/apt.conf.d/50x", values, {})  # type: ignore[arg-type]
    assert sorted(values) == ["apt::periodic::update-package-lists", "unattended-upgrade::mail"]


@pytest.mark.parametrize(("directive", "problems"), [
    ("include_if_exists", {}),
    ("include", {"file /etc/postgresql/16/main/missing.conf": "not found"}),
])
def test_postgresql_conf_includes(tmp_path: Path, directive: str,
                                  problems: dict[str, str]) -> None:
    from auditor.checks.systemd.postgres import _read_conf

    main = tmp_path / "etc/postgresql/16/main"
    main.mkdir(parents=True)
    (main / "postgresql.conf").write_text(f"{directive} = 'extra.conf'\n"
                                          f"{directive} = 'missing.conf'\n")
    (main / "extra.conf").write_text("fsync = off\n")
    settings: dict[str, object] = {}
    found: dict[str, str] = {}
    _read_conf(Tree.at(tmp_path), "/etc/postgresql/16/main/postgresql.conf",
               settings, found, 0, True)  # type: ignore[arg-type]
    assert [(k, v.value) for k, v in settings.items()] == [("fsync", "off")]  # type: ignore[attr-defined]
    assert found == problems


def test_apt_list_entries_are_all_kept() -> None:
    from auditor.checks.systemd.hostconf import _apt_file

    lists: dict[str, list[str]] = {}
    text = ('Unattended-Upgrade::Origins-Pattern {\n'
            '  "origin=Debian,codename=${distro_codename}";\n'
            '  "origin=Debian,label=Debian-Security";\n};\n')
    _apt_file(text, "/etc/apt/apt.conf.d/50unattended-upgrades", {}, lists)
    assert lists == {"unattended-upgrade::origins-pattern": [
        "origin=Debian,codename=${distro_codename}", "origin=Debian,label=Debian-Security"]}


@pytest.mark.parametrize(("found", "text"), [
    (["a", "b", "c", "d", "e", "f"], "a, b, c, d, e, f"),
    (["a", "b", "c", "d", "e", "f", "g"], "a, b, c, d, e, f and 1 more"),
])
def test_exposure_lists_six_items_then_counts(found: list[str], text: str) -> None:
    assert security.describe(found) == text


def test_a_beat_unit_is_counted_for_the_superset_checks(tmp_path: Path) -> None:
    beat = changed(BASE, {UNIT: dedent(BASE[UNIT]).replace(
        GUNICORN, "/opt/superset/venv/bin/celery --app=superset.tasks.celery_app:app beat")})
    topology = _host_facts(tmp_path, beat).values["superset.config"].topology  # type: ignore[attr-defined]
    assert (topology.web, topology.workers, topology.beats, topology.evidence) == (
        0, 0, 1, ("superset.service: beat",))


# --- Survivors of the session 4 run (commit 07821de) ------------------------------------------

def test_only_words_before_the_first_brace_are_patterns() -> None:
    # Mutant: the patterns were cut at the last brace of the line (rsplit).
    rules = list(_logrotate("/var/log/a.log { /var/log/b.log {\nrotate 4\n}\n", "/etc/lr", -1))
    assert [(rule.patterns, rule.line) for rule in rules] == [(("/var/log/a.log",), 1)]


@pytest.mark.parametrize(("text", "found"), [
    ("JUSTANAME\nKEY=v\n", {"KEY": ("v", "/etc/app.env:2")}),
    ("1BAD=x\nKEY=v\n", {"KEY": ("v", "/etc/app.env:2")}),
    ("BAD-NAME=x\n", {}),
])
def test_environment_file_keeps_only_named_assignments(text: str,
                                                       found: dict[str, tuple[str, str]]) -> None:
    # Mutant: a line was skipped only when it lacked both the '=' and a valid name.
    from auditor.checks.systemd.unitfile import env_file

    read = env_file(text, "/etc/app.env")
    assert {name: (v.value, v.source) for name, v in read.items()} == found


def test_nginx_fact_is_read_as_an_nginx_config() -> None:
    # Mutant: the fact was asked for with no type (None), which raises TypeError.
    from auditor.checks.systemd.common import nginx
    from auditor.model import Style

    config = NginxConfig(present=True, main="/etc/nginx/nginx.conf")
    assert nginx(Facts(Style.SYSTEMD, values={"systemd.nginx": config})) is config


def _ufw_answers(monkeypatch: pytest.MonkeyPatch, answer: tuple[int, str, str]) -> list[list[str]]:
    from auditor.checks.systemd import live

    calls: list[list[str]] = []

    def run(argv: list[str]) -> tuple[int, str, str]:
        calls.append(argv)
        return answer

    monkeypatch.setattr(live.shutil, "which", lambda name: f"/usr/sbin/{name}")
    monkeypatch.setattr(live, "_run", run)
    return calls


def test_ufw_status_is_asked_when_ufw_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.checks.systemd.facts import Ufw
    from auditor.checks.systemd.live import ufw_status

    calls = _ufw_answers(monkeypatch, (0, "Status: inactive\n", ""))
    problems: dict[str, str] = {}
    status = ufw_status(Ufw(installed=True), problems)
    assert calls == [["/usr/sbin/ufw", "status", "verbose"]]
    assert problems == {}
    assert status is not None
    assert (status.enabled, status.source) == (False, "ufw status verbose")


def test_ufw_status_refused_names_the_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    # Mutant: only nginx's [emerg] was picked, so the last line (not ufw's ERROR) was named.
    from auditor.checks.systemd.facts import Ufw
    from auditor.checks.systemd.live import ufw_status

    _ufw_answers(monkeypatch, (1, "", "ERROR: You need to be root to run this script\n"
                                     "see ufw(8)\n"))
    problems: dict[str, str] = {}
    assert ufw_status(Ufw(installed=True), problems) is None
    assert problems == {"ufw status": "failed (ERROR: You need to be root to run this script); "
                                      "read /etc/ufw instead"}


def test_apt_value_before_any_name_is_ignored() -> None:
    # Mutant: the name started as "" instead of None, so a stray leading string was a setting.
    from auditor.checks.systemd.facts import PgSetting
    from auditor.checks.systemd.hostconf import _apt_file

    values: dict[str, PgSetting] = {}
    text = '"stray";\nAPT::Periodic::Update-Package-Lists "1";\n'
    _apt_file(text, "/etc/apt/apt.conf.d/20x", values, {})
    assert {k: v.value for k, v in values.items()} == {
        "apt::periodic::update-package-lists": "1"}


def test_apt_trailing_comment_is_not_read() -> None:
    # Mutant: the pattern for a // comment after a setting never matched.
    from auditor.checks.systemd.facts import PgSetting
    from auditor.checks.systemd.hostconf import _apt_file

    values: dict[str, PgSetting] = {}
    text = 'APT::Periodic::Unattended-Upgrade "1";  // was "0" before\n'
    _apt_file(text, "/etc/apt/apt.conf.d/20auto-upgrades", values, {})
    assert {k: v.value for k, v in values.items()} == {
        "apt::periodic::unattended-upgrade": "1"}


def test_gunicorn_python_config_is_a_module_not_a_file(tmp_path: Path) -> None:
    # Mutant: --config python:module was read as a file relative to the chdir.
    unit = tmp_path / "etc/systemd/system/superset.service"
    unit.parent.mkdir(parents=True)
    unit.write_text(f"[Service]\nExecStart={GUNICORN} --config python:superset_gunicorn\n")
    problems: dict[str, str] = {}
    services = collect_services(UnitIndex.build(Tree.at(tmp_path), {}), problems)
    assert [s.name for s in services.services] == ["superset.service"]
    assert problems == {}


def test_app_urls_come_from_the_nginx_servers_https_first() -> None:
    # Mutants: the servers replaced by () (no URL at all); "localhost" kept as a name; the
    # listen port dropped; port 80 not the default of http.
    from auditor.checks.systemd.collect import _urls
    from auditor.checks.systemd.facts import Listen

    route = _route("127.0.0.1:8088", None)
    plain = Server(names=("localhost",), listens=(Listen("0.0.0.0", 8080, False),),
                   path="/etc/nginx/sites-enabled/x", line=1, tls=False, plain=True,
                   routes=(route,))
    tls = Server(names=("_", "bi.example.com"), listens=(Listen("0.0.0.0", 443, True),),
                 path="/etc/nginx/sites-enabled/x", line=9, tls=True, routes=(route,))
    idle = Server(names=("static.example.com",), listens=(Listen("0.0.0.0", 80, False),),
                  path="/etc/nginx/sites-enabled/x", line=20, tls=False)
    redirect = Server(names=("bi.example.com",), listens=(Listen("0.0.0.0", 80, False),),
                      path="/etc/nginx/sites-enabled/x", line=30, tls=False, plain=True,
                      routes=(route,))
    config = NginxConfig(present=True, servers=(plain, tls, idle, redirect))
    assert _urls(config) == ("https://bi.example.com", "http://127.0.0.1:8080",
                             "http://bi.example.com")
    assert _urls(None) == ()


# --- Survivors among the first 200 of the seed-13 sample (commit 07821de) ---------------------

def _services(tmp_path: Path, units: dict[str, str]) -> ServiceSet:
    for name, text in units.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    return collect_services(UnitIndex.build(Tree.at(tmp_path), {}), {})


@pytest.mark.parametrize("target", [
    Target("-", TargetKind.STDIN),
    Target("missing", TargetKind.PATH, root="/nonexistent/deploy-auditor-tree"),
])
def test_a_target_without_files_says_so(target: Target) -> None:
    # Mutants: the problem text upper-cased; no problems at all (the checks would skip
    # without saying why).
    assert collect(target, {}).problems == {SERVICES: "the target has no files to read"}


def test_celery_dash_f_log_file_is_named_as_written(tmp_path: Path) -> None:
    # Mutants: the log file's origin "celery -f" replaced by None / wrapped in XX.
    from auditor.checks.systemd.facts import LogFile

    celery = "/opt/superset/venv/bin/celery --app=superset.tasks.celery_app:app worker"
    (service,) = _services(tmp_path, {"etc/systemd/system/superset-worker.service": f"""\
        [Service]
        WorkingDirectory=/opt/superset
        ExecStart={celery} -f logs/celery.log
        """}).services
    assert service.log_files == (LogFile("/opt/superset/logs/celery.log", "celery -f"),)


def test_gunicorn_dash_c_is_its_config_not_a_shell_script(tmp_path: Path) -> None:
    # Mutant: any command with -c in its first words (gunicorn -c conf.py) was read as
    # 'sh -c SCRIPT', so the web unit was lost.
    (service,) = _services(tmp_path, {"etc/systemd/system/superset.service": """\
        [Service]
        ExecStart=/usr/bin/gunicorn -c /etc/superset/gunicorn.conf.py "superset.app:create_app()"
        """}).services
    assert (service.role, service.launch.kind) == ("web", "gunicorn")


def test_environment_file_wildcard_in_a_unit(tmp_path: Path) -> None:
    # Mutant: the wildcard was expanded with no tree (AttributeError).
    from auditor.checks.systemd.services import unit_environment

    (tmp_path / "etc/superset").mkdir(parents=True)
    (tmp_path / "etc/superset/a.env").write_text("SUPERSET_ENV=production\n")
    (tmp_path / "etc/superset/b.txt").write_text("OTHER=x\n")
    unit_path = tmp_path / "etc/systemd/system/superset.service"
    unit_path.parent.mkdir(parents=True)
    unit_path.write_text(f"[Service]\nEnvironmentFile=/etc/superset/*.env\nExecStart={GUNICORN}\n")
    tree = Tree.at(tmp_path)
    problems: dict[str, str] = {}
    env, inline = unit_environment(tree, UnitIndex.build(tree, {}).load("superset.service"),
                                   problems)
    assert {k: (v.value, v.source) for k, v in env.items()} == {
        "SUPERSET_ENV": ("production", "/etc/superset/a.env:1")}
    assert (inline, problems) == ({}, {})


def test_gunicorn_wsgi_app_option_names_the_application(tmp_path: Path) -> None:
    # Mutant: --wsgi-app=MODULE was looked up as option None, so the unit's name decided and an
    # exporter in a unit called superset-exporter counted as Superset's web tier.
    services = _services(tmp_path, {"etc/systemd/system/superset-exporter.service": """\
        [Service]
        ExecStart=/opt/exporter/venv/bin/gunicorn --wsgi-app=exporter:app -b 127.0.0.1:9100
        """})
    assert services.services == ()
    assert services.unit_names == ("superset-exporter.service",)


def test_no_backup_at_all_is_said_in_full(tmp_path: Path) -> None:
    # Mutants: the message or the evidence wrapped in XX (the condition case matches
    # substrings, which XX around the whole text keeps).
    assert _results("SYSTEMD-BACKUPS-002", _host_facts(tmp_path, NO_BACKUP)) == [
        ("metadata-database", "fail", "no backup leaves the host (there is no backup)",
         ("no scheduled backup or WAL archiving found",))]


def test_a_host_running_superset_is_a_superset_target(tmp_path: Path) -> None:
    # Mutant: the app was left out of the collected facts.
    assert _host_facts(tmp_path, BASE).app == "superset"


def test_unreadable_config_reason_keeps_a_path_with_spaces(tmp_path: Path) -> None:
    # Mutant: the reason was cut at the first blank (inside the path), not after "path: ".
    where = "/opt/my superset/superset_config.py"
    files = changed(BASE, {
        UNIT: dedent(BASE[UNIT]).replace(
            "[Service]\n", f'[Service]\nEnvironment="SUPERSET_CONFIG_PATH={where}"\n'),
        f"{where[1:]}/keep": "a directory, not a file\n"})
    assert _host_facts(tmp_path, files).problems["superset.config"] == (
        f"{where}: is a directory")


def test_unreadable_directories_are_named_as_problems(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Mutant: the problem was stored under its text with no value. (A run as root lists every
    # directory, so listing the one directory is refused by hand.)
    import os

    listdir = os.listdir
    refused = tmp_path / "host/etc/logrotate.d"

    def refuse(path: str | os.PathLike[str]) -> list[str]:
        if Path(path) == refused:
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refuse)
    facts = _host_facts(tmp_path, changed(BASE, {"etc/logrotate.d/keep": "# nothing\n"}))
    assert facts.problems["directory /etc/logrotate.d"] == "permission denied: not read"


@pytest.mark.parametrize("answered", [True, False])
def test_live_ufw_status_replaces_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            answered: bool) -> None:
    # Mutant: 'status or files' -> 'status and files': the files' view kept when ufw answered,
    # nothing at all when it did not.
    from auditor.checks.systemd import live
    from auditor.checks.systemd.facts import UFW, Ufw

    status = Ufw(installed=True, enabled=False, source="ufw status verbose")
    monkeypatch.setattr(live, "nginx_dump", lambda problems: None)
    monkeypatch.setattr(live, "ufw_status", lambda ufw, problems: status if answered else None)
    monkeypatch.setattr(live, "live_state", lambda dirs, problems: (None, None))
    root = tmp_path / "host"
    (root / "etc/ufw").mkdir(parents=True)
    (root / "etc/ufw/ufw.conf").write_text("ENABLED=yes\n")
    facts = collect(Target("host", TargetKind.HOST, root=str(root), host_tree=True, live=True),
                    {})
    found = facts.values[UFW]
    assert isinstance(found, Ufw)
    assert (found.enabled, found.source) == ((False, "ufw status verbose") if answered
                                             else (True, "files"))


@pytest.mark.parametrize(("uri", "host"), [
    ("postgresql:///superset", "localhost"),
    ("postgresql://superset@db.internal:5432/superset", "db.internal"),
    ("sqlite:////var/lib/superset/superset.db", None),
])
def test_database_host_of_the_uri(tmp_path: Path, uri: str, host: str | None) -> None:
    # Mutant: a URI without a host (a local socket) gave "LOCALHOST".
    from conditions.systemd_host import CONFIG

    from auditor.checks.systemd.facts import HOSTINFO, HostInfo

    files = changed(BASE, {CONFIG: f'SQLALCHEMY_DATABASE_URI = "{uri}"\n'})
    info = _host_facts(tmp_path, files).values[HOSTINFO]
    assert isinstance(info, HostInfo)
    assert info.db_uri_host == host


def test_etckeeper_evidence_is_said_as_is(tmp_path: Path) -> None:
    # Mutant: the evidence wrapped in XX (the GITOPS-001 case matches a substring).
    from auditor.checks.systemd.facts import HOSTINFO, HostInfo

    info = _host_facts(tmp_path, changed(BASE, {"etc/.git/HEAD": "ref: main\n"})).values[HOSTINFO]
    assert isinstance(info, HostInfo)
    assert "/etc is a git repository (etckeeper)" in info.managed


@pytest.mark.parametrize(("options", "timeout"), [
    ({"timeout": 2}, 2.0), ({"timeout": 0.5}, 0.5), ({}, 5.0), ({"timeout": "2"}, 5.0)])
def test_live_postgres_is_read_with_the_run_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, object],
        timeout: float) -> None:
    # Mutant: the timeout of the run was not passed on (always pglive's default of 5 s).
    collector = importlib.import_module("auditor.checks.systemd.collect")
    calls: list[tuple[str, float]] = []

    def read(dsn: str, seconds: float = 5.0) -> PgLive:
        calls.append((dsn, seconds))
        raise PgLiveError("not connected in tests")

    monkeypatch.setattr(collector, "read_live", read)
    root = tmp_path / "host"
    root.mkdir()
    collect(Target("host", TargetKind.PATH, root=str(root), host_tree=True),
            {"pg_dsn": "postgresql://auditor@db.internal/superset", **options})
    assert calls == [("postgresql://auditor@db.internal/superset", timeout)]


def test_journald_empty_assignment_resets_even_an_unset_key(tmp_path: Path) -> None:
    # Mutant: pop() without a default raised KeyError for a key never set before.
    from auditor.checks.systemd.hostconf import _journald

    (tmp_path / "etc/systemd").mkdir(parents=True)
    (tmp_path / "etc/systemd/journald.conf").write_text(
        "[Journal]\nSystemMaxUse=\nStorage=volatile\nCompress=yes\nCompress=\n")
    values, files = _journald(Tree.at(tmp_path), {})
    assert {k: (v.value, v.line) for k, v in values.items()} == {"Storage": ("volatile", 3)}
    assert files == ("/etc/systemd/journald.conf",)


def test_a_cluster_directory_without_postgresql_conf_is_a_cluster(tmp_path: Path) -> None:
    # Mutant: a cluster counted only when it held postgresql.conf (its reading names the
    # missing file instead of the host having no PostgreSQL).
    from auditor.checks.systemd.postgres import load_postgres

    (tmp_path / "etc/postgresql/16/main").mkdir(parents=True)
    (tmp_path / "etc/postgresql/16/main/pg_hba.conf").write_text("local all all peer\n")
    clusters = load_postgres(Tree.at(tmp_path), {})
    assert [(c.name, c.conf_path) for c in clusters.clusters] == [
        ("16/main", "/etc/postgresql/16/main/postgresql.conf")]


def test_host_config_read_errors_name_the_reason_not_a_missing_file(tmp_path: Path) -> None:
    # Mutant: the reason was None, so even a missing file became a problem (with no text).
    from auditor.checks.systemd.hostconf import _read

    (tmp_path / "etc/logrotate.d/superset").mkdir(parents=True)
    problems: dict[str, str] = {}
    tree = Tree.at(tmp_path)
    assert _read(tree, "/etc/logrotate.d/missing", problems) is None
    assert _read(tree, "/etc/logrotate.d/superset", problems) is None
    assert problems == {"file /etc/logrotate.d/superset": "is a directory"}


def test_etc_crontab_lines_name_a_user_before_the_command(tmp_path: Path) -> None:
    # Mutant: /etc/crontab was read as a user's crontab, so the user became the command.
    from auditor.checks.systemd.jobs import collect_jobs

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/crontab").write_text("0 3 * * * postgres pg_dump -Fc superset\n")
    tree = Tree.at(tmp_path)
    jobs = collect_jobs(tree, UnitIndex.build(tree, {}), {})
    assert [(j.schedule, j.command, j.source, j.line) for j in jobs.jobs] == [
        ("0 3 * * *", "pg_dump -Fc superset", "/etc/crontab", 1)]


def test_cron_period_scripts_skip_only_placeholders(tmp_path: Path) -> None:
    # Mutants: a file named 'placeholder' read as a job; the first dotted name ended the scan
    # of the directory (break for continue).
    from auditor.checks.systemd.jobs import collect_jobs

    daily = tmp_path / "etc/cron.daily"
    daily.mkdir(parents=True)
    for name in (".placeholder", "a-backup", "placeholder", "z-backup"):
        (daily / name).write_text("#!/bin/sh\npg_dump -Fc superset\n")
    tree = Tree.at(tmp_path)
    jobs = collect_jobs(tree, UnitIndex.build(tree, {}), {})
    assert [(j.schedule, j.source) for j in jobs.jobs] == [
        ("cron.daily", "/etc/cron.daily/a-backup"), ("cron.daily", "/etc/cron.daily/z-backup")]


def test_an_unreadable_cron_d_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Mutant: /etc/cron.d looked up upper-cased among the unreadable directories. (A run as
    # root lists every directory, so listing it is refused by hand.)
    import os

    from auditor.checks.systemd.jobs import collect_jobs

    listdir = os.listdir
    refused = tmp_path / "etc/cron.d"
    refused.mkdir(parents=True)

    def refuse(path: str | os.PathLike[str]) -> list[str]:
        if Path(path) == refused:
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refuse)
    tree = Tree.at(tmp_path)
    problems: dict[str, str] = {}
    jobs = collect_jobs(tree, UnitIndex.build(tree, {}), problems)
    assert jobs.unreadable == ("/etc/cron.d",)
    assert problems == {"directory /etc/cron.d": "permission denied (its crontabs were not read)"}


def test_timer_schedule_keeps_on_unit_active_sec(tmp_path: Path) -> None:
    # Mutant: OnUnitActiveSec= was looked up under another name, so the schedule said "timer".
    from auditor.checks.systemd.jobs import collect_jobs

    system = tmp_path / "etc/systemd/system"
    system.mkdir(parents=True)
    (system / "pg-backup.timer").write_text("[Timer]\nOnBootSec=15min\nOnUnitActiveSec=1d\n")
    (system / "pg-backup.service").write_text("[Service]\nExecStart=/usr/bin/pg_dump superset\n")
    tree = Tree.at(tmp_path)
    jobs = collect_jobs(tree, UnitIndex.build(tree, {}), {})
    assert [j.schedule for j in jobs.jobs] == ["OnBootSec=15min; OnUnitActiveSec=1d"]


def _settings(tmp_path: Path, text: str) -> object:
    unit = tmp_path / "etc/systemd/system/x.service"
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text("[Service]\nExecStart=/opt/superset/venv/bin/gunicorn app\n" + text)
    return security._Settings(UnitIndex.build(Tree.at(tmp_path), {}).load("x.service"))


@pytest.mark.parametrize(("text", "score"), [
    ("DevicePolicy=closed\n", 0),
    ("DevicePolicy=closed\nDeviceAllow=/dev/null rw\n", 5),
    ("DevicePolicy=closed\nProtectClock=yes\n", 5),
    ("DevicePolicy=auto\nDeviceAllow=/dev/null rw\n", 10),
])
def test_device_exposure_counts_device_allow(tmp_path: Path, text: str, score: int) -> None:
    # Mutant: DeviceAllow= looked up in lower case, so an allow-list under a closed policy
    # rated as no device access at all.
    assert security._devices(_settings(tmp_path, text)) == score  # type: ignore[arg-type]


@pytest.mark.parametrize(("allow", "score"), [
    ("", 0), ("::1/128", 2), ("::1", 2), ("127.0.0.0/8 localhost link-local", 2),
    ("10.0.0.0/8", 5),
])
def test_ip_exposure_local_allow_list(tmp_path: Path, allow: str, score: int) -> None:
    # Mutant: "::1/128" not counted as local, so allowing only it rated as a network.
    text = "IPAddressDeny=any\n" + (f"IPAddressAllow={allow}\n" if allow else "")
    assert security._ip(_settings(tmp_path, text)) == score  # type: ignore[arg-type]


@pytest.mark.parametrize(("umask", "score"), [
    ("0000", 10), ("0002", 5), ("0022", 5), ("0026", 1), ("0007", 2), ("0027", 1), ("0077", 0),
    ("bad", 5),
])
def test_umask_exposure_levels(tmp_path: Path, umask: str, score: int) -> None:
    # Mutant: 'mask & 0o004' -> 'mask | 0o004', so a umask leaving files world-readable
    # (0002) rated as if only its group could write them.
    text = f"User=superset\nUMask={umask}\n"
    assert security._umask(_settings(tmp_path, text)) == score  # type: ignore[arg-type]


@pytest.mark.parametrize(("unit_section", "rated"), [
    ("", True), ("[Unit]\nDefaultDependencies=yes\n", True),
    ("[Unit]\nDefaultDependencies=no\n", False),
])
def test_default_dependencies_off_drops_the_mount_items(tmp_path: Path, unit_section: str,
                                                        rated: bool) -> None:
    # Mutant: DefaultDependencies= looked up upper-cased, so =no never dropped the four items
    # systemd-analyze rates only with default dependencies.
    unit = tmp_path / "etc/systemd/system/x.service"
    unit.parent.mkdir(parents=True)
    unit.write_text(unit_section + "[Service]\nUser=superset\nExecStart=/usr/bin/gunicorn app\n")
    found = security.exposure(UnitIndex.build(Tree.at(tmp_path), {}).load("x.service"))
    names = {finding.setting for finding in found.findings}
    mounts = {"PrivateTmp=", "ProtectHome=", "ProtectSystem=", "RootDirectory=/RootImage="}
    assert (mounts & names) == (mounts if rated else set())


def test_an_enabled_unit_without_a_file_keeps_its_links(tmp_path: Path) -> None:
    # Mutants: the unit built without a path (TypeError); its links looked up under None.
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "ghost.service").symlink_to("/lib/systemd/system/ghost.service")
    unit = UnitIndex.build(Tree.at(tmp_path), {}).load("ghost.service")
    assert (unit.name, unit.path, unit.enabled_by, unit.masked) == (
        "ghost.service", None, ("/etc/systemd/system/multi-user.target.wants",), False)


@pytest.mark.parametrize(("text", "found"), [
    ("A=1\nB=2\n", ["A=1", "B=2"]), ("A=1\nB=2", ["A=1", "B=2"]), ("A=1\r\n", ["A=1"]),
    ("", []),
])
def test_unit_file_lines_keep_a_last_line_without_newline(text: str, found: list[str]) -> None:
    # Mutant: 'found and last == ""' -> 'or', so a file not ending in a newline lost its
    # last line (and an empty one raised IndexError).
    from auditor.checks.systemd.unitfile import lines

    assert lines(text) == found
