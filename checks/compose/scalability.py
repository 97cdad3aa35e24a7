"""scalability: can web and workers be scaled out; is beat kept to one instance?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import app_services, each_project, none_of, result
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _scale_out(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        services = [s for s in app_services(project) if s.role != "beat"]
        if not services:
            yield none_of(project, "application")
            continue
        for service in services:
            name = service.spec.get("container_name")
            fixed = [p for p in service.ports if p.published and "-" not in p.published]
            if name:
                yield result(project, service, Status.FAIL,
                             f"container_name {name} is fixed: Compose cannot start a second "
                             "container of this service (docker compose up --scale fails)",
                             (f"container_name: {name}", f"replicas: {service.replicas}"),
                             "container_name")
            elif fixed:
                yield result(project, service, Status.FAIL,
                             f"publishes fixed host port {fixed[0].published}: a second "
                             "container would fail to bind it",
                             tuple(f"ports: {p.raw}" for p in fixed), "ports")
            else:
                yield result(project, service, Status.PASS,
                             f"can be scaled (replicas: {service.replicas})",
                             (f"replicas: {service.replicas}", "no container_name, no fixed "
                              "host port"))


def _single_beat(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        beats = project.role("beat")
        if not beats:
            yield none_of(project, "celery beat")
            continue
        for service in beats:
            if service.replicas > 1:
                yield result(project, service, Status.FAIL,
                             f"{service.replicas} beat replicas: every scheduled report and "
                             "alert is sent several times",
                             (f"replicas: {service.replicas}",), "deploy")
            else:
                what = "exactly one beat instance" if service.replicas == 1 else \
                    "no beat instance runs (scaled to 0)"
                yield result(project, service, Status.PASS, what,
                             (f"replicas: {service.replicas}",))


CHECKS = (
    Check(
        id="COMPOSE-SCALABILITY-001",
        style=Style.COMPOSE,
        row=Row.SCALABILITY,
        severity=Severity.MEDIUM,
        title="Web and workers can be scaled out",
        rationale=(
            "docker compose up --scale or deploy.replicas add containers only when the "
            "service has no fixed container_name and publishes no fixed host port; otherwise "
            "more capacity means editing the deployment."
        ),
        remediation=(
            "Remove container_name from the web and worker services, let the reverse proxy "
            "publish the ports, and set deploy.replicas for the capacity needed."
        ),
        success="no container_name and no fixed host port",
        failure="a fixed container_name or host port prevents a second container",
        references=("https://docs.docker.com/reference/compose-file/services/#container_name",
                    "https://docs.docker.com/reference/cli/docker/compose/up/"),
        requires=("compose",),
        evaluate=_scale_out,
    ),
    Check(
        id="COMPOSE-SCALABILITY-002",
        style=Style.COMPOSE,
        row=Row.SCALABILITY,
        severity=Severity.MEDIUM,
        title="Celery beat is never scaled beyond one instance",
        rationale=(
            "Celery beat is a scheduler: two of them each enqueue every scheduled report, "
            "alert and cache warm-up, so users get duplicate emails and workers do the work "
            "twice."
        ),
        remediation="Keep the beat service at one replica and scale the workers instead.",
        success="one beat",
        failure="several beat replicas",
        references=("https://docs.celeryq.dev/en/stable/userguide/periodic-tasks.html",),
        requires=("compose",),
        evaluate=_single_beat,
    ),
)
