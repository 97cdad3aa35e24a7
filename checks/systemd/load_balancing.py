"""load-balancing: nginx spreads requests over more than one app server."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.availability import no_web_tier
from auditor.checks.systemd.common import (
    apache_routes,
    app_routes,
    server_subject,
    services,
    where,
)
from auditor.checks.systemd.facts import NginxConfig
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _balanced(facts: Facts) -> Iterator[Result]:
    absent = no_web_tier(facts)
    if absent:
        yield absent
        return
    config = facts.get(F.NGINX, NginxConfig)
    apache = apache_routes(facts)
    seen: set[str] = set()
    for proxy in apache:
        subject = f"{proxy.label} {proxy.prefix}"
        if subject in seen:
            continue
        seen.add(subject)
        shown = (f"{proxy.at}: ProxyPass {proxy.prefix} {proxy.target} -> "
                 + (", ".join(proxy.backends) or "unresolved"),)
        if len(set(proxy.backends)) >= 2:
            yield Result(subject, Status.PASS, f"{proxy.target} balances over "
                         f"{len(set(proxy.backends))} servers", shown,
                         where(proxy.path, proxy.line))
        else:
            yield Result(subject, Status.FAIL,
                         f"Apache proxies to a single server ({', '.join(proxy.backends)}): "
                         "nothing to balance, and one stuck backend blocks every request",
                         shown, where(proxy.path, proxy.line))
    if apache:
        return
    if not config.present:
        yield Result("superset", Status.FAIL,
                     "no nginx in front of Superset: nothing spreads the load",
                     ("no /etc/nginx/nginx.conf",))
        return
    routes = app_routes(config, services(facts))
    if not routes:
        yield Result("superset", Status.FAIL, "nginx does not proxy to Superset",
                     ("no proxy_pass in any server",))
        return
    for server, route, _ in routes:
        subject = f"{server_subject(server)} {route.match}"
        up = config.upstreams.get(route.upstream or "")
        active = [s for s in up.servers if not s.backup and not s.down] if up else []
        evidence = [f"{route.path}:{route.line}: proxy_pass {route.target}"]
        if up:
            evidence.append(f"{up.path}:{up.line}: upstream {up.name}: " + ", ".join(
                s.address + (" backup" if s.backup else "") + (" down" if s.down else "")
                for s in up.servers))
        if len(active) >= 2:
            yield Result(subject, Status.PASS, f"upstream {up.name if up else ''} balances "
                         f"over {len(active)} servers", tuple(evidence),
                         where(route.path, route.line))
        else:
            target = up.name if up else route.target
            yield Result(subject, Status.FAIL,
                         f"{target} is a single server: nothing to balance, and one stuck "
                         "backend blocks every request", tuple(evidence),
                         where(route.path, route.line))


CHECKS = (
    Check(
        id="SYSTEMD-LOAD-BALANCING-001",
        style=Style.SYSTEMD,
        row=Row.LOAD_BALANCING,
        severity=Severity.MEDIUM,
        title="Nginx balances Superset over more than one server",
        rationale=(
            "proxy_pass to one address sends every request to one gunicorn: no spreading, "
            "no failover when it hangs or restarts. An upstream with several servers lets "
            "nginx route around a failed one (max_fails, proxy_next_upstream)."
        ),
        remediation=(
            "Define 'upstream superset { server 10.0.1.11:8088; server 10.0.1.12:8088; }' "
            "(or several local gunicorn instances) and proxy_pass http://superset."
        ),
        success="an upstream with two or more active servers",
        failure="a single backend",
        references=("https://nginx.org/en/docs/http/load_balancing.html",),
        requires=(F.SERVICES, F.NGINX),
        evaluate=_balanced,
    ),
)
