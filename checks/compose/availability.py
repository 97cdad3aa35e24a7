"""availability and load-balancing: several web containers behind a proxy, on one host."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import (
    SINGLE_HOST,
    each_project,
    external_router,
    none_of,
    proxied_by,
    proxies_for,
    result,
    swarm_signs,
    web_services,
)
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _survives(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        web = web_services(project)
        if not web:
            yield none_of(project, "web")
            continue
        swarm = swarm_signs(project)
        for service in web:
            proxies = proxies_for(project, service)
            router = external_router(project, service) if not proxies else None
            front = proxies[0].name if proxies else (f"a {router} outside this project"
                                                     if router else None)
            evidence = (f"replicas: {service.replicas}", proxied_by(project, service, proxies),
                        *(f"written for docker stack deploy: {s}" for s in swarm[:1]))
            # A Swarm stack may span nodes; a Compose project runs on one Docker host.
            limit = "" if swarm else f" ({SINGLE_HOST})"
            if service.replicas >= 2 and front:
                yield result(project, service, Status.PASS,
                             f"{service.replicas} containers behind {front}: the loss "
                             f"of one is absorbed{limit}", evidence, "deploy")
            elif service.replicas >= 2:
                yield result(project, service, Status.WARN,
                             f"{service.replicas} containers but no proxy spreads requests over "
                             f"them{limit}", evidence, "deploy")
            elif swarm:
                yield result(project, service, Status.FAIL,
                             "one web replica: when it fails, Superset is down until Swarm "
                             "starts another", evidence)
            else:
                yield result(project, service, Status.FAIL,
                             "one web container on one Docker host: when it or the host fails, "
                             "Superset is down", evidence)


def _spread(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        web = web_services(project)
        if not web:
            yield none_of(project, "web")
            continue
        for service in web:
            proxies = proxies_for(project, service)
            router = external_router(project, service) if not proxies else None
            front = proxies[0].name if proxies else (f"a {router} outside this project"
                                                     if router else None)
            evidence = (f"replicas: {service.replicas}", proxied_by(project, service, proxies))
            if front and service.replicas >= 2:
                yield result(project, service, Status.PASS,
                             f"{front} spreads requests over {service.replicas} "
                             "containers", evidence)
            elif front:
                yield result(project, service, Status.FAIL,
                             f"{front} forwards to a single container: nothing to "
                             "balance", evidence)
            else:
                yield result(project, service, Status.FAIL,
                             "no proxy balances requests: clients reach one container directly",
                             evidence)


CHECKS = (
    Check(
        id="COMPOSE-AVAILABILITY-001",
        style=Style.COMPOSE,
        row=Row.AVAILABILITY,
        severity=Severity.HIGH,
        title="The web tier survives the loss of one container",
        rationale=(
            "Compose runs everything on one Docker host, which remains a single point of "
            "failure whatever the file says. Within that limit, two or more web containers "
            "behind a proxy survive a crash, an out-of-memory kill or a restart of one."
        ),
        remediation=(
            "Set deploy.replicas: 2 (or more) on the web service behind a proxy service; to "
            "survive the loss of the host, run several hosts behind a load balancer or move "
            "to Kubernetes."
        ),
        success="several web containers behind a proxy",
        failure="a single web container",
        references=("https://docs.docker.com/reference/compose-file/deploy/#replicas",),
        requires=("compose",),
        evaluate=_survives,
    ),
    Check(
        id="COMPOSE-LOAD-BALANCING-001",
        style=Style.COMPOSE,
        row=Row.LOAD_BALANCING,
        severity=Severity.MEDIUM,
        title="Requests are spread over several web containers",
        rationale=(
            "With one web container every request queues behind the same gunicorn workers; a "
            "proxy in front of several replicas spreads the load and lets one be replaced "
            "while the others serve."
        ),
        remediation=(
            "Run the web service with deploy.replicas >= 2 and point the proxy at the service "
            "name (nginx: an upstream plus 'resolver 127.0.0.11' so new replicas are seen; "
            "Traefik discovers them itself)."
        ),
        success="a proxy in front of several web containers",
        failure="a single web container",
        references=("https://docs.docker.com/engine/network/#dns-services",),
        requires=("compose",),
        evaluate=_spread,
    ),
)
