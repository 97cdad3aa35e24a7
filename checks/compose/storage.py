"""storage and backups: the database's data on a persistent volume, backed up off the host."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from auditor.checks.compose.common import each_project, none_of, projects, result
from auditor.checks.compose.facts import BackupJob, ComposeProject, Mount, Service
from auditor.checks.superset.configmodel import ConfigSet, SupersetConfig
from auditor.checks.superset.dbhost import outside, unseen_message
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

# Bitnami's images first: their repository names also contain postgres, mysql or mariadb,
# but they keep the data under /bitnami.
DATA_DIRS = {"bitnami/postgresql": "/bitnami/postgresql", "bitnami/mysql": "/bitnami/mysql/data",
             "bitnami/mariadb": "/bitnami/mariadb", "postgres": "/var/lib/postgresql/data",
             "postgis": "/var/lib/postgresql/data",
             "timescale": "/var/lib/postgresql/data", "mysql": "/var/lib/mysql",
             "mariadb": "/var/lib/mysql", "cockroach": "/cockroach/cockroach-data"}
EPHEMERAL_PREFIXES = ("/tmp", "/var/tmp", "/dev/shm", "/run")


def data_dir(service: Service) -> str:
    pgdata = service.env.get("PGDATA")
    if pgdata and pgdata.value and not pgdata.unknown:
        return pgdata.value.rstrip("/")
    image = service.image.lower()
    return next((d for key, d in DATA_DIRS.items() if key in image), "/var/lib/postgresql/data")


def data_mount(service: Service) -> Mount | None:
    path = data_dir(service)
    best: Mount | None = None
    for mount in service.mounts:
        target = mount.target.rstrip("/")
        if (path == target or path.startswith(target + "/")) and (
            best is None or len(target) > len(best.target.rstrip("/"))
        ):
            best = mount
    return best


def _judge(project: ComposeProject, service: Service) -> tuple[Status, str, tuple[str, ...]]:
    path = data_dir(service)
    mount = data_mount(service)
    if mount is None:
        return (Status.FAIL, f"nothing is mounted at {path}: the data lives in an anonymous "
                "volume or the container layer and is lost when the container is recreated",
                (f"data directory {path}",))
    # A tmpfs is written under tmpfs:, every other mount under volumes:.
    written = "tmpfs" if mount.kind == "tmpfs" else "volumes"
    evidence = (f"data directory {path}", f"{written}: {mount.raw}")
    if mount.kind == "volume":
        declared = project.volumes.get(mount.source)
        external = isinstance(declared, dict) and declared.get("external")
        kind = "external volume" if external else "named volume"
        return Status.PASS, f"kept on the {kind} {mount.source}", evidence
    if mount.kind == "bind":
        if mount.source.startswith(EPHEMERAL_PREFIXES):
            return Status.FAIL, f"bind-mounted from {mount.source}, which is not kept", evidence
        if mount.source.startswith("/"):
            return Status.PASS, f"bind-mounted from the host path {mount.source}", evidence
        return (Status.WARN, f"bind-mounted from {mount.source} inside the project directory: "
                "a re-clone or clean-up of the checkout deletes the database", evidence)
    if mount.kind == "anonymous":
        return (Status.FAIL, "kept on an anonymous volume: a new one is created when the "
                "container is recreated after docker compose down, and the data is orphaned",
                evidence)
    return (Status.FAIL, f"kept on a {mount.kind} mount, which does not survive the container",
            evidence)


def _persistent(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        databases = project.role("database")
        if not databases:
            yield none_of(project, "database")
            continue
        for service in databases:
            status, message, evidence = _judge(project, service)
            yield result(project, service, status, message, evidence, "volumes")


def _project_config(facts: Facts, project: ComposeProject) -> SupersetConfig | None:
    """The Superset configuration of ``project`` (None when it has none, or when several
    projects share one unscoped configuration and which one it belongs to is not said)."""
    many = facts.optional("superset.configs", ConfigSet)
    scope = "" if project.label == "." else project.label
    if many is not None:
        return next((conf for name, conf in many.items if name == scope), None)
    if len(projects(facts)) != 1:
        return None
    return facts.optional("superset.config", SupersetConfig)


def _sqlite_file(facts: Facts, project: ComposeProject) -> Result | None:
    """The verdict on a metadata database kept as a sqlite file in Superset's container (no
    database service to back up, as in EpiGraphHub's compose-base.yaml), or None."""
    conf = _project_config(facts, project)
    setting = conf.get("SQLALCHEMY_DATABASE_URI") if conf is not None else None
    if setting is None or not isinstance(setting.value, str) or \
            not setting.value.lower().startswith("sqlite"):
        return None
    path = setting.value.split(":///", 1)[-1] or "(in memory)"
    where = Location(setting.path, setting.line) if setting.path else None
    evidence = (f"SQLALCHEMY_DATABASE_URI from {setting.source}: sqlite file {path}",
                *_job_lines(project.backups))
    subject = project.subject("database")
    if project.backups:
        return Result(subject, Status.WARN,
                      f"the metadata database is the sqlite file {path}; "
                      f"{project.backups[0].where} backs up something, but nothing is seen "
                      "copying that file", evidence, where)
    return Result(subject, Status.FAIL,
                  f"the metadata database is the sqlite file {path} in Superset's container "
                  "and nothing backs it up: dashboards, charts, users and saved queries are "
                  "lost with that disk or volume",
                  (*evidence, "looked for a backup service and scheduled scripts"), where)


