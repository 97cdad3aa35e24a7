"""gitops: is the deployment declarative and versioned?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import project, subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    declared = ", ".join(proj.declarative) or "nothing"
    if proj.versioned and proj.declarative:
        yield Result(subject(proj, "deployment"), Status.PASS,
                     "the deployment files are kept in version control",
                     (f"{proj.versioned} present", f"declared in: {declared}"))
    elif proj.versioned:
        yield Result(subject(proj, "deployment"), Status.WARN,
                     "under version control, but no requirements or config declare the "
                     "deployment", (f"{proj.versioned} present",))
    else:
        yield Result(subject(proj, "deployment"), Status.FAIL,
                     "the deployment is not under version control: changes are made by hand "
                     "and cannot be reviewed or reproduced", (f"declared in: {declared}",
                                                               "no .git directory"))


CHECKS = (
    Check(
        id="PIP-GITOPS-001",
        style=Style.PIP,
        row=Row.GITOPS,
        severity=Severity.LOW,
        title="The deployment is declared in version control",
        rationale=(
            "The pip style is the least declarative: what runs is whatever someone typed. "
            "Keeping requirements, configuration and start scripts in git is the minimum "
            "for review and reproduction."
        ),
        remediation=(
            "Keep requirements.txt, superset_config.py (without secrets) and the start "
            "scripts in a git repository and deploy from it."
        ),
        success="deployment files under version control",
        failure="no version control",
        evaluate=_evaluate,
    ),
)
