"""resources: CPU and memory limits."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.compose.common import each_project, result
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

_ZERO = re.compile(r"(?i)\s*0*(\.0*)?\s*([kmgt]i?)?b?\s*")


def _set(value: object) -> object:
    """The limit, or None when unset: Docker reads 0 (in any unit, as text too) as none."""
    return None if value is None or _ZERO.fullmatch(str(value)) else value


def _limits(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            limits = service.mapping("deploy").get("resources")
            limits = limits.get("limits") if isinstance(limits, dict) else None
            limits = limits if isinstance(limits, dict) else {}
            memory = _set(limits.get("memory")) or _set(service.spec.get("mem_limit"))
            cpus = _set(limits.get("cpus")) or _set(service.spec.get("cpus"))
            # cpu_quota is microseconds per scheduler period, not a number of CPUs.
            quota = None if cpus else _set(service.spec.get("cpu_quota"))
            evidence = (f"memory limit: {memory or 'none'}",
                        f"cpu limit: {cpus or quota or 'none'}")
            attr = "deploy" if limits else ("mem_limit" if memory else None)
            if memory and (cpus or quota):
                cpu = f"{cpus} CPUs" if cpus else f"cpu_quota {quota}"
                yield result(project, service, Status.PASS,
                             f"limited to {memory} and {cpu}", evidence, attr)
            elif memory:
                yield result(project, service, Status.WARN,
                             f"memory limited to {memory} but no CPU limit: one runaway query "
                             "can starve the others", evidence, attr)
            else:
                yield result(project, service, Status.FAIL,
                             "no memory limit: one container can take the host's memory and "
                             "get the database killed", evidence, attr)


CHECKS = (
    Check(
        id="COMPOSE-RESOURCES-001",
        style=Style.COMPOSE,
        row=Row.RESOURCES,
        severity=Severity.MEDIUM,
        title="Every service has memory and CPU limits",
        rationale=(
            "All containers share one host. A Superset export, a heavy celery task or a "
            "runaway query without limits takes the memory PostgreSQL needs, and the kernel's "
            "out-of-memory killer may pick the database."
        ),
        remediation=(
            "Set deploy.resources.limits (memory and cpus) on every service, sized from "
            "observed use (Superset web: 2-4 GB; workers per concurrency), plus reservations "
            "for the database."
        ),
        success="memory and CPU limits",
        failure="no memory limit",
        references=("https://docs.docker.com/reference/compose-file/deploy/#resources",),
        requires=("compose",),
        evaluate=_limits,
    ),
)
