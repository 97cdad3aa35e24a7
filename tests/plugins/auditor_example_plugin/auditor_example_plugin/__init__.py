"""An example third-party plugin: two checks for style pip, found through entry points.

EXAMPLE-GITOPS-001 always passes; EXAMPLE-UPDATES-001 is broken on purpose
(its evaluate raises) to prove one broken check never stops an audit.
"""

from __future__ import annotations

from auditor import hookimpl
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _gitops(facts: Facts) -> list[Result]:
    return [Result("deployment", Status.PASS, "the example plugin is happy")]


def _updates(facts: Facts) -> list[Result]:
    raise RuntimeError("the example plugin is broken on purpose")


@hookimpl
def auditor_register_checks() -> list[Check]:
    return [
        Check(
            id="EXAMPLE-GITOPS-001",
            style=Style.PIP,
            row=Row.GITOPS,
            severity=Severity.LOW,
            title="Example plugin check that passes",
            rationale="Shows that third-party checks join the catalog and the scan.",
            remediation="Nothing to do.",
            evaluate=_gitops,
        ),
        Check(
            id="EXAMPLE-UPDATES-001",
            style=Style.PIP,
            row=Row.UPDATES,
            severity=Severity.MEDIUM,
            title="Example plugin check that raises",
            rationale="Shows that a broken check is one error finding, not a failed audit.",
            remediation="Fix the plugin.",
            evaluate=_updates,
        ),
    ]
