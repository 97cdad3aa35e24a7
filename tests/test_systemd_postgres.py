"""PostgreSQL: config files of a host tree, and a real server read live (``--pg-dsn``).

The live tests start a throwaway PostgreSQL (initdb + pg_ctl as the postgres
user, loopback, a temporary data directory) and audit a host tree against it.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report
from e2e.services import pg_binary
from needs import require_module, require_root, require_tool

from auditor.checks.common.tree import Tree
from auditor.checks.systemd.postgres import load_postgres

ROOT = Path(__file__).parents[1]
HARDENED = ROOT / "tests" / "fixtures" / "systemd" / "pass-hardened"
PASSWORD = "Kq8-live-test-Zt4"


def write(root: Path, inner: str, text: str) -> Path:
    path = root / inner.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_postgresql_conf_includes_and_quoting(tmp_path: Path) -> None:
    write(tmp_path, "etc/postgresql/16/main/postgresql.conf",
          "listen_addresses = 'localhost'  # comment\n"
          "archive_command = 'test ! -f /a/%f && cp %p ''/a/%f'''\n"
          "include 'extra.conf'\ninclude_if_exists 'absent.conf'\ninclude_dir 'conf.d'\n"
          "port 5433\n")
    write(tmp_path, "etc/postgresql/16/main/extra.conf", "listen_addresses = '*'\n")
    write(tmp_path, "etc/postgresql/16/main/conf.d/50-a.conf", "password_encryption = md5\n")
    write(tmp_path, "etc/postgresql/16/main/conf.d/60-b.conf",
          "password_encryption = 'scram-sha-256'\n")
    write(tmp_path, "etc/postgresql/16/main/pg_hba.conf",
          'local all all peer\nhost "superset" all 10.0.0.0 255.0.0.0 trust # legacy\n'
          "hostssl all all ::1/128 scram-sha-256 clientcert=verify-ca\n"
          "include_if_exists more_hba.conf\n")
    write(tmp_path, "etc/postgresql/16/main/more_hba.conf",
          "host replication rep 10.1.2.3/32 scram-sha-256\n")
    problems: dict[str, str] = {}
    (cluster,) = load_postgres(Tree.at(tmp_path), problems).clusters
    assert problems == {}
    assert cluster.name == "16/main"
    assert cluster.value("listen_addresses", "") == "*"  # the include came later
    assert cluster.setting("listen_addresses").path.endswith("extra.conf")  # type: ignore[union-attr]
    assert cluster.value("archive_command", "") == "test ! -f /a/%f && cp %p '/a/%f'"
    assert cluster.value("password_encryption", "") == "scram-sha-256"
    assert cluster.value("port", "") == "5433"
    kinds = [(h.kind, h.database, h.address, h.method) for h in cluster.hba]
    assert kinds == [("local", "all", None, "peer"), ("host", "superset", "10.0.0.0/8", "trust"),
                     ("hostssl", "all", "::1/128", "scram-sha-256"),
                     ("host", "replication", "10.1.2.3/32", "scram-sha-256")]


# --- a real server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    data: Path
    log: Path
    pg_ctl: str
    as_postgres: Callable[[], None]

    def dsn(self, password: str = PASSWORD) -> str:
        return (f"host=127.0.0.1 port={self.port} user=postgres password={password} "
                "dbname=postgres")

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def query(self, statement: str) -> Any:
        import psycopg

        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            row = conn.execute(statement).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    require_module("psycopg", "pip install -e . (psycopg[binary] is a dependency)")
    initdb = pg_binary("initdb") or require_tool("initdb", "apt-get install postgresql")
    pg_ctl = pg_binary("pg_ctl") or require_tool("pg_ctl", "apt-get install postgresql")
    require_root("starting a throwaway PostgreSQL as the postgres user")
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "postgres"],
                       check=True)
        account = pwd.getpwnam("postgres")

    def as_postgres() -> None:
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)

    work = Path(tempfile.mkdtemp(prefix="auditor-pg-"))
    os.chown(work, account.pw_uid, account.pw_gid)
    pwfile = work / "pw"
    pwfile.write_text(PASSWORD + "\n")
    os.chown(pwfile, account.pw_uid, account.pw_gid)
    port = _free_port()
    data, log = work / "data", work / "server.log"
    subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8"],
                   check=True, capture_output=True, preexec_fn=as_postgres, cwd=work)
    # In postgresql.conf, not on the command line, so ALTER SYSTEM can change them later.
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("archive_mode = on\narchive_command = 'false'\npassword_encryption = md5\n"
                   "log_statement = 'all'\nlog_connections = on\nlog_line_prefix = '%a|'\n")
    options = f"-p {port} -k {work} -c listen_addresses=127.0.0.1"
    subprocess.run([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30",
                    "start"], check=True, capture_output=True, preexec_fn=as_postgres, cwd=work)
    try:
        yield Server(port, data, log, pg_ctl, as_postgres)
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, preexec_fn=as_postgres, cwd=work, check=False)
        shutil.rmtree(work, ignore_errors=True)


def _findings(report: dict[str, Any], check_id: str) -> list[dict[str, Any]]:
    return [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check_id]


def _tree(tmp_path: Path, uri: str | None = None) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(HARDENED, tree, symlinks=True)
    if uri is not None:
        env = tree / "etc/superset/superset.env"
        lines = [line for line in env.read_text().splitlines()
                 if not line.startswith("SUPERSET_DATABASE_URI=")]
        env.write_text("\n".join([*lines, f"SUPERSET_DATABASE_URI={uri}", ""]))
    return tree


def _auditor_statements(log: Path) -> list[str]:
    return [line.split("|", 1)[1] for line in log.read_text().splitlines()
            if line.startswith("deploy-auditor|")]


def _wait(predicate: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_live_settings_are_read_read_only_and_override_files(server: Server,
                                                            tmp_path: Path) -> None:
    # A write and a WAL switch make the (failing) archive_command run.
    server.sql("CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (1)")
    server.sql("SELECT pg_switch_wal()")
    _wait(lambda: (server.query("SELECT failed_count FROM pg_stat_archiver") or 0) > 0)
    before = len(_auditor_statements(server.log))
    report = scan_report(tmp_path, str(_tree(tmp_path)), "--pg-dsn", server.dsn())
    live = f"postgresql 127.0.0.1:{server.port}/postgres"
    (scram,) = [f for f in _findings(report, "SYSTEMD-CONFIG-SECRETS-003")
                if f["subject"] == live]
    assert scram["status"] == "fail" and "md5" in scram["message"]
    (backup,) = _findings(report, "SYSTEMD-BACKUPS-001")
    assert backup["status"] == "fail" and "failing" in backup["message"]
    (standby,) = _findings(report, "SYSTEMD-AVAILABILITY-002")
    assert standby["status"] == "fail" and standby["subject"] == live
    (bound,) = [f for f in _findings(report, "SYSTEMD-NETWORK-003")
                if f["subject"].startswith("postgresql")]
    assert "127.0.0.1" in bound["evidence"][0]  # the live listen_addresses, not the file's
    assert PASSWORD not in json.dumps(report)
    statements = _auditor_statements(server.log)[before:]
    assert statements, "the auditor's session is in the server log"
    sql = [s.split(": ", 2)[-1].strip() for s in statements
           if "statement: " in s or "execute <unnamed>: " in s]
    assert sql[0] == "BEGIN READ ONLY" and sql[-1] == "ROLLBACK"
    assert all(s.startswith("SELECT ") for s in sql[1:-1]), sql


def test_working_archiving_on_the_host_is_not_off_host(server: Server, tmp_path: Path) -> None:
    archive = server.data.parent / "archive"
    archive.mkdir(exist_ok=True)
    shutil.chown(archive, "postgres", "postgres")
    server.sql(f"ALTER SYSTEM SET archive_command = 'cp %p {archive}/%f'")
    server.sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    server.sql("CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t VALUES (2)")
    server.sql("SELECT pg_switch_wal()")
    _wait(lambda: (server.query("SELECT archived_count FROM pg_stat_archiver") or 0) > 0)
    report = scan_report(tmp_path, str(_tree(tmp_path)), "--pg-dsn", server.dsn())
    (backup,) = _findings(report, "SYSTEMD-BACKUPS-001")
    assert backup["status"] == "pass"
    assert any("archive_command" in e and "cp %p" in e for e in backup["evidence"])


def test_connect_db_uses_the_uri_from_superset_config_only_when_allowed(
    server: Server, tmp_path: Path
) -> None:
    uri = f"postgresql+psycopg2://postgres:{PASSWORD}@127.0.0.1:{server.port}/postgres"
    tree = str(_tree(tmp_path, uri))
    live = f"postgresql 127.0.0.1:{server.port}/postgres"
    before = len(_auditor_statements(server.log))
    offline = scan_report(tmp_path, tree)
    assert len(_auditor_statements(server.log)) == before, "no connection without --connect-db"
    assert not [f for f in _findings(offline, "SYSTEMD-CONFIG-SECRETS-003")
                if f["subject"] == live]
    allowed = scan_report(tmp_path, tree, "--connect-db")
    assert [f for f in _findings(allowed, "SYSTEMD-CONFIG-SECRETS-003") if f["subject"] == live]
    assert PASSWORD not in json.dumps(allowed)


def test_unreachable_or_refused_database_is_a_named_problem(server: Server,
                                                           tmp_path: Path) -> None:
    wrong = "Wrong-pass-" + PASSWORD[::-1]
    report = scan_report(tmp_path, str(_tree(tmp_path)), "--pg-dsn", server.dsn(wrong))
    (target,) = report["targets"]
    problems = [p for p in target["problems"] if p.startswith("systemd.pglive")]
    assert problems and "password authentication failed" in problems[0]
    assert wrong not in json.dumps(report)
    # The file-based verdicts still stand.
    (scram,) = _findings(report, "SYSTEMD-CONFIG-SECRETS-003")
    assert scram["subject"] == "postgresql 15/main" and scram["status"] == "pass"
    port = _free_port()
    with contextlib.suppress(OSError):
        closed = scan_report(tmp_path, str(_tree(tmp_path)), "--pg-dsn",
                             f"host=127.0.0.1 port={port} user=x dbname=x connect_timeout=2")
        (target,) = closed["targets"]
        assert any("Connection refused" in p or "connection" in p.lower()
                   for p in target["problems"])

