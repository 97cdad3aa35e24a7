"""The facts of a hand-built host (systemd, Nginx, UFW, PostgreSQL, cron), as frozen data.

Paths are tree paths (``/etc/systemd/system/superset.service``): inside the
audited tree, never paths of the machine running the audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.checks.pip.facts import Launch
from auditor.checks.superset.configmodel import EnvValue

SERVICES = "systemd.services"
NGINX = "systemd.nginx"
APACHE = "systemd.apache"
UFW = "systemd.ufw"
POSTGRES = "systemd.postgres"
PGLIVE = "systemd.pglive"
JOBS = "systemd.jobs"
LOGS = "systemd.logs"
UPDATES = "systemd.updates"
REDIS = "systemd.redis"
HOSTINFO = "systemd.hostinfo"
PROCESSES = "systemd.processes"
LIVE = "host.live"


@dataclass(frozen=True)
class Assignment:
    """One ``Key=value`` line of a unit file or drop-in."""

    value: str
    path: str
    line: int


@dataclass(frozen=True)
class Unit:
    """A unit as systemd resolves it: the fragment, then drop-ins in lexical order."""

    name: str
    path: str | None
    dropins: tuple[str, ...] = ()
    directives: Mapping[str, tuple[Assignment, ...]] = field(default_factory=dict)
    """``Section.Key`` -> assignments left after empty-value resets."""
    masked: bool = False
    enabled_by: tuple[str, ...] = ()
    """``*.wants``/``*.requires`` directories that link the unit (enabled at boot)."""

    def all(self, section: str, key: str) -> tuple[Assignment, ...]:
        return self.directives.get(f"{section}.{key}", ())

    def last(self, section: str, key: str) -> Assignment | None:
        found = self.all(section, key)
        return found[-1] if found else None

    def value(self, section: str, key: str) -> str | None:
        found = self.last(section, key)
        return found.value if found else None

    @property
    def source(self) -> str:
        return self.path or self.name


@dataclass(frozen=True)
class LogFile:
    path: str
    how: str
    """``gunicorn --error-logfile``, ``StandardOutput=append:``, ``celery --logfile``."""


@dataclass(frozen=True)
class SocketActivation:
    """A ``.socket`` unit that starts the service when a connection arrives (Accept=no):
    systemd listens in the service's stead and starts it again after it dies."""

    name: str
    path: str | None
    listens: tuple[str, ...] = ()
    enabled_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    """A Superset process run by systemd: the web server, a celery worker or beat."""

    unit: Unit
    role: str
    """``web``, ``worker`` or ``beat``."""
    launch: Launch
    exec_start: Assignment | None
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    inline_env: Mapping[str, Assignment] = field(default_factory=dict)
    """Variables set with ``Environment=`` in the unit files themselves."""
    log_files: tuple[LogFile, ...] = ()
    via: str | None = None
    """The wrapper script the command was found in, when ExecStart runs a script."""
    notes: tuple[str, ...] = ()
    socket: SocketActivation | None = None
    """The socket unit that activates it, if any."""
    cannot_start: str | None = None
    """Why systemd cannot execute ExecStart= as written (a script without a ``#!`` line):
    the process the unit describes never runs."""

    @property
    def name(self) -> str:
        return self.unit.name


@dataclass(frozen=True)
class ServiceSet:
    services: tuple[Service, ...] = ()
    unit_names: tuple[str, ...] = ()
    """Every service unit name found (for monitoring agents and honest skip reasons)."""
    enabled: tuple[str, ...] = ()

    @property
    def web(self) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.role == "web")


@dataclass(frozen=True)
class Directive:
    name: str
    args: tuple[str, ...]
    path: str
    line: int
    block: tuple[Directive, ...] | None = None


@dataclass(frozen=True)
class Listen:
    address: str
    port: int
    ssl: bool
    default: bool = False


@dataclass(frozen=True)
class ProxyRoute:
    """A ``location`` that passes requests on (proxy_pass/uwsgi_pass), with what it inherits."""

    match: str
    target: str
    backends: tuple[str, ...]
    """``host:port`` or ``unix:/path`` the requests reach (upstream servers expanded)."""
    upstream: str | None
    headers: Mapping[str, str]
    """Effective ``add_header`` (lower-cased name -> value), after nginx's inheritance rule."""
    proxy_headers: Mapping[str, str]
    """Effective ``proxy_set_header`` (lower-cased name -> value)."""
    read_timeout: float
    read_timeout_source: str
    path: str
    line: int


@dataclass(frozen=True)
class Server:
    names: tuple[str, ...]
    listens: tuple[Listen, ...]
    path: str
    line: int
    tls: bool
    plain: bool = False
    """Some ``listen`` of the server takes plain HTTP (a server may take both)."""
    certificate: str | None = None
    protocols: tuple[str, ...] | None = None
    protocols_at: str | None = None
    tokens: str = "on"
    tokens_at: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    redirect: str | None = None
    """Where the server sends every request (``return 301 https://...``), if it does."""
    routes: tuple[ProxyRoute, ...] = ()

    @property
    def label(self) -> str:
        name = next((n for n in self.names if n not in ("_", "")), None) or "default"
        ports = ",".join(sorted({str(x.port) for x in self.listens})) or "80"
        return f"{name}:{ports}"


@dataclass(frozen=True)
class UpstreamServer:
    address: str
    backup: bool = False
    down: bool = False


@dataclass(frozen=True)
class Upstream:
    name: str
    servers: tuple[UpstreamServer, ...]
    path: str
    line: int


