"""app-security: is the application served for production?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common import debugger
from auditor.checks.pip.common import cmd, each_web, location, no_web, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _server(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        if launch.dev_server:
            yield Result(web_subject(proj, launch), Status.FAIL,
                         f"served by the development server ({launch.kind})", (cmd(launch),),
                         location(launch))
        elif launch.reload:
            yield Result(web_subject(proj, launch), Status.WARN,
                         f"{launch.kind} runs with --reload, a development setting",
                         (cmd(launch),), location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"served by {launch.kind}", (cmd(launch),), location(launch))


def _debugger(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        if not debugger.reasons(launch):
            yield Result(web_subject(proj, launch), Status.PASS, "no interactive debugger",
                         (cmd(launch),), location(launch))
            continue
        routes = [(f"{proxy.server} {proxy.path}", target) for proxy in proj.proxies
                  for target in proxy.proxies_to]
        reach = debugger.reachable(launch.binds, routes)
        evidence = (cmd(launch), *debugger.reasons(launch), *reach)
        if reach:
            yield Result(web_subject(proj, launch), Status.FAIL, "the Werkzeug debugger is on "
                         f"and reachable from the network: {debugger.RISK}", evidence,
                         location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.WARN, "the Werkzeug debugger is on "
                         "but listens only on loopback with no proxy in front: any local "
                         "user, or a request forged through another local service, can run "
                         "code as the user running it", evidence, location(launch))


CHECKS = (
    Check(
        id="PIP-APP-SECURITY-001",
        style=Style.PIP,
        row=Row.APP_SECURITY,
        severity=Severity.HIGH,
        title="Served by a production WSGI server, not the development server",
        rationale=(
            "superset run and flask run start Werkzeug's development server: single "
            "process, not hardened, and documented as unfit for production."
        ),
        remediation=(
            "Serve with gunicorn: gunicorn -w 4 -k gthread --timeout 120 -b 127.0.0.1:8088 "
            "'superset.app:create_app()'."
        ),
        success="a production WSGI server (gunicorn, uwsgi, waitress)",
        failure="superset run / flask run",
        references=("https://superset.apache.org/docs/installation/configuring-superset/",),
        evaluate=_server,
    ),
    Check(
        id="PIP-APP-SECURITY-002",
        style=Style.PIP,
        row=Row.APP_SECURITY,
        severity=Severity.CRITICAL,
        title="The Werkzeug debugger is off",
        rationale=(
            "The interactive debugger of 'superset run'/'flask run' (--debugger, --debug or "
            "FLASK_DEBUG=1) executes Python typed into its console, behind a PIN that can "
            "be derived from host facts. Bound beyond loopback, or proxied by nginx, that is "
            "remote code execution."
        ),
        remediation="Remove --debugger/--debug and FLASK_DEBUG; never debug a reachable server.",
        success="no debugger",
        failure="debugger enabled",
        references=("https://werkzeug.palletsprojects.com/en/latest/debug/",),
        evaluate=_debugger,
    ),
)