def _metadata_service(facts: Facts, project: ComposeProject,
                      databases: list[Service]) -> Service | None:
    """The database service SQLALCHEMY_DATABASE_URI names by its host (service name or
    container_name), or None when the URI is not known or names none of them."""
    conf = _project_config(facts, project)
    setting = conf.get("SQLALCHEMY_DATABASE_URI") if conf is not None else None
    if setting is None or not isinstance(setting.value, str):
        return None
    try:
        host = urlsplit(setting.value).hostname
    except ValueError:
        return None
    return next((s for s in databases
                 if host and host in (s.name.lower(),
                                      str(s.spec.get("container_name") or "").lower())), None)


def _loss(service: Service, metadata: Service | None) -> str:
    """What is lost with the volume: Superset's metadata, unless the URI names another
    database service (this one then holds other data: a source Superset queries)."""
    if metadata is not None and metadata.name != service.name:
        return f"the data it holds is lost with the volume (Superset's metadata database is " \
               f"service {metadata.name})"
    return "dashboards, charts, users and saved queries are lost with the volume"


def _job_lines(jobs: tuple[BackupJob, ...]) -> tuple[str, ...]:
    return tuple(
        f"{j.where}{':' + str(j.line) if j.line and '/' in j.where else ''}: "
        f"{', '.join(j.tools)}; scheduled: {j.scheduled or 'no'}; off host: "
        f"{'yes' if j.off_host else 'no'}" for j in jobs)


def _backed_up(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        databases = project.role("database")
        if not databases:
            # No database service: the metadata database is a sqlite file in Superset's own
            # container, or lives elsewhere (RDS, Cloud SQL, a server of its own), where its
            # backups are kept and cannot be seen from here.
            sqlite = _sqlite_file(facts, project)
            hosts = outside(facts, lambda db: db.loopback)
            if sqlite is not None:
                yield sqlite
            else:
                yield (Result(project.subject("database"), Status.SKIP, unseen_message(hosts))
                       if hosts else none_of(project, "database"))
            continue
        jobs = project.backups
        scheduled = [j for j in jobs if j.scheduled]
        metadata = _metadata_service(facts, project, databases)
        for service in databases:
            evidence = _job_lines(jobs)
            if any(j.off_host for j in scheduled):
                job = next(j for j in scheduled if j.off_host)
                yield result(project, service, Status.PASS,
                             f"backed up by {job.where} on a schedule, off the host", evidence)
            elif scheduled:
                yield result(project, service, Status.WARN,
                             f"backed up by {scheduled[0].where} on a schedule, but the copies "
                             "stay on this host (lost with it)", evidence)
            elif jobs:
                yield result(project, service, Status.FAIL,
                             f"{jobs[0].where} can back up the database but nothing schedules it",
                             evidence)
            else:
                yield result(project, service, Status.FAIL,
                             f"no backup of the database: {_loss(service, metadata)}",
                             ("looked for a backup service (pg_dump, restic, borg, "
                              "postgres-backup-local) and scheduled scripts",))


CHECKS = (
    Check(
        id="COMPOSE-STORAGE-001",
        style=Style.COMPOSE,
        row=Row.STORAGE,
        severity=Severity.HIGH,
        title="The database keeps its data on a persistent volume",
        rationale=(
            "Without a named volume or a bind mount on a persistent host path, PostgreSQL's "
            "data lives in an anonymous volume or the container layer, and docker compose "
            "down, a recreate or a prune deletes every dashboard and user."
        ),
        remediation=(
            "Mount a named volume (db_home:/var/lib/postgresql/data) declared under volumes:, "
            "or a bind mount from a persistent host path such as /srv/superset/pgdata."
        ),
        success="a named volume or persistent host path",
        failure="no volume, an anonymous or temporary one",
        references=("https://docs.docker.com/engine/storage/volumes/",
                    "https://hub.docker.com/_/postgres"),
        requires=("compose",),
        evaluate=_persistent,
    ),
    Check(
        id="COMPOSE-BACKUPS-001",
        style=Style.COMPOSE,
        row=Row.BACKUPS,
        severity=Severity.HIGH,
        title="The database is backed up on a schedule, off the host",
        rationale=(
            "A volume survives container restarts, not a disk failure, a deleted volume or a "
            "bad migration; Superset's compose files ship no backup at all."
        ),
        remediation=(
            "Add a backup service (prodrigestivill/postgres-backup-local, or pg_dump piped to "
            "restic) on a schedule, copy the dumps off the host (S3, restic, borg), and test a "
            "restore."
        ),
        success="scheduled backups copied off the host",
        failure="no scheduled backup",
        references=("https://www.postgresql.org/docs/current/backup-dump.html",),
        requires=("compose",),
        evaluate=_backed_up,
    ),
)
