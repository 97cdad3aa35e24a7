"""The facts of a Compose deployment, as frozen data (no I/O here).

Services keep their merged, interpolated attributes as plain data (the shape
``docker compose config`` prints), plus what the checks ask about them parsed
once: ports, mounts, the resolved container environment, the role they play.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.checks.compose.dockerfile import BuiltImage
from auditor.checks.superset.configmodel import EnvValue
from auditor.model import Location

LOOPBACK = ("127.", "::1", "localhost")
SUPERSET_ROLES = frozenset({"web", "worker", "beat", "init"})
ONE_SHOT_ROLES = frozenset({"init"})


@dataclass(frozen=True)
class Port:
    host_ip: str
    """``""`` means every interface (Docker's default, unless the daemon sets ``ip``)."""
    published: str
    """Host port or range; ``""`` means a random host port (still published)."""
    target: str
    protocol: str
    raw: str

    @property
    def loopback(self) -> bool:
        return self.host_ip.startswith(LOOPBACK)

    @property
    def label(self) -> str:
        host = self.host_ip or "0.0.0.0"
        return f"{host}:{self.published or '<random>'}->{self.target}/{self.protocol}"

    def publishes(self, port: int) -> bool:
        return _in_range(self.published, port)

    def targets(self, port: int) -> bool:
        return _in_range(self.target, port)


def _in_range(text: str, port: int) -> bool:
    low, _, high = text.partition("-")
    try:
        return int(low) <= port <= int(high or low)
    except ValueError:
        return False


@dataclass(frozen=True)
class Mount:
    kind: str
    """``bind``, ``volume`` (named), ``anonymous``, ``tmpfs``, ``npipe``, ``image``."""
    source: str
    target: str
    read_only: bool
    raw: str
    inner: str | None = None
    """For a bind mount: its source as a path inside the audited tree (None if outside)."""


@dataclass(frozen=True)
class ScriptLaunch:
    """A server or Celery process a script the container starts runs (found by reading the
    script as data, never by running it)."""

    kind: str
    """``superset-run``, ``flask-run``, ``gunicorn``, ``uwsgi``, ``waitress``,
    ``celery-worker``, ``celery-beat`` (the pip style's launch kinds)."""
    command: str
    where: str
    """``docker/superset/superset.sh:31``: the project file and line."""


@dataclass(frozen=True)
class Service:
    name: str
    spec: Mapping[str, Any]
    """Merged and interpolated attributes, as ``docker compose config`` would show them."""
    file: str
    line: int
    role: str
    """``web``, ``worker``, ``beat``, ``init`` (Superset's parts), ``database``, ``redis``,
    ``proxy``, ``backup``, ``monitoring``, ``updater``, ``other``."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    mounts: tuple[Mount, ...] = ()
    attrs: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    """Attribute -> (file, line) of the definition that won the merge."""
    directory: str = "."
    """Inner path relative paths of this service are resolved against."""
    build_user: str | None = None
    """The last USER of the Dockerfile stage built, when the service is built here."""
    build_from: tuple[str, ...] = ()
    """Base images (FROM) of the stage built, external ones only."""
    superset: bool = False
    literal_env: frozenset[str] = frozenset()
    """``environment`` entries whose value is written literally in a Compose file (not a
    ``${VARIABLE}`` reference, not from an env_file)."""
    built: BuiltImage | None = None
    """The Dockerfile stage a ``build:`` service builds, with what it inherits."""
    profiles: tuple[str, ...] = ()
    """The Compose profiles the service belongs to (empty: always enabled)."""
    process: str = ""
    """What the container starts: Compose's entrypoint/command, else the built image's
    ENTRYPOINT/CMD (empty when only an image's own default, not visible offline)."""
    launches: tuple[ScriptLaunch, ...] = ()
    """What the scripts in ``process`` run, read from the project (mounts, COPY sources)."""
    unread_scripts: tuple[str, ...] = ()
    """Scripts in ``process`` the project places in the container but that could not be
    read, each with the reason."""

    @property
    def image(self) -> str:
        value = self.spec.get("image")
        return str(value) if value else ""

    @property
    def build(self) -> Mapping[str, Any] | None:
        value = self.spec.get("build")
        return value if isinstance(value, Mapping) else None

    @property
    def command_text(self) -> str:
        parts = []
        for key in ("entrypoint", "command"):
            value = self.spec.get(key)
            if isinstance(value, list):
                parts.append(" ".join(str(v) for v in value))
            elif value:
                parts.append(str(value))
        return " ".join(parts)

    @property
    def replicas(self) -> int:
        deploy = self.mapping("deploy")
        for value in (self.spec.get("scale"), deploy.get("replicas")):
            if value is not None:
                try:
                    return int(str(value))
                except ValueError:
                    continue
        return 1

    @property
    def long_running(self) -> bool:
        return self.role not in ONE_SHOT_ROLES

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.spec.get(key)
        return value if isinstance(value, Mapping) else {}

    def where(self, attr: str | None = None) -> Location:
        if attr and attr in self.attrs:
            path, line = self.attrs[attr]
            return Location(path, line)
        return Location(self.file, self.line)


@dataclass(frozen=True)
class BackupJob:
    """A script, cron entry or service that backs the database up."""

    where: str
    line: int | None
    tools: tuple[str, ...]
    off_host: bool
    scheduled: str | None
    """What schedules it (a cron line, a backup service's schedule), None if nothing."""


@dataclass(frozen=True)
class ProxyConfig:
    """A proxy's configuration file mounted from the project (nginx, Caddy, Traefik)."""

    path: str
    tls: bool
    certificates: tuple[str, ...] = ()
    upstreams: tuple[str, ...] = ()
    """Host names the proxy forwards to (service names on the Compose network)."""


@dataclass(frozen=True)
class ScriptHit:
    """A script of the project that sets a published default credential."""

    path: str
    line: int
    what: str
    variable: str | None = None
    """The variable whose unset value falls back to the default, if any."""


@dataclass(frozen=True)
class DaemonConfig:
    """``/etc/docker/daemon.json`` of a host tree: defaults every project inherits."""

    path: str
    log_driver: str | None = None
    log_opts: Mapping[str, str] = field(default_factory=dict)
    default_ip: str | None = None


@dataclass(frozen=True)
class ComposeProject:
    label: str
    """``.`` for a path target, or the project directory inside a host tree."""
    base: str
    files: tuple[str, ...]
    services: tuple[Service, ...] = ()
    inactive: tuple[str, ...] = ()
    """Services left out because their profile is not enabled."""
    assumed_profiles: tuple[str, ...] = ()
    """Profiles whose services are audited although nothing in the project enables them
    (no COMPOSE_PROFILES in its .env): the operator's ``--profile`` cannot be seen."""
    networks: Mapping[str, Any] = field(default_factory=dict)
    volumes: Mapping[str, Any] = field(default_factory=dict)
    versioned: str | None = None
    update_tooling: tuple[str, ...] = ()
    backups: tuple[BackupJob, ...] = ()
    proxy_configs: Mapping[str, tuple[ProxyConfig, ...]] = field(default_factory=dict)
    script_defaults: tuple[ScriptHit, ...] = ()
    daemon: DaemonConfig | None = None

    def role(self, *roles: str) -> list[Service]:
        return [s for s in self.services if s.role in roles]

    def subject(self, name: str) -> str:
        return name if self.label == "." else f"{self.label}:{name}"


@dataclass(frozen=True)
class ComposeFacts:
    projects: tuple[ComposeProject, ...]
