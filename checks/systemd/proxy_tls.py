"""proxy-tls: nginx terminates TLS for Superset, and is configured the way it should be."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.apache import ApacheProxy
from auditor.checks.systemd.availability import no_web_tier
from auditor.checks.systemd.common import (
    apache_routes,
    app_routes,
    app_servers,
    direct_reach,
    server_subject,
    services,
    where,
)
from auditor.checks.systemd.facts import NginxConfig, Server
from auditor.model import Check, Evaluate, Facts, Result, Row, Severity, Status, Style

OLD_PROTOCOLS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"})
HSTS_MIN = 15552000  # 180 days
GUNICORN_DEFAULT_TIMEOUT = 30.0


def _config(facts: Facts) -> NginxConfig:
    return facts.get(F.NGINX, NginxConfig)


def _missing(facts: Facts) -> Result | None:
    absent = no_web_tier(facts)
    if absent:
        return absent
    config = _config(facts)
    apache = apache_routes(facts)
    if apache:
        return Result("superset", Status.SKIP, f"{_apache_front(apache)}: its settings are "
                      "not audited here (these checks read nginx)", _apache_evidence(apache))
    if not config.present:
        return Result("superset", Status.FAIL, f"no nginx: {direct_reach(services(facts))}",
                      ("no /etc/nginx/nginx.conf",))
    if not app_routes(config, services(facts)):
        return Result("superset", Status.FAIL, "nginx does not proxy to Superset",
                      (f"{len(config.servers)} server block(s), none with proxy_pass",))
    return None


def _apache_front(apache: list[ApacheProxy]) -> str:
    labels = ", ".join(dict.fromkeys(p.label for p in apache))
    return f"Apache mod_proxy, not nginx, proxies Superset ({labels})"


def _apache_evidence(apache: list[ApacheProxy]) -> tuple[str, ...]:
    return tuple(f"{p.at}: <VirtualHost {p.vhost}>{' SSLEngine on' if p.tls else ''} "
                 f"ProxyPass {p.prefix} {p.target}" for p in apache[:4])


def _apache_tls(apache: list[ApacheProxy]) -> Result:
    tls = [p for p in apache if p.tls]
    if tls:
        return Result("superset", Status.PASS,
                      f"Apache terminates TLS for Superset ({tls[0].label}, SSLEngine on)",
                      _apache_evidence(apache), where(tls[0].path, tls[0].line))
    return Result("superset", Status.FAIL,
                  f"Superset is proxied over plain HTTP only ({apache[0].label}, no SSLEngine "
                  "on): passwords and session cookies cross the network in clear text",
                  _apache_evidence(apache), where(apache[0].path, apache[0].line))


def _tls_servers(facts: Facts) -> list[Server]:
    config = _config(facts)
    if not config.present:
        return []
    return [s for s in app_servers(config, services(facts)) if s.tls]


def _no_tls(facts: Facts) -> Result:
    apache = apache_routes(facts)
    if apache and any(p.tls for p in apache):
        return Result("superset", Status.SKIP, f"{_apache_front(apache)}: its TLS protocols "
                      "and headers are not audited here (these checks read nginx)",
                      _apache_evidence(apache))
    return Result("superset", Status.SKIP, "no TLS server proxies Superset (see "
                  "SYSTEMD-PROXY-TLS-001)")


def _tls(facts: Facts) -> Iterator[Result]:
    apache = [] if no_web_tier(facts) else apache_routes(facts)
    if apache:
        yield _apache_tls(apache)
        return
    missing = _missing(facts)
    if missing:
        yield missing
        return
    tls = _tls_servers(facts)
    servers = app_servers(_config(facts), services(facts))
    evidence = tuple(f"{s.path}:{s.line}: server {s.label}" + (" ssl" if s.tls else "")
                     for s in servers[:4])
    if tls:
        server = tls[0]
        yield Result("superset", Status.PASS,
                     f"nginx terminates TLS for Superset ({server.label}, certificate "
                     f"{server.certificate or 'inherited'})", evidence,
                     where(server.path, server.line))
    else:
        yield Result("superset", Status.FAIL,
                     "Superset is proxied over plain HTTP only: passwords and session cookies "
                     "cross the network in clear text", evidence,
                     where(servers[0].path, servers[0].line))


def _protocols(facts: Facts) -> Iterator[Result]:
    tls = _tls_servers(facts)
    if not tls:
        yield _no_tls(facts)
        return
    for server in tls:
        subject = server_subject(server)
        if server.protocols is None:
            yield Result(subject, Status.WARN,
                         "ssl_protocols is not set: nginx before 1.23.4 (Debian 12 ships 1.22) "
                         "then offers TLSv1 and TLSv1.1 too",
                         ("ssl_protocols unset (default TLSv1 TLSv1.1 TLSv1.2 TLSv1.3)",),
                         where(server.path, server.line))
            continue
        old = sorted(OLD_PROTOCOLS & set(server.protocols))
        evidence = (f"{server.protocols_at}: ssl_protocols {' '.join(server.protocols)}",)
        at_path, _, at_line = (server.protocols_at or "").rpartition(":")
        location = where(at_path, int(at_line)) if at_line.isdigit() else None
        if old:
            yield Result(subject, Status.FAIL,
                         f"{', '.join(old)} enabled: deprecated protocols (RFC 8996) open to "
                         "downgrade attacks", evidence, location)
        else:
            yield Result(subject, Status.PASS, "TLS 1.2/1.3 only", evidence, location)


def _max_age(value: str) -> int | None:
    # Directive names are case-insensitive (RFC 6797 6.1): Max-Age=31536000 counts.
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.I)
    return int(match.group(1)) if match else None


def _hsts(facts: Facts) -> Iterator[Result]:
    tls = _tls_servers(facts)
    if not tls:
        yield _no_tls(facts)
        return
    routes = app_routes(_config(facts), services(facts))
    for server in tls:
        subject = server_subject(server)
        mine = [r for s, r, _ in routes if s is server]
        values = [(r, r.headers.get("strict-transport-security")) for r in mine]
        lacking = [r for r, v in values if not v]
        if lacking:
            hidden = "strict-transport-security" in server.headers
            why = (" (set on the server, but the location's own add_header hides it: nginx "
                   "inherits add_header only into blocks that define none)") if hidden else ""
            yield Result(subject, Status.FAIL,
                         f"no Strict-Transport-Security on {lacking[0].match}{why}",
                         tuple(f"{r.path}:{r.line}: location {r.match}" for r in lacking[:3]),
                         where(lacking[0].path, lacking[0].line))
            continue
        evidence = tuple(f"Strict-Transport-Security: {v}" for _, v in values[:2])
        # max-age is required (RFC 6797 6.1.1): browsers ignore a header without it.
        invalid = [(r, v) for r, v in values if _max_age(v or "") is None]
        if invalid:
            route, value = invalid[0]
            yield Result(subject, Status.FAIL,
                         f"Strict-Transport-Security on {route.match} has no max-age: "
                         "browsers ignore it", (f"Strict-Transport-Security: {value}",),
                         where(route.path, route.line))
            continue
        shortest = min(_max_age(v or "") or 0 for _, v in values)
        if shortest < HSTS_MIN:
            yield Result(subject, Status.WARN,
                         f"HSTS max-age is {shortest}s, less than 180 days", evidence,
                         where(server.path, server.line))
        else:
            yield Result(subject, Status.PASS, f"HSTS max-age {shortest}s", evidence,
                         where(server.path, server.line))


def _redirect(facts: Facts) -> Iterator[Result]:
    config = _config(facts)
    apache = [] if no_web_tier(facts) else apache_routes(facts)
    if apache:
        plain_hosts = list({p.label: p for p in reversed(apache) if not p.tls}.values())[::-1]
        for proxy in plain_hosts:
            yield Result(proxy.label, Status.FAIL,
                         f"serves Superset over plain HTTP (<VirtualHost {proxy.vhost}>) "
                         "instead of redirecting to HTTPS", _apache_evidence([proxy]),
                         where(proxy.path, proxy.line))
        if not plain_hosts:
            yield Result("superset", Status.PASS,
                         "no plain-HTTP Apache virtual host proxies Superset",
                         _apache_evidence(apache))
        return
    if not config.present:
        yield Result("superset", Status.SKIP, "no nginx (see SYSTEMD-PROXY-TLS-001)")
        return
    app = app_servers(config, services(facts))
    names = {n for s in app if s.tls for n in s.names}
    judged = False
    for server in config.servers:
        if not server.plain:
            continue
        proxies = server in app
        if not proxies and not (set(server.names) & names):
            continue  # another site (Debian's default page): not Superset's concern
        subject = server_subject(server)
        judged = True
        if server.redirect and server.redirect.startswith("https://"):
            yield Result(subject, Status.PASS, f"redirects to {server.redirect}",
                         (f"{server.path}:{server.line}: redirect to {server.redirect}",),
                         where(server.path, server.line))
        elif proxies:
            plain = ", ".join(str(x.port) for x in server.listens if not x.ssl)
            yield Result(subject, Status.FAIL,
                         f"serves Superset over plain HTTP (port {plain}) instead of "
                         "redirecting to HTTPS",
                         (f"{server.path}:{server.line}: listen "
                          + ", ".join(f"{x.port}{' ssl' if x.ssl else ''}"
                                      for x in server.listens),),
                         where(server.path, server.line))
        elif set(server.names) & names:
            yield Result(subject, Status.FAIL,
                         "answers plain HTTP for Superset's host name without redirecting",
                         (f"server_name {' '.join(server.names)}",),
                         where(server.path, server.line))
    if not judged:
        status = Status.PASS if names else Status.SKIP
        yield Result("superset", status,
                     "no plain-HTTP server answers for Superset" if names else
                     "no TLS server proxies Superset (see SYSTEMD-PROXY-TLS-001)")


def _tokens(facts: Facts) -> Iterator[Result]:
    missing = _missing(facts)
    if missing:
        yield Result("superset", Status.SKIP, missing.message)
        return
    for server in app_servers(_config(facts), services(facts)):
        subject = server_subject(server)
        evidence = (f"{server.tokens_at}: server_tokens {server.tokens}" if server.tokens_at
                    else "server_tokens unset (default on)",)
        if server.tokens == "off":
            yield Result(subject, Status.PASS, "server_tokens off", evidence,
                         where(server.path, server.line))
        else:
            yield Result(subject, Status.FAIL,
                         "nginx announces its version in headers and error pages", evidence,
                         where(server.path, server.line))


def _forwarded(facts: Facts) -> Iterator[Result]:
    missing = _missing(facts)
    if missing:
        yield Result("superset", Status.SKIP, missing.message)
        return
    for server, route, _ in app_routes(_config(facts), services(facts)):
        subject = f"{server_subject(server)} {route.match}"
        value = route.proxy_headers.get("x-forwarded-proto")
        if value:
            yield Result(subject, Status.PASS, f"X-Forwarded-Proto {value}",
                         (f"proxy_set_header X-Forwarded-Proto {value}",),
                         where(route.path, route.line))
        else:
            shown = ", ".join(sorted(route.proxy_headers)) or "none"
            yield Result(subject, Status.FAIL,
                         "X-Forwarded-Proto is not passed: Superset builds http:// redirects "
                         "and OAuth callbacks behind TLS",
                         (f"{route.path}:{route.line}: proxy_pass {route.target}",
                          f"proxy_set_header in effect: {shown}"), where(route.path, route.line))


def _timeouts(facts: Facts) -> Iterator[Result]:
    missing = _missing(facts)
    if missing:
        yield Result("superset", Status.SKIP, missing.message)
        return
    web = [s for s in services(facts).web if s.launch.kind == "gunicorn"]
    if not web:
        yield Result("superset", Status.SKIP, "no gunicorn web service to compare with")
        return
    timeouts = []
    for service in web:
        value = service.launch.option("timeout")
        try:
            timeouts.append((float(value) if value else GUNICORN_DEFAULT_TIMEOUT, service))
        except ValueError:
            continue
    if not timeouts:
        yield Result("superset", Status.SKIP, "gunicorn's timeout could not be read")
        return
    longest, service = max(timeouts, key=lambda t: t[0])
    source = f"gunicorn --timeout {longest:g} ({service.name})" if service.launch.option(
        "timeout") else f"gunicorn default timeout {longest:g}s ({service.name})"
    # --timeout 0 disables gunicorn's timeout: any proxy_read_timeout is shorter.
    forever = any(t == 0 for t, _ in timeouts)
    for server, route, _ in app_routes(_config(facts), services(facts)):
        subject = f"{server_subject(server)} {route.match}"
        evidence = (f"proxy_read_timeout {route.read_timeout:g}s ({route.read_timeout_source})",
                    source)
        if forever:
            yield Result(subject, Status.FAIL,
                         f"gunicorn --timeout 0 never stops a request: after proxy_read_timeout "
                         f"{route.read_timeout:g}s the user gets a 504 while gunicorn still "
                         "works on it", (evidence[0], "gunicorn --timeout 0 (no timeout)"),
                         where(route.path, route.line))
        elif route.read_timeout >= longest:
            yield Result(subject, Status.PASS,
                         f"proxy_read_timeout {route.read_timeout:g}s >= gunicorn's {longest:g}s",
                         evidence, where(route.path, route.line))
        else:
            yield Result(subject, Status.FAIL,
                         f"proxy_read_timeout {route.read_timeout:g}s is shorter than gunicorn's "
                         f"{longest:g}s: long dashboard queries end in 504 while gunicorn "
                         "still works on them", evidence, where(route.path, route.line))


def _check(number: int, title: str, severity: Severity, rationale: str, remediation: str,
           success: str, failure: str, references: tuple[str, ...], evaluate: Evaluate) -> Check:
    return Check(
        id=f"SYSTEMD-PROXY-TLS-{number:03d}",
        style=Style.SYSTEMD,
        row=Row.PROXY_TLS,
        severity=severity,
        title=title,
        rationale=rationale,
        remediation=remediation,
        success=success,
        failure=failure,
        references=references,
        requires=(F.NGINX, F.SERVICES),
        evaluate=evaluate,
    )


NGINX_SSL = "https://nginx.org/en/docs/http/ngx_http_ssl_module.html"
CHECKS = (
    _check(1, "Nginx terminates TLS in front of Superset", Severity.HIGH,
           "Superset's login form and session cookie must not cross the network in clear "
           "text; gunicorn should not face clients directly.",
           "Put nginx in front: 'listen 443 ssl;' with a certificate (certbot --nginx), "
           "proxy_pass to gunicorn on 127.0.0.1, and bind gunicorn to loopback.",
           "a TLS server proxies Superset", "no TLS in front of Superset",
           (NGINX_SSL, "https://superset.apache.org/docs/configuration/configuring-superset/"),
           _tls),
    _check(2, "Nginx offers only TLS 1.2 and 1.3", Severity.MEDIUM,
           "TLS 1.0 and 1.1 are deprecated (RFC 8996) and weaken the connection; nginx 1.22, "
           "as Debian 12 ships it, still enables them unless ssl_protocols says otherwise.",
           "Set 'ssl_protocols TLSv1.2 TLSv1.3;' in the http block (Mozilla's intermediate "
           "profile).",
           "TLS 1.2/1.3 only", "TLS 1.0/1.1 enabled or left to the default",
           (NGINX_SSL + "#ssl_protocols", "https://ssl-config.mozilla.org/"), _protocols),
    _check(3, "Nginx sends Strict-Transport-Security", Severity.MEDIUM,
           "Without HSTS a user who types the host name is first sent over HTTP, where the "
           "session cookie can be stripped or stolen.",
           "add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains\" "
           "always; in every location that proxies to Superset (a location's own add_header "
           "hides the server's).",
           "HSTS with max-age >= 180 days", "no HSTS header",
           ("https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header",
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/Strict-Transport-Security"),
           _hsts),
    _check(4, "Plain HTTP is redirected to HTTPS", Severity.MEDIUM,
           "A port-80 server that proxies Superset serves the login page without TLS; users "
           "and bookmarks keep using it.",
           "Make the port-80 server only 'return 301 https://$host$request_uri;'.",
           "HTTP redirects to HTTPS", "Superset served over plain HTTP",
           ("https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return",), _redirect),
    _check(5, "Nginx does not announce its version", Severity.LOW,
           "server_tokens on (the default) puts nginx's exact version in every response and "
           "error page, telling attackers which CVEs apply.",
           "Set 'server_tokens off;' in the http block.",
           "server_tokens off", "version announced",
           ("https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens",), _tokens),
    _check(6, "Nginx passes X-Forwarded-Proto to Superset", Severity.MEDIUM,
           "Behind TLS Superset only knows the original scheme from X-Forwarded-Proto (with "
           "ENABLE_PROXY_FIX = True); without it redirects and OAuth callbacks use http:// "
           "and CSRF checks fail.",
           "proxy_set_header X-Forwarded-Proto $scheme; (with Host, X-Real-IP and "
           "X-Forwarded-For) in every location that proxies to Superset; a location with its "
           "own proxy_set_header does not inherit the server's.",
           "X-Forwarded-Proto passed", "X-Forwarded-Proto missing",
           ("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header",
            "https://superset.apache.org/docs/configuration/configuring-superset/#configuration-behind-a-load-balancer"),
           _forwarded),
    _check(7, "Nginx waits at least as long as gunicorn", Severity.MEDIUM,
           "If proxy_read_timeout (60 s by default) is shorter than gunicorn's --timeout, "
           "long dashboard queries end in a 504 for the user while the worker keeps running.",
           "Set proxy_read_timeout (and SUPERSET_WEBSERVER_TIMEOUT) to at least gunicorn's "
           "--timeout, e.g. 'proxy_read_timeout 300s;' with '--timeout 120'.",
           "proxy_read_timeout >= gunicorn --timeout", "proxy times out before gunicorn",
           ("https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",
            "https://docs.gunicorn.org/en/stable/settings.html#timeout"), _timeouts),
)