@dataclass(frozen=True)
class NginxConfig:
    present: bool
    main: str | None = None
    files: tuple[str, ...] = ()
    servers: tuple[Server, ...] = ()
    upstreams: Mapping[str, Upstream] = field(default_factory=dict)
    source: str = "files"
    """``files`` (read from the tree) or ``nginx -T`` (what the running nginx loads)."""
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class UfwRule:
    action: str
    proto: str
    ports: str
    source: str
    v6: bool
    path: str
    line: int
    destination: str = "any"

    def covers(self, port: int) -> bool:
        if self.ports in ("any", ""):
            return True
        for part in self.ports.split(","):
            if ":" in part:
                low, _, high = part.partition(":")
                if low.isdigit() and high.isdigit() and int(low) <= port <= int(high):
                    return True
            elif part.isdigit() and int(part) == port:
                return True
        return False

    @property
    def from_anywhere(self) -> bool:
        return self.source in ("0.0.0.0/0", "::/0", "any")


@dataclass(frozen=True)
class Ufw:
    installed: bool
    enabled: bool | None = None
    enabled_at: str | None = None
    default_input: str | None = None
    default_input_at: str | None = None
    rules: tuple[UfwRule, ...] = ()
    source: str = "files"
    """``files`` or ``ufw status verbose``."""


@dataclass(frozen=True)
class PgSetting:
    name: str
    value: str
    path: str
    line: int


@dataclass(frozen=True)
class HbaLine:
    kind: str
    database: str
    user: str
    address: str | None
    method: str
    path: str
    line: int


@dataclass(frozen=True)
class PgCluster:
    name: str
    """``15/main``."""
    conf_path: str
    settings: Mapping[str, PgSetting] = field(default_factory=dict)
    hba: tuple[HbaLine, ...] = ()
    hba_path: str | None = None
    hba_error: str | None = None
    """Why pg_hba.conf could not be read, if it could not."""
    standby_signal: bool = False

    def setting(self, name: str) -> PgSetting | None:
        return self.settings.get(name)

    def value(self, name: str, default: str) -> str:
        found = self.settings.get(name)
        return found.value if found else default


@dataclass(frozen=True)
class PgClusters:
    clusters: tuple[PgCluster, ...] = ()


@dataclass(frozen=True)
class PgLive:
    """A running PostgreSQL server read over a read-only connection."""

    label: str
    """``host:port/dbname`` (never the password)."""
    settings: Mapping[str, str] = field(default_factory=dict)
    archived_count: int | None = None
    last_archived_time: str | None = None
    failed_count: int | None = None
    last_failed_time: str | None = None
    archiver_stale: bool | None = None
    """True when the last archived WAL is more than a day old."""
    in_recovery: bool = False
    replicas: int = 0
    version: str | None = None


@dataclass(frozen=True)
class Job:
    """A scheduled command (cron entry, cron.daily script, systemd timer)."""

    schedule: str
    command: str
    source: str
    line: int | None
    runs: bool
    why_not: str | None = None
    tools: tuple[str, ...] = ()
    off_host: tuple[str, ...] = ()
    health_probe: bool = False


@dataclass(frozen=True)
class Jobs:
    jobs: tuple[Job, ...] = ()
    looked_in: tuple[str, ...] = ()
    pgbackrest_remote: bool = False
    """pgbackrest.conf names a remote repository (repo1-host, or an S3/GCS/Azure repo)."""
    unreadable: tuple[str, ...] = ()
    """Cron directories and files that exist but could not be read (a non-root run): a
    backup job may be in them, so finding none proves nothing."""

    @property
    def backups(self) -> tuple[Job, ...]:
        return tuple(j for j in self.jobs if j.tools)


@dataclass(frozen=True)
class LogrotateRule:
    patterns: tuple[str, ...]
    path: str
    line: int
    bounded: bool
    """``rotate N`` with N > 0, or ``maxsize``/``size``: old logs do not pile up."""


@dataclass(frozen=True)
class LogConfig:
    rules: tuple[LogrotateRule, ...] = ()
    journald: Mapping[str, Assignment] = field(default_factory=dict)
    """``Storage``, ``SystemMaxUse``... after journald.conf.d drop-ins."""
    journald_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class AptPeriodic:
    values: Mapping[str, PgSetting] = field(default_factory=dict)
    """``APT::Periodic::Unattended-Upgrade`` -> value with where it was set."""
    unattended_config: str | None = None
    origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedisConf:
    path: str
    binds: tuple[str, ...]
    bind_line: int | None
    port: int
    protected_mode: bool


@dataclass(frozen=True)
class HostInfo:
    """Evidence about the host as a whole: agents, config management, releases."""

    monitoring: tuple[str, ...] = ()
    managed: tuple[str, ...] = ()
    """Config-management or version-control evidence (etckeeper, Ansible headers)."""
    pins: tuple[str, ...] = ()
    """Superset pinned: ``/opt/superset/requirements.txt:1: apache-superset==6.1.0``."""
    unpinned: tuple[str, ...] = ()
    releases: tuple[str, ...] = ()
    """Release directories kept side by side (``/opt/superset/releases/6.0.0``)."""
    db_uri_host: str | None = None
    """The metadata database host from SQLALCHEMY_DATABASE_URI, when known."""
    firewalls: tuple[str, ...] = ()
    """Firewall configurations other than UFW (nftables, iptables-persistent, firewalld)."""


@dataclass(frozen=True)
class LiveProcess:
    pid: int
    name: str
    cmdline: tuple[str, ...]
    user: str | None
    ppid: int


@dataclass(frozen=True)
class Processes:
    processes: tuple[LiveProcess, ...] = ()
