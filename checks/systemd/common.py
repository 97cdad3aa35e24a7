"""Helpers shared by the systemd checks (pure functions of facts)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd as cmd  # one masking of secrets in commands
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.apache import ApacheConfig, ApacheProxy, app_proxies
from auditor.checks.systemd.facts import (
    Assignment,
    NginxConfig,
    ProxyRoute,
    Server,
    Service,
    ServiceSet,
)
from auditor.checks.systemd.nginx import is_loopback
from auditor.model import Facts, Location, Result, Status

SINGLE_HOST = "one host is a single point of failure"


def services(facts: Facts) -> ServiceSet:
    return facts.get(F.SERVICES, ServiceSet)


def nginx(facts: Facts) -> NginxConfig:
    return facts.get(F.NGINX, NginxConfig)


def where(path: str | None, line: int | None = None) -> Location | None:
    """A tree path as a report location: relative to the target, never absolute."""
    if not path or not path.startswith("/"):
        return None
    return Location(path.lstrip("/"), line)


def at(item: Assignment | None) -> Location | None:
    return where(item.path, item.line) if item else None


def no_services(found: ServiceSet) -> Result:
    return Result("superset", Status.SKIP,
                  f"no systemd unit runs Superset ({len(found.unit_names)} service units read)")


def no_app(facts: Facts) -> Result | None:
    """A skip when the host shows no Superset at all: no unit and no proxy route."""
    found = services(facts)
    if found.services:
        return None
    config = facts.optional(F.NGINX, NginxConfig)
    if config is not None and any(server.routes for server in config.servers):
        return None
    return no_services(found)


def each_service(facts: Facts, roles: tuple[str, ...] = ("web", "worker", "beat")
                 ) -> Iterator[Service | None]:
    """Superset services of the given roles; one None when there is none."""
    chosen = [s for s in services(facts).services if s.role in roles]
    if not chosen:
        yield None
        return
    yield from chosen


def app_binds(found: ServiceSet) -> list[str]:
    return [b for s in found.web for b in s.launch.binds]


def apache_routes(facts: Facts) -> list[ApacheProxy]:
    """Apache mod_proxy routes to Superset's web server, where no nginx is in the tree
    (with nginx present, nginx is the proxy the checks judge)."""
    config = facts.optional(F.NGINX, NginxConfig)
    if config is not None and config.present:
        return []
    return app_proxies(facts.optional(F.APACHE, ApacheConfig), app_binds(services(facts)))


def direct_reach(found: ServiceSet, *, ports: bool = True) -> str:
    """How clients reach the web server when no nginx is in the tree (``ports``: name the
    binds). A server bound only to unix sockets (uwsgi's socket= for an nginx uwsgi_pass)
    is reached by no client at all: saying clients reach it on its port would be evidence
    the input does not hold."""
    kinds = "/".join(dict.fromkeys(s.launch.kind for s in found.web)) or "the web server"
    binds = app_binds(found)
    if binds and all(b.startswith("unix:") for b in binds):
        return (f"{kinds} listens only on {', '.join(binds)}, and no web server in the tree "
                "serves that socket" + (" (nothing here terminates TLS)" if ports else ""))
    if not ports:
        return f"clients reach {kinds} on this host"
    return f"clients reach {kinds} directly on {', '.join(binds) or 'its port'}, without TLS"


def _port(address: str) -> str:
    return address.rsplit(":", 1)[-1] if not address.startswith("unix:") else address


def app_routes(config: NginxConfig, found: ServiceSet) -> list[tuple[Server, ProxyRoute, bool]]:
    """(server, route, matched) for routes reaching the app's gunicorn.

    A route matches when one of its backends is a bind of a Superset web
    service (same unix socket, or same port on loopback or this host). With no
    match, every proxying route is taken (``matched`` False) and the evidence says so.
    """
    binds = app_binds(found)
    bind_ports = {_port(b) for b in binds}
    routes = [(server, route) for server in config.servers for route in server.routes]
    matched = [
        (server, route, True) for server, route in routes
        if any(_port(b) in bind_ports for b in route.backends)
        or (route.upstream and "superset" in route.upstream.lower())
    ]
    if matched:
        return matched
    return [(server, route, False) for server, route in routes]


def app_servers(config: NginxConfig, found: ServiceSet) -> list[Server]:
    seen: list[Server] = []
    for server, _, _ in app_routes(config, found):
        if server not in seen:
            seen.append(server)
    return seen


def server_subject(server: Server) -> str:
    return f"nginx {server.label}"


def host_of(address: str) -> str:
    """The host of a backend address; loopback and unix sockets are "this host"."""
    if is_loopback(address):
        return "this host"
    tail = address.rsplit("]", 1)[-1]
    return address.rsplit(":", 1)[0].strip("[]") if ":" in tail else address.strip("[]")
