"""supervision: is every process supervised and restarted on failure?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import cmd, each_web, location, no_web, web_subject
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def _evaluate(facts: Facts) -> Iterator[Result]:
    for proj, launch in each_web(facts):
        if launch is None:
            yield no_web(proj)
            continue
        subject = web_subject(proj, launch)
        evidence = [cmd(launch)]
        if launch.supervisor and launch.autorestart:
            yield Result(subject, Status.PASS,
                         f"run by {launch.supervisor} with automatic restart",
                         tuple(evidence), location(launch))
        elif launch.supervisor:
            evidence.append("autorestart is off")
            yield Result(subject, Status.WARN,
                         f"run by {launch.supervisor} but not restarted when it exits",
                         tuple(evidence), location(launch))
        else:
            how = "in the background with nohup/&" if launch.background else "by hand"
            yield Result(subject, Status.FAIL,
                         f"started {how}; nothing restarts it after a crash or a reboot",
                         tuple(evidence), location(launch))


CHECKS = (
    Check(
        id="PIP-SUPERVISION-001",
        style=Style.PIP,
        row=Row.SUPERVISION,
        severity=Severity.HIGH,
        title="A supervisor restarts the web process on failure",
        rationale=(
            "A process started from a shell or with nohup stays down after a crash, an "
            "out-of-memory kill or a reboot until someone notices."
        ),
        remediation=(
            "Run the web server under a supervisor with automatic restart (supervisord "
            "autorestart=true, or a systemd unit with Restart=on-failure)."
        ),
        success="supervised with automatic restart",
        failure="started by hand or with nohup",
        references=("http://supervisord.org/configuration.html#program-x-section-settings",),
        evaluate=_evaluate,
    ),
)
