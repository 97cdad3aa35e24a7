"""monitoring: something watches the host and Superset's health."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.common.redact import redact_url
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import services
from auditor.checks.systemd.facts import HostInfo, Jobs
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _watched(facts: Facts) -> Iterator[Result]:
    info = facts.get(F.HOSTINFO, HostInfo)
    jobs = facts.get(F.JOBS, Jobs)
    evidence: list[str] = [f"enabled agent: {name}" for name in info.monitoring]
    evidence += [f"{j.source}:{j.line or 1}: health probe ({j.schedule})" for j in jobs.jobs
                 if j.health_probe and j.runs]
    evidence += [f"{s.name}: gunicorn --statsd-host {redact_url(statsd)}"
                 for s in services(facts).web if (statsd := s.launch.option("statsd-host"))]
    if evidence:
        yield Result("host", Status.PASS, "monitored: " + evidence[0], tuple(evidence))
    else:
        yield Result("host", Status.FAIL,
                     "nothing watches the host or Superset: no monitoring agent is enabled, no "
                     "job probes /health and the web server sends no metrics",
                     (f"{len(services(facts).unit_names)} service units read, none a known "
                      "agent (node_exporter, telegraf, zabbix-agent, datadog-agent, netdata...)",))


CHECKS = (
    Check(
        id="SYSTEMD-MONITORING-001",
        style=Style.SYSTEMD,
        row=Row.MONITORING,
        severity=Severity.MEDIUM,
        title="A monitoring agent or health probe watches the host",
        rationale=(
            "On a hand-built VM nobody learns that the disk is filling, the workers are "
            "restarting or /health stopped answering until users complain."
        ),
        remediation=(
            "Install and enable prometheus-node-exporter (or telegraf, zabbix-agent, "
            "datadog-agent), probe https://HOST/health from outside, and send gunicorn "
            "metrics with --statsd-host."
        ),
        success="an agent, probe or metrics exporter",
        failure="nothing watches it",
        references=("https://superset.apache.org/docs/configuration/event-logging/",
                    "https://prometheus.io/docs/guides/node-exporter/"),
        requires=(F.HOSTINFO, F.JOBS),
        evaluate=_watched,
    ),
)
