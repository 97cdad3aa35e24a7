"""proxy-tls: an Ingress, Gateway, mesh or router route with TLS in front of the web Service."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.routes import (
    ROUTE_KINDS,
    Route,
    node_ports,
    sidecar_tls,
)
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _tls(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    routes = k.routes.routes
    for route in routes:
        yield _route_result(route)
    if not any(w.superset for w in k.workloads):
        return  # without the app, a workload with no route may well be internal
    for web in k.role("web"):
        mine = k.routes.to(web)
        sidecar = sidecar_tls(web)
        secured = [r.label for r in mine if r.tls and not r.plain]
        evidence = [r.label for r in mine] + ([sidecar] if sidecar else [])
        if mixed := [f"{r.label}: {', '.join(r.plain)}" for r in mine if r.tls and r.plain]:
            # TLS is there, but the same pages answer over plain HTTP too: whoever types
            # http:// (or follows an old link) sends the password in clear text.
            yield result(web, Status.WARN, "a route to the web pods serves plain HTTP next "
                         "to TLS: logins can travel in clear text", mixed)
        elif secured or sidecar:
            by = ", ".join(secured + (["a TLS sidecar in the pod"] if sidecar else []))
            yield result(web, Status.PASS, f"TLS is terminated by {by}", evidence)
        elif any(r.tls is False for r in mine):
            yield result(web, Status.FAIL, "every route to the web pods is plain HTTP: logins "
                         "travel in clear text", evidence)
        elif mine:
            yield result(web, Status.WARN, "the routes to the web pods terminate TLS in "
                         "configuration that is not among the audited objects", evidence)
        elif unseen := k.routes.unresolved(web.item.namespace):
            yield result(web, Status.WARN, f"{len(unseen)} route(s) send traffic to "
                         "Services that are not among the audited objects; none names a "
                         "Service that selects the web pods", [r.label for r in unseen][:8])
        elif exposed := node_ports(k, web):
            # helm-nodeport-oauth-toolforge: the chart's Service on NodePort 30665 behind the
            # cloud's HTTPS web proxy, which no manifest describes: TLS cannot be told.
            yield result(web, Status.WARN, "no Ingress, Gateway or route among the audited "
                         "objects reaches the web pods; a NodePort Service exposes them on "
                         "every node, and whatever is in front of the nodes (and its TLS) is "
                         "not among the audited objects", exposed)
        elif unlisted := sorted(set(ROUTE_KINDS) & k.kinds_missing):
            # A kind that could not be listed (403, timeout) may hold the way in.
            yield result(web, Status.WARN, "no route reaches the web pods among the objects "
                         "listed, but some route kinds could not be listed",
                         [f"{kind}: could not be listed" for kind in unlisted])
        else:
            yield result(web, Status.FAIL, "no Ingress, Gateway, VirtualService, IngressRoute, "
                         "HTTPProxy or Route reaches the web pods and no TLS sidecar serves "
                         "them: the UI is reachable only by port-forward or an exposed Service, "
                         "without TLS")


def _route_result(route: Route) -> Result:
    evidence = route.evidence
    if route.tls and route.plain:
        return result(route.item, Status.WARN, f"{route.label} terminates TLS but also serves "
                      f"plain HTTP ({', '.join(route.plain)}): logins can travel in clear text",
                      evidence)
    if route.tls:
        return result(route.item, Status.PASS, f"{route.label} terminates TLS"
                      + (f" for {', '.join(route.hosts)}" if route.hosts else ""), evidence)
    if route.tls is None:
        return result(route.item, Status.WARN, f"{route.label}: whether TLS is terminated "
                      "depends on configuration that is not among the audited objects", evidence)
    if route.uncovered:
        return result(route.item, Status.FAIL, "hosts without TLS: " + ", ".join(route.uncovered),
                      evidence)
    return result(route.item, Status.FAIL, f"{route.label} has no TLS: logins travel in clear "
                  "text", evidence)


CHECKS = (
    Check(
        id="K8S-PROXY-TLS-001", style=Style.KUBERNETES, row=Row.PROXY_TLS, severity=Severity.HIGH,
        title="An Ingress, Gateway or route terminates TLS for the UI",
        rationale="Superset carries passwords, session cookies and query results; the chart's "
                  "Ingress is off and without TLS by default.",
        remediation="Enable the Ingress with a tls section (cert-manager), or route through a "
                    "Gateway listener with TLS (Gateway API HTTPS listener, Istio Gateway "
                    "server with tls, Traefik spec.tls, Contour virtualhost.tls, OpenShift "
                    "Route tls.termination); set ENABLE_PROXY_FIX = True.",
        success="TLS on every host", failure="no TLS",
        references=("https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",),
        requires=("kubernetes",), evaluate=_tls,
    ),
)
