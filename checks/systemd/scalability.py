"""scalability: capacity grows by adding servers behind the proxy, not by resizing the VM."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.availability import no_web_tier, web_hosts
from auditor.checks.systemd.common import (
    SINGLE_HOST,
    apache_routes,
    app_routes,
    services,
    where,
)
from auditor.checks.systemd.facts import NginxConfig
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _scale_out(facts: Facts) -> Iterator[Result]:
    absent = no_web_tier(facts)
    if absent:
        yield absent
        return
    config = facts.get(F.NGINX, NginxConfig)
    routes = app_routes(config, services(facts)) if config.present else []
    upstreams = {route.upstream for _, route, _ in routes if route.upstream}
    hosts, evidence = web_hosts(facts)
    if upstreams and len(hosts) >= 2:
        name = sorted(upstreams)[0]
        up = config.upstreams[name]
        yield Result("web-tier", Status.PASS,
                     f"upstream {name} spreads requests over {len(hosts)} hosts: capacity is "
                     "added by adding a server line", tuple(evidence), where(up.path, up.line))
    elif upstreams:
        name = sorted(upstreams)[0]
        up = config.upstreams[name]
        yield Result("web-tier", Status.WARN,
                     f"upstream {name} only reaches {hosts[0]}: capacity grows by adding "
                     f"instances until that machine is full ({SINGLE_HOST})", tuple(evidence),
                     where(up.path, up.line))
    else:
        group = "no balancer" if apache_routes(facts) else "no upstream group"
        yield Result("web-tier", Status.FAIL,
                     f"{group}: more capacity means a bigger VM and a restart "
                     f"({SINGLE_HOST})", tuple(evidence))


CHECKS = (
    Check(
        id="SYSTEMD-SCALABILITY-001",
        style=Style.SYSTEMD,
        row=Row.SCALABILITY,
        severity=Severity.MEDIUM,
        title="Web capacity can be added without resizing the host",
        rationale=(
            "On a single hand-built VM the only way to add capacity is a bigger machine, with "
            "downtime. An nginx upstream over servers on several hosts lets capacity grow by "
            "adding a host."
        ),
        remediation=(
            "Proxy to an upstream block listing the Superset servers (several hosts, or at "
            "least several gunicorn instances), keep sessions and caches in Redis and the "
            "metadata in a shared PostgreSQL, and add hosts as load grows."
        ),
        success="an upstream spanning several hosts",
        failure="one backend on one host",
        references=("https://nginx.org/en/docs/http/ngx_http_upstream_module.html",),
        requires=(F.SERVICES, F.NGINX),
        evaluate=_scale_out,
    ),
)
