"""gitops and updates: the project versioned; image updates tracked."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import each_project
from auditor.checks.compose.roles import parse_image
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _versioned(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        subject = project.subject("project")
        files = ", ".join(project.files)
        where = Location(project.files[0], None) if project.files else None
        if project.versioned:
            yield Result(subject, Status.PASS, "the Compose project is kept in version control",
                         (f"{project.versioned} present", f"declared in: {files}"), where)
        else:
            yield Result(subject, Status.FAIL,
                         "not under version control: changes to the Compose files cannot be "
                         "reviewed, reproduced or reverted", (f"declared in: {files}",
                                                              "no .git directory"), where)


def _tracked(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        subject = project.subject("images")
        digests = [s.name for s in project.services if s.image and parse_image(s.image).digest]
        if project.update_tooling:
            yield Result(subject, Status.PASS,
                         f"image updates are tracked by {project.update_tooling[0]}",
                         project.update_tooling)
        elif digests and len(digests) == len(project.services):
            yield Result(subject, Status.FAIL,
                         "every image is pinned by digest but nothing proposes updates: "
                         "security fixes never arrive", ("no Renovate, Dependabot, watchtower "
                                                         "or diun",))
        else:
            yield Result(subject, Status.FAIL,
                         "nothing tracks new releases of the images (Superset, PostgreSQL, "
                         "Redis security fixes)", ("no Renovate, Dependabot, watchtower or diun",))


CHECKS = (
    Check(
        id="COMPOSE-GITOPS-001",
        style=Style.COMPOSE,
        row=Row.GITOPS,
        severity=Severity.LOW,
        title="The Compose project is kept in version control",
        rationale=(
            "Compose is declarative: the files are the deployment. Kept in git, every change "
            "is reviewed and a bad one reverted with one commit; edited in place on a server, "
            "nobody knows what runs."
        ),
        remediation=(
            "Keep the Compose files, superset_config.py and scripts in a git repository "
            "(secrets in a .env excluded by .gitignore) and deploy by pulling it."
        ),
        success="under version control",
        failure="no version control",
        references=("https://docs.docker.com/compose/how-tos/production/",),
        requires=("compose",),
        evaluate=_versioned,
    ),
    Check(
        id="COMPOSE-UPDATES-001",
        style=Style.COMPOSE,
        row=Row.UPDATES,
        severity=Severity.MEDIUM,
        title="Image updates are tracked",
        rationale=(
            "Pinned images are good for rollback but never change by themselves: without a "
            "bot or a notifier, Superset, PostgreSQL and Redis security releases go unnoticed."
        ),
        remediation=(
            "Let Renovate (renovate.json) or Dependabot (package-ecosystem: docker) propose "
            "version and digest bumps as pull requests, or run diun to be notified."
        ),
        success="Renovate, Dependabot or an update notifier",
        failure="nothing tracks updates",
        references=("https://docs.renovatebot.com/docker/",
                    "https://docs.github.com/en/code-security/dependabot"),
        requires=("compose",),
        evaluate=_tracked,
    ),
)
