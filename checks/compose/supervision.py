"""supervision: restart policies and health checks."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common.redact import redact
from auditor.checks.compose.common import (
    app_services,
    each_project,
    flag,
    none_of,
    result,
    swarm_signs,
)
from auditor.checks.compose.dockerfile import BuiltImage
from auditor.checks.compose.facts import Service
from auditor.checks.compose.roles import is_superset_image
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

RESTARTING = ("always", "unless-stopped", "on-failure")
CONDITIONS = ("any", "on-failure", "always", "unless-stopped")
"""deploy.restart_policy conditions that restart: the spec's any and on-failure, and the
engine's names Docker Compose passes through."""


def _policy(service: Service) -> tuple[str | None, str | None]:
    """(policy that restarts, attribute it comes from) or (what is set, None)."""
    restart = service.spec.get("restart")
    condition = service.mapping("deploy").get("restart_policy")
    # Docker Compose applies deploy.restart_policy over restart: when it names a condition,
    # that condition decides (restart: always with condition none never restarts).
    if isinstance(condition, dict) and condition.get("condition"):
        policy = f"deploy.restart_policy {condition['condition']}"
        return policy, ("deploy" if condition["condition"] in CONDITIONS else None)
    if isinstance(restart, str) and restart.split(":", 1)[0] in RESTARTING:
        return f"restart: {restart}", "restart"
    return (f"restart: {restart}" if restart is not None else None), None


def _attribute(policy: str | None) -> str | None:
    """The attribute a policy that does not restart is written in, for the location."""
    if policy is None:
        return None
    return "deploy" if policy.startswith("deploy") else "restart"


def _restarts(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        swarm = swarm_signs(project)
        for service in project.services:
            if not service.long_running:
                continue
            policy, attr = _policy(service)
            condition = service.mapping("deploy").get("restart_policy")
            if swarm and not (isinstance(condition, dict) and condition.get("condition")):
                # docker stack deploy ignores restart: and gives every service the restart
                # policy condition any when deploy.restart_policy does not name one.
                yield result(project, service, Status.PASS,
                             "restarted by Swarm (a stack service without "
                             "deploy.restart_policy restarts on any exit)",
                             (f"written for docker stack deploy: {swarm[0]}",
                              policy or "no restart policy: Swarm's default condition any"),
                             "deploy" if service.spec.get("deploy") else None)
                continue
            if attr:
                yield result(project, service, Status.PASS, f"restarted by Docker ({policy})",
                             (policy or "",), attr)
            else:
                yield result(project, service, Status.FAIL,
                             "not restarted when it crashes or the host reboots",
                             (policy or "no restart policy (Docker's default is no)",),
                             _attribute(policy))


def _healthcheck(service: Service) -> tuple[Status, str, str]:
    check = service.mapping("healthcheck")
    test = check.get("test")
    text = " ".join(str(t) for t in test) if isinstance(test, list) else str(test or "")
    if flag(check.get("disable")):
        return Status.FAIL, "its health check is disabled", "healthcheck: disable: true"
    if text.strip().upper() == "NONE":
        return Status.FAIL, "its health check is disabled", f"healthcheck: test: {text.strip()}"
    if text:
        return Status.PASS, "has a health check", f"healthcheck: {redact(text)[:100]}"
    if service.built is not None:
        return _built_healthcheck(service, service.built)
    if is_superset_image(service.image):
        return _healthcheck_of_superset_image(service)
    return Status.FAIL, "no health check: a hung process looks healthy", "no healthcheck"


def _healthcheck_of_superset_image(service: Service) -> tuple[Status, str, str]:
    if service.role == "web":
        return (Status.PASS, "inherits the apache/superset image's HEALTHCHECK (curl /health)",
                "HEALTHCHECK in the image's Dockerfile")
    return (Status.FAIL, "inherits the image's HEALTHCHECK, which curls the web port a "
            "celery worker does not serve: Docker will report it unhealthy",
            "HEALTHCHECK curl http://localhost:8088/health from the image")


WEB_PROBE = ("/health", "curl", "wget", ":8088", "superset_port")


def _built_healthcheck(service: Service, built: BuiltImage) -> tuple[Status, str, str]:
    """The HEALTHCHECK the built stage has, itself or from the stages it is FROM."""
    check = built.healthcheck
    if check is not None and built.healthcheck_disabled:
        return (Status.FAIL, "its Dockerfile disables the health check (HEALTHCHECK NONE)",
                built.where(check))
    if check is not None:
        probe = check.value.lower()
        if service.role in ("worker", "beat") and any(w in probe for w in WEB_PROBE):
            return (Status.FAIL, "inherits a HEALTHCHECK that probes the web port, which a "
                    "celery worker does not serve: Docker will report it unhealthy",
                    built.where(check))
        return (Status.PASS, "has a health check from its Dockerfile", built.where(check))
    if built.base and is_superset_image(built.base):
        return _healthcheck_of_superset_image(service)
    stages = ", ".join(built.chain[:-1])
    return (Status.FAIL, "no health check: a hung process looks healthy",
            f"no HEALTHCHECK in {built.path} stage{'s' if len(built.chain) > 2 else ''} "
            f"{stages}; {built.base_unknown or 'no base image named'} (its own HEALTHCHECK, if "
            "any, is not known)")


def _healthy(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        services = [s for s in app_services(project) if s.role != "beat"]
        if not services:
            yield none_of(project, "application")
            continue
        for service in services:
            status, message, evidence = _healthcheck(service)
            yield result(project, service, status, message, (evidence,), "healthcheck")


CHECKS = (
    Check(
        id="COMPOSE-SUPERVISION-001",
        style=Style.COMPOSE,
        row=Row.SUPERVISION,
        severity=Severity.HIGH,
        title="Long-running services restart on failure",
        rationale=(
            "Docker's default restart policy is 'no': a crashed container, or every container "
            "after a reboot of the host, stays down until someone notices."
        ),
        remediation=(
            "Set restart: unless-stopped (or deploy.restart_policy.condition: any) on every "
            "long-running service; leave one-shot init services without it."
        ),
        success="restart: unless-stopped, always or on-failure",
        failure="no restart policy",
        references=("https://docs.docker.com/reference/compose-file/services/#restart",),
        requires=("compose",),
        evaluate=_restarts,
    ),
    Check(
        id="COMPOSE-SUPERVISION-002",
        style=Style.COMPOSE,
        row=Row.SUPERVISION,
        severity=Severity.MEDIUM,
        title="Web and workers have a working health check",
        rationale=(
            "A health check lets depends_on wait for a service that really works and lets "
            "proxies and operators see a hung process. Superset's image probes /health, which "
            "a celery worker does not serve, so workers need their own (celery inspect ping)."
        ),
        remediation=(
            "Web: curl -f http://localhost:8088/health. Worker: celery -A "
            "superset.tasks.celery_app:app inspect ping -d celery@$$HOSTNAME. Note that plain "
            "Docker only reports unhealthy containers; an autoheal sidecar or Swarm restarts "
            "them."
        ),
        success="a health check that fits the process",
        failure="no health check, a disabled one, or the web probe on a worker",
        references=("https://docs.docker.com/reference/compose-file/services/#healthcheck",),
        requires=("compose",),
        evaluate=_healthy,
    ),
)
