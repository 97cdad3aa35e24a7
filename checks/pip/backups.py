"""backups: are backups scheduled, recent and off the host?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import project, subject
from auditor.checks.pip.facts import BackupScript, Scheduled
from auditor.checks.superset.dbhost import outside, unseen_message
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _scheduled(backup: BackupScript, schedules: tuple[Scheduled, ...]) -> bool:
    """A crontab entry is the backup, or runs the script by its file name (any folder:
    the project may be deployed elsewhere); ``db-backup.sh`` does not run ``backup.sh``."""
    name = backup.path.rsplit("/", 1)[-1]
    for entry in schedules:
        words = entry.command.replace(";", " ").replace("&", " ").split()
        if entry.source == backup.path or any(w.rsplit("/", 1)[-1] == name for w in words):
            return True
    return False


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    scheduled = [b for b in proj.backup_scripts if _scheduled(b, proj.schedules)]
    name = subject(proj, "metadata-database")
    if scheduled:
        backup = scheduled[0]
        evidence = tuple(f"{b.path}:{b.line}: {', '.join(b.tools)}" for b in scheduled)
        if any(b.off_host for b in scheduled):
            yield Result(name, Status.PASS, "a scheduled backup copies the database off the host",
                         evidence, Location(backup.path, backup.line))
        else:
            yield Result(name, Status.WARN,
                         "backups are scheduled but stay on the same host (lost with it)",
                         evidence, Location(backup.path, backup.line))
    elif proj.backup_scripts:
        backup = proj.backup_scripts[0]
        yield Result(name, Status.FAIL,
                     f"{backup.path} backs up the database but nothing schedules it",
                     (f"{backup.path}:{backup.line}: {', '.join(backup.tools)}",
                      "no crontab entry runs it"), Location(backup.path, backup.line))
    elif (hosts := outside(facts, lambda db: db.loopback)) is not None:
        yield Result(name, Status.SKIP, unseen_message(hosts),
                     tuple(sorted({h.source for h in hosts})))
    elif proj.unreadable:
        yield Result(name, Status.SKIP,
                     "skipped: no backup found in what could be read, and "
                     f"{', '.join(proj.unreadable[:3])} could not be read (audit as root)",
                     tuple(f"{path}: not readable" for path in proj.unreadable[:3]))
    else:
        yield Result(name, Status.FAIL,
                     "no backup of the metadata database was found (dashboards, charts, users "
                     "and saved queries live there)",
                     ("looked for pg_dump, sqlite3 .backup, pgbackrest, restic, borg in scripts "
                      "and crontabs",))


CHECKS = (
    Check(
        id="PIP-BACKUPS-001",
        style=Style.PIP,
        row=Row.BACKUPS,
        severity=Severity.HIGH,
        title="The metadata database is backed up on a schedule, off the host",
        rationale=(
            "Every dashboard, chart, saved query, user and permission lives in the metadata "
            "database; a disk failure or a bad migration without a backup loses them all."
        ),
        remediation=(
            "Schedule a nightly backup (cron: pg_dump, or sqlite3 superset.db '.backup ...') "
            "and copy it off the host (rclone, restic, aws s3 cp); test a restore."
        ),
        success="scheduled backups copied off the host",
        failure="no scheduled backup",
        references=("https://www.postgresql.org/docs/current/backup-dump.html",),
        evaluate=_evaluate,
    ),
)
