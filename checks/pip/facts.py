"""The facts of a pip/virtualenv deployment, as frozen data (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WEB_KINDS = frozenset({"superset-run", "flask-run", "gunicorn", "uwsgi", "waitress"})
DEV_SERVERS = frozenset({"superset-run", "flask-run"})
LOOPBACK_PREFIXES = ("127.", "localhost", "::1", "[::1]", "unix:")


@dataclass(frozen=True)
class Launch:
    """One way the app is started: a script line, a supervisor program or a live process."""

    kind: str
    """``superset-run``, ``flask-run``, ``gunicorn``, ``uwsgi``, ``waitress``,
    ``celery-worker``, ``celery-beat``."""
    argv: tuple[str, ...]
    source: str
    line: int | None = None
    program: str | None = None
    """The first word as written (``venv/bin/gunicorn``, ``python3``)."""
    venv: str | None = None
    """The virtualenv the command runs from, if it can be told."""
    env: Mapping[str, str] = field(default_factory=dict)
    background: bool = False
    stdout: str | None = None
    """Where output is redirected (a file, ``/dev/null``), None for the terminal."""
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Long option name (without dashes) -> values, for the server's own options."""
    supervisor: str | None = None
    """The supervisor that runs it (``supervisord``), if any."""
    autorestart: bool = False
    log_bounded: bool = False
    live: bool = False
    pid: int | None = None
    family: tuple[int, ...] = ()
    """The live process and its worker processes (which may own the listening socket)."""
    user: str | None = None
    listen: tuple[str, ...] = ()
    """``addr:port`` the live process listens on."""

    @property
    def is_web(self) -> bool:
        return self.kind in WEB_KINDS

    @property
    def dev_server(self) -> bool:
        return self.kind in DEV_SERVERS

    def option(self, name: str) -> str | None:
        values = self.options.get(name)
        return values[-1] if values else None

    def flag(self, name: str) -> bool:
        return name in self.options

    @property
    def workers(self) -> int | None:
        """Worker processes: gunicorn ``--workers`` (default 1), uwsgi ``--processes``."""
        if self.kind == "gunicorn":
            if self.live and len(self.family) > 1:
                # The running master's children are the workers, whatever set their number
                # (a config file, or options a setproctitle-renamed command line no longer shows).
                return len(self.family) - 1
            # A config file's workers (literal, or computed from the CPU count: its least
            # value) comes before WEB_CONCURRENCY, which only sets gunicorn's default.
            least = self.options.get("workers-at-least")
            value = self.option("workers") or (least[0] if least else None) or self.env.get(
                "WEB_CONCURRENCY")
            return _int(value) if value is not None else 1  # "?": computed, not known
        if self.kind == "uwsgi":
            value = self.option("processes") or self.option("workers")
            return _int(value) if value is not None else 1
        if self.kind in DEV_SERVERS or self.kind == "waitress":
            return 1
        return None

    @property
    def workers_computed(self) -> str | None:
        """The expression gunicorn's config file computes ``workers`` with, when the count
        taken is its least value (no literal workers from the command line or the file)."""
        if self.kind != "gunicorn" or self.option("workers") or (
                self.live and len(self.family) > 1):
            return None
        values = self.options.get("workers-at-least")
        return values[1] if values and len(values) > 1 and values[0] != "?" else None

    @property
    def binds(self) -> tuple[str, ...]:
        """Addresses the server binds, as configured (defaults filled in)."""
        if self.live and self.listen:
            return self.listen
        if self.kind == "gunicorn":
            return self.options.get("bind") or ("127.0.0.1:8000",)
        if self.kind in DEV_SERVERS:
            host = self.option("host") or self.env.get("FLASK_RUN_HOST") or "127.0.0.1"
            port = self.option("port") or self.env.get("FLASK_RUN_PORT") or (
                "8088" if self.kind == "superset-run" else "5000"
            )
            return (f"{host}:{port}",)
        if self.kind == "uwsgi":
            return self.options.get("http") or self.options.get("socket") or ()
        if self.kind == "waitress":
            return self.options.get("listen") or (
                f"{self.option('host') or '0.0.0.0'}:{self.option('port') or '8080'}",
            )
        return ()

    @property
    def debugger(self) -> bool:
        debug_env = self.env.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on")
        if self.kind in DEV_SERVERS:
            return self.flag("debugger") or self.flag("debug") or debug_env
        return False

    @property
    def reload(self) -> bool:
        return self.flag("reload") or (self.dev_server and self.debugger)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


def _int(value: str | None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Venv:
    path: str
    python: str | None = None
    system_site_packages: bool = False


@dataclass(frozen=True)
class Requirement:
    name: str
    spec: str
    pinned: bool
    hashed: bool
    source: str
    line: int


@dataclass(frozen=True)
class Scheduled:
    """A cron entry (or similar) and what its command does."""

    schedule: str
    command: str
    source: str
    line: int


@dataclass(frozen=True)
class BackupScript:
    path: str
    tools: tuple[str, ...]
    off_host: bool
    line: int


@dataclass(frozen=True)
class ProxyConfig:
    path: str
    server: str
    """``nginx``, ``caddy``, ``haproxy``, ``traefik``."""
    tls: bool
    proxies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class PipProject:
    """A project directory (or a host tree) holding a pip-installed Superset."""

    label: str
    """``.`` for a path target, or the project's path inside a host tree."""
    venvs: tuple[Venv, ...] = ()
    requirement_files: tuple[str, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    lock_files: tuple[str, ...] = ()
    launches: tuple[Launch, ...] = ()
    looked_in: tuple[str, ...] = ()
    """Files searched for launch commands (for honest skip reasons)."""
    schedules: tuple[Scheduled, ...] = ()
    backup_scripts: tuple[BackupScript, ...] = ()
    proxies: tuple[ProxyConfig, ...] = ()
    update_tooling: tuple[str, ...] = ()
    logrotate: tuple[str, ...] = ()
    versioned: str | None = None
    """Evidence the deployment is under version control (``.git``), or None."""
    declarative: tuple[str, ...] = ()
    """Files that declare the deployment (requirements, config, scripts)."""
    unreadable: tuple[str, ...] = ()
    """Directories and files of the tree that exist but could not be read (a non-root run):
    what a check looks for may be in them, so not finding it there proves nothing."""

    @property
    def web(self) -> tuple[Launch, ...]:
        live = tuple(launch for launch in self.launches if launch.is_web and launch.live)
        return live or tuple(launch for launch in self.launches if launch.is_web)


@dataclass(frozen=True)
class HostLive:
    """The running machine, from psutil (only for the ``host`` target)."""

    memory_total: int
    memory_available: int
    cpu_count: int
    disk_free: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Mount point -> (total, free) bytes."""
    listeners: tuple[tuple[str, int, int | None], ...] = ()
    """(address, port, pid) of listening TCP sockets."""
    process_names: Mapping[int, str] = field(default_factory=dict)
