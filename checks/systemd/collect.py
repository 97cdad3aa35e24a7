"""Detection and fact collection for the systemd style (a hand-built host)."""

from __future__ import annotations

import contextlib
import dataclasses
import posixpath
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.superset.configmodel import (
    EnvValue,
    SupersetConfig,
    Topology,
    analyze,
    gunicorn_timeout,
)
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.apache import load_apache
from auditor.checks.systemd.facts import HostInfo, ServiceSet
from auditor.checks.systemd.hostconf import load_apt, load_logs, load_redis
from auditor.checks.systemd.hosttree import detect as detect
from auditor.checks.systemd.hosttree import tree_of
from auditor.checks.systemd.jobs import collect_jobs
from auditor.checks.systemd.nginx import load_nginx
from auditor.checks.systemd.pglive import PgLiveError, dsn_from_uri, read_live
from auditor.checks.systemd.postgres import load_postgres
from auditor.checks.systemd.services import collect_services
from auditor.checks.systemd.ufw import load_ufw
from auditor.checks.systemd.units import UnitIndex
from auditor.model import Detection, Facts, Style, Target

CONFIG_LOCATIONS = ("/etc/superset/superset_config.py", "/opt/superset/superset_config.py",
                    "/opt/superset/pythonpath/superset_config.py",
                    "/srv/superset/superset_config.py", "/var/lib/superset/superset_config.py",
                    "/app/pythonpath/superset_config.py")
APP_DIRS = ("/opt/superset", "/srv/superset", "/etc/superset")
AGENTS = ("prometheus-node-exporter", "node_exporter", "node-exporter", "telegraf",
          "zabbix-agent", "datadog-agent", "netdata", "nagios-nrpe-server", "monit", "collectd",
          "grafana-agent", "alloy", "otelcol", "newrelic-infra", "elastic-agent", "metricbeat",
          "statsd_exporter", "prometheus-statsd-exporter", "amazon-cloudwatch-agent",
          "google-cloud-ops-agent", "netdata", "check_mk_agent", "icinga2")
MANAGED = re.compile(r"(?i)\b(ansible managed|managed by (ansible|puppet|salt|saltstack|chef)|"
                     r"this file is managed by|do not edit[^\n]*(puppet|salt|ansible|chef))")
AGENT_DIRS = (("/etc/puppetlabs/puppet", "Puppet agent"), ("/etc/salt/minion", "Salt minion"),
              ("/etc/chef/client.rb", "Chef client"))
OTHER_FIREWALLS = ("/etc/nftables.conf", "/etc/iptables/rules.v4", "/etc/firewalld/zones")
# A pin names one version: ==4.1.1, not the prefix match ==4.1.* (which floats).
PIN = re.compile(r"^\s*apache[-_]superset\s*(\[[^\]]*\])?\s*(==|===)\s*([\w.+-]+)(?![\w.+*-])",
                 re.I | re.M)
UNPINNED = re.compile(r"^\s*apache[-_]superset\b(?!\s*(\[[^\]]*\])?\s*===?\s*[\w.+-]+"
                      r"(?![\w.+*-]))", re.I | re.M)


def detect_in(target: Target, tree: Tree) -> Detection | None:
    """Detection in a tree laid out like a host's ``/``."""
    problems: dict[str, str] = {}
    services = collect_services(UnitIndex.build(tree, problems), problems)
    extra = [f"Nginx configuration {n}" for n in ("/etc/nginx/nginx.conf",) if tree.exists(n)]
    extra += [f"PostgreSQL cluster /etc/postgresql/{v}" for v in tree.listdir("/etc/postgresql")]
    if not services.services:
        # No unit runs Superset: nothing here belongs to this style (an empty --root, a
        # machine without Superset). Claiming "systemd" from etc/ alone audited a host of no
        # deployment and graded it F; it is "nothing auditable" now, naming what was sought
        # (--style systemd still forces the audit).
        return None
    evidence = [f"systemd unit {s.unit.path} runs {s.launch.kind} ({s.role})"
                for s in services.services[:3]]
    return Detection(Style.SYSTEMD, 0.95, tuple(evidence + extra[:2]), "superset")


