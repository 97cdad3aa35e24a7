"""availability: does it survive the loss of one process?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, each_web, location, no_web, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

SINGLE_HOST = "one machine remains a single point of failure"


def _evaluate(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        workers = launch.workers
        computed = launch.workers_computed
        evidence = (cmd(launch), f"worker processes: {workers if workers else 'unknown'}"
                    if computed is None else f"workers = {computed} in gunicorn's config "
                    f"file: at least {workers}, more with more CPUs")
        if workers is None:
            yield Result(web_subject(proj, launch), Status.SKIP,
                         "worker count could not be determined" + (
                             f": workers = {launch.options['workers-at-least'][1]} in "
                             "gunicorn's config file"
                             if "workers-at-least" in launch.options else ""),
                         evidence, location(launch))
        elif workers >= 2:
            count = f"{workers}" if computed is None else f"at least {workers}"
            yield Result(web_subject(proj, launch), Status.PASS,
                         f"{count} worker processes: the loss of one is absorbed "
                         f"({SINGLE_HOST})", evidence, location(launch))
        else:
            yield Result(web_subject(proj, launch), Status.FAIL,
                         f"{launch.kind} runs one process: when it dies the service is down "
                         f"({SINGLE_HOST})", evidence, location(launch))


CHECKS = (
    Check(
        id="PIP-AVAILABILITY-001",
        style=Style.PIP,
        row=Row.AVAILABILITY,
        severity=Severity.HIGH,
        title="More than one web process serves the app",
        rationale=(
            "One process on one machine cannot provide high availability: a crash, an "
            "out-of-memory kill or a deploy takes Superset down. Several worker processes "
            "at least survive the loss of one; surviving the loss of the machine needs "
            "another deployment style."
        ),
        remediation=(
            "Run gunicorn with --workers 2 or more (the docs suggest 2 x cores + 1); for "
            "machine failures run several hosts behind a load balancer or use Kubernetes."
        ),
        success="two or more worker processes",
        failure="a single web process",
        references=("https://docs.gunicorn.org/en/stable/design.html#how-many-workers",),
        evaluate=_evaluate,
    ),
)
