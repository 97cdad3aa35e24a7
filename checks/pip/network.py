"""network: is exposure minimal (bound ports)?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, each_web, is_loopback, location, no_web, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        binds = launch.binds
        source = "listening (live)" if launch.live and launch.listen else "configured"
        evidence = (cmd(launch), f"{source}: {', '.join(binds) or 'unknown'}")
        if not binds:
            yield Result(web_subject(proj, launch), Status.SKIP,
                         "the listening address could not be determined", evidence,
                         location(launch))
            continue
        exposed = [b for b in binds if not is_loopback(b)]
        if exposed:
            yield Result(web_subject(proj, launch), Status.FAIL,
                         f"{launch.kind} listens on {', '.join(exposed)}: reachable from the "
                         "network without a proxy or TLS", evidence, location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"listens on {', '.join(binds)} only", evidence, location(launch))


CHECKS = (
    Check(
        id="PIP-NETWORK-001",
        style=Style.PIP,
        row=Row.NETWORK,
        severity=Severity.HIGH,
        title="The app listens on loopback only",
        rationale=(
            "Binding 0.0.0.0 exposes Superset's port (and with the development server, its "
            "debugger) to every network the host is on, bypassing any proxy and TLS."
        ),
        remediation=(
            "Bind to 127.0.0.1 (gunicorn -b 127.0.0.1:8088) or a unix socket and let the "
            "reverse proxy be the only public listener; firewall the port."
        ),
        success="bound to loopback or a unix socket",
        failure="bound to all interfaces or a public address",
        evaluate=_evaluate,
    ),
)
