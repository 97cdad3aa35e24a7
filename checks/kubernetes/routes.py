"""Every way HTTP traffic enters the cluster, and whether TLS is terminated on the way.

Ingress, Gateway API (Gateway listeners + HTTPRoute/TLSRoute), Istio (Gateway servers +
VirtualService), Traefik IngressRoute, Contour HTTPProxy and OpenShift Route are read into
one shape: which Services a route sends to, and what terminates TLS for it. A route is
related to a workload through the Services in the route's namespace (or the namespace the
route names explicitly) that select the workload's pods.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.checks.kubernetes.facts import KubeFacts, Workload
from auditor.checks.kubernetes.objects import Item, as_list, as_map

ROUTE_KINDS = ("Ingress", "HTTPRoute", "TLSRoute", "VirtualService", "IngressRoute",
               "HTTPProxy", "Route", "Gateway")
GATEWAY_API = "gateway.networking.k8s.io/"
ISTIO = "networking.istio.io/"
TRAEFIK = ("traefik.io/", "traefik.containo.us/")
CONTOUR = "projectcontour.io/"
OPENSHIFT = ("route.openshift.io/", "v1")
TLS_PORTS = frozenset({443, 8443})
TLS_PROXIES = ("envoy", "nginx", "ghostunnel", "haproxy", "traefik", "caddy", "stunnel",
               "oauth2-proxy")


@dataclass(frozen=True, slots=True)
class Route:
    """One route object as the proxy checks need it."""

    item: Item
    label: str
    """``Istio VirtualService superset (Gateway istio-system/public)``: names what was found."""
    backends: tuple[tuple[str, str], ...]
    """(namespace, Service name) the route sends traffic to."""
    tls: bool | None
    """True: TLS terminated (or passed through); False: plain HTTP; None: cannot be told."""
    evidence: tuple[str, ...]
    hosts: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()
    """Hosts the route serves without TLS although it has TLS for others."""
    plain: tuple[str, ...] = ()
    """With ``tls`` True: what serves the same route over plain HTTP as well, without a
    redirect (an HTTP listener or server next to the HTTPS one, OpenShift's Allow)."""


def _api(item: Item) -> str:
    return str(item.obj.get("apiVersion") or "")


def _names(values: object) -> list[str]:
    return [str(v) for v in as_list(values) if isinstance(v, str | int)]


def all_routes(facts: KubeFacts) -> list[Route]:
    found: list[Route] = []
    for item in facts.of(*ROUTE_KINDS[:-1]):  # Gateways are read through their routes
        api = _api(item)
        route: Route | None = None
        if item.kind == "Ingress" and api.startswith(("networking.k8s.io/", "extensions/")):
            route = _ingress(item)
        elif item.kind in ("HTTPRoute", "TLSRoute") and api.startswith(GATEWAY_API):
            route = _gateway_api(facts, item)
        elif item.kind == "VirtualService" and api.startswith(ISTIO):
            route = _virtual_service(facts, item)
        elif item.kind == "IngressRoute" and api.startswith(TRAEFIK):
            route = _traefik(item)
        elif item.kind == "HTTPProxy" and api.startswith(CONTOUR):
            route = _contour(facts, item)
        elif item.kind == "Route" and (api.startswith(OPENSHIFT[0]) or api == OPENSHIFT[1]):
            route = _openshift(item)
        if route is not None:
            found.append(route)
    return found


def services_of(facts: KubeFacts, workload: Workload) -> list[Item]:
    """Services in the workload's namespace that select its pods."""
    return list(facts.relations.selecting("Service", workload))


class RouteTable:
    """Every route of one audit, read once (``KubeFacts.routes``) and indexed by the
    Services it sends to, so that a workload's routes are found without a pass over every
    route per workload (issue 16: hundreds of web workloads and Ingresses in one
    namespace)."""

    def __init__(self, facts: KubeFacts) -> None:
        self._facts = facts
        self.routes = all_routes(facts)
        self._by_backend: dict[tuple[str, str], list[int]] = defaultdict(list)
        for position, route in enumerate(self.routes):
            for backend in dict.fromkeys(route.backends):
                self._by_backend[backend].append(position)
        self._unresolved: dict[str, list[Route]] = {}

    def to(self, workload: Workload) -> list[Route]:
        """The routes that send to a Service selecting the workload's pods, in order."""
        names = {(workload.item.namespace, s.name) for s in services_of(self._facts, workload)}
        positions = sorted({p for name in names for p in self._by_backend.get(name, ())})
        return [self.routes[p] for p in positions]

    def unresolved(self, namespace: str) -> list[Route]:
        """Routes that might reach ``namespace``'s pods through a Service we cannot see."""
        if namespace not in self._unresolved:
            known = self._facts.relations.present("Service")
            self._unresolved[namespace] = [
                r for r in self.routes if not r.backends or any(
                    b not in known and b[0] in (namespace, "") for b in r.backends)]
        return self._unresolved[namespace]


def node_ports(facts: KubeFacts, workload: Workload) -> list[str]:
    """The workload's NodePort Services (evidence): every node forwards a port to the pods,
    so whatever sits in front of the nodes (a proxy or load balancer outside the cluster)
    may be the way in, and its TLS is not among the audited objects."""
    found = []
    for service in services_of(facts, workload):
        if service.spec.get("type") != "NodePort":
            continue
        ports = [str(as_map(p).get("nodePort")) for p in as_list(service.spec.get("ports"))
                 if as_map(p).get("nodePort")]
        found.append(f"Service {service.name} type NodePort"
                     + (f" (node port {', '.join(ports)})" if ports else ""))
    return found


def sidecar_tls(workload: Workload) -> str | None:
    """A proxy container in the pod serving TLS ports in front of the app (evidence), or None."""
    for container in workload.main_containers():
        image = container.image.lower()
        if not any(p in image or p in container.name.lower() for p in TLS_PROXIES):
            continue
        for port in as_list(container.spec.get("ports")):
            port = as_map(port)
            number, name = port.get("containerPort"), str(port.get("name") or "").lower()
            if number in TLS_PORTS or name in ("https", "tls"):
                return f"container {container.name} ({container.image}) serves TLS on port " \
                       f"{number}"
    return None


# -- one reader per kind ------------------------------------------------------------------

def _ingress(item: Item) -> Route:
    namespace = item.namespace
    tls_hosts = {str(h) for t in as_list(item.spec.get("tls"))
                 for h in as_list(as_map(t).get("hosts"))}
    has_tls = bool(as_list(item.spec.get("tls")))
    hosts, backends = [], []
    default = as_map(as_map(item.spec.get("defaultBackend") or item.spec.get("backend"))
                     .get("service")) or as_map(item.spec.get("backend"))
    for backend in [default, *_ingress_backends(item)]:
        name = backend.get("name") or backend.get("serviceName")
        if name:
            backends.append((namespace, str(name)))
    for rule in as_list(item.spec.get("rules")):
        host = as_map(rule).get("host")
        if isinstance(host, str) and host:
            hosts.append(host)
    uncovered = [h for h in hosts if h not in tls_hosts]
    secret = next((str(as_map(t).get("secretName")) for t in as_list(item.spec.get("tls"))
                   if as_map(t).get("secretName")), None)
    evidence = [f"tls hosts: {', '.join(sorted(tls_hosts)) or '-'}",
                f"rule hosts: {', '.join(hosts) or '*'}"]
    if secret:
        evidence.append(f"secret {secret}")
    # A tls entry without hosts covers the controller's default certificate for every host.
    covered: bool | None = has_tls and (not uncovered or not tls_hosts)
    if not has_tls and _traefik_ingress(item):
        covered = _traefik_router_tls(item, evidence)
    return Route(item, f"Ingress {item.name}", tuple(backends), covered, tuple(evidence),
                 tuple(hosts), tuple(uncovered) if has_tls and tls_hosts else ())


TRAEFIK_ANNOTATIONS = "traefik.ingress.kubernetes.io/"


def _traefik_ingress(item: Item) -> bool:
    """An Ingress Traefik serves: its class names Traefik, or it carries Traefik's router
    annotations (which no other controller reads)."""
    annotations = item.annotations
    named = str(item.spec.get("ingressClassName")
                or annotations.get("kubernetes.io/ingress.class") or "")
    return "traefik" in named.lower() or any(
        str(key).startswith(TRAEFIK_ANNOTATIONS) for key in annotations)


def _traefik_router_tls(item: Item, evidence: list[str]) -> bool | None:
    """TLS of a Traefik-served Ingress without ``spec.tls``: ``router.tls: "true"`` asks for
    it (the default certificate); a router on entry points other than ``websecure`` only is
    plain HTTP; otherwise TLS, and any redirect of plain HTTP, come from the entry points'
    static configuration (``ports.websecure.tls``, ``web`` redirections: k3s and the Traefik
    chart enable TLS on websecure by default), which is not among the audited objects
    (flux-helmrelease-traefik-statsd-scout: TLS and the web->websecure redirect are set on
    the entry points by an Ansible role)."""
    annotations = item.annotations
    if str(annotations.get(TRAEFIK_ANNOTATIONS + "router.tls") or "").lower() == "true":
        evidence.append("Traefik router.tls: true (default certificate)")
        return True
    points = [p.strip() for p in str(annotations.get(TRAEFIK_ANNOTATIONS
                                                     + "router.entrypoints") or "").split(",")
              if p.strip()]
    if points and "websecure" not in points:
        evidence.append(f"Traefik entry points: {', '.join(points)}")
        return False
    evidence.append(f"Traefik entry points: {', '.join(points) or 'all'}; no spec.tls: TLS "
                    "and any redirect of plain HTTP depend on how the entry points are "
                    "configured")
    return None


def _ingress_backends(item: Item) -> Iterator[Mapping[str, Any]]:
    for rule in as_list(item.spec.get("rules")):
        for path in as_list(as_map(as_map(rule).get("http")).get("paths")):
            backend = as_map(as_map(path).get("backend"))
            yield as_map(backend.get("service")) or backend


def _find(facts: KubeFacts, kind: str, namespace: str, name: str, api: str) -> Item | None:
    for item in facts.in_namespace(kind, namespace):
        if item.name == name and _api(item).startswith(api):
            return item
    return None


def _gateway_api(facts: KubeFacts, item: Item) -> Route:
    namespace = item.namespace
    backends = []
    for rule in as_list(item.spec.get("rules")):
        for ref in as_list(as_map(rule).get("backendRefs")):
            ref = as_map(ref)
            if ref.get("name") and ref.get("kind", "Service") == "Service":
                backends.append((str(ref.get("namespace") or namespace), str(ref["name"])))
    listeners: list[str] = []
    plain: list[str] = []
    unknown: list[str] = []
    for parent in as_list(item.spec.get("parentRefs")):
        parent = as_map(parent)
        if parent.get("kind", "Gateway") != "Gateway":
            continue
        where = str(parent.get("namespace") or namespace)
        gateway = _find(facts, "Gateway", where, str(parent.get("name") or ""), GATEWAY_API)
        if gateway is None:
            unknown.append(f"Gateway {where}/{parent.get('name')}")
            continue
        section = parent.get("sectionName")
        for listener in as_list(gateway.spec.get("listeners")):
            listener = as_map(listener)
            if section and listener.get("name") != section:
                continue
            protocol = str(listener.get("protocol") or "")
            mode = str(as_map(listener.get("tls")).get("mode") or "Terminate")
            text = f"Gateway {gateway.name} listener {listener.get('name')} " \
                   f"({protocol} {listener.get('port')})"
            if protocol == "HTTPS" or (protocol == "TLS" and mode in ("Terminate", "Passthrough")):
                listeners.append(text + (f" tls {mode}" if protocol == "TLS" else ""))
            elif protocol == "HTTP":
                plain.append(text)
    hosts = tuple(_names(item.spec.get("hostnames")))
    label = f"{item.kind} {item.name}"
    if listeners:
        # Plain listeners that only answer with a redirect to https serve no page.
        serving = () if _redirects_to_https(item) else tuple(plain)
        return Route(item, label, tuple(backends), True, (*listeners, *plain), hosts,
                     plain=serving)
    if plain:
        return Route(item, label, tuple(backends), False, tuple(plain), hosts)
    return Route(item, label, tuple(backends), None,
                 tuple(f"{u} is not among the audited objects" for u in unknown), hosts)


def _redirects_to_https(item: Item) -> bool:
    """Whether every rule of a Gateway API route redirects to https (and so serves no
    page over a plain listener)."""
    rules = [as_map(r) for r in as_list(item.spec.get("rules"))]
    return bool(rules) and all(
        any(as_map(f).get("type") == "RequestRedirect"
            and as_map(as_map(f).get("requestRedirect")).get("scheme") == "https"
            for f in as_list(rule.get("filters")))
        for rule in rules)


def _istio_host(host: str, namespace: str) -> tuple[str, str]:
    """(namespace, Service) of a destination host: short names resolve in the route's own."""
    parts = host.split(".")
    if len(parts) == 1:
        return namespace, host
    if len(parts) == 2 or (len(parts) >= 3 and parts[2] == "svc"):
        return parts[1], parts[0]
    return "", host  # an external name (a ServiceEntry), not a Service here


def _virtual_service(facts: KubeFacts, item: Item) -> Route | None:
    namespace = item.namespace
    backends = []
    for section in ("http", "tls", "tcp"):
        for entry in as_list(item.spec.get(section)):
            for destination in as_list(as_map(entry).get("route")):
                host = as_map(as_map(destination).get("destination")).get("host")
                if isinstance(host, str) and host:
                    backends.append(_istio_host(host, namespace))
    gateways = [g for g in _names(item.spec.get("gateways")) if g != "mesh"]
    if not gateways:
        return None  # in-mesh routing only: not a way in from outside
    secured: list[str] = []
    plain: list[str] = []
    unknown: list[str] = []
    for ref in gateways:
        where, _, name = ref.rpartition("/")
        gateway = _find(facts, "Gateway", where or namespace, name, ISTIO)
        if gateway is None:
            unknown.append(f"Istio Gateway {where or namespace}/{name}")
            continue
        for server in as_list(gateway.spec.get("servers")):
            server = as_map(server)
            port = as_map(server.get("port"))
            protocol = str(port.get("protocol") or "").upper()
            tls = as_map(server.get("tls"))
            text = f"Istio Gateway {gateway.name} port {port.get('number')} {protocol}"
            if protocol in ("HTTPS", "TLS") and tls.get("mode", "SIMPLE") != "ISTIO_MUTUAL":
                secured.append(f"{text} tls {tls.get('mode', 'SIMPLE')}")
            elif protocol in ("HTTP", "HTTP2") and tls.get("httpsRedirect") is True:
                secured.append(f"{text} redirects to HTTPS")
            elif protocol in ("HTTP", "HTTP2"):
                plain.append(text)
    label = f"Istio VirtualService {item.name} via Gateway {', '.join(gateways)}"
    hosts = tuple(_names(item.spec.get("hosts")))
    if secured:
        return Route(item, label, tuple(backends), True, (*secured, *plain), hosts,
                     plain=tuple(plain))
    if plain:
        return Route(item, label, tuple(backends), False, tuple(plain), hosts)
    return Route(item, label, tuple(backends), None,
                 tuple(f"{u} is not among the audited objects" for u in unknown), hosts)


def _traefik(item: Item) -> Route:
    namespace = item.namespace
    backends = [(str(as_map(s).get("namespace") or namespace), str(as_map(s).get("name")))
                for r in as_list(item.spec.get("routes"))
                for s in as_list(as_map(r).get("services"))
                if as_map(s).get("name") and as_map(s).get("kind", "Service") == "Service"]
    entry_points = _names(item.spec.get("entryPoints"))
    tls = as_map(item.spec.get("tls"))
    evidence = [f"entryPoints: {', '.join(entry_points) or 'all'}"]
    label = f"Traefik IngressRoute {item.name}"
    # ``tls: {}`` asks for the default certificate; ``tls:`` left empty (null) is no TLS.
    if isinstance(item.spec.get("tls"), Mapping):
        where = tls.get("secretName") or tls.get("certResolver")
        evidence.append(f"spec.tls ({'secret ' + str(where) if where else 'default certificate'})")
        return Route(item, label, tuple(backends), True, tuple(evidence))
    if entry_points and all(e == "websecure" for e in entry_points):
        # TLS on an entry point is Traefik's static configuration, which is not audited here.
        evidence.append("no spec.tls: TLS depends on how entry point websecure is configured")
        return Route(item, label, tuple(backends), None, tuple(evidence))
    return Route(item, label, tuple(backends), False, tuple(evidence))


def _contour(facts: KubeFacts, item: Item) -> Route:
    namespace = item.namespace
    backends = [(namespace, str(as_map(s).get("name")))
                for section in (as_list(item.spec.get("routes")),
                                [as_map(item.spec.get("tcpproxy"))])
                for r in section for s in as_list(as_map(r).get("services"))
                if as_map(s).get("name")]
    label = f"Contour HTTPProxy {item.name}"
    virtualhost = as_map(item.spec.get("virtualhost"))
    if not virtualhost:
        # A child proxy: its root (the one that includes it) owns the virtual host and TLS.
        for root in facts.of("HTTPProxy"):
            for include in as_list(root.spec.get("includes")):
                include = as_map(include)
                if include.get("name") == item.name and \
                        str(include.get("namespace") or root.namespace) == namespace:
                    return _contour_tls(root, item, label + f" (included by {root.name})",
                                        backends)
        return Route(item, label, tuple(backends), None,
                     ("no virtualhost and no root HTTPProxy including it among the objects",))
    return _contour_tls(item, item, label, backends)


def _contour_tls(root: Item, item: Item, label: str,
                 backends: list[tuple[str, str]]) -> Route:
    virtualhost = as_map(root.spec.get("virtualhost"))
    tls = as_map(virtualhost.get("tls"))
    hosts = (str(virtualhost.get("fqdn")),) if virtualhost.get("fqdn") else ()
    if tls.get("secretName"):
        return Route(item, label, tuple(backends), True,
                     (f"virtualhost.tls.secretName {tls['secretName']}",), hosts)
    if tls.get("passthrough") is True:
        return Route(item, label, tuple(backends), True, ("virtualhost.tls.passthrough",), hosts)
    return Route(item, label, tuple(backends), False, ("no virtualhost.tls",), hosts)


def _openshift(item: Item) -> Route:
    namespace = item.namespace
    targets = [as_map(item.spec.get("to")),
               *map(as_map, as_list(item.spec.get("alternateBackends")))]
    backends = [(namespace, str(t.get("name"))) for t in targets
                if t.get("name") and t.get("kind", "Service") == "Service"]
    tls = as_map(item.spec.get("tls"))
    termination = str(tls.get("termination") or "")
    insecure = str(tls.get("insecureEdgeTerminationPolicy") or "None")
    hosts = (str(item.spec.get("host")),) if item.spec.get("host") else ()
    label = f"OpenShift Route {item.name}"
    if termination in ("edge", "reencrypt", "passthrough"):
        evidence = (f"tls.termination {termination}",
                    f"insecureEdgeTerminationPolicy {insecure}")
        # Allow serves the same pages over plain HTTP as well.
        return Route(item, label, tuple(backends), True, evidence, hosts,
                     plain=(f"insecureEdgeTerminationPolicy {insecure}",)
                     if insecure == "Allow" else ())
    return Route(item, label, tuple(backends), False, ("no spec.tls",), hosts)
