"""app-security: Superset is served by a production server, not the development one."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import at, cmd, each_service, no_services, services
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
            extra = " with the Werkzeug debugger" if launch.debugger else ""
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
)
