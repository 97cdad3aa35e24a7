"""isolation: non-root, sandboxed (systemd-analyze security's exposure), in a virtualenv."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import at, cmd, each_service, no_services, services, where
from auditor.checks.systemd.security import describe, exposure
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

CORE = ("NoNewPrivileges=", "ProtectSystem=", "ProtectHome=", "PrivateTmp=")
MEDIUM = 50
# systemd's parse_boolean: every spelling it takes as true (DynamicUser=on is one).
TRUE = frozenset({"1", "yes", "y", "true", "t", "on"})


def _user(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        unit = service.unit
        user = unit.last("Service", "User")
        dynamic_value = unit.value("Service", "DynamicUser") or ""
        dynamic = dynamic_value.lower() in TRUE
        name = user.value if user else ""
        drops = service.launch.option("user")
        if dynamic and name not in ("root", "0"):
            yield Result(service.name, Status.PASS,
                         f"DynamicUser={dynamic_value}: a transient unprivileged user",
                         (f"DynamicUser={dynamic_value}",),
                         where(unit.path))
        elif name and name not in ("root", "0"):
            yield Result(service.name, Status.PASS, f"runs as {name}", (f"User={name}",),
                         at(user))
        else:
            evidence = [f"User={name}" if user else "no User= (systemd runs it as root)"]
            if drops:
                evidence.append(f"gunicorn --user {drops}: the master process stays root")
            yield Result(service.name, Status.FAIL,
                         "runs as root: a flaw in Superset or one of its ~200 dependencies "
                         "owns the whole host", tuple(evidence), at(user) or where(unit.path))


def _sandbox(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        rated = exposure(service.unit)
        bad = {f.setting for f in rated.findings if f.badness}
        # A core setting given a weaker value than the best (ProtectSystem=full, not
        # strict; ProtectHome=read-only) still adds exposure, but it is set, not missing.
        weaker = [f"{c}{value}" for c in CORE if c in bad
                  for value in [_partial(service.unit.value("Service", c[:-1]))] if value]
        missing_core = [c for c in CORE if c in bad
                        and not _partial(service.unit.value("Service", c[:-1]))]
        evidence = (f"exposure {rated.score:.1f} {rated.level} (as systemd-analyze security "
                    "rates it)",
                    "adds exposure: " + (describe(rated.missing) or "nothing"),
                    *(f"{w} is set but weaker than the strictest value" for w in weaker))
        if missing_core:
            yield Result(service.name, Status.FAIL,
                         f"exposure {rated.score:.1f} {rated.level}; missing "
                         + ", ".join(missing_core)
                         + (f" ({', '.join(weaker)} set)" if weaker else ""),
                         evidence, where(service.unit.path))
        elif rated.tenths >= MEDIUM:
            yield Result(service.name, Status.WARN,
                         f"exposure {rated.score:.1f} {rated.level}: the basic protections are "
                         "on, much of the rest is not", evidence, where(service.unit.path))
        else:
            yield Result(service.name, Status.PASS,
                         f"exposure {rated.score:.1f} {rated.level}", evidence,
                         where(service.unit.path))


def _partial(value: str | None) -> str | None:
    """A ProtectSystem=/ProtectHome= value that protects part of the file system
    (``full``, ``yes``, ``read-only``, ``tmpfs``); None when unset, off, or a boolean
    setting (which is either on, and adds no exposure, or missing)."""
    lowered = (value or "").strip().lower()
    if lowered in ("full", "read-only", "tmpfs") or lowered in TRUE:
        return lowered
    return None


def _venv(facts: Facts) -> Iterator[Result]:
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        launch = service.launch
        env_path = service.env.get("PATH")
        venv = launch.venv
        # PATH= picks the program only for a bare name in a wrapper script: systemd resolves
        # ExecStart's own bare names in a fixed search path, and VIRTUAL_ENV= alone selects
        # no interpreter (/usr/bin/gunicorn runs the system Python whatever it says).
        bare = service.via is not None and "/" not in (launch.program or "")
        if venv is None and bare and env_path and "/bin" in env_path.value:
            first = env_path.value.split(":", 1)[0]
            venv = first[:-4] if first.endswith("/bin") and first not in (
                "/usr/bin", "/usr/local/bin", "/bin") else None
        if venv:
            yield Result(service.name, Status.PASS, f"runs from the virtualenv {venv}",
                         (cmd(launch),), at(service.exec_start))
        else:
            yield Result(service.name, Status.FAIL,
                         f"runs {launch.program or launch.kind} from the system Python: an "
                         "apt upgrade or another pip install can break Superset",
                         (cmd(launch),), at(service.exec_start))


CHECKS = (
    Check(
        id="SYSTEMD-ISOLATION-001",
        style=Style.SYSTEMD,
        row=Row.ISOLATION,
        severity=Severity.HIGH,
        title="Superset services do not run as root",
        rationale=(
            "Without User= systemd runs the service as root. A remote code execution in "
            "Superset (its SQL Lab and Jinja features have had several) then owns the host."
        ),
        remediation=(
            "Create a system user (adduser --system --group superset), give it the virtualenv "
            "and data directories, and set User=superset and Group=superset in every unit."
        ),
        success="runs as an unprivileged user",
        failure="runs as root",
        references=("https://www.freedesktop.org/software/systemd/man/systemd.exec.html#User=",),
        requires=(F.SERVICES,),
        evaluate=_user,
    ),
    Check(
        id="SYSTEMD-ISOLATION-002",
        style=Style.SYSTEMD,
        row=Row.ISOLATION,
        severity=Severity.MEDIUM,
        title="Superset services are sandboxed by systemd",
        rationale=(
            "systemd can keep a compromised service away from the rest of the host "
            "(read-only system, no /home, a private /tmp, no privilege escalation); "
            "systemd-analyze security scores how much of that a unit uses."
        ),
        remediation=(
            "Add NoNewPrivileges=yes, ProtectSystem=strict (with ReadWritePaths= for the data "
            "and log directories), ProtectHome=yes, PrivateTmp=yes, PrivateDevices=yes, "
            "ProtectKernelTunables=yes, ProtectKernelModules=yes, ProtectControlGroups=yes, "
            "RestrictSUIDSGID=yes, CapabilityBoundingSet= and "
            "SystemCallFilter=@system-service; check with 'systemd-analyze security UNIT'."
        ),
        success="exposure below 5.0 with the core protections on",
        failure="NoNewPrivileges, ProtectSystem, ProtectHome or PrivateTmp missing",
        references=(
            "https://www.freedesktop.org/software/systemd/man/systemd-analyze.html#systemd-analyze%20security%20%5BUNIT...%5D",
            "https://www.freedesktop.org/software/systemd/man/systemd.exec.html#Sandboxing",
        ),
        requires=(F.SERVICES,),
        evaluate=_sandbox,
    ),
    Check(
        id="SYSTEMD-ISOLATION-003",
        style=Style.SYSTEMD,
        row=Row.ISOLATION,
        severity=Severity.LOW,
        title="Superset runs from its own virtualenv",
        rationale=(
            "Packages installed into the system Python are shared with the OS: an apt upgrade "
            "or another application's pip install can change Superset's dependencies."
        ),
        remediation=(
            "python3 -m venv /opt/superset/venv, install apache-superset there, and point "
            "ExecStart at /opt/superset/venv/bin/gunicorn (and celery)."
        ),
        success="a dedicated virtualenv",
        failure="the system Python",
        references=("https://superset.apache.org/docs/installation/pypi/",),
        requires=(F.SERVICES,),
        evaluate=_venv,
    ),
)
