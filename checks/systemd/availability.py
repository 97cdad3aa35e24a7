"""availability: one host is a single point of failure unless the evidence shows otherwise."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import (
    SINGLE_HOST,
    apache_routes,
    app_routes,
    at,
    cmd,
    direct_reach,
    each_service,
    host_of,
    no_app,
    no_services,
    services,
    where,
)
from auditor.checks.systemd.facts import HbaLine, HostInfo, NginxConfig, PgClusters, PgLive
from auditor.checks.systemd.postgres import address_is_local
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def no_web_tier(facts: Facts) -> Result | None:
    """A skip for a host without Superset's web tier (no_app's, or a celery-only host).

    A worker host behind a separate web host needs no TLS proxy, balancer or web
    redundancy of its own: judging them here would fail a host for a job it does not do.
    """
    absent = no_app(facts)
    if absent:
        return absent
    found = services(facts)
    config = facts.optional(F.NGINX, NginxConfig)
    if found.web or (config is not None and any(s.routes for s in config.servers)):
        return None
    shown = ", ".join(f"{s.name} ({s.role})" for s in found.services[:3])
    return Result("superset", Status.SKIP,
                  f"no Superset web server on this host, only {shown}")


def web_hosts(facts: Facts) -> tuple[list[str], list[str]]:
    """(hosts the app's traffic reaches, evidence); loopback counts as this host."""
    config = facts.get(F.NGINX, NginxConfig)
    found = services(facts)
    routes = app_routes(config, found) if config.present else []
    hosts = list(dict.fromkeys(host_of(b) for _, route, _ in routes for b in route.backends))
    evidence = [f"{route.path}:{route.line}: proxy_pass {route.target} -> "
                + (", ".join(route.backends) or "unresolved") for _, route, _ in routes[:4]]
    apache = [] if routes else apache_routes(facts)
    hosts += [h for h in dict.fromkeys(host_of(b) for p in apache for b in p.backends)
              if h not in hosts]
    evidence += [f"{p.at}: {p.label}: ProxyPass {p.prefix} {p.target} -> "
                 + (", ".join(p.backends) or "unresolved") for p in apache[:4]]
    if not routes and not apache:
        evidence.append("no nginx route proxies to Superset" if config.present
                        else f"no nginx: {direct_reach(found, ports=False)}")
    return hosts or ["this host"], evidence


def _web(facts: Facts) -> Iterator[Result]:
    absent = no_web_tier(facts)
    if absent:
        yield absent
        return
    hosts, evidence = web_hosts(facts)
    if len(hosts) >= 2:
        yield Result("web-tier", Status.PASS,
                     f"requests are spread over {len(hosts)} hosts ({', '.join(hosts[:4])}): "
                     "the loss of one host is absorbed", tuple(evidence))
    else:
        yield Result("web-tier", Status.FAIL,
                     f"every request is served by {hosts[0]}: {SINGLE_HOST} (a reboot, a full "
                     "disk or a hardware fault takes Superset down)", tuple(evidence))


def _replication_lines(hba: tuple[HbaLine, ...]) -> list[HbaLine]:
    return [h for h in hba if h.database == "replication" and h.kind.startswith("host")
            and not address_is_local(h.address)]


def _database(facts: Facts) -> Iterator[Result]:
    clusters = facts.get(F.POSTGRES, PgClusters)
    live = facts.optional(F.PGLIVE, PgLive)
    info = facts.optional(F.HOSTINFO, HostInfo)
    if live is not None:
        if live.in_recovery or live.replicas:
            what = "is itself a standby" if live.in_recovery else (
                f"streams to {live.replicas} standby server(s)")
            yield Result(f"postgresql {live.label}", Status.PASS, f"the live server {what}",
                         (f"pg_is_in_recovery = {live.in_recovery}",
                          f"pg_stat_replication: {live.replicas} row(s)"))
        else:
            yield Result(f"postgresql {live.label}", Status.FAIL,
                         f"the live server has no standby: {SINGLE_HOST} for the metadata "
                         "database", ("pg_stat_replication: 0 rows", "pg_is_in_recovery = false"))
        return
    if not clusters.clusters:
        host = info.db_uri_host if info else None
        if host and host not in ("localhost", "127.0.0.1", "::1"):
            yield Result("metadata-database", Status.SKIP,
                         f"the metadata database runs on {host}; its availability is that "
                         "host's (give --pg-dsn to read it live)")
        else:
            yield Result("metadata-database", Status.SKIP,
                         "no PostgreSQL cluster under /etc/postgresql and no live DSN")
        return
    for cluster in clusters.clusters:
        subject = f"postgresql {cluster.name}"
        evidence: list[str] = []
        for name in ("primary_conninfo", "synchronous_standby_names"):
            setting = cluster.setting(name)
            if setting and setting.value:
                evidence.append(f"{setting.path}:{setting.line}: {name} is set")
        if cluster.standby_signal:
            evidence.append("standby.signal in the data directory")
        replication = _replication_lines(cluster.hba)
        wal_level = cluster.value("wal_level", "replica")
        senders = cluster.value("max_wal_senders", "10")
        if replication and wal_level in ("replica", "logical") and senders != "0":
            evidence.extend(f"{h.path}:{h.line}: {h.kind} replication from {h.address}"
                            for h in replication[:2])
        if evidence:
            yield Result(subject, Status.PASS,
                         "a standby is configured: the database survives the loss of this host",
                         tuple(evidence), where(cluster.conf_path))
        else:
            yield Result(subject, Status.FAIL,
                         f"no standby, replication or primary_conninfo: {SINGLE_HOST} for "
                         "dashboards, users and saved queries",
                         ("no primary_conninfo, synchronous_standby_names, standby.signal or "
                          "replication line in pg_hba.conf",), where(cluster.conf_path))


def _workers(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts, ("web",)):
        if service is None:
            # A celery-only host does run Superset: say so rather than "no unit runs it".
            yield no_web_tier(facts) or no_services(services(facts))
            return
        if service.cannot_start:
            yield Result(service.name, Status.FAIL,
                         "no worker serves: the unit cannot start (see "
                         "SYSTEMD-SUPERVISION-001)", (service.cannot_start,),
                         at(service.exec_start))
            continue
        workers = service.launch.workers
        computed = service.launch.workers_computed
        evidence = (cmd(service.launch), f"worker processes: {workers or 'unknown'}"
                    if computed is None else f"workers = {computed} in gunicorn's config "
                    f"file: at least {workers}, more with more CPUs")
        if workers is None:
            yield Result(service.name, Status.SKIP, "worker count could not be determined" + (
                             f": workers = {service.launch.options['workers-at-least'][1]} in "
                             "gunicorn's config file"
                             if "workers-at-least" in service.launch.options else ""),
                         evidence, at(service.exec_start))
        elif workers >= 2:
            count = f"{workers}" if computed is None else f"at least {workers}"
            yield Result(service.name, Status.PASS,
                         f"{count} worker processes: the loss of one is absorbed", evidence,
                         at(service.exec_start))
        else:
            yield Result(service.name, Status.FAIL,
                         f"{service.launch.kind} runs one worker: one slow dashboard or crash "
                         "blocks every user", evidence, at(service.exec_start))


CHECKS = (
    Check(
        id="SYSTEMD-AVAILABILITY-001",
        style=Style.SYSTEMD,
        row=Row.AVAILABILITY,
        severity=Severity.HIGH,
        title="The web tier survives the loss of one host",
        rationale=(
            "A manual VM deployment puts every process on one machine: a reboot for a kernel "
            "update, a full disk or a hardware fault takes Superset down. Only servers on "
            "another host behind the proxy change that."
        ),
        remediation=(
            "Run Superset on a second host and list both in an nginx upstream (or behind a "
            "cloud load balancer); keep state in the shared database and Redis."
        ),
        success="the app is served from two or more hosts",
        failure="one host serves every request",
        references=("https://superset.apache.org/docs/installation/architecture/",),
        requires=(F.SERVICES, F.NGINX),
        evaluate=_web,
    ),
    Check(
        id="SYSTEMD-AVAILABILITY-002",
        style=Style.SYSTEMD,
        row=Row.AVAILABILITY,
        severity=Severity.HIGH,
        title="The metadata database has a standby",
        rationale=(
            "PostgreSQL on the same VM dies with it; without a streaming standby the "
            "dashboards, users and saved queries are unavailable (or lost) until the host is "
            "rebuilt and a backup restored."
        ),
        remediation=(
            "Set up a streaming replica (wal_level=replica, a replication user and pg_hba "
            "line, pg_basebackup on the standby with primary_conninfo), or move the metadata "
            "database to a managed service with failover."
        ),
        success="a standby or replication is configured",
        failure="a single database server",
        references=("https://www.postgresql.org/docs/current/warm-standby.html",),
        requires=(F.POSTGRES,),
        evaluate=_database,
    ),
    Check(
        id="SYSTEMD-AVAILABILITY-003",
        style=Style.SYSTEMD,
        row=Row.AVAILABILITY,
        severity=Severity.MEDIUM,
        title="The web server runs more than one worker",
        rationale=(
            "With one worker a single slow dashboard query or a crashed worker blocks every "
            "user until it returns or gunicorn replaces it."
        ),
        remediation="Run gunicorn with --workers 2 x cores + 1 (or gthread/gevent workers).",
        success="two or more workers",
        failure="a single worker",
        references=("https://docs.gunicorn.org/en/stable/design.html#how-many-workers",),
        requires=(F.SERVICES,),
        evaluate=_workers,
    ),
)
