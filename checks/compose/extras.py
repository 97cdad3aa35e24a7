"""Facts around the services: version control, update tooling, backups, proxy
configuration files, scripts that set default credentials, the Docker daemon's defaults."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.checks.common.bounds import inside, levels_up, tree_top
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.discover import join
from auditor.checks.compose.facts import (
    BackupJob,
    DaemonConfig,
    ProxyConfig,
    ScriptHit,
    Service,
)
from auditor.checks.compose.roles import BACKUP_WORDS

RENOVATE = ("renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json",
            ".github/renovate.json", ".github/renovate.json5", ".gitlab/renovate.json")
DEPENDABOT = (".github/dependabot.yml", ".github/dependabot.yaml")
OFF_HOST = ("restic", "borg", "rclone", "s3", "gsutil", "gcloud storage", "azcopy", "wal-g",
            "pgbackrest", "scp ", "rsync", "b2 ", "sftp", "s3cmd", "aws ", "aws_", "azure",
            "gcs_", "b2_")
SKIP_DIRS = frozenset({".git", "node_modules", "superset-frontend", "__pycache__", ".venv",
                       "venv", "site-packages"})
CRON_LINE = re.compile(r"^\s*(@\w+|[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+)\s")
ADMIN_PATTERNS = (
    (re.compile(r"--password[ =]+[\"']?admin[\"']?(\s|$)"), "creates the admin user with "
     "password 'admin'", None),
    (re.compile(r"ADMIN_PASSWORD:?-[\"']?admin[\"']?\}"), "falls back to password 'admin' when "
     "ADMIN_PASSWORD is unset", "ADMIN_PASSWORD"),
)


@dataclass
class ProjectFiles:
    """The files of one project directory, listed once (bounded depth)."""

    tree: Tree
    base: str
    files: list[str]

    @classmethod
    def scan(cls, tree: Tree, base: str) -> ProjectFiles:
        return cls(tree, base, sorted(tree.walk(base, max_depth=4, skip=SKIP_DIRS)))

    def rel(self, name: str) -> str:
        return name if self.base in ("", ".") else f"{self.base}/{name}"

    def read(self, inner: str, problems: dict[str, str]) -> str | None:
        try:
            return self.tree.read_text(inner)
        except TreeError as exc:
            problems[f"file {inner}"] = exc.reason
            return None


def versioned(tree: Tree, base: str) -> str | None:
    """``.git`` in the project directory or a parent inside the tree, up to the repository
    root the tree reaches (see :mod:`bounds`)."""
    current = "" if base in ("", ".") else base
    while True:
        candidate = f"{current}/.git" if current else ".git"
        if tree.exists(candidate):
            return candidate
        if not current:
            break
        current = current.rsplit("/", 1)[0] if "/" in current else ""
    top = tree_top(tree)
    return f"{top}/.git" if top != "." and tree.exists(f"{top}/.git") else None


def update_tooling(files: ProjectFiles, services: Iterable[Service],
                   problems: dict[str, str]) -> tuple[str, ...]:
    found = []
    # Renovate and Dependabot are configured at the repository's root, which may lie above
    # a project kept in a sub-folder.
    top = tree_top(files.tree)
    roots = [files.rel(""), *([f"{top}/"] if top != "." else [])]
    for name in RENOVATE:
        inner = next((f"{r}{name}" for r in roots if files.tree.exists(f"{r}{name}")), None)
        if inner is not None:
            found.append(f"Renovate configuration {inner}")
    for inner in (f"{r}{name}" for name in DEPENDABOT for r in roots):
        if files.tree.exists(inner):
            text = files.read(inner, problems) or ""
            if re.search(r"package-ecosystem:\s*[\"']?(docker|docker-compose)", text):
                found.append(f"Dependabot docker updates in {inner}")
    for service in services:
        if service.role == "updater":
            found.append(f"service {service.name} ({service.image})")
    return tuple(found)


def _tools(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    return tuple(w for w in BACKUP_WORDS if w in lowered)


def _off_host(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in OFF_HOST)


def backups(files: ProjectFiles, services: Iterable[Service], host_tree: bool,
            problems: dict[str, str]) -> tuple[BackupJob, ...]:
    jobs: list[BackupJob] = []
    for service in services:
        if service.role != "backup":
            continue
        # Variable names only (S3_BUCKET, RESTIC_REPOSITORY): values are never looked at here.
        env_text = " ".join(service.env)
        words = f"{service.image} {service.command_text}"
        schedule = next((f"{k}={v.value}" for k, v in service.env.items()
                         if any(w in k.upper() for w in ("SCHEDULE", "CRON", "INTERVAL"))),
                        None)
        if schedule is None and ("cron" in words.lower() or "sleep" in words):
            schedule = "a loop or cron inside the container"
        jobs.append(BackupJob(
            where=f"service {service.name}", line=service.line,
            tools=_tools(words) or ("backup container",),
            off_host=_off_host(f"{words} {env_text}"),
            scheduled=schedule,
        ))
    scripts = [p for p in files.files if p.endswith(".sh") or "/backup" in f"/{p}"]
    schedule_texts = _schedules(files, host_tree, problems)
    for inner in scripts:
        text = files.read(inner, problems) if not files.tree.is_dir(inner) else None
        if not text:
            continue
        tools = _tools(text)
        if not tools:
            continue
        name = inner.rsplit("/", 1)[-1]
        scheduled = next((f"{where}: {line.strip()[:80]}" for where, line in schedule_texts
                          if name in line), None)
        line = next((n for n, text_line in enumerate(text.splitlines(), 1)
                     if any(t in text_line for t in tools)), None)
        jobs.append(BackupJob(where=inner, line=line, tools=tools, off_host=_off_host(text),
                              scheduled=scheduled))
    return tuple(jobs)


def _schedules(files: ProjectFiles, host_tree: bool,
               problems: dict[str, str]) -> list[tuple[str, str]]:
    """Cron lines that could run a script: project crontabs, documented ones, host crontabs."""
    found: list[tuple[str, str]] = []
    candidates = [p for p in files.files
                  if p.rsplit("/", 1)[-1] in ("crontab", "cron") or p.endswith((".cron", ".md"))
                  or "/cron" in f"/{p}"]
    if host_tree:
        candidates += ["etc/crontab", *(f"etc/cron.d/{n}" for n in files.tree.listdir(
            "etc/cron.d")), *(f"var/spool/cron/crontabs/{n}" for n in files.tree.listdir(
                "var/spool/cron/crontabs"))]
        for period in ("daily", "hourly", "weekly"):
            candidates += [f"etc/cron.{period}/{n}" for n in files.tree.listdir(
                f"etc/cron.{period}")]
    for inner in candidates:
        if files.tree.is_dir(inner) or not files.tree.exists(inner):
            continue
        text = files.read(inner, problems)
        if not text:
            continue
        periodic = inner.startswith("etc/cron.") and not inner.startswith("etc/cron.d")
        for line in text.splitlines():
            if periodic or CRON_LINE.match(line.lstrip("`").lstrip()):
                found.append((inner, line))
    return found


NGINX_TLS = re.compile(r"^\s*listen\s+[^;]*\b443\b[^;]*\bssl\b|^\s*listen\s+[^;]*\bssl\b", re.M)
NGINX_CERT = re.compile(r"^\s*ssl_certificate\s+([^;]+);", re.M)
NGINX_PROXY = re.compile(r"proxy_pass\s+https?://([A-Za-z0-9_.-]+)")
NGINX_UPSTREAM = re.compile(r"upstream\s+[\w.-]+\s*\{([^}]*)\}", re.S)
CADDY_SITE = re.compile(r"^([A-Za-z0-9*.-]+\.[A-Za-z]{2,}|https://\S+)(:\d+)?\s*(,|\{)", re.M)
CADDY_PROXY = re.compile(r"reverse_proxy\s+([^\s{]+)")


def proxy_configs(files: ProjectFiles, service: Service,
                  problems: dict[str, str]) -> tuple[ProxyConfig, ...]:
    """Configuration files bind-mounted into a proxy service, read from the project."""
    found = []
    for mount in service.mounts:
        if mount.kind != "bind" or mount.inner is None:
            continue
        if files.tree.is_dir(mount.inner):
            inners = [p for p in files.tree.walk(mount.inner, max_depth=2, skip=SKIP_DIRS)
                      if p.endswith((".conf", ".yml", ".yaml", ".toml")) or
                      p.endswith("Caddyfile")]
        else:
            inners = [mount.inner] if files.tree.exists(mount.inner) else []
        for inner in inners:
            if inner.endswith((".pem", ".crt", ".key")):
                continue
            text = files.read(inner, problems)
            if text is None:
                continue
            parsed = _proxy_config(inner, text)
            if parsed is not None:
                found.append(parsed)
    found.extend(_copied_configs(files, service, problems))
    return tuple(found)


def _copied_configs(files: ProjectFiles, service: Service,
                    problems: dict[str, str]) -> list[ProxyConfig]:
    """Configuration a proxy built here COPYs into its image from the build context."""
    built = service.built
    if built is None or built.context is None:
        return []
    found = []
    for source in built.copied_sources():
        inner = join(built.context, source.lstrip("/"), False, levels_up(files.tree))
        # Docker refuses sources outside the build context; so do we, symlinks included.
        if inner is None or not inside(files.tree, built.context, inner) or \
                not files.tree.exists(inner) or files.tree.is_dir(inner) or \
                inner.endswith((".pem", ".crt", ".key")):
            continue
        text = files.read(inner, problems)
        parsed = _proxy_config(inner, text) if text is not None else None
        if parsed is not None:
            found.append(parsed)
    return found


def _proxy_config(inner: str, text: str) -> ProxyConfig | None:
    if "server {" in text or "proxy_pass" in text or "upstream " in text:
        names = set(NGINX_PROXY.findall(text))
        for block in NGINX_UPSTREAM.findall(text):
            names.update(re.findall(r"server\s+([A-Za-z0-9_.-]+)", block))
        certs = tuple(c.strip() for c in NGINX_CERT.findall(text))
        return ProxyConfig(inner, bool(NGINX_TLS.search(text)) and bool(certs), certs,
                           tuple(sorted(names)))
    if inner.endswith("Caddyfile") or "reverse_proxy" in text:
        sites = CADDY_SITE.findall(text)
        upstreams = tuple(sorted({u.split(":")[0].removeprefix("http://")
                                  for u in CADDY_PROXY.findall(text)}))
        # Caddy obtains and renews certificates itself for a site with a domain name.
        tls = bool(sites) and "auto_https off" not in text
        return ProxyConfig(inner, tls, ("automatic HTTPS",) if tls else (), upstreams)
    if "entryPoints" in text or "entrypoints" in text or "certificatesResolvers" in text:
        tls = "certResolver" in text or "certificatesResolvers" in text or "tls:" in text
        return ProxyConfig(inner, tls, ("Traefik TLS configuration",) if tls else ())
    return None


def script_defaults(files: ProjectFiles, services: Iterable[Service],
                    problems: dict[str, str]) -> tuple[ScriptHit, ...]:
    """Scripts mounted into Superset's containers that set the admin password to 'admin'."""
    mounted: set[str] = set()
    for service in services:
        if not service.superset:
            continue
        for mount in service.mounts:
            if mount.kind != "bind" or mount.inner is None:
                continue
            if files.tree.is_dir(mount.inner):
                mounted.update(p for p in files.tree.walk(mount.inner, max_depth=2,
                                                          skip=SKIP_DIRS) if p.endswith(".sh"))
            elif mount.inner.endswith(".sh"):
                mounted.add(mount.inner)
    hits = []
    for inner in sorted(mounted):
        text = files.read(inner, problems)
        if not text:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for pattern, what, variable in ADMIN_PATTERNS:
                if pattern.search(line):
                    hits.append(ScriptHit(inner, number, what, variable))
    return tuple(hits)


def daemon_config(tree: Tree, problems: dict[str, str]) -> DaemonConfig | None:
    inner = "etc/docker/daemon.json"
    if not tree.exists(inner):
        return None
    try:
        data = json.loads(tree.read_text(inner))
    except TreeError as exc:
        problems[f"file {inner}"] = exc.reason
        return None
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        problems[f"file {inner}"] = "not valid JSON"
        return None
    if not isinstance(data, dict):
        return DaemonConfig(inner)
    opts = data.get("log-opts")
    return DaemonConfig(
        inner,
        log_driver=str(data["log-driver"]) if data.get("log-driver") else None,
        log_opts={str(k): str(v) for k, v in opts.items()} if isinstance(opts, dict) else {},
        default_ip=str(data["ip"]) if data.get("ip") else None,
    )
