"""network: UFW on with default deny, sensitive ports closed to the world, loopback binds."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import services, where
from auditor.checks.systemd.facts import HostInfo, PgClusters, PgLive, RedisConf, Ufw, UfwRule
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


@dataclass(frozen=True)
class Listener:
    subject: str
    port: int
    addresses: tuple[str, ...]
    source: str
    location: Location | None


def kind(address: str) -> str:
    """``loopback``, ``private``, ``all`` or ``public``."""
    host = address.strip("[]")
    if host.startswith("unix:") or host in ("localhost",) or host.startswith("127."):
        return "loopback"
    if host in ("", "*", "0.0.0.0", "::"):
        return "all"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "public"  # a host name: resolves to whatever DNS says
    if ip.is_loopback:
        return "loopback"
    return "private" if ip.is_private else "public"


def _split(bind: str) -> tuple[str, int | None]:
    if bind.startswith("unix:"):
        return bind, None
    host, _, port = bind.rpartition(":")
    return (host or "0.0.0.0"), (int(port) if port.isdigit() else None)


def listeners(facts: Facts) -> list[Listener]:
    found: list[Listener] = []
    for service in services(facts).web:
        for bind in service.launch.binds:
            host, port = _split(bind)
            if port is not None or host.startswith("unix:"):
                location = where(service.exec_start.path, service.exec_start.line) if (
                    service.exec_start) else None
                if service.via and service.launch.source == service.via:
                    # ExecStart runs a wrapper script: the bind is written on its line.
                    location = where(service.via, service.launch.line)
                socket = service.socket
                how = (f"{socket.name}: ListenStream= {', '.join(socket.listens)} (gunicorn "
                       "serves the socket systemd passes it, not its own --bind)") if (
                    socket is not None and socket.listens and service.launch.kind == "gunicorn"
                ) else f"--bind {bind}"
                if socket is not None and how != f"--bind {bind}":
                    location = where(socket.path)
                found.append(Listener(f"{service.launch.kind} {service.name}", port or 0,
                                      (host,), how, location))
    live_pg = facts.optional(F.PGLIVE, PgLive)
    for cluster in facts.get(F.POSTGRES, PgClusters).clusters:
        setting = cluster.setting("listen_addresses")
        value = setting.value if setting else "localhost"
        if live_pg is not None and "listen_addresses" in live_pg.settings:
            value = live_pg.settings["listen_addresses"]
        port = int(cluster.value("port", "5432")) if cluster.value("port", "5432").isdigit() \
            else 5432
        addresses = tuple(a.strip() for a in value.split(",") if a.strip()) or ("unix:",)
        found.append(Listener(f"postgresql {cluster.name}", port, addresses,
                              f"listen_addresses = '{value}'" + ("" if setting else " (default)"),
                              where(setting.path, setting.line) if setting else
                              where(cluster.conf_path)))
    redis = facts.optional(F.REDIS, RedisConf)
    if redis is not None and redis.port:
        found.append(Listener("redis", redis.port, redis.binds or ("*",),
                              f"bind {' '.join(redis.binds)}" if redis.binds else
                              "no bind line (every interface)",
                              where(redis.path, redis.bind_line)))
    live = facts.optional(F.LIVE, HostLive)
    if live is not None:
        found = [_live(listener, live) for listener in found]
    return found


def _live(listener: Listener, live: HostLive) -> Listener:
    addresses = tuple(sorted({addr for addr, port, _ in live.listeners
                              if port == listener.port}))
    if not addresses:
        return listener
    return Listener(listener.subject, listener.port, addresses,
                    f"listening now on {', '.join(addresses)} ({listener.source} configured)",
                    listener.location)


def _loc(at: str | None) -> Location | None:
    if not at or ":" not in at:
        return None
    path, _, line = at.rpartition(":")
    return where(path, int(line)) if line.isdigit() else None


def _firewall(facts: Facts) -> Iterator[Result]:
    ufw = facts.get(F.UFW, Ufw)
    if not ufw.installed:
        info = facts.optional(F.HOSTINFO, HostInfo)
        others = info.firewalls if info else ()
        if others:
            yield Result("ufw", Status.WARN,
                         "UFW is not installed; another firewall is configured ("
                         + ", ".join(others) + ") and is not audited", others)
        else:
            yield Result("ufw", Status.FAIL,
                         "no host firewall: UFW is not installed and no nftables, iptables or "
                         "firewalld rules were found", ("no /etc/ufw, no /etc/default/ufw",))
        return
    # ENABLED missing from ufw.conf is not "ENABLED=no" in the file: say it is unset.
    evidence = (f"ENABLED={'yes' if ufw.enabled else 'no'} ({ufw.enabled_at})"
                if ufw.enabled_at else "ENABLED unset (ufw stays off)",
                f"DEFAULT_INPUT_POLICY={ufw.default_input or 'unset'} "
                f"({ufw.default_input_at or 'default DROP'})")
    policy = ufw.default_input or "DROP"
    if not ufw.enabled:
        yield Result("ufw", Status.FAIL,
                     "UFW is installed but disabled: every listening port is reachable",
                     evidence, _loc(ufw.enabled_at))
    elif policy == "ACCEPT":
        yield Result("ufw", Status.FAIL, "UFW is on but its default input policy is ACCEPT",
                     evidence, _loc(ufw.default_input_at))
    else:
        yield Result("ufw", Status.PASS, f"UFW is on, default input policy {policy}", evidence,
                     _loc(ufw.enabled_at))


def _exposed(facts: Facts) -> Iterator[Result]:
    ufw = facts.get(F.UFW, Ufw)
    found = listeners(facts)
    if not found:
        yield Result("ports", Status.SKIP, "no gunicorn, PostgreSQL or Redis listener found")
        return
    for listener in found:
        subject = f"port {listener.port} ({listener.subject})" if listener.port else (
            listener.subject)
        kinds = {kind(a) for a in listener.addresses}
        evidence = [listener.source]
        if kinds <= {"loopback"}:
            yield Result(subject, Status.PASS, "bound to loopback: not reachable from outside",
                         tuple(evidence), listener.location)
            continue
        reason = _open_reason(ufw, listener.port)
        if reason:
            evidence.append(reason)
            yield Result(subject, Status.FAIL,
                         f"{listener.subject} listens on {', '.join(listener.addresses)} and "
                         f"the firewall lets the world in ({reason})", tuple(evidence),
                         listener.location)
        else:
            sources = _sources(ufw, listener.port)
            evidence.append(f"UFW admits port {listener.port} only from " + ", ".join(sources)
                            if sources else f"no UFW rule admits port {listener.port}")
            yield Result(subject, Status.PASS,
                         "UFW admits it only from " + ", ".join(sources) if sources else
                         "UFW admits no one to it", tuple(evidence), listener.location)


def _tcp(rule: UfwRule, port: int) -> bool:
    return rule.covers(port) and rule.proto in ("tcp", "any")


def _sources(ufw: Ufw, port: int) -> list[str]:
    """Who the rules let in on a TCP port: named sources (a rule from anywhere there
    was shadowed by an earlier deny, or the port would be open)."""
    return sorted({r.source for r in ufw.rules if r.action in ("allow", "limit")
                   and _tcp(r, port) and not r.from_anywhere})


def _open_reason(ufw: Ufw, port: int) -> str | None:
    if not ufw.installed:
        return "no UFW"
    if not ufw.enabled:
        return "UFW disabled"
    # IPv4 and IPv6 rules are separate chains: a deny in one does not shadow the other.
    for v6 in (False, True):
        reason = _first_open(ufw, port, v6)
        if reason:
            return reason
    if (ufw.default_input or "DROP") == "ACCEPT":
        return "default input policy ACCEPT"
    return None


def _first_open(ufw: Ufw, port: int, v6: bool) -> str | None:
    """The first rule of one family from anywhere on the port, if it admits (ufw's
    first match wins)."""
    for rule in ufw.rules:
        if rule.v6 != v6 or not _tcp(rule, port) or not rule.from_anywhere:
            continue
        if rule.action in ("deny", "reject"):
            return None
        if rule.action in ("allow", "limit"):
            return f"{rule.path}:{rule.line}: {rule.action} {rule.ports}/{rule.proto} from anywhere"
    return None


def _bound(facts: Facts) -> Iterator[Result]:
    found = listeners(facts)
    if not found:
        yield Result("listeners", Status.SKIP, "no gunicorn, PostgreSQL or Redis listener found")
        return
    for listener in found:
        kinds = {kind(a) for a in listener.addresses}
        shown = ", ".join(listener.addresses)
        if kinds <= {"loopback"}:
            yield Result(listener.subject, Status.PASS, f"bound to loopback ({shown})",
                         (listener.source,), listener.location)
        elif kinds <= {"loopback", "private"}:
            yield Result(listener.subject, Status.PASS,
                         f"bound to loopback and a private address ({shown}) for the other "
                         "hosts of the deployment", (listener.source,), listener.location)
        else:
            yield Result(listener.subject, Status.FAIL,
                         f"bound to {shown}: reachable on every interface, public ones included",
                         (listener.source,), listener.location)


CHECKS = (
    Check(
        id="SYSTEMD-NETWORK-001",
        style=Style.SYSTEMD,
        row=Row.NETWORK,
        severity=Severity.HIGH,
        title="UFW is enabled with a default-deny input policy",
        rationale=(
            "A hand-built VM runs gunicorn, PostgreSQL and Redis side by side; without a "
            "host firewall one wrong bind address exposes them to the internet."
        ),
        remediation=(
            "ufw default deny incoming; ufw allow OpenSSH; ufw allow 'Nginx Full'; ufw enable "
            "(from a console, so a mistake cannot lock you out)."
        ),
        success="UFW on, default deny",
        failure="UFW missing, disabled or default accept",
        references=("https://help.ubuntu.com/community/UFW",
                    "https://manpages.debian.org/bookworm/ufw/ufw.8.en.html"),
        requires=(F.UFW,),
        evaluate=_firewall,
    ),
    Check(
        id="SYSTEMD-NETWORK-002",
        style=Style.SYSTEMD,
        row=Row.NETWORK,
        severity=Severity.CRITICAL,
        title="Superset, PostgreSQL and Redis ports are not open to the world",
        rationale=(
            "gunicorn (8088), PostgreSQL (5432) and Redis (6379) reachable from anywhere are "
            "attacked within hours: Redis without a password gives code execution, a weak "
            "pg_hba gives the database, gunicorn bypasses the proxy's TLS and headers."
        ),
        remediation=(
            "Bind them to 127.0.0.1 (or a private address), and in UFW allow 5432/6379/8088 "
            "only from the hosts that need them: 'ufw allow from 10.0.1.0/24 to any port 5432'."
        ),
        success="each port is on loopback or admitted only from named sources",
        failure="a port reachable from anywhere",
        references=("https://redis.io/docs/latest/operate/oss_and_stack/management/security/",
                    "https://www.postgresql.org/docs/current/runtime-config-connection.html"),
        requires=(F.UFW, F.SERVICES, F.POSTGRES),
        evaluate=_exposed,
    ),
    Check(
        id="SYSTEMD-NETWORK-003",
        style=Style.SYSTEMD,
        row=Row.NETWORK,
        severity=Severity.HIGH,
        title="The app server, PostgreSQL and Redis listen on loopback or private addresses",
        rationale=(
            "A service bound to 0.0.0.0 is one firewall mistake away from the internet; "
            "Docker, a cloud security group change or 'ufw disable' is enough."
        ),
        remediation=(
            "gunicorn --bind 127.0.0.1:8088 (or a unix socket), listen_addresses = 'localhost' "
            "in postgresql.conf, 'bind 127.0.0.1 -::1' in redis.conf; use a private address "
            "only when another host must connect."
        ),
        success="loopback or private addresses only",
        failure="bound to every interface or a public address",
        references=("https://docs.gunicorn.org/en/stable/settings.html#bind",
                    "https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-LISTEN-ADDRESSES"),
        requires=(F.SERVICES, F.POSTGRES),
        evaluate=_bound,
    ),
)
