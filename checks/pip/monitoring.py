"""monitoring: are health and metrics exposed and collected?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import config, project, subject
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

EXPORTERS = ("statsd", "prometheus-client", "prometheus-flask-exporter", "opentelemetry-sdk",
             "sentry-sdk", "datadog", "ddtrace")


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    stats = config(facts).get("STATS_LOGGER")
    evidence = []
    where = Location(stats.path, stats.line) if stats.path else None
    if stats.callee and "Dummy" not in stats.callee:
        evidence.append(f"STATS_LOGGER = {stats.callee}(...) at {stats.source}")
    statsd = [launch for launch in proj.launches if launch.option("statsd-host")]
    evidence.extend(f"gunicorn --statsd-host at {launch.where}" for launch in statsd)
    if evidence:
        yield Result(subject(proj, "metrics"), Status.PASS,
                     "metrics are exported", tuple(evidence), where)
        return
    installed = [r.name for r in proj.requirements if r.name in EXPORTERS]
    if installed:
        yield Result(subject(proj, "metrics"), Status.WARN,
                     "a metrics client is installed but Superset is not configured to use it",
                     tuple(f"{name} in requirements" for name in installed), where)
        return
    yield Result(subject(proj, "metrics"), Status.FAIL,
                 "no metrics are exported: only /health tells whether the process is alive",
                 (f"STATS_LOGGER from {stats.source}",), where)


CHECKS = (
    Check(
        id="PIP-MONITORING-001",
        style=Style.PIP,
        row=Row.MONITORING,
        severity=Severity.MEDIUM,
        title="Metrics are exported for collection",
        rationale=(
            "Superset's /health only proves the process answers. Without metrics (request "
            "rates, latencies, query times) slow dashboards and failing workers go unseen."
        ),
        remediation=(
            "Set STATS_LOGGER = StatsdStatsLogger(host=..., port=...) in superset_config.py "
            "(or run gunicorn with --statsd-host) and scrape it with statsd_exporter."
        ),
        success="STATS_LOGGER or gunicorn statsd configured",
        failure="DummyStatsLogger (the default) and no exporter",
        references=(
            "https://superset.apache.org/docs/configuration/event-logging/",
            "https://docs.gunicorn.org/en/stable/instrumentation.html",
        ),
        requires=("superset.config",),
        evaluate=_evaluate,
    ),
)
