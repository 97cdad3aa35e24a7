"""What each service is (Superset's web, worker, beat; the database; a proxy ...) and
what is publicly known about the images they run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.checks.common.images import MOVING_TAGS, ImageRef, parse_image
from auditor.checks.compose.dockerfile import BuiltImage

DATABASE_IMAGES = ("postgres", "postgis", "timescaledb", "mysql", "mariadb", "cockroach")
REDIS_IMAGES = ("redis", "valkey", "keydb")
PROXY_IMAGES = ("nginx", "traefik", "caddy", "haproxy", "envoy")
BACKUP_WORDS = ("pg_dump", "pg_dumpall", "pg_basebackup", "pgbackrest", "wal-g", "restic",
                "borg", "postgres-backup", "db-backup", "volume-backup", "barman")
MONITORING_IMAGES = ("prometheus", "statsd-exporter", "statsd_exporter", "grafana", "cadvisor",
                     "node-exporter", "postgres-exporter", "redis_exporter", "redis-exporter",
                     "otel", "opentelemetry", "telegraf", "datadog", "netdata", "alloy",
                     "victoriametrics", "vmagent")
UPDATER_IMAGES = ("watchtower", "diun", "ouroboros")
DEV_TAGS = MOVING_TAGS  # one list for Compose and Kubernetes (checks/common/images.py)
__all__ = ["ImageRef", "parse_image"]  # re-exported: Compose modules import them from here


def is_superset_image(image: str) -> bool:
    """Superset's own image (not superset-websocket or another helper)."""
    return bool(image) and _base(parse_image(image).repository) == "superset"


def _base(repository: str) -> str:
    return repository.rsplit("/", 1)[-1]


def classify(name: str, image: str, process: str,
             built: BuiltImage | None = None) -> tuple[str, bool]:
    """(role, part of Superset) from what the service runs.

    ``process`` is what the container starts: the Compose entrypoint/command, else the built
    Dockerfile's ENTRYPOINT/CMD. A service built from Superset's repository is Superset only
    when that process is (the webpack dev server built from the same Dockerfile is not);
    Superset's image with no command of its own runs its web server.
    """
    # A built service's image: names the tag it builds; what it is comes from its FROM.
    source = (built.base or "") if built is not None else image
    repos = [parse_image(source).repository] if source else []
    words = process.lower()
    if any(w in words for w in BACKUP_WORDS) or any(w in r for r in repos
                                                    for w in BACKUP_WORDS):
        return "backup", False
    superset_image = any("superset" in r for r in repos)
    if not superset_image:
        # Known infrastructure images first: a proxy whose command names the superset
        # upstream is still the proxy.
        infra = next((k for r in repos if (k := _infrastructure(r))), None)
        if infra:
            return infra, False
    if superset_image and any("websocket" in r for r in repos):
        return "other", True  # superset-websocket: a Node server beside Superset
    role = superset_process(words)
    if role is not None:
        return role, True
    if superset_image and not words.strip():
        return "web", True  # Superset's image starts its web server (run-server.sh)
    if superset_image and not any(w in words for w in NOT_SUPERSET):
        # A command of its own that is not recognised (a custom script): the name is the
        # only hint left about which part of Superset it is.
        return _superset_role(name.lower(), words), True
    return "other", False


NOT_SUPERSET = ("docker-frontend", "npm ", "npx ", "yarn ", "webpack", "node ", "pnpm ",
                "superset-websocket")
"""Processes that Superset's images or repository also start and that are not Superset:
the frontend build and its dev server, the websocket server."""
INIT_COMMANDS = ("docker-init", "superset init", "db upgrade", "superset fab create-admin",
                 "superset load_examples", "superset load-examples")
BOOTSTRAP_ROLES = {"app": "web", "app-gunicorn": "web", "worker": "worker", "beat": "beat"}
WEB_SCRIPTS = ("run-server.sh", "docker-ci.sh")


def superset_process(command: str) -> str | None:
    """The Superset role a command runs (``web``, ``worker``, ``beat``, ``init``), or None."""
    if not command or any(w in command for w in NOT_SUPERSET):
        return None
    # A long-running process wins over the init steps often chained before it
    # (``superset db upgrade && superset init && gunicorn ...`` is a web server).
    return _long_running(command) or (
        "init" if any(w in command for w in INIT_COMMANDS) else None)