def collect(target: Target, options: Mapping[str, object]) -> Facts:
    tree = tree_of(target)
    if tree is None:
        return Facts(Style.SYSTEMD, problems={F.SERVICES: "the target has no files to read"})
    problems: dict[str, str] = {}
    values: dict[str, object] = {}
    index = UnitIndex.build(tree, problems)
    services = collect_services(index, problems)
    values[F.SERVICES] = services
    nginx = None
    ufw = load_ufw(tree, problems)
    if target.live:
        from auditor.checks.systemd.live import nginx_dump, ufw_status

        nginx = nginx_dump(problems)
        if ufw.installed:
            ufw = ufw_status(ufw, problems) or ufw
    values[F.NGINX] = nginx or load_nginx(tree, problems)
    values[F.UFW] = ufw
    values[F.APACHE] = load_apache(tree, problems)
    clusters = load_postgres(tree, problems)
    values[F.POSTGRES] = clusters
    values[F.JOBS] = collect_jobs(tree, index, problems)
    values[F.LOGS] = load_logs(tree, problems)
    values[F.UPDATES] = load_apt(tree, problems)
    redis = load_redis(tree, problems)
    if redis is not None:
        values[F.REDIS] = redis
    config = _superset_config(tree, services, problems)
    if config is not None:
        config = dataclasses.replace(config, topology=_topology(services),
                                     urls=_urls(values.get(F.NGINX)))
        values["superset.config"] = config
    values[F.HOSTINFO] = _host_info(tree, index, services, config)
    if target.live:
        from auditor.checks.systemd.live import live_state

        data_dirs = [c.value("data_directory", "") for c in clusters.clusters]
        state, processes = live_state([d for d in data_dirs if d], problems)
        values[F.LIVE] = state
        values[F.PROCESSES] = processes
    _pg_live(options, config, values, problems)
    for directory, why in tree.unreadable.items():  # never read as "nothing there"
        problems.setdefault(f"directory {directory}", f"{why}: not read")
    app = "superset" if services.services or config is not None else None
    return Facts(Style.SYSTEMD, values=values, problems=problems, app=app)


def _superset_config(
    tree: Tree, services: ServiceSet, problems: dict[str, str]
) -> SupersetConfig | None:
    chosen = services.web[0] if services.web else (
        services.services[0] if services.services else None)
    env: dict[str, EnvValue] = dict(chosen.env) if chosen else {}
    candidates: list[tuple[str, str]] = []
    given = env.get("SUPERSET_CONFIG_PATH")
    if given:
        candidates.append((given.value, f"SUPERSET_CONFIG_PATH ({given.source})"))
    if "PYTHONPATH" in env:
        candidates += [(posixpath.join(p, "superset_config.py"), "PYTHONPATH")
                       for p in env["PYTHONPATH"].value.split(":") if p.startswith("/")]
    workdir = chosen.unit.value("Service", "WorkingDirectory") if chosen else None
    if workdir and workdir.lstrip("-").startswith("/"):
        candidates.append((posixpath.join(workdir.lstrip("-"), "superset_config.py"),
                           "WorkingDirectory"))
    candidates += [(p, "usual location") for p in CONFIG_LOCATIONS]
    for path, why in candidates:
        if not tree.exists(path):
            if why.startswith("SUPERSET_CONFIG_PATH"):
                reason = tree.why_missing(path)  # not found, or not followed out of the tree
                effect = "Superset fails to start" if reason == "not found" else "not read"
                problems[f"file {path}"] = f"{reason} (named by {why}; {effect})"
            continue
        try:
            text = tree.read_text(path)
        except TreeError as exc:
            problems["superset.config"] = f"{path}: {exc.reason}"
            return None
        config = analyze(text, path.lstrip("/"), env)
        for problem in config.problems:
            problems["superset.config"] = problem
        return config
    if chosen is None:
        return None
    return analyze(None, None, env)


def _host_info(tree: Tree, index: UnitIndex, services: ServiceSet,
               config: SupersetConfig | None) -> HostInfo:
    enabled = set(services.enabled)
    agents = tuple(sorted({
        name for name in services.unit_names
        if name.removesuffix(".service") in AGENTS and name in enabled
    }))
    managed: list[str] = []
    if tree.is_dir("/etc/.git"):
        managed.append("/etc is a git repository (etckeeper)")
    texts: list[tuple[str, str]] = []
    for service in services.services:
        for path in (service.unit.path, *service.unit.dropins):
            text = index.texts.get((path or "").lstrip("/"))
            if text and path:
                texts.append((path, text))
    if config is not None and config.config_path:
        with contextlib.suppress(TreeError):  # already named by the collector
            texts.append(("/" + config.config_path, tree.read_text("/" + config.config_path)))
    for path, text in texts:
        match = MANAGED.search(text[:4096])
        if match:
            managed.append(f"{path}: \"{match.group(0)}\"")
    for path, label in AGENT_DIRS:
        if tree.exists(path):
            managed.append(f"agent: {label} ({path})")
    pins, unpinned, releases = _pins(tree, services)
    firewalls = tuple(p for p in OTHER_FIREWALLS if _has_rules(tree, p))
    return HostInfo(monitoring=agents, managed=tuple(managed), pins=pins, unpinned=unpinned,
                    releases=releases, db_uri_host=_db_host(config), firewalls=firewalls)


