"""logging: app log files are rotated, and the journal is kept and bounded."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import each_service, no_services, services, where
from auditor.checks.systemd.facts import LogConfig, LogrotateRule
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style


def matches(path: str, pattern: str) -> bool:
    """logrotate's glob(3): a wildcard stays inside one path component, so
    ``/var/log/*.log`` does not cover ``/var/log/superset/access.log`` (fnmatch's ``*``
    would cross the slash)."""
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, wanted, strict=True))


def covering(rules: tuple[LogrotateRule, ...], path: str) -> LogrotateRule | None:
    for rule in rules:
        if any(matches(path, pattern) for pattern in rule.patterns):
            return rule
    return None


def _rotated(facts: Facts) -> Iterator[Result]:
    logs = facts.get(F.LOGS, LogConfig)
    for service in each_service(facts):
        if service is None:
            yield no_services(services(facts))
            return
        if not service.log_files:
            yield Result(service.name, Status.PASS,
                         "logs go to the journal (stdout/stderr), bounded by journald",
                         ("no log file option or StandardOutput=append:",),
                         where(service.unit.path))
            continue
        missing = []
        unbounded = []
        evidence = []
        for log in service.log_files:
            rule = covering(logs.rules, log.path)
            if rule is None:
                missing.append(log)
                evidence.append(f"{log.path} ({log.how}): no logrotate rule")
            elif not rule.bounded:
                unbounded.append(log)
                evidence.append(f"{log.path}: {rule.path}:{rule.line} keeps every old file "
                                "(rotate -1)")
            else:
                evidence.append(f"{log.path}: rotated by {rule.path}:{rule.line}")
        if missing:
            yield Result(service.name, Status.FAIL,
                         f"{missing[0].path} is never rotated: it grows until the disk is full "
                         "(and PostgreSQL on the same disk stops)", tuple(evidence),
                         where(service.unit.path))
        elif unbounded:
            yield Result(service.name, Status.WARN, "rotated but old logs are never deleted",
                         tuple(evidence), where(service.unit.path))
        else:
            yield Result(service.name, Status.PASS, "every log file is rotated", tuple(evidence),
                         where(service.unit.path))


def _journal(facts: Facts) -> Iterator[Result]:
    logs = facts.get(F.LOGS, LogConfig)
    storage = logs.journald.get("Storage")
    limit = logs.journald.get("SystemMaxUse")
    value = (storage.value if storage else "auto").lower()
    evidence = [f"Storage={value}" + (f" ({storage.path}:{storage.line})" if storage else
                                      " (default)"),
                f"SystemMaxUse={limit.value} ({limit.path}:{limit.line})" if limit else
                "SystemMaxUse unset (default: 10% of the file system, at most 4 GiB)"]
    location = where(storage.path, storage.line) if storage else (
        where(limit.path, limit.line) if limit else None)
    if value in ("none", "volatile"):
        yield Result("journald", Status.FAIL,
                     f"Storage={value}: the journal is "
                     + ("discarded" if value == "none" else "kept in memory only") +
                     ", so Superset's logs are gone after a reboot, when they are needed most",
                     tuple(evidence), location)
    elif limit is None:
        yield Result("journald", Status.WARN,
                     "the journal is kept but bounded only by journald's default (10% of the "
                     "disk, up to 4 GiB)", tuple(evidence), location)
    else:
        yield Result("journald", Status.PASS, f"journal kept on disk, bounded at {limit.value}",
                     tuple(evidence), location)


CHECKS = (
    Check(
        id="SYSTEMD-LOGGING-001",
        style=Style.SYSTEMD,
        row=Row.LOGGING,
        severity=Severity.MEDIUM,
        title="Superset's log files are rotated",
        rationale=(
            "gunicorn --access-logfile, celery --logfile or StandardOutput=append: write files "
            "that grow forever unless logrotate handles them; a full disk stops PostgreSQL on "
            "the same host."
        ),
        remediation=(
            "Log to stdout/stderr and let journald bound it, or add /etc/logrotate.d/superset "
            "covering every file (daily, rotate 14, compress, copytruncate or a postrotate "
            "'systemctl kill -s USR1 superset')."
        ),
        success="journal only, or every file rotated",
        failure="a log file without a logrotate rule",
        references=("https://manpages.debian.org/bookworm/logrotate/logrotate.8.en.html",),
        requires=(F.SERVICES, F.LOGS),
        evaluate=_rotated,
    ),
    Check(
        id="SYSTEMD-LOGGING-002",
        style=Style.SYSTEMD,
        row=Row.LOGGING,
        severity=Severity.MEDIUM,
        title="The journal is persistent and size-bounded",
        rationale=(
            "With Storage=volatile (or no /var/log/journal) the logs that explain a crash "
            "vanish at the reboot that follows it; without SystemMaxUse= the journal's size "
            "is left to a percentage of the disk."
        ),
        remediation=(
            "A drop-in /etc/systemd/journald.conf.d/superset.conf with [Journal] "
            "Storage=persistent and SystemMaxUse=1G, then 'systemctl restart "
            "systemd-journald'; ship logs off the host if they matter for audits."
        ),
        success="persistent, with SystemMaxUse",
        failure="volatile or discarded",
        references=("https://www.freedesktop.org/software/systemd/man/journald.conf.html",),
        requires=(F.LOGS,),
        evaluate=_journal,
    ),
)
