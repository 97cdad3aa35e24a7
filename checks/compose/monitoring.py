"""monitoring and logging: metrics collected; container logs bounded or shipped."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.compose.common import each_project, labels, result
from auditor.checks.compose.facts import ComposeProject, Service
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

COLLECTORS = ("prometheus", "vmagent", "victoriametrics", "alloy", "grafana/agent", "otel",
              "opentelemetry", "telegraf", "datadog", "netdata")
SHIPPING = frozenset({"syslog", "journald", "fluentd", "gelf", "awslogs", "gcplogs", "splunk",
                      "loki", "logentries", "etwlogs"})


def _metrics(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        monitors = project.role("monitoring")
        collectors = [s for s in monitors if any(c in s.image.lower() for c in COLLECTORS)]
        exporters = [s for s in monitors if s not in collectors]
        scraped = [s for s in project.services
                   if any("prometheus" in k.lower() and "scrape" in k.lower() for k in labels(s))]
        subject = project.subject("metrics")
        evidence = tuple(f"service {s.name} ({s.image})" for s in monitors) + tuple(
            f"service {s.name}: prometheus scrape labels" for s in scraped)
        if collectors:
            yield Result(subject, Status.PASS,
                         f"metrics are collected by {collectors[0].name}", evidence,
                         collectors[0].where())
        elif exporters or scraped:
            first = (exporters or scraped)[0]
            yield Result(subject, Status.WARN,
                         "metrics are exported but nothing in the project collects them (an "
                         "external Prometheus may)", evidence, first.where())
        else:
            yield Result(subject, Status.FAIL,
                         "no metrics exporter or collector: only health checks tell whether "
                         "Superset works", ("no prometheus, statsd-exporter, cadvisor, otel or "
                                             "similar service",))


def _driver(project: ComposeProject, service: Service) -> tuple[str, dict[str, str], str]:
    """(driver, options, where it is set) for a service, with the daemon's defaults."""
    logging = service.mapping("logging")
    options = logging.get("options")
    opts = {str(k): str(v) for k, v in options.items()} if isinstance(options, dict) else {}
    daemon = project.daemon
    if logging.get("driver"):
        return str(logging["driver"]), opts, "logging.driver"
    if daemon and daemon.log_driver:
        return daemon.log_driver, {**daemon.log_opts, **opts}, daemon.path
    if daemon and daemon.log_opts:
        return "json-file", {**daemon.log_opts, **opts}, daemon.path
    return "json-file", opts, "Docker's default driver"


def _bounded(facts: Facts) -> Iterator[Result]:
    for project in each_project(facts):
        for service in project.services:
            driver, opts, where = _driver(project, service)
            evidence = (f"driver {driver} ({where})",
                        *(f"{k}: {opts[k]}" for k in ("max-size", "max-file") if k in opts))
            if driver in SHIPPING:
                yield result(project, service, Status.PASS, f"logs are shipped ({driver})",
                             evidence, "logging")
            elif driver == "local":
                yield result(project, service, Status.PASS,
                             "the local driver rotates logs (20 MB x 5 files by default)",
                             evidence, "logging")
            elif driver == "none":
                yield result(project, service, Status.FAIL, "logs are discarded (driver none)",
                             evidence, "logging")
            elif driver == "json-file" and "max-size" in opts:
                yield result(project, service, Status.PASS,
                             f"json-file logs rotate at {opts['max-size']}", evidence, "logging")
            else:
                yield result(project, service, Status.FAIL,
                             f"{driver} logs grow without bound until the disk is full",
                             evidence, "logging")


CHECKS = (
    Check(
        id="COMPOSE-MONITORING-001",
        style=Style.COMPOSE,
        row=Row.MONITORING,
        severity=Severity.MEDIUM,
        title="Metrics are exported and collected",
        rationale=(
            "Health checks only say a process answers. Without metrics (request latency, "
            "worker queue length, container memory) slow dashboards and stuck workers go "
            "unseen until users complain."
        ),
        remediation=(
            "Add a collector (Prometheus, Grafana Alloy, an OpenTelemetry collector) and "
            "exporters: statsd-exporter with Superset's StatsdStatsLogger, cadvisor for "
            "containers, postgres-exporter and redis-exporter."
        ),
        success="a metrics collector in the project",
        failure="no metrics collected",
        references=("https://superset.apache.org/docs/configuration/event-logging/",
                    "https://prometheus.io/docs/introduction/overview/"),
        requires=("compose",),
        evaluate=_metrics,
    ),
    Check(
        id="COMPOSE-LOGGING-001",
        style=Style.COMPOSE,
        row=Row.LOGGING,
        severity=Severity.MEDIUM,
        title="Container logs are bounded or shipped",
        rationale=(
            "Docker's default json-file driver never rotates: a chatty Superset or celery "
            "worker fills the disk that PostgreSQL also writes to."
        ),
        remediation=(
            "Set logging: {driver: json-file, options: {max-size: 10m, max-file: '5'}} (or the "
            "local driver) on every service, or log-opts in /etc/docker/daemon.json, or ship "
            "logs with journald, syslog, fluentd or loki."
        ),
        success="rotated (max-size, local driver) or shipped",
        failure="unbounded json-file logs",
        references=("https://docs.docker.com/engine/logging/drivers/json-file/",
                    "https://docs.docker.com/engine/logging/drivers/local/"),
        requires=("compose",),
        evaluate=_bounded,
    ),
)
