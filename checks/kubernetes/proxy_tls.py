"""proxy-tls: an Ingress or Gateway with TLS in front of the web Service."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.kubernetes.common import kube, result
from auditor.checks.kubernetes.objects import as_list, as_map
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _tls(facts: Facts) -> Iterator[Result]:
    k = kube(facts)
    ingresses = k.of("Ingress")
    routes = k.of("HTTPRoute")
    if not ingresses and not routes:
        for web in k.role("web"):
            yield result(web, Status.FAIL, "no Ingress or Gateway route: the UI is reachable "
                         "only by port-forward or an exposed Service, without TLS")
        return
    for ingress in ingresses:
        tls = as_list(ingress.spec.get("tls"))
        hosts = [str(h) for t in tls for h in as_list(as_map(t).get("hosts"))]
        rules = [str(as_map(r).get("host")) for r in as_list(ingress.spec.get("rules"))
                 if as_map(r).get("host")]
        uncovered = [h for h in rules if h not in hosts]
        if not tls:
            yield result(ingress, Status.FAIL, "the Ingress has no TLS section: logins travel "
                         "in clear text", (f"hosts: {', '.join(rules) or '*'}",))
        elif uncovered:
            yield result(ingress, Status.FAIL, "hosts without TLS: " + ", ".join(uncovered),
                         (f"tls hosts: {', '.join(hosts)}",))
        else:
            yield result(ingress, Status.PASS, "TLS for " + (", ".join(hosts) or "all hosts"),
                         (f"secret {as_map(tls[0]).get('secretName')}",))
    for route in routes:
        yield result(route, Status.PASS, "routed through a Gateway (TLS is the Gateway's)")


CHECKS = (
    Check(
        id="K8S-PROXY-TLS-001", style=Style.KUBERNETES, row=Row.PROXY_TLS, severity=Severity.HIGH,
        title="An Ingress or Gateway terminates TLS for the UI",
        rationale="Superset carries passwords, session cookies and query results; the chart's "
                  "Ingress is off and without TLS by default.",
        remediation="Enable the Ingress with a tls section (cert-manager), or route through a "
                    "Gateway listener with TLS; set ENABLE_PROXY_FIX = True.",
        success="TLS on every host", failure="no TLS",
        references=("https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",),
        requires=("kubernetes",), evaluate=_tls,
    ),
)
