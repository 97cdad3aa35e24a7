"""network: published ports bound to loopback, the database and Redis kept private."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import (
    each_project,
    flag,
    none_of,
    proxies_for,
    proxy_label,
    result,
)
from auditor.checks.compose.facts import ComposeProject, Port, Service
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

PUBLIC_PROXY_PORTS = (80, 443)
UFW_NOTE = "Docker's iptables rules publish it around UFW"
ALONE = "no other service"


def _loopback(project: ComposeProject, port: Port) -> bool:
    if port.host_ip:
        return port.loopback
    daemon = project.daemon
    return bool(daemon and daemon.default_ip and daemon.default_ip.startswith(("127.", "::1")))


def _exposed(project: ComposeProject, service: Service) -> list[Port]:
    return [p for p in service.ports if not _loopback(project, p)]


def _bound(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            if service.spec.get("network_mode") == "host":
                yield result(project, service, Status.FAIL,
                             "network_mode: host: every port it opens is on the host's "
                             "interfaces", ("network_mode: host",), "network_mode")
                continue
            exposed = _exposed(project, service)
            if service.role == "proxy":
                exposed = [p for p in exposed
                           if not any(p.publishes(n) for n in PUBLIC_PROXY_PORTS)]
            evidence = tuple(f"ports: {p.label}" for p in service.ports)
            fronts = [p for p in proxies_for(project, service) if p.name != service.name]
            if exposed:
                around = f" (around proxy {proxy_label(fronts[0])} in front of it)" \
                    if fronts else ""
                yield result(project, service, Status.FAIL,
                             f"publishes {exposed[0].label} on every interface{around}: "
                             f"{UFW_NOTE}", evidence, "ports")
            elif service.ports:
                looped = any(_loopback(project, p) for p in service.ports)
                if service.role != "proxy":
                    message = "publishes only on loopback"
                elif looped:
                    message = f"publishes only on loopback and, as proxy {proxy_label(service)}, " \
                        "80/443"
                else:
                    # Nothing on loopback: "only on loopback" would say the opposite of
                    # 0.0.0.0:80.
                    message = f"publishes, as proxy {proxy_label(service)}, 80/443 only"
                yield result(project, service, Status.PASS, message, evidence, "ports")
            else:
                yield result(project, service, Status.PASS, "publishes no port")


def _private(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        backends = project.role("database", "redis")
        if not backends:
            yield none_of(project, "database or Redis")
            continue
        for service in backends:
            exposed = _exposed(project, service)
            evidence = tuple(f"ports: {p.label}" for p in service.ports)
            if service.spec.get("network_mode") == "host":
                # No ports: needed: it listens on the host's own interfaces.
                yield result(project, service, Status.FAIL,
                             f"{service.role} uses network_mode: host: it listens on every "
                             "interface of the host, reachable from the network",
                             ("network_mode: host",), "network_mode")
            elif exposed:
                yield result(project, service, Status.FAIL,
                             f"{service.role} published on {exposed[0].label}: reachable from "
                             f"the network ({UFW_NOTE})", evidence, "ports")
            elif service.ports:
                yield result(project, service, Status.WARN,
                             f"{service.role} published on loopback: any local user or process "
                             "can reach it", evidence, "ports")
            else:
                yield result(project, service, Status.PASS,
                             "not published: reachable only on the Compose network")


def _networks_of(service: Service) -> list[str]:
    if service.spec.get("network_mode"):
        return [str(service.spec["network_mode"])]
    value = service.spec.get("networks")
    return list(value) if isinstance(value, dict) and value else ["default"]


def _declared(project: ComposeProject, name: str, key: str) -> bool:
    conf = project.networks.get(name)
    return isinstance(conf, dict) and flag(conf.get(key))


def _external(project: ComposeProject, name: str) -> bool:
    # external: {name: x} is the old (v2/v3.4) spelling of external: true with a name.
    conf = project.networks.get(name)
    return isinstance(conf, dict) and (flag(conf.get("external"))
                                       or isinstance(conf.get("external"), dict))


def _network_fact(project: ComposeProject, name: str) -> str:
    if _declared(project, name, "internal"):
        return f"network {name}: internal"
    if _external(project, name):
        # Its options are set by whoever created it: this project cannot say it is not
        # internal.
        return f"network {name}: external, created outside this project"
    return f"network {name}: not internal"


def _sharers(project: ComposeProject, service: Service, networks: list[str]) -> str:
    """Who else is on ``networks``: the evidence for "shared with", never assumed."""
    if "host" in networks:
        return "every process on the host"
    if "bridge" in networks:
        return "every container on Docker's default bridge"
    others = [s.name for s in project.services
              if s.name != service.name and set(_networks_of(s)) & set(networks)]
    if others and len(others) == len(project.services) - 1:
        return "every service"
    if not others:
        return ALONE
    return f"service{'s' if len(others) > 1 else ''} {', '.join(others)}"


def _internal(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        backends = project.role("database", "redis")
        if not backends:
            yield none_of(project, "database or Redis")
            continue
        proxies = project.role("proxy")
        proxy_networks = {n for s in proxies for n in _networks_of(s)}
        for service in backends:
            networks = _networks_of(service)
            if networks == ["none"]:
                yield result(project, service, Status.PASS,
                             "network_mode: none: no network, no route in or out",
                             ("network_mode: none",), "network_mode")
                continue
            internal = [n for n in networks if _declared(project, n, "internal")]
            external = [n for n in networks if n not in internal and _external(project, n)]
            evidence = tuple(_network_fact(project, n) for n in networks)
            if networks and len(internal) == len(networks):
                yield result(project, service, Status.PASS,
                             f"only on internal network{'s' if len(networks) > 1 else ''} "
                             f"{', '.join(networks)}", evidence, "networks")
            elif external and len(internal) + len(external) == len(networks):
                yield result(project, service, Status.WARN,
                             f"on external network{'s' if len(external) > 1 else ''} "
                             f"{', '.join(external)}: created outside this project, so whether "
                             "it is internal is not written here (docker network inspect "
                             f"{external[0]})", evidence, "networks")
            elif not set(networks) & (proxy_networks | {"default", "host", "bridge"}):
                apart = "apart from the proxy but not internal" if proxies \
                    else "with no proxy on it but not internal"
                yield result(project, service, Status.WARN,
                             f"on {', '.join(networks)}, {apart}: it can still open "
                             "connections out", evidence, "networks")
            elif _sharers(project, service, networks) == ALONE:
                # Alone on the default network is alone on a network that is not internal:
                # nothing else reaches it, it can still open connections out.
                apart = "which no other service joins, but not internal"
                yield result(project, service, Status.WARN,
                             f"on {', '.join(networks)}, {apart}: it can still open "
                             "connections out", evidence, "networks")
            else:
                fronting = [proxy_label(s) for s in proxies
                            if set(_networks_of(s)) & set(networks)]
                shared = f"proxy {fronting[0]}" if fronting \
                    else _sharers(project, service, networks)
                yield result(project, service, Status.FAIL,
                             f"on network {', '.join(networks)}, shared with {shared} and with "
                             "a route out", evidence, "networks")


CHECKS = (
    Check(
        id="COMPOSE-NETWORK-001",
        style=Style.COMPOSE,
        row=Row.NETWORK,
        severity=Severity.HIGH,
        title="Published ports are bound to loopback unless meant to be public",
        rationale=(
            "ports: 8088:8088 listens on every interface, and Docker inserts its own iptables "
            "rules ahead of UFW, so the port is open to the world even behind a 'deny' "
            "firewall. Only the reverse proxy's 80 and 443 are meant to be public."
        ),
        remediation=(
            "Publish internal ports as 127.0.0.1:8088:8088 (or not at all: services reach each "
            "other on the Compose network) and let only the proxy publish 80/443; or set "
            "\"ip\": \"127.0.0.1\" in /etc/docker/daemon.json."
        ),
        success="loopback only, or the proxy's 80/443",
        failure="an internal port published on every interface",
        references=("https://docs.docker.com/engine/network/packet-filtering-firewalls/",
                    "https://docs.docker.com/reference/compose-file/services/#ports"),
        requires=("compose",),
        evaluate=_bound,
    ),
    Check(
        id="COMPOSE-NETWORK-002",
        style=Style.COMPOSE,
        row=Row.NETWORK,
        severity=Severity.CRITICAL,
        title="The database and Redis are never published",
        rationale=(
            "A published 5432 or 6379 is reachable from the internet despite UFW (Docker "
            "bypasses it); Redis has no password by default and Superset's compose database "
            "password is 'superset'."
        ),
        remediation=(
            "Remove ports: from the db and redis services; Superset reaches them by service "
            "name on the Compose network. For admin access use docker compose exec or an SSH "
            "tunnel."
        ),
        success="not published",
        failure="published on the host",
        references=("https://docs.docker.com/engine/network/packet-filtering-firewalls/",),
        requires=("compose",),
        evaluate=_private,
    ),
    Check(
        id="COMPOSE-NETWORK-003",
        style=Style.COMPOSE,
        row=Row.NETWORK,
        severity=Severity.MEDIUM,
        title="The database and Redis sit on an internal network",
        rationale=(
            "On the default network every container, including the internet-facing proxy, "
            "can reach the database, and the database can open connections out; an internal "
            "network limits both."
        ),
        remediation=(
            "Declare a backend network with internal: true, put db and redis only on it, and "
            "attach the Superset services to both the backend and the proxy's network."
        ),
        success="internal network only",
        failure="the default or a shared network",
        references=("https://docs.docker.com/reference/compose-file/networks/#internal",),
        requires=("compose",),
        evaluate=_internal,
    ),
)
