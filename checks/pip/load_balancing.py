"""load-balancing: is traffic spread over more than one instance?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, each_web, location, no_web, project, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _address(upstream: str) -> str:
    """Where a proxy sends requests, without scheme and path: two locations passing to
    ``http://127.0.0.1:8088`` and ``http://127.0.0.1:8088/static/`` reach one server."""
    rest = upstream.split("://", 1)[-1]
    if rest.startswith("unix:"):
        return "unix:" + rest[len("unix:"):].split(":", 1)[0]  # nginx: unix:PATH:URI
    return rest.split("/", 1)[0]


def _evaluate(facts: Facts) -> Iterator[Result]:
    proxies = project(facts).proxies
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        upstreams = sorted({_address(u) for p in proxies for u in p.proxies_to})
        workers = launch.workers or 1
        evidence = [cmd(launch), f"worker processes: {workers}"]
        if len(upstreams) > 1:
            evidence.append("proxy upstreams: " + ", ".join(upstreams))
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"a proxy spreads traffic over {len(upstreams)} upstreams",
                         tuple(evidence), location(launch))
        elif workers >= 2:
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"{launch.kind} spreads requests over {workers} workers on one host",
                         tuple(evidence), location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.FAIL,
                         "one process serves every request: nothing spreads the load",
                         tuple(evidence), location(launch))


CHECKS = (
    Check(
        id="PIP-LOAD-BALANCING-001",
        style=Style.PIP,
        row=Row.LOAD_BALANCING,
        severity=Severity.MEDIUM,
        title="Requests are spread over several workers",
        rationale=(
            "A single process serves one slow dashboard query at a time per thread; every "
            "other user waits. The pip style has no load balancer of its own."
        ),
        remediation=(
            "Serve with gunicorn --workers N (its master balances across workers); for more "
            "than one host, put Nginx or HAProxy in front of several instances."
        ),
        success="several workers or upstreams share the load",
        failure="one process serves everything",
        evaluate=_evaluate,
    ),
)
