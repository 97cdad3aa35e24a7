"""proxy-tls: is there a TLS-terminating proxy?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import LIVE, each_web, location, no_web, project, subject
from auditor.checks.pip.facts import HostLive
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

PROXY_PROCESSES = ("nginx", "caddy", "haproxy", "traefik", "envoy", "apache2", "httpd")


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    tls_proxies = [p for p in proj.proxies if p.tls]
    if tls_proxies:
        proxy = tls_proxies[0]
        yield Result(subject(proj, "proxy"), Status.PASS,
                     f"{proxy.server} terminates TLS in front of the app",
                     tuple(f"{p.server}: {p.path}" for p in tls_proxies), Location(proxy.path))
        return
    live = facts.optional(LIVE, HostLive)
    if live is not None:
        on_443 = [live.process_names.get(pid or -1, "?") for _, port, pid in live.listeners
                  if port == 443]
        if any(name.startswith(PROXY_PROCESSES) for name in on_443):
            yield Result(subject(proj, "proxy"), Status.PASS,
                         "a reverse proxy listens on port 443",
                         tuple(f"port 443: {name}" for name in on_443))
            return
    if proj.proxies:
        proxy = proj.proxies[0]
        yield Result(subject(proj, "proxy"), Status.FAIL,
                     f"{proxy.server} fronts the app over plain HTTP (no TLS)",
                     (f"{proxy.server}: {proxy.path}",), Location(proxy.path))
        return
    for proj_, launch in each_web(facts):
        if launch is None:
            yield no_web(proj_)
            return
        if launch.option("certfile") or launch.option("cert"):
            yield Result(subject(proj, "proxy"), Status.WARN,
                         f"{launch.kind} terminates TLS itself, with no proxy in front",
                         (f"--certfile/--cert at {launch.where}",), location(launch))
            return
    yield Result(subject(proj, "proxy"), Status.FAIL,
                 "no reverse proxy and no TLS: logins and session cookies cross the network "
                 "in clear text", ("no nginx, Caddy or HAProxy configuration found",))


CHECKS = (
    Check(
        id="PIP-PROXY-TLS-001",
        style=Style.PIP,
        row=Row.PROXY_TLS,
        severity=Severity.HIGH,
        title="A TLS-terminating reverse proxy fronts the app",
        rationale=(
            "Superset sends passwords and session cookies; without TLS they can be read on "
            "the network. A proxy also buffers slow clients that would tie up workers."
        ),
        remediation=(
            "Put Nginx (or Caddy) in front with a certificate, proxy to gunicorn on "
            "127.0.0.1, and set ENABLE_PROXY_FIX = True in superset_config.py."
        ),
        success="a proxy terminates TLS",
        failure="plain HTTP straight to the app",
        references=("https://superset.apache.org/docs/configuration/configuring-superset/",),
        evaluate=_evaluate,
    ),
)
