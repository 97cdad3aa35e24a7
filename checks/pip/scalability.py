"""scalability: can capacity be added without redesign or downtime?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, config, each_web, location, no_web, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    uri = config(facts).get("SQLALCHEMY_DATABASE_URI")
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        blockers = []
        if launch.dev_server:
            blockers.append(f"{launch.kind} is a single development process")
        if isinstance(uri.value, str) and uri.value.startswith("sqlite"):
            blockers.append(f"the metadata database is a local sqlite file ({uri.source})")
        evidence = (cmd(launch), f"SQLALCHEMY_DATABASE_URI from {uri.source}")
        if blockers:
            yield Result(web_subject(proj, launch), Status.FAIL,
                         "adding capacity needs a redesign: " + "; ".join(blockers),
                         evidence, location(launch))
        elif not uri.known:
            yield Result(web_subject(proj, launch), Status.SKIP,
                         f"metadata database unknown: {getattr(uri.value, 'reason', '')}",
                         evidence, location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"{launch.kind} with a network database: more workers or hosts can "
                         "be added without redesign", evidence, location(launch))


CHECKS = (
    Check(
        id="PIP-SCALABILITY-001",
        style=Style.PIP,
        row=Row.SCALABILITY,
        severity=Severity.MEDIUM,
        title="Capacity can be added without redesign",
        rationale=(
            "A pip install is tied to one machine. It can grow only if the web server "
            "runs several processes and state lives in a network database; the development "
            "server and a sqlite file make scaling a redesign."
        ),
        remediation=(
            "Serve with gunicorn (several workers) and move the metadata database to "
            "PostgreSQL or MySQL; beyond one host, move to the systemd, Compose or "
            "Kubernetes style."
        ),
        success="a multi-process server and a network database",
        failure="the development server or a sqlite metadata database",
        references=("https://superset.apache.org/docs/installation/configuring-superset",),
        evaluate=_evaluate,
    ),
)
