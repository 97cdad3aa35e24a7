"""app-security: Superset in production mode, served by gunicorn, without example data."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from auditor.checks.compose.common import (
    each_project,
    env_location,
    none_of,
    result,
    truthy,
)
from auditor.checks.compose.facts import Service
from auditor.checks.compose.webserver import served
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _setting(service: Service, name: str) -> str | None:
    env = service.env.get(name)
    if env is None or env.unknown:
        return None
    return env.value


def _mode(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        services = [s for s in project.services if s.superset and s.long_running]
        if not services:
            yield none_of(project, "Superset")
            continue
        for service in services:
            bad = []
            where = None
            for name in ("SUPERSET_ENV", "FLASK_ENV"):
                value = _setting(service, name)
                if value is not None and value.lower() == "development":
                    bad.append(f"{name}={value} ({service.env[name].source})")
                    where = where or env_location(service.env[name])
            debug = _setting(service, "FLASK_DEBUG")
            if debug is not None and truthy(debug):
                bad.append(f"FLASK_DEBUG={debug} ({service.env['FLASK_DEBUG'].source})")
                where = where or env_location(service.env["FLASK_DEBUG"])
            if bad:
                found = result(project, service, Status.FAIL,
                               "runs in development mode: debug pages and development defaults",
                               bad)
                yield dataclasses.replace(found, location=where or found.location)
            else:
                yield result(project, service, Status.PASS, "production mode",
                             ("SUPERSET_ENV, FLASK_ENV and FLASK_DEBUG not set to development",))


def _server(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        web = project.role("web")
        if not web:
            yield none_of(project, "Superset web")
            continue
        for service in web:
            found = served(service)
            if found.server == "dev":
                what = found.what if "development server" in found.what else (
                    f"{found.what}, Flask's development server")
                yield result(project, service, Status.FAIL,
                             f"served by {what} (one process, no hardening; with --debugger "
                             "anyone who can trigger an error runs Python)", found.evidence,
                             found.attr)
            elif found.server == "mixed":
                yield result(project, service, Status.WARN,
                             f"the script it starts runs {found.what} depending on its "
                             "environment: the development server may serve production",
                             found.evidence, found.attr)
            elif found.server == "reload":
                yield result(project, service, Status.WARN,
                             f"served by {found.what}: workers restart whenever a source file "
                             "changes, a development setting", found.evidence, found.attr)
            elif found.server == "production":
                yield result(project, service, Status.PASS, f"served by {found.what}",
                             found.evidence, found.attr)
            else:
                yield result(project, service, Status.SKIP,
                             f"which server runs cannot be seen: {found.why}", found.evidence,
                             found.attr)


def _examples(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        # The init container loads examples (docker-init.sh); without one, the web does.
        services = project.role("init") or project.role("web")
        if not services:
            yield none_of(project, "Superset")
            continue
        for service in services:
            value = _setting(service, "SUPERSET_LOAD_EXAMPLES")
            passed = service.env.get("SUPERSET_LOAD_EXAMPLES")
            if passed is not None and passed.unknown:
                # Passed through from the shell of whoever runs Compose: yes or no unseen.
                yield result(project, service, Status.SKIP,
                             "SUPERSET_LOAD_EXAMPLES is set where the audit cannot see it",
                             (f"SUPERSET_LOAD_EXAMPLES ({passed.source}): {passed.unknown}",))
            elif value is not None and truthy(value):
                env = service.env["SUPERSET_LOAD_EXAMPLES"]
                found = result(project, service, Status.FAIL,
                               "loads Superset's example dashboards and databases",
                               (f"SUPERSET_LOAD_EXAMPLES={value} ({env.source})",))
                yield dataclasses.replace(found, location=env_location(env) or found.location)
            else:
                yield result(project, service, Status.PASS, "example data is not loaded",
                             (f"SUPERSET_LOAD_EXAMPLES={'unset' if value is None else value}",))


CHECKS = (
    Check(
        id="COMPOSE-APP-SECURITY-001",
        style=Style.COMPOSE,
        row=Row.APP_SECURITY,
        severity=Severity.HIGH,
        title="Superset runs in production mode",
        rationale=(
            "Superset's docker/.env sets SUPERSET_ENV=development and FLASK_DEBUG=true: Flask "
            "debug mode shows tracebacks with configuration to anyone, and development "
            "defaults are not meant for real data."
        ),
        remediation=(
            "In the env file the services use, set SUPERSET_ENV=production and remove "
            "FLASK_DEBUG and FLASK_ENV (the apache/superset image defaults to production)."
        ),
        success="production mode",
        failure="SUPERSET_ENV/FLASK_ENV development or FLASK_DEBUG on",
        references=("https://superset.apache.org/docs/installation/docker-compose/",
                    "https://flask.palletsprojects.com/en/stable/debugging/"),
        requires=("compose",),
        evaluate=_mode,
    ),
    Check(
        id="COMPOSE-APP-SECURITY-002",
        style=Style.COMPOSE,
        row=Row.APP_SECURITY,
        severity=Severity.CRITICAL,
        title="The web is served by gunicorn, not the development server",
        rationale=(
            "docker-bootstrap.sh app starts 'flask run --reload --debugger': one process, "
            "no hardening, and Werkzeug's debugger runs Python typed into an error page."
        ),
        remediation=(
            "Use the image's default command (run-server.sh, gunicorn) or "
            "docker-bootstrap.sh app-gunicorn."
        ),
        success="gunicorn",
        failure="the Flask development server",
        references=("https://werkzeug.palletsprojects.com/en/latest/debug/",),
        requires=("compose",),
        evaluate=_server,
    ),
    Check(
        id="COMPOSE-APP-SECURITY-003",
        style=Style.COMPOSE,
        row=Row.APP_SECURITY,
        severity=Severity.MEDIUM,
        title="Example data is not loaded",
        rationale=(
            "SUPERSET_LOAD_EXAMPLES=yes (Superset's compose default) loads demo dashboards "
            "and an examples database with known credentials into a production instance."
        ),
        remediation="Set SUPERSET_LOAD_EXAMPLES=no in the env file the services use.",
        success="examples off",
        failure="examples loaded",
        references=("https://superset.apache.org/docs/installation/docker-compose/",),
        requires=("compose",),
        evaluate=_examples,
    ),
)
