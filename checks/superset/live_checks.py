"""Checks on a running Superset, from ``--probe URL`` (not applicable without a probe)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.superset.probe import PROBE, ProbeFacts
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

CERT_DAYS = 21
SLOW_S = 2.0


def _health(facts: Facts) -> Iterator[Result]:
    found = facts.optional(PROBE, ProbeFacts)
    if found is None:
        return
    answer = found.health
    evidence = (f"GET {answer.url} -> {answer.status or answer.error} in {answer.seconds:.2f}s",)
    if answer.error or answer.status != 200:
        yield Result(answer.url, Status.FAIL, f"/health does not answer OK "
                     f"({answer.error or answer.status})", evidence)
    elif not answer.body_start.strip().upper().startswith("OK"):
        yield Result(answer.url, Status.FAIL, "/health answers 200 without OK", evidence)
    elif answer.seconds > SLOW_S:
        yield Result(answer.url, Status.WARN, f"/health took {answer.seconds:.1f}s", evidence)
    else:
        yield Result(answer.url, Status.PASS, "/health answers OK", evidence)


def _tls(facts: Facts) -> Iterator[Result]:
    found = facts.optional(PROBE, ProbeFacts)
    if found is None:
        return
    if not found.https:
        yield Result(found.base, Status.FAIL, "Superset is served over plain HTTP",
                     (f"probed {found.base}",))
        return
    cert, plain = found.certificate, found.plain_http
    evidence = []
    if cert is not None:
        evidence.append(f"certificate for {cert.host}: " + (
            f"valid until {cert.not_after} ({cert.days_left} days)" if cert.trusted
            else f"not trusted ({cert.error})"))
    if plain is not None:
        evidence.append(f"GET {plain.url} -> {plain.status or plain.error} "
                        f"{plain.location}".strip())
    if cert is None or not cert.trusted:
        yield Result(found.base, Status.FAIL, "the certificate is not valid for this host",
                     tuple(evidence))
    elif cert.days_left is not None and cert.days_left < CERT_DAYS:
        yield Result(found.base, Status.FAIL, f"the certificate expires in {cert.days_left} "
                     "days", tuple(evidence))
    elif plain is not None and plain.status is not None and not (
            plain.status in (301, 302, 307, 308) and plain.location.startswith("https://")):
        # A closed port 80 exposes nothing; one that answers must redirect.
        yield Result(found.base, Status.WARN, "plain HTTP is not redirected to HTTPS",
                     tuple(evidence))
    else:
        yield Result(found.base, Status.PASS, "valid HTTPS, and HTTP redirects to it",
                     tuple(evidence))


SECURITY_HEADERS = {
    "content-security-policy": "Content-Security-Policy",
    "x-frame-options": "X-Frame-Options",
    "strict-transport-security": "Strict-Transport-Security",
}


def _headers(facts: Facts) -> Iterator[Result]:
    found = facts.optional(PROBE, ProbeFacts)
    if found is None:
        return
    page = found.page
    if page.error or page.status is None:
        yield Result(page.url, Status.SKIP, f"the login page did not answer ({page.error})")
        return
    wanted = {k: v for k, v in SECURITY_HEADERS.items()
              if found.https or k != "strict-transport-security"}
    missing = [name for key, name in wanted.items() if key not in page.headers]
    if "x-frame-options" not in page.headers and "frame-ancestors" in page.headers.get(
            "content-security-policy", ""):
        missing.remove("X-Frame-Options")
    evidence = (f"GET {page.url} -> {page.status}",
                "present: " + (", ".join(n for k, n in wanted.items() if k in page.headers)
                               or "none"))
    if len(missing) == len(wanted):
        yield Result(page.url, Status.FAIL, "no security header is sent", evidence)
    elif missing:
        yield Result(page.url, Status.WARN, "missing " + ", ".join(missing), evidence)
    else:
        yield Result(page.url, Status.PASS, "security headers are sent", evidence)


CHECKS = (
    Check(
        id="SUPERSET-MONITORING-001", style=Style.ANY, app="superset", row=Row.MONITORING,
        severity=Severity.HIGH, title="The running app answers /health",
        rationale="The deployment can look right and still be down; /health is what load "
                  "balancers and probes use, and it proves only that the process answers.",
        remediation="Find why the app does not answer (service status, logs, proxy "
                    "upstream) and wire /health into your monitoring.",
        success="/health answers OK quickly", failure="no answer or not OK",
        references=("https://superset.apache.org/docs/installation/configuring-superset/",),
        evaluate=_health,
    ),
    Check(
        id="SUPERSET-PROXY-TLS-002", style=Style.ANY, app="superset", row=Row.PROXY_TLS,
        severity=Severity.HIGH, title="Served over valid HTTPS, with HTTP redirected",
        rationale="Users and browsers see the certificate, not the configuration: an "
                  "untrusted, mismatched or expiring certificate, or plain HTTP, is what they "
                  "get.",
        remediation=f"Serve HTTPS with a certificate for the host name, renew it "
                    f"automatically (more than {CERT_DAYS} days left), redirect port 80.",
        success="valid HTTPS and a redirect", failure="plain HTTP or a bad certificate",
        references=("https://letsencrypt.org/docs/",),
        evaluate=_tls,
    ),
    Check(
        id="SUPERSET-APP-SECURITY-010", style=Style.ANY, app="superset", row=Row.APP_SECURITY,
        severity=Severity.MEDIUM, title="Security headers reach the browser",
        rationale="Talisman's CSP, frame protection and HSTS only help if the proxy passes "
                  "them on; this checks what a browser actually receives.",
        remediation="Keep TALISMAN_ENABLED = True and make sure the proxy does not strip "
                    "Content-Security-Policy, X-Frame-Options and Strict-Transport-Security.",
        success="CSP, frame protection and HSTS present", failure="no security headers",
        references=("https://superset.apache.org/docs/security/",),
        evaluate=_headers,
    ),
)
