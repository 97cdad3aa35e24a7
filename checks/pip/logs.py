"""logging: are logs kept, bounded, rotated or shipped?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, config, each_web, location, no_web, web_subject
from auditor.checks.pip.facts import Launch
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

DISCARDED = ("/dev/null", "NONE")
"""Where output is thrown away: a redirect to /dev/null, or supervisord's
``stdout_logfile=NONE`` (whose rotation settings then rotate nothing)."""


def _log_file(launch: Launch) -> str | None:
    """The file the server's output or log goes to (gunicorn's log files, uwsgi's logto or
    daemonize); gunicorn's ``-`` names standard output or error, i.e. the terminal, not a
    file."""
    if launch.stdout:
        return launch.stdout
    for name in ("error-logfile", "access-logfile", "logto"):  # logto: uwsgi's log file
        value = launch.option(name)
        if value and value != "-":
            return value
    return None


def _evaluate(facts: Facts) -> Iterator[Result]:
    rotate = config(facts).get("ENABLE_TIME_ROTATE")
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        subject = web_subject(proj, launch)
        evidence = [cmd(launch)]
        target = _log_file(launch)
        if rotate.value is True:
            evidence.append(f"ENABLE_TIME_ROTATE = True at {rotate.source}")
            yield Result(subject, Status.PASS, "Superset rotates its log file by time",
                         tuple(evidence), location(launch))
        elif target in DISCARDED:
            yield Result(subject, Status.FAIL, f"output is thrown away ({target})",
                         tuple(evidence), location(launch))
        elif launch.supervisor and launch.log_bounded:
            yield Result(subject, Status.PASS,
                         f"{launch.supervisor} captures and rotates the output",
                         tuple(evidence), location(launch))
        elif launch.option("log-config"):
            yield Result(subject, Status.PASS, "gunicorn logs through a logging config",
                         tuple(evidence), location(launch))
        elif target and proj.logrotate:
            evidence.append("logrotate: " + ", ".join(proj.logrotate))
            yield Result(subject, Status.PASS, f"written to {target} and rotated",
                         tuple(evidence), location(launch))
        elif target:
            yield Result(subject, Status.WARN,
                         f"written to {target}, which grows without bound (no rotation)",
                         tuple(evidence), location(launch))
        else:
            yield Result(subject, Status.FAIL,
                         "output goes to the terminal that started it and is lost",
                         tuple(evidence), location(launch))


CHECKS = (
    Check(
        id="PIP-LOGGING-001",
        style=Style.PIP,
        row=Row.LOGGING,
        severity=Severity.MEDIUM,
        title="Logs are kept and bounded",
        rationale=(
            "Without kept logs an incident cannot be investigated; a log file that is never "
            "rotated eventually fills the disk and stops the database with it."
        ),
        remediation=(
            "Log to a file with rotation (ENABLE_TIME_ROTATE = True, a logrotate rule, or a "
            "supervisor's stdout_logfile_maxbytes), or ship logs to a collector."
        ),
        success="logs kept with rotation",
        failure="logs lost, thrown away, or growing without bound",
        references=("https://superset.apache.org/docs/configuration/configuring-superset",),
        requires=("superset.config",),
        evaluate=_evaluate,
    ),
)
