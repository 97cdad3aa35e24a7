"""app-security: the web pods run Superset's production server, not debug settings."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common.redact import redact
from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DEBUG_ENV = {"FLASK_DEBUG": ("1", "true"), "SUPERSET_ENV": ("development",),
             "FLASK_ENV": ("development",), "SUPERSET_LOAD_EXAMPLES": ("yes", "true", "1")}


def _production(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    for web in k.role("web"):
        problems = []
        for container in web.main_containers():
            text = container.command_text
            if "superset run" in text or "flask run" in text:
                problems.append(f"{container.name}: development server ({redact(text)[:60]})")
            for entry in as_list(container.spec.get("env")):
                name = str(as_map(entry).get("name") or "")
                value = str(as_map(entry).get("value") or "").lower()
                if value in DEBUG_ENV.get(name, ()):
                    problems.append(f"{container.name}: {name}={value}")
        if problems:
            yield result(web, Status.FAIL, "development settings in the web pods", problems)
        else:
            yield result(web, Status.PASS, "production server, no debug settings")


CHECKS = (
    Check(
        id="K8S-APP-SECURITY-001", style=Style.KUBERNETES, row=Row.APP_SECURITY,
        severity=Severity.HIGH, title="Web pods run the production server without debug settings",
        rationale="superset run / flask run, FLASK_DEBUG and SUPERSET_ENV=development enable "
                  "Werkzeug's debugger and reloader; example loading fills production with "
                  "demo data.",
        remediation="Run gunicorn (the image's run-server.sh) and remove FLASK_DEBUG, "
                    "SUPERSET_ENV=development and SUPERSET_LOAD_EXAMPLES.",
        success="production server", failure="development settings",
        requires=("kubernetes",), evaluate=_production,
    ),
)
