"""availability and supervision: Superset's processes as the deployment runs them
(counted by each style's collector into ``SupersetConfig.topology``)."""

from __future__ import annotations

from auditor.checks.superset.configmodel import SupersetConfig
from auditor.checks.superset.judge import Verdict, per_config, source, unknown
from auditor.model import Check, Row, Severity, Status, Style

ALERTS_DOCS = "https://superset.apache.org/docs/configuration/alerts-reports/"
TIMEOUT_DOCS = "https://superset.apache.org/docs/configuration/configuring-superset/"


def _beat(config: SupersetConfig) -> Verdict:
    topology = config.topology
    if topology is None or config.feature("ALERT_REPORTS") is not True:
        return None
    evidence = ("ALERT_REPORTS is on", f"celery beat processes: {topology.beats}",
                *topology.evidence[:6])
    if topology.beats == 0:
        return Status.FAIL, "alerts and reports are on but no celery beat runs: nothing is " \
            "ever scheduled or sent", evidence
    if topology.beats > 1:
        return Status.FAIL, f"{topology.beats} celery beats run: every alert and report is " \
            "sent several times", evidence
    return Status.PASS, "exactly one celery beat schedules alerts and reports", evidence


def _timeout(config: SupersetConfig) -> Verdict:
    topology = config.topology
    if topology is None or topology.gunicorn_timeout is None:
        return None
    setting = config.get("SUPERSET_WEBSERVER_TIMEOUT")
    if not setting.known or not isinstance(setting.value, int | float):
        return unknown(setting)
    evidence = (f"{source(setting)}: {setting.value}s",
                f"gunicorn timeout: {topology.gunicorn_timeout:g}s")
    if topology.gunicorn_timeout == 0:
        # gunicorn: "Setting it to 0 has the effect of infinite timeouts by disabling
        # timeouts for all workers entirely."
        return Status.PASS, "gunicorn's timeout is 0 (off): it never kills a slow request", \
            evidence
    if topology.gunicorn_timeout < setting.value:
        return Status.FAIL, f"gunicorn kills a request after {topology.gunicorn_timeout:g}s, " \
            f"before Superset's own {setting.value}s limit: long dashboards end in " \
            "WORKER TIMEOUT and 502s", evidence
    return Status.PASS, "gunicorn lets requests run as long as Superset expects", evidence


CHECKS = (
    Check(
        id="SUPERSET-AVAILABILITY-001", style=Style.ANY, app="superset", row=Row.AVAILABILITY,
        severity=Severity.HIGH, title="One celery beat runs when alerts and reports are on",
        rationale="ALERT_REPORTS needs exactly one celery beat: none sends nothing, two send "
                  "every report twice.",
        remediation="Run one celery beat process (and one only) next to the workers.",
        success="exactly one beat", failure="no beat, or several",
        references=(ALERTS_DOCS,), requires=("superset.config",),
        evaluate=per_config("celery-beat", _beat),
    ),
    Check(
        id="SUPERSET-SUPERVISION-001", style=Style.ANY, app="superset", row=Row.SUPERVISION,
        severity=Severity.MEDIUM, title="The gunicorn timeout covers SUPERSET_WEBSERVER_TIMEOUT",
        rationale="gunicorn's default timeout (30 s) is shorter than Superset's "
                  "SUPERSET_WEBSERVER_TIMEOUT (60 s): slow queries get their worker killed.",
        remediation="Run gunicorn with --timeout at least SUPERSET_WEBSERVER_TIMEOUT (the docs "
                    "use 120) and keep the proxy's read timeout above both.",
        success="gunicorn timeout >= SUPERSET_WEBSERVER_TIMEOUT", failure="gunicorn kills first",
        references=(TIMEOUT_DOCS,), requires=("superset.config",),
        evaluate=per_config("SUPERSET_WEBSERVER_TIMEOUT", _timeout),
    ),
)
