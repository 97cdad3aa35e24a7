"""app-security: Superset is served by a production server, not the development one."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common import debugger
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.apache import ApacheConfig
from auditor.checks.systemd.common import at, cmd, each_service, no_services, services
from auditor.checks.systemd.facts import NginxConfig
from auditor.checks.systemd.nginx import is_loopback
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DEV_ENV = {"FLASK_DEBUG": ("1", "true", "yes", "on"), "FLASK_ENV": ("development",),
           "SUPERSET_ENV": ("development",)}


def _server(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts, ("web",)):
        if service is None:
            yield no_services(services(facts))
            return
        launch = service.launch
        dev_env = [f"{k}={service.env[k].value} ({service.env[k].source})" for k, values in
                   DEV_ENV.items() if k in service.env and service.env[k].value.lower() in values]
        evidence = (cmd(launch), *dev_env)
        if launch.dev_server:
            extra = " with the Werkzeug debugger" if debugger.reasons(launch) else ""
            yield Result(service.name, Status.FAIL,
                         f"served by the development server ({launch.kind}){extra}: one "
                         "thread per request, no worker recycling, not hardened",
                         evidence, at(service.exec_start))
        elif launch.reload or dev_env:
            yield Result(service.name, Status.FAIL,
                         f"{launch.kind} with development settings ("
                         + ", ".join((["--reload"] if launch.reload else [])
                                     + [d.split(" ", 1)[0] for d in dev_env]) + ")",
                         evidence, at(service.exec_start))
        else:
            yield Result(service.name, Status.PASS, f"served by {launch.kind}", evidence,
                         at(service.exec_start))


def _public_routes(facts: Facts) -> list[tuple[str, str]]:
    """(nginx server, backend) for every route of a server listening beyond loopback."""
    config = facts.optional(F.NGINX, NginxConfig)
    apache = facts.optional(F.APACHE, ApacheConfig)
    # Apache virtual hosts: only one bound to a loopback address keeps clients out.
    found = [(f"{p.label} ({p.path.lstrip('/')}:{p.line})", backend)
             for p in (apache.proxies if apache is not None else ())
             if not is_loopback(p.vhost if ":" in p.vhost else f"{p.vhost}:80")
             for backend in p.backends]
    if config is None:
        return found
    return found + [(f"nginx {server.label} ({server.path.lstrip('/')}:{server.line})",
                     backend)
                    for server in config.servers
                    if any(not is_loopback(f"{x.address}:{x.port}") for x in server.listens)
                    for route in server.routes for backend in route.backends]


def _debugger(facts: Facts) -> Iterator[Result]:
    routes = _public_routes(facts)
    for service in each_service(facts, ("web",)):
        if service is None:
            yield no_services(services(facts))
            return
        launch = service.launch
        where = at(service.exec_start)
        if not debugger.reasons(launch):
            yield Result(service.name, Status.PASS, "no interactive debugger", (cmd(launch),),
                         where)
            continue
        reach = debugger.reachable(launch.binds, routes)
        evidence = (cmd(launch), *debugger.reasons(launch), *reach)
        if reach:
            yield Result(service.name, Status.FAIL, "the Werkzeug debugger is on and reachable "
                         f"from the network: {debugger.RISK}", evidence, where)
        else:
            yield Result(service.name, Status.WARN, "the Werkzeug debugger is on but listens "
                         "only on loopback with no proxy in front: any local user, or a "
                         "request forged through another local service, can run code as the "
                         "service user", evidence, where)


CHECKS = (
    Check(
        id="SYSTEMD-APP-SECURITY-001",
        style=Style.SYSTEMD,
        row=Row.APP_SECURITY,
        severity=Severity.HIGH,
        title="Superset is served by gunicorn, not the development server",
        rationale=(
            "'superset run' and 'flask run' are Werkzeug's development server: Superset's docs "
            "say not to use it in production; with --debugger or FLASK_DEBUG anyone who "
            "reaches it can run code."
        ),
        remediation=(
            "ExecStart=/opt/superset/venv/bin/gunicorn -w 5 -k gthread --threads 4 --timeout "
            "120 -b 127.0.0.1:8088 'superset.app:create_app()', without --reload, and no "
            "FLASK_DEBUG or SUPERSET_ENV=development in the environment."
        ),
        success="gunicorn (or uwsgi) without development settings",
        failure="the development server or development settings",
        references=("https://superset.apache.org/docs/configuration/configuring-superset/#running-on-a-wsgi-http-server",),
        requires=(F.SERVICES,),
        evaluate=_server,
    ),
    Check(
        id="SYSTEMD-APP-SECURITY-002",
        style=Style.SYSTEMD,
        row=Row.APP_SECURITY,
        severity=Severity.CRITICAL,
        title="The Werkzeug debugger is off",
        rationale=(
            "'superset run'/'flask run' with --debugger, or with FLASK_DEBUG=1, serve "
            "Werkzeug's interactive debugger: Python typed into its console runs as the "
            "service user, behind a PIN that can be derived from host facts. Bound beyond "
            "loopback, or proxied by nginx, that is remote code execution."
        ),
        remediation=(
            "Remove --debugger/--debug and FLASK_DEBUG from the unit (Environment= and "
            "EnvironmentFile=), and serve with gunicorn."
        ),
        success="no debugger",
        failure="the debugger is on and reachable",
        references=("https://werkzeug.palletsprojects.com/en/latest/debug/",),
        requires=(F.SERVICES,),
        evaluate=_debugger,
    ),
)
