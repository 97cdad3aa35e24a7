"""backups: the metadata database is backed up on a schedule (or archived), and off the host."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from auditor.checks.common.redact import redact
from auditor.checks.superset.dbhost import DatabaseHost, outside, unseen_message
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import where
from auditor.checks.systemd.facts import Job, Jobs, PgClusters, PgLive
from auditor.checks.systemd.jobs import off_host
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

SUBJECT = "metadata-database"
TRIVIAL = frozenset({"", "/bin/true", "true", "exit 0", ":"})


@dataclass(frozen=True)
class Archiving:
    command: str
    """As shown: passwords masked."""
    where: str
    off_host: tuple[str, ...]
    location: Location | None


def _archiving(facts: Facts) -> list[Archiving]:
    found: list[Archiving] = []
    live = facts.optional(F.PGLIVE, PgLive)
    if live is not None:
        mode = live.settings.get("archive_mode", "off")
        command = live.settings.get("archive_command", "")
        library = live.settings.get("archive_library", "")
        if mode in ("on", "always") and (command.strip() not in TRIVIAL or library):
            text = command or library
            found.append(Archiving(redact(text), f"live {live.label}", off_host(text), None))
        return found
    for cluster in facts.get(F.POSTGRES, PgClusters).clusters:
        archive_mode = cluster.setting("archive_mode")
        setting = cluster.setting("archive_command") or cluster.setting("archive_library")
        if not (archive_mode and archive_mode.value in ("on", "always") and setting
                and setting.value.strip() not in TRIVIAL):
            continue
        remote = off_host(setting.value)
        if not remote and "pgbackrest" in setting.value and facts.get(
            F.JOBS, Jobs).pgbackrest_remote:
            remote = ("pgbackrest with a remote repository",)
        found.append(Archiving(redact(setting.value), f"{setting.path}:{setting.line}", remote,
                               where(setting.path, setting.line)))
    return found


def _elsewhere(facts: Facts) -> str | None:
    """Why "no backup here" proves nothing: the metadata database is on another machine."""
    has_local_server = bool(facts.get(F.POSTGRES, PgClusters).clusters)

    def local(db: DatabaseHost) -> bool:
        # A local PostgreSQL may be reached by this host's own LAN address: then it is ours.
        return db.loopback or has_local_server

    hosts = outside(facts, local)
    return unseen_message(hosts) if hosts else None


def _job_line(job: Job) -> str:
    place = f"{job.source}:{job.line}" if job.line else job.source
    return f"{place} ({job.schedule}): {', '.join(job.tools)}"


def _archive_evidence(facts: Facts) -> str:
    """What the tree says of WAL archiving: with no cluster under /etc/postgresql there is
    no archive_mode to read, and saying it is off would be evidence the input lacks."""
    if not facts.get(F.POSTGRES, PgClusters).clusters:
        return "no PostgreSQL cluster under /etc/postgresql: no WAL archiving configured here"
    return "archive_mode off or archive_command empty"


def _archiver_failing(live: PgLive | None) -> str | None:
    if live is None or live.failed_count is None:
        return None
    if live.failed_count and (live.last_archived_time is None or (
        live.last_failed_time or "") > (live.last_archived_time or "")
    ):
        return (f"pg_stat_archiver: {live.failed_count} failed attempt(s), last at "
                f"{live.last_failed_time}; last success {live.last_archived_time or 'never'}")
    return None


def _scheduled(facts: Facts) -> Iterator[Result]:
    jobs = facts.get(F.JOBS, Jobs)
    running = [j for j in jobs.backups if j.runs]
    idle = [j for j in jobs.backups if not j.runs]
    archiving = _archiving(facts)
    live = facts.optional(F.PGLIVE, PgLive)
    failing = _archiver_failing(live)
    evidence = [_job_line(j) for j in running[:3]] + [
        f"{a.where}: archive_command {a.command[:80]}" for a in archiving[:2]]
    if failing:
        yield Result(SUBJECT, Status.FAIL, "WAL archiving is configured but failing",
                     (*evidence, failing))
        return
    if running or archiving:
        what = []
        if running:
            what.append(f"{len(running)} scheduled backup job(s)")
        if archiving:
            what.append("continuous WAL archiving")
        if live is not None and live.archiver_stale:
            yield Result(SUBJECT, Status.WARN,
                         " and ".join(what) + ", but no WAL was archived in the last day",
                         (*evidence, f"last archived at {live.last_archived_time}"))
            return
        first = running[0] if running else None
        location = (where(first.source, first.line) if first else archiving[0].location)
        yield Result(SUBJECT, Status.PASS, " and ".join(what), tuple(evidence), location)
    elif idle:
        job = idle[0]
        yield Result(SUBJECT, Status.FAIL,
                     f"a backup job exists but never runs: {job.why_not}",
                     (_job_line(job),), where(job.source, job.line))
    elif (elsewhere := _elsewhere(facts)) is not None:
        yield Result(SUBJECT, Status.SKIP, elsewhere,
                     (f"looked in {len(jobs.looked_in)} crontab, cron script and timer file(s)",))
    elif jobs.unreadable:
        yield _unread(jobs)
    else:
        yield Result(SUBJECT, Status.FAIL,
                     "no backup of the metadata database: no pg_dump, pgbackrest, barman or "
                     "wal-g job in cron or a systemd timer, and no WAL archiving",
                     (f"looked in {len(jobs.looked_in)} crontab, cron script and timer file(s)",
                      _archive_evidence(facts)))


def _unread(jobs: Jobs) -> Result:
    """No backup found, but not everything could be read: "none" would be a guess."""
    return Result(SUBJECT, Status.SKIP,
                  "skipped: no backup job found in what could be read, and "
                  f"{', '.join(jobs.unreadable[:3])} could not be read (audit as root)",
                  (f"looked in {len(jobs.looked_in)} crontab, cron script and timer file(s)",
                   *(f"{path}: not readable" for path in jobs.unreadable[:3])))


def _off_host(facts: Facts) -> Iterator[Result]:
    jobs = facts.get(F.JOBS, Jobs)
    running = [j for j in jobs.backups if j.runs]
    archiving = _archiving(facts)
    remote = [(f"{_job_line(j)} -> {', '.join(j.off_host)}", where(j.source, j.line))
              for j in running if j.off_host]
    remote += [(f"{a.where}: archive_command -> {', '.join(a.off_host)}", a.location)
               for a in archiving if a.off_host]
    if remote:
        yield Result(SUBJECT, Status.PASS, "backups are copied off the host",
                     tuple(r[0] for r in remote[:3]), remote[0][1])
    elif running or archiving:
        local = [_job_line(j) for j in running[:2]] + [
            f"{a.where}: archive_command {a.command[:80]}" for a in archiving[:2]]
        yield Result(SUBJECT, Status.FAIL,
                     "backups stay on this host: a lost disk or a compromised host takes the "
                     "backups with the database", tuple(local))
    else:
        idle = [j for j in jobs.backups if not j.runs]
        if idle:
            yield Result(SUBJECT, Status.FAIL,
                         "no backup leaves the host: the only backup job never runs"
                         + ("" if any(j.off_host for j in idle) else
                            ", and it would keep the dump on this host"),
                         tuple(_job_line(j) for j in idle[:2]),
                         where(idle[0].source, idle[0].line))
        elif (elsewhere := _elsewhere(facts)) is not None:
            yield Result(SUBJECT, Status.SKIP, elsewhere,
                         ("no scheduled backup or WAL archiving on this host",))
        elif jobs.unreadable:
            yield _unread(jobs)
        else:
            yield Result(SUBJECT, Status.FAIL, "no backup leaves the host (there is no backup)",
                         ("no scheduled backup or WAL archiving found",))


CHECKS = (
    Check(
        id="SYSTEMD-BACKUPS-001",
        style=Style.SYSTEMD,
        row=Row.BACKUPS,
        severity=Severity.HIGH,
        title="The metadata database is backed up on a schedule",
        rationale=(
            "Every dashboard, chart, saved query, user and permission lives in the metadata "
            "database; without a scheduled backup (or WAL archiving) a bad migration, a "
            "mistaken DELETE or a dead disk loses them."
        ),
        remediation=(
            "Schedule a nightly dump (a systemd timer or /etc/cron.d/pg-backup running "
            "pg_dump -Fc) or set up pgBackRest/barman/wal-g with WAL archiving; cron.daily "
            "scripts must have no dot in their name; test a restore."
        ),
        success="a scheduled backup or WAL archiving",
        failure="no backup that runs",
        references=("https://www.postgresql.org/docs/current/backup.html",
                    "https://pgbackrest.org/user-guide.html"),
        requires=(F.JOBS, F.POSTGRES),
        evaluate=_scheduled,
    ),
    Check(
        id="SYSTEMD-BACKUPS-002",
        style=Style.SYSTEMD,
        row=Row.BACKUPS,
        severity=Severity.HIGH,
        title="Database backups are copied off the host",
        rationale=(
            "A backup on the same VM is lost with it: a failed disk, a deleted instance or "
            "ransomware takes the database and its dumps together."
        ),
        remediation=(
            "Send dumps to object storage or another machine (rclone/aws s3 cp, restic or borg "
            "to a remote repository, pgBackRest with an S3 repo, wal-g)."
        ),
        success="backups leave the host",
        failure="backups stay on the host, or there are none",
        references=("https://www.postgresql.org/docs/current/continuous-archiving.html",),
        requires=(F.JOBS, F.POSTGRES),
        evaluate=_off_host,
    ),
)
