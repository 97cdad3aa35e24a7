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
    sent = [(s.name, str(statsd)) for s in services(facts).web
            if (statsd := s.launch.option("statsd-host"))]
    # Metrics sent to a statsd on this host reach nothing unless something listens there:
    # with no agent enabled, the UDP packets to localhost:8125 are dropped.
    local = [(name, to) for name, to in sent if _loopback(to)]
    evidence += [f"{name}: gunicorn --statsd-host {redact_url(to)}" for name, to in sent
                 if evidence or not _loopback(to)]
    if evidence:
        yield Result("host", Status.PASS, "monitored: " + evidence[0], tuple(evidence))
    elif local:
        name, to = local[0]
        yield Result("host", Status.WARN,
                     f"{name}: gunicorn sends statsd metrics to {redact_url(to)}, but no agent "
                     "that receives them (statsd_exporter, telegraf, datadog-agent, netdata...) "
                     "is enabled on this host, and no job probes /health",
                     (f"gunicorn --statsd-host {redact_url(to)}",
                      f"{len(services(facts).unit_names)} service units read, none a known "
                      "agent"))
    else:
        yield Result("host", Status.FAIL,
                     "nothing watches the host or Superset: no monitoring agent is enabled, no "
                     "job probes /health and the web server sends no metrics",
                     (f"{len(services(facts).unit_names)} service units read, none a known "
                      "agent (node_exporter, telegraf, zabbix-agent, datadog-agent, netdata...)",))


def _loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") \
        else address
    host = host.strip("[]").lower()
    return host in ("localhost", "::1", "ip6-localhost") or host.startswith("127.")


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
