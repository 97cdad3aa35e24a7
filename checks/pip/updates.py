"""updates: are app patches applied automatically or tracked?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import project, subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    if proj.update_tooling:
        yield Result(subject(proj, "dependencies"), Status.PASS,
                     "dependency updates and advisories are tracked",
                     tuple(proj.update_tooling))
    else:
        yield Result(subject(proj, "dependencies"), Status.FAIL,
                     "nothing tracks updates or security advisories for Superset and its "
                     "dependencies",
                     ("looked for Dependabot, Renovate, pip-audit, safety and "
                      "pip list --outdated in the project and its schedules",))


CHECKS = (
    Check(
        id="PIP-UPDATES-001",
        style=Style.PIP,
        row=Row.UPDATES,
        severity=Severity.MEDIUM,
        title="Dependency updates and advisories are tracked",
        rationale=(
            "Superset and its dependencies publish security fixes several times a year "
            "(CVE-2023-27524 among them); in a pip install nobody is told unless a tool is "
            "set up to tell them."
        ),
        remediation=(
            "Add Dependabot or Renovate to the repository, or schedule pip-audit against "
            "requirements.txt and read its report."
        ),
        success="an update or advisory tool is configured",
        failure="no update tracking",
        references=("https://pypi.org/project/pip-audit/",),
        evaluate=_evaluate,
    ),
)
