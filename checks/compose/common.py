"""Helpers shared by the compose checks (pure functions of facts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from auditor.checks.common.redact import redact
from auditor.checks.compose.facts import ComposeFacts, ComposeProject, Service
from auditor.checks.compose.roles import PROXY_IMAGES, parse_image
from auditor.checks.superset.configmodel import EnvValue
from auditor.model import Facts, Location, Result, Status

COMPOSE = "compose"
SINGLE_HOST = "one Docker host remains a single point of failure"


def projects(facts: Facts) -> tuple[ComposeProject, ...]:
    return facts.get(COMPOSE, ComposeFacts).projects


def result(project: ComposeProject, service: Service, status: Status, message: str,
           evidence: Iterable[str] = (), attr: str | None = None) -> Result:
    return Result(project.subject(f"service/{service.name}"), status, message, tuple(evidence),
                  service.where(attr))


def env_location(env: EnvValue) -> Location | None:
    """Where an environment value is written (``docker/.env:12``, ``compose.yaml:40 ...``)."""
    head = env.source.split(" ", 1)[0]
    path, _, line = head.rpartition(":")
    return Location(path, int(line)) if path and line.isdigit() and int(line) > 0 else None


def app_services(project: ComposeProject) -> list[Service]:
    """Superset's long-running parts when present, else every service of no known role."""
    superset = [s for s in project.services if s.superset and s.long_running]
    return superset or [s for s in project.services if s.role == "other"]


def web_services(project: ComposeProject) -> list[Service]:
    web = project.role("web")
    return web or [s for s in project.services if s.role == "other" and s.ports]


def none_of(project: ComposeProject, what: str) -> Result:
    return Result(project.subject(what), Status.SKIP, f"no {what} service in the project")


def each_project(facts: Facts) -> Iterator[ComposeProject]:
    yield from projects(facts)


def safe_command(text: str) -> str:
    """A command as evidence: values after secret-looking options or names, and passwords in
    URLs, are masked."""
    joined = redact(text)
    return joined if len(joined) <= 120 else joined[:117] + "..."


def labels(service: Service) -> dict[str, str]:
    value = service.spec.get("labels")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {}


def _label_items(value: object) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        pairs = (str(item).split("=", 1) for item in value if item is not None)
        return {p[0]: (p[1] if len(p) > 1 else "") for p in pairs}
    return {}


def routing_labels(service: Service) -> dict[str, str]:
    """``labels:`` and ``deploy.labels:``: Traefik's and caddy-docker-proxy's Swarm providers
    read the labels of the Swarm service, which a stack file writes under ``deploy:``."""
    return {**labels(service), **_label_items(service.mapping("deploy").get("labels"))}


def _traefik_routed(service: Service) -> bool:
    found = routing_labels(service)
    return (any(k.startswith("traefik.http.") for k in found)
            or found.get("traefik.enable", "").strip().lower() == "true")


def _caddy_routed(service: Service) -> bool:
    return any(k == "caddy" or k.startswith("caddy.") or k.startswith("caddy_")
               for k in routing_labels(service))


SWARM_ONLY = ("labels", "placement", "endpoint_mode", "update_config", "rollback_config")
"""``deploy:`` keys only ``docker stack deploy`` acts on (docker compose up ignores them)."""


def swarm_signs(project: ComposeProject) -> tuple[str, ...]:
    """Evidence that the file is written for ``docker stack deploy``: deploy keys only Swarm
    acts on, or ``mode: global``. Empty for a plain Compose project."""
    found = []
    for service in project.services:
        deploy = service.mapping("deploy")
        keys = [f"deploy.{k}" for k in SWARM_ONLY if deploy.get(k)]
        if str(deploy.get("mode") or "").startswith("global"):
            keys.append(f"deploy.mode {deploy['mode']}")
        if keys:
            found.append(f"service {service.name}: {', '.join(keys)}")
    return tuple(found)


def external_router(project: ComposeProject, service: Service) -> str | None:
    """``Traefik`` or ``Caddy`` when the service's labels route it through a proxy that is
    not a service of this project (it joins that proxy's network from outside)."""
    kinds = {proxy_kind(p) for p in project.role("proxy")}
    if _traefik_routed(service) and "traefik" not in kinds:
        return "Traefik"
    if _caddy_routed(service) and "caddy" not in kinds:
        return "Caddy"
    return None


def proxied_by(project: ComposeProject, service: Service, proxies: list[Service]) -> str:
    """The ``proxied by:`` evidence line."""
    if proxies:
        return "proxied by: " + ", ".join(p.name for p in proxies)
    router = external_router(project, service)
    if router:
        return f"proxied by: a {router} outside this project (its labels on {service.name})"
    return "proxied by: nothing"


def proxies_for(project: ComposeProject, service: Service) -> list[Service]:
    """Proxy services that forward requests to ``service`` (by config, labels or depends_on)."""
    names = {service.name, str(service.spec.get("container_name") or service.name)}
    found = []
    traefik_labels = _traefik_routed(service)
    caddy_labels = _caddy_routed(service)
    for proxy in project.role("proxy"):
        upstreams = {u for conf in project.proxy_configs.get(proxy.name, ())
                     for u in conf.upstreams}
        depends = proxy.spec.get("depends_on")
        kind = proxy_kind(proxy)
        if (names & upstreams or (isinstance(depends, dict) and service.name in depends)
                or (traefik_labels and kind == "traefik")
                or (caddy_labels and kind == "caddy")):
            found.append(proxy)
    return found


def proxy_kind(proxy: Service) -> str:
    """Which proxy a service runs (``nginx``, ``traefik`` ...), from its image or the base
    image of the Dockerfile it is built from; ``proxy`` when neither names one."""
    for ref in (proxy.image, proxy.built.base if proxy.built else ""):
        repository = parse_image(ref).repository if ref else ""
        kind = next((k for k in PROXY_IMAGES if k in repository.rsplit("/", 1)[-1]), None)
        if kind:
            return kind
    return "proxy"


def proxy_label(proxy: Service) -> str:
    """``nginx (nginx:1.27)`` or ``proxy (nginx, built FROM nginx:1.27-alpine)``."""
    kind = proxy_kind(proxy)
    if proxy.image and not proxy.build:
        return f"{proxy.name} ({proxy.image})"
    if proxy.built is not None and proxy.built.base:
        return f"{proxy.name} ({kind}, built FROM {proxy.built.base})"
    return f"{proxy.name} ({kind}, built locally)"


def truthy(value: str) -> bool:
    return value.strip().strip("\"'").lower() in ("1", "true", "yes", "on", "y")


def flag(value: object) -> bool:
    """A Compose boolean attribute as Docker Compose reads it: ``true``, or a string it casts
    to true (``privileged: "true"``, ``${PRIVILEGED}`` interpolated, YAML 1.1 ``yes``), which
    the YAML loader keeps as text."""
    return value is True or (isinstance(value, str) and truthy(value))
