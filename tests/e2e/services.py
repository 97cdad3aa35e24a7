"""Real services on loopback for the end-to-end test: PostgreSQL, gunicorn, nginx, a test CA.

Every process is started in its own session and remembered with its children
(psutil), so teardown can stop it and prove nothing was left behind.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


@dataclass
class Tracker:
    """Pids of everything started, with their descendants, to check for leftovers."""

    pids: set[int] = field(default_factory=set)

    def remember(self, pid: int) -> None:
        self.pids.add(pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            self.pids.update(c.pid for c in psutil.Process(pid).children(recursive=True))

    def alive(self) -> list[str]:
        found = []
        for pid in sorted(self.pids):
            try:
                proc = psutil.Process(pid)
                if proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(f"{pid} {' '.join(proc.cmdline())[:120]}")
            except psutil.NoSuchProcess:
                continue
        return found


def stop(process: subprocess.Popen[bytes], tracker: Tracker, grace: float = 15) -> None:
    """SIGTERM the process's session (gunicorn and nginx stop their workers), then SIGKILL."""
    tracker.remember(process.pid)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    # Workers the master could not reap in time still carry our session id.
    for pid in list(tracker.pids):
        try:
            if os.getsid(pid) == process.pid:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue


def wait_for(predicate: Callable[[], bool], seconds: float, what: str,
             alive: Callable[[], bool] = lambda: True, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if not alive():
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{what} not reached within {seconds}s\n{tail}")


def answers(url: str, **kwargs: object) -> bool:
    try:
        return requests.get(url, timeout=5, allow_redirects=False, **kwargs).status_code < 500  # type: ignore[arg-type]
    except requests.RequestException:
        return False


def listening(port: int, seconds: float, process: subprocess.Popen[bytes]) -> bool:
    """True once something accepts on 127.0.0.1:port; False if ``process`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


# --- PostgreSQL ------------------------------------------------------------------------------


@dataclass
class Postgres:
    port: int
    work: Path
    pg_ctl: str
    uid: int
    gid: int

    def _as_postgres(self) -> None:
        os.setgid(self.gid)
        os.setuid(self.uid)

    def psql(self, sql: str) -> None:
        psql = pg_binary("psql")
        assert psql, "psql is not installed"
        subprocess.run([psql, "-h", str(self.work), "-p", str(self.port), "-U", "postgres",
                        "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       capture_output=True, preexec_fn=self._as_postgres, cwd=self.work)

    def stop(self) -> None:
        subprocess.run([self.pg_ctl, "-D", str(self.work / "data"), "-m", "fast", "-w", "stop"],
                       capture_output=True, preexec_fn=self._as_postgres, cwd=self.work,
                       check=False)

    def postmaster_pid(self) -> int | None:
        pidfile = self.work / "data" / "postmaster.pid"
        if not pidfile.exists():
            return None
        return int(pidfile.read_text().split()[0])


def start_postgres(work: Path) -> Postgres:
    """initdb + pg_ctl as the postgres user, on loopback only, sockets in ``work``."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    assert initdb and pg_ctl
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "postgres"],
                       check=True)
        account = pwd.getpwnam("postgres")
    server = Postgres(free_port(), work, pg_ctl, account.pw_uid, account.pw_gid)
    os.chown(work, account.pw_uid, account.pw_gid)
    subprocess.run([initdb, "-D", str(work / "data"), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256", "-E", "UTF8"], check=True, capture_output=True,
                   preexec_fn=server._as_postgres, cwd=work)
    options = f"-p {server.port} -k {work} -c listen_addresses=127.0.0.1"
    subprocess.run([pg_ctl, "-D", str(work / "data"), "-l", str(work / "server.log"), "-o",
                    options, "-w", "-t", "60", "start"], check=True, capture_output=True,
                   preexec_fn=server._as_postgres, cwd=work)
    return server


# --- gunicorn and nginx -----------------------------------------------------------------------


def start(argv: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path,
          tracker: Tracker) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    tracker.remember(process.pid)
    return process


# --- a test CA ----------------------------------------------------------------------------------


def make_pki(directory: Path) -> dict[str, Path]:
    """A CA and a leaf for ``localhost`` (valid 400 days) signed by it."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    directory.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "30", "-subj", "/CN=deploy-auditor e2e CA")
    (directory / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "leaf.pem", "-days", "400", "-extfile", "san.ext")
    return {"ca": directory / "ca.pem", "cert": directory / "leaf.pem",
            "key": directory / "leaf.key"}