def _has_rules(tree: Tree, path: str) -> bool:
    if tree.is_dir(path):
        return bool(tree.listdir(path))
    try:
        text = tree.read_text(path)
    except TreeError:
        return False
    # Debian's stock nftables.conf has empty chains with policy accept: that filters nothing.
    return bool(re.search(r"^\s*(-A |.*\b(drop|reject)\b)", text, re.M))


def _pins(tree: Tree, services: ServiceSet) -> tuple[tuple[str, ...], tuple[str, ...],
                                                     tuple[str, ...]]:
    dirs: list[str] = []
    releases: list[str] = []
    for service in services.services:
        workdir = (service.unit.value("Service", "WorkingDirectory") or "").lstrip("-")
        if workdir.startswith("/"):
            dirs.append(workdir)
        venv = service.launch.venv
        if venv and venv.startswith("/"):
            dirs.append(posixpath.dirname(venv))
            if "/releases/" in venv:
                base = venv.split("/releases/", 1)[0] + "/releases"
                kept = [n for n in tree.listdir(base) if tree.is_dir(f"{base}/{n}")]
                if len(kept) >= 2:
                    releases.extend(f"{base}/{n}" for n in kept)
    dirs.extend(APP_DIRS)
    pins: list[str] = []
    unpinned: list[str] = []
    for directory in dict.fromkeys(d.rstrip("/") or "/" for d in dirs):
        for name in tree.listdir(directory):
            if not re.match(r"^(requirements|constraints)[\w.-]*\.(txt|in)$|^(uv|poetry)\.lock$",
                            name):
                continue
            path = f"{directory}/{name}"
            try:
                text = tree.read_text(path)
            except TreeError:
                continue
            for match in PIN.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                pins.append(f"{path}:{line}: apache-superset=={match.group(3)}")
            if name.endswith(".lock") and re.search(r'name = "apache-superset"', text):
                pins.append(f"{path}: apache-superset locked")
            for match in UNPINNED.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                # The whole requirement, specifier included (">=4.1" is why it is no pin).
                whole = text[match.start():].split("\n", 1)[0].split("#", 1)[0].strip()
                unpinned.append(f"{path}:{line}: {whole}")
    return tuple(pins), tuple(unpinned), tuple(dict.fromkeys(releases))


def _db_host(config: SupersetConfig | None) -> str | None:
    if config is None:
        return None
    uri = config.get("SQLALCHEMY_DATABASE_URI").value
    if not isinstance(uri, str) or "://" not in uri:
        return None
    if uri.lower().startswith("sqlite"):
        return None  # a file: on no host at all, not "on localhost"
    try:
        return urlsplit(uri).hostname or "localhost"
    except ValueError:
        return None


def _pg_live(options: Mapping[str, object], config: SupersetConfig | None,
             values: dict[str, object], problems: dict[str, str]) -> None:
    dsn = options.get("pg_dsn")
    if not isinstance(dsn, str) or not dsn:
        dsn = None
        if options.get("connect_db"):
            uri = config.get("SQLALCHEMY_DATABASE_URI").value if config else None
            dsn = dsn_from_uri(uri) if isinstance(uri, str) else None
            if dsn is None:
                problems[F.PGLIVE] = ("--connect-db given but superset_config.py holds no "
                                      "PostgreSQL URI the auditor can read")
                return
    if dsn is None:
        return
    timeout = options.get("timeout")
    try:
        values[F.PGLIVE] = read_live(dsn, float(timeout) if isinstance(timeout, int | float)
                                     else 5.0)
    except PgLiveError as exc:
        problems[F.PGLIVE] = f"live PostgreSQL not read: {exc}"


def _topology(services: ServiceSet) -> Topology:
    web = services.web
    return Topology(
        web=len(web),
        workers=sum(1 for s in services.services if s.role == "worker"),
        beats=sum(1 for s in services.services if s.role == "beat" or (
            s.role == "worker" and ("B" in s.launch.options or "beat" in s.launch.options))),
        gunicorn_timeout=gunicorn_timeout(web[0].launch.option("timeout"), web[0].launch.kind)
        if web else None,
        evidence=tuple(f"{s.name}: {s.role}" for s in services.services),
    )


def _urls(nginx: object) -> tuple[str, ...]:
    """The names Nginx serves the app under, HTTPS first."""
    servers = getattr(nginx, "servers", ()) or ()
    urls = []
    for server in sorted(servers, key=lambda s: not s.tls):
        if not server.routes:
            continue
        name = next((n for n in server.names if n not in ("_", "", "localhost")), None)
        port = next((x.port for x in server.listens if x.ssl == server.tls), None)
        host = name or "127.0.0.1"
        default = 443 if server.tls else 80
        suffix = f":{port}" if port and port != default else ""
        urls.append(f"{'https' if server.tls else 'http'}://{host}{suffix}")
    return tuple(dict.fromkeys(urls))