def _long_running(command: str) -> str | None:
    argv = command.replace(";", " ").replace("&&", " ").split()
    for index, word in enumerate(argv):
        if word.endswith("docker-bootstrap.sh") and index + 1 < len(argv):
            return BOOTSTRAP_ROLES.get(argv[index + 1].strip("\"'"))
    if "celery" in command and "superset" in command:
        if "flower" in argv:
            return None
        if "beat" in argv:
            return "beat"
        if "worker" in argv:
            return "worker"
    if any(w.strip("\"'").endswith(WEB_SCRIPTS) for w in argv):
        return "web"
    if "gunicorn" in command and ("superset.app:create_app" in command or
                                  "superset:app" in command):
        return "web"
    if "superset run" in command:
        return "web"
    return None


def _infrastructure(repo: str) -> str | None:
    base = _base(repo)
    if any(base.startswith(db) or db in repo for db in DATABASE_IMAGES):
        return "database"
    if any(base.startswith(r) for r in REDIS_IMAGES):
        return "redis"
    if any(p in base for p in PROXY_IMAGES):
        return "proxy"
    if any(m in repo for m in MONITORING_IMAGES):
        return "monitoring"
    if any(u in repo for u in UPDATER_IMAGES):
        return "updater"
    return None


def _superset_role(name: str, command: str) -> str:
    argv = command.split()
    last = argv[-1] if argv else ""
    if "docker-init" in command or "superset init" in command or "db upgrade" in command or \
            name.endswith("init"):
        return "init"
    if ("celery" in command and " beat" in f" {command}") or last == "beat" or \
            name.endswith("beat"):
        return "beat"
    if ("celery" in command and "worker" in command) or last == "worker" or "worker" in name:
        return "worker"
    if "websocket" in name or "flower" in command or "flower" in name:
        return "other"
    return "web"


@dataclass(frozen=True)
class ImageUser:
    """Who the image's main process runs as when the service sets no ``user:``."""

    root: bool | None
    """True: runs as root; False: not root; None: not knowable offline."""
    why: str


KNOWN_USERS: tuple[tuple[re.Pattern[str], ImageUser], ...] = (
    (re.compile(r"^apache/superset$"),
     ImageUser(False, "the apache/superset image runs as user superset (USER in its Dockerfile)")),
    (re.compile(r"^(postgres|postgis/postgis|timescale/timescaledb.*)$"),
     ImageUser(False, "the official postgres image starts as root and its entrypoint drops to "
                      "the postgres user (gosu) before the server starts")),
    (re.compile(r"^(redis|valkey/valkey)$"),
     ImageUser(False, "the official redis image starts as root and its entrypoint drops to "
                      "the redis user (gosu) before the server starts")),
    (re.compile(r"^(mysql|mariadb)$"),
     ImageUser(False, "the official image's entrypoint drops to the mysql user")),
    (re.compile(r"^bitnami/"), ImageUser(False, "Bitnami images run as user 1001")),
    (re.compile(r"^nginxinc/nginx-unprivileged$"),
     ImageUser(False, "nginx-unprivileged runs as user nginx (101)")),
    (re.compile(r"^prom/"), ImageUser(False, "Prometheus images run as user nobody")),
    (re.compile(r"^grafana/grafana(-oss)?$"), ImageUser(False, "Grafana runs as user 472")),
    (re.compile(r"^haproxy(tech/haproxy.*)?$"),
     ImageUser(False, "the official haproxy image (2.4+) runs as user haproxy")),
    (re.compile(r"^nginx$"),
     ImageUser(True, "the official nginx image runs its master process as root")),
    # Official distribution and language images set no USER (node defines a user node but
    # does not switch to it): a Dockerfile FROM them that sets none runs as root.
    (re.compile(r"^(ubuntu|debian|alpine|centos|rockylinux|almalinux|fedora|amazonlinux"
                r"|python|node|buildpack-deps)$"),
     ImageUser(True, "the official distribution and language images (ubuntu, debian, alpine, "
                     "python, node ...) set no USER: what runs in them runs as root")),
    (re.compile(r"^(traefik|caddy)$"),
     ImageUser(True, "the official image runs as root unless user: is set")),
    (re.compile(r"watchtower$"),
     ImageUser(True, "watchtower runs as root with the Docker socket")),
)


def image_user(image: str) -> ImageUser | None:
    if not image:
        return None
    repo = parse_image(image).repository
    for pattern, user in KNOWN_USERS:
        if pattern.search(repo):
            return user
    return None


def user_name(user: str) -> str:
    """The user part of ``user:`` (``1000`` of ``1000:1000``)."""
    return user.split(":", 1)[0].strip()


def is_root_user(user: str) -> bool:
    return user_name(user) in ("root", "0")
