"""supervision: systemd restarts every Superset process and starts it at boot."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import at, each_service, no_services, services, where
from auditor.checks.systemd.facts import Processes, Service
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

LINK_DIRS = {"WantedBy": ".wants", "RequiredBy": ".requires"}
# Policies that restart after some deaths but not after an exit with an error code.
# on-abort restarts after an uncaught signal, the out-of-memory killer's SIGKILL included,
# so "it stays down after an out-of-memory kill" would be false for it.
PARTIAL = {"on-abnormal": "on signals and timeouts", "on-abort": "only after an uncaught signal"}


def _running(service: Service, processes: Processes | None) -> str | None:
    """Evidence of the live process, or a warning that none runs (live host only)."""
    if processes is None:
        return None
    word = "celery" if service.role in ("worker", "beat") else service.launch.kind.split("-")[0]
    for proc in processes.processes:
        line = " ".join(proc.cmdline)
        if word in line and "superset" in line.lower():
            return f"running now: pid {proc.pid}"
    return "not running now"


def _restart(facts: Facts) -> Iterator[Result]:
    processes = facts.optional(F.PROCESSES, Processes)
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        if service.cannot_start:
            # Restart= only repeats the failure (until StartLimitBurst stops it).
            yield Result(service.name, Status.FAIL,
                         "the unit cannot start: " + service.cannot_start,
                         (f"ExecStart={service.exec_start.value}" if service.exec_start
                          else "ExecStart=", f"{service.via}: first line "
                          "is not '#!...'"), at(service.exec_start))
            continue
        setting = service.unit.last("Service", "Restart")
        value = setting.value if setting else "no"
        evidence = [f"Restart={value}" + (f" ({setting.path}:{setting.line})" if setting else
                                          " (systemd's default)")]
        running = _running(service, processes)
        if running:
            evidence.append(running)
        if value in ("on-failure", "always"):
            status = Status.WARN if running == "not running now" else Status.PASS
            message = (f"Restart={value}: systemd restarts it when it dies"
                       if status == Status.PASS else
                       f"Restart={value}, but no such process runs now")
        elif value in PARTIAL:
            status, message = Status.WARN, (f"Restart={value} restarts {PARTIAL[value]}, not "
                                            "when Superset exits with an error")
        elif (socket := service.socket) is not None and socket.enabled_by:
            # systemd keeps listening on the socket while the service is down and starts it
            # on the next connection: a crash does not leave it down.
            evidence.append(f"{socket.name} enabled ({socket.enabled_by[0]}), listens on "
                            + (", ".join(socket.listens) or "its socket"))
            status, message = Status.PASS, (
                f"Restart={value}, but {socket.name} is enabled: systemd starts it again on "
                "the next connection after it dies")
        else:
            status, message = Status.FAIL, (f"Restart={value}: after a crash or an out-of-memory "
                                            "kill it stays down until someone notices")
        yield Result(service.name, status, message, tuple(evidence), at(setting) or
                     where(service.unit.path))


def _enabled(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        unit = service.unit
        # Name the directive the unit has: RequiredBy= is not evidence of a WantedBy=.
        key = "WantedBy" if unit.value("Install", "WantedBy") else "RequiredBy"
        wanted = unit.value("Install", key)
        if unit.enabled_by:
            yield Result(service.name, Status.PASS, f"enabled: linked from {unit.enabled_by[0]}",
                         tuple(f"{d}/{unit.name}" for d in unit.enabled_by), where(unit.path))
        elif (socket := service.socket) is not None and socket.enabled_by:
            yield Result(service.name, Status.PASS,
                         f"started on demand: {socket.name} is enabled (linked from "
                         f"{socket.enabled_by[0]}) and starts it on the first connection",
                         tuple(f"{d}/{socket.name}" for d in socket.enabled_by),
                         where(socket.path))
        elif wanted:
            yield Result(service.name, Status.FAIL,
                         f"{key}={wanted} but no {LINK_DIRS[key]} link: 'systemctl enable' "
                         "was never run, so it does not start after a reboot",
                         (f"[Install] {key}={wanted}",), where(unit.path))
        else:
            yield Result(service.name, Status.FAIL,
                         "no [Install] section and no .wants link: it does not start at boot",
                         ("no WantedBy=/RequiredBy=",), where(unit.path))


CHECKS = (
    Check(
        id="SYSTEMD-SUPERVISION-001",
        style=Style.SYSTEMD,
        row=Row.SUPERVISION,
        severity=Severity.HIGH,
        title="Every Superset service restarts on failure",
        rationale=(
            "systemd's default is Restart=no: a gunicorn or celery process that crashes or is "
            "killed by the out-of-memory killer stays down until someone notices."
        ),
        remediation=(
            "Set Restart=on-failure (or always) with RestartSec=5 in the [Service] section of "
            "the web, worker and beat units (a drop-in: systemctl edit superset.service)."
        ),
        success="Restart=on-failure or always",
        failure="Restart=no (the default) or a policy that misses crashes",
        references=("https://www.freedesktop.org/software/systemd/man/systemd.service.html#Restart=",),
        requires=(F.SERVICES,),
        evaluate=_restart,
    ),
    Check(
        id="SYSTEMD-SUPERVISION-002",
        style=Style.SYSTEMD,
        row=Row.SUPERVISION,
        severity=Severity.MEDIUM,
        title="Every Superset service is enabled to start at boot",
        rationale=(
            "A unit that is not enabled is not started after a reboot or a kernel update: "
            "Superset stays down until someone starts it by hand."
        ),
        remediation=(
            "Give each unit an [Install] section with WantedBy=multi-user.target and run "
            "'systemctl enable superset.service superset-worker.service superset-beat.service'."
        ),
        success="enabled (a .wants link exists)",
        failure="not enabled",
        references=("https://www.freedesktop.org/software/systemd/man/systemctl.html#enable%20UNIT%E2%80%A6",),
        requires=(F.SERVICES,),
        evaluate=_enabled,
    ),
)
