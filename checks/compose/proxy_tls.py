"""proxy-tls: a reverse proxy service terminating TLS in front of the web."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import (
    each_project,
    external_router,
    proxies_for,
    proxy_kind,
    proxy_label,
    result,
    routing_labels,
    web_services,
)
from auditor.checks.compose.facts import ComposeProject, Service
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def tls_evidence(project: ComposeProject, proxy: Service) -> list[str]:
    found = [f"{conf.path}: TLS with {', '.join(conf.certificates)}"
             for conf in project.proxy_configs.get(proxy.name, ()) if conf.tls]
    kind = proxy_kind(proxy)
    command = proxy.command_text.lower()
    if kind == "traefik" and ("certificatesresolvers" in command or ".tls" in command):
        found.append("Traefik TLS options on its command line")
    for service in project.services:
        for key, value in routing_labels(service).items():
            if kind == "traefik" and key.startswith("traefik.http.routers.") and (
                (key.endswith(".tls") and value.lower() == "true") or ".tls.certresolver" in key
            ):
                found.append(f"label {key} on {service.name}")
            elif kind == "caddy" and key.startswith("caddy") and service.name != proxy.name:
                found.append(f"caddy-docker-proxy label on {service.name} (automatic HTTPS)")
    return found


def _https_port(proxy: Service) -> str | None:
    for port in proxy.ports:
        # Host port 443, or the container's 443 on another host port (8443:443, random):
        # the proxy still serves its TLS listener there.
        if port.publishes(443) or port.targets(443):
            return port.label
    return None


def _fronted(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        web = web_services(project)
        if not web:
            yield Result(project.subject("web"), Status.SKIP, "no web service in the project")
            continue
        for service in web:
            proxies = proxies_for(project, service) or project.role("proxy")
            router = external_router(project, service) if not proxies else None
            if router:
                yield _routed_from_outside(project, service, router)
                continue
            if not proxies:
                published = ", ".join(p.label for p in service.ports) or "not published"
                yield result(project, service, Status.FAIL,
                             "no reverse proxy service: the web is reached over plain HTTP",
                             (f"ports: {published}",), "ports")
                continue
            proxy = proxies[0]
            port = _https_port(proxy)
            evidence = tls_evidence(project, proxy)
            label = proxy_label(proxy)
            listed = (f"proxy service {label}", f"publishes 443: {port or 'no'}", *evidence)
            if port and evidence:
                yield result(project, service, Status.PASS,
                             f"{label} terminates TLS on 443", listed)
            elif port:
                yield result(project, service, Status.WARN,
                             f"{label} publishes 443 but no TLS configuration was found in "
                             "the project files", listed)
            else:
                yield result(project, service, Status.FAIL,
                             f"{label} serves plain HTTP (nothing published on 443)",
                             listed)


def _routed_from_outside(project: ComposeProject, service: Service, router: str) -> Result:
    """The web's labels route it through a Traefik or Caddy that is not in this project (a
    stack joining the proxy's external network): only the labels say how it is served."""
    found = routing_labels(service)
    where = "deploy" if service.mapping("deploy").get("labels") else "labels"
    if router == "Caddy":
        sites = [v for k, v in found.items() if k == "caddy" or k.startswith("caddy_")]
        if any("." in v and not v.startswith("http://") for v in sites):
            return result(project, service, Status.PASS,
                          "a Caddy outside this project serves it on a domain name: automatic "
                          "HTTPS", tuple(f"label {k}" for k in sorted(found)
                                          if k.startswith("caddy"))[:4], where)
        return result(project, service, Status.SKIP,
                      "routed by a Caddy outside this project: its labels name no domain, so "
                      "whether it serves HTTPS is decided there", (), where)
    tls = {k: v.strip().lower() for k, v in found.items()
           if k.startswith("traefik.http.routers.") and
           (k.endswith(".tls") or k.endswith(".tls.certresolver"))}
    evidence = tuple(f"label {k}={v or '(empty)'}" for k, v in sorted(tls.items()))
    on = [k for k, v in tls.items() if (k.endswith(".tls") and v == "true")
          or (k.endswith(".certresolver") and v)]
    off = [k for k, v in tls.items() if k.endswith(".tls") and v == "false"]
    if on:
        return result(project, service, Status.PASS,
                      "a Traefik outside this project routes it with TLS on its router",
                      evidence, where)
    if off:
        return result(project, service, Status.FAIL,
                      "a Traefik outside this project routes it over plain HTTP "
                      f"({off[0]}=false)", evidence, where)
    return result(project, service, Status.SKIP,
                  "routed by a Traefik outside this project, whose router labels do not set "
                  "TLS" + (" (their variables are empty)" if tls else "") +
                  ": whether it is served over HTTPS is decided by that Traefik's entry "
                  "points, which are not in the input", evidence, where)


CHECKS = (
    Check(
        id="COMPOSE-PROXY-TLS-001",
        style=Style.COMPOSE,
        row=Row.PROXY_TLS,
        severity=Severity.HIGH,
        title="A TLS-terminating reverse proxy fronts the web",
        rationale=(
            "Without TLS, session cookies and passwords cross the network in clear text; "
            "gunicorn should not face the internet directly (slow clients, no HTTP/2, no "
            "header hardening)."
        ),
        remediation=(
            "Add an nginx, Traefik or Caddy service that publishes 443 with a certificate "
            "(Let's Encrypt), redirects 80 to 443 and forwards to the web service; set "
            "ENABLE_PROXY_FIX = True in superset_config.py."
        ),
        success="a proxy service with TLS on 443",
        failure="no proxy, or plain HTTP only",
        references=("https://superset.apache.org/docs/configuration/configuring-superset/",
                    "https://doc.traefik.io/traefik/https/acme/"),
        requires=("compose",),
        evaluate=_fronted,
    ),
)
