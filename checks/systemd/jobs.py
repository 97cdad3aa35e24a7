"""Scheduled jobs: cron (system, cron.d, cron.daily..., user crontabs) and systemd timers.

Each job's command is read with the scripts it calls (one level, inside the
tree) to tell what it does: a database backup (and whether it leaves the host)
or a health probe. Cron's own rules are applied: Debian's cron and run-parts
skip file names with a dot, so ``/etc/cron.daily/backup.sh`` never runs.
"""

from __future__ import annotations

import re

from auditor.checks.common.redact import redact
from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.pip.shell import scan_crontab, split_words
from auditor.checks.systemd.facts import Job, Jobs
from auditor.checks.systemd.unitfile import split_quoted, strip_exec_prefixes
from auditor.checks.systemd.units import UnitIndex

DB_TOOLS = ("pg_dumpall", "pg_dump", "pg_basebackup", "pgbackrest", "barman-cloud-backup",
            "barman", "wal-g", "pg_probackup", "autopostgresqlbackup", "mysqldump")
RUN_PARTS_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
PERIODIC = ("hourly", "daily", "weekly", "monthly")
SPOOLS = ("/var/spool/cron/crontabs", "/var/spool/cron")
OFF_HOST_PATTERNS = (
    (re.compile(r"\brclone\s+(copy|sync|move|copyto)\b"), "rclone to a remote"),
    (re.compile(r"\baws\s+s3\b"), "aws s3"),
    (re.compile(r"\bs3cmd\b"), "s3cmd"),
    (re.compile(r"\bgsutil\b|\bgcloud\s+storage\b"), "Google Cloud Storage"),
    (re.compile(r"\bazcopy\b|\baz\s+storage\b"), "Azure storage"),
    (re.compile(r"\bmc\s+(cp|mirror)\b"), "MinIO client"),
    (re.compile(r"\bscp\b\s.*\S+:\S*"), "scp to another host"),
    (re.compile(r"\brsync\b[^|;&]*\s[\w.-]+@?[\w.-]*:[\w/~.-]*"), "rsync to another host"),
    (re.compile(r"\b(restic|RESTIC_REPOSITORY)\b[^\n]*\b(s3|b2|sftp|rest|azure|gs|swift|rclone):"),
     "restic to a remote repository"),
    (re.compile(r"\bborg\b[^\n]*(ssh://|\w@[\w.-]+:)"), "borg to a remote repository"),
    (re.compile(r"\bwal-g\b"), "wal-g (object storage)"),
    (re.compile(r"\bbarman-cloud-"), "barman-cloud (object storage)"),
    (re.compile(r"\bbarman-wal-archive\b"), "barman-wal-archive (backup server)"),
)
LOCAL_ONLY = re.compile(r"WALG_FILE_PREFIX")
HEALTH = re.compile(r"\b(curl|wget|http)\b[^\n]*/(health|healthcheck|ping)\b")
# A probe script that builds its URL from parts (Python's requests.get(f"{URL}{PATH}")
# with URL = "http://127.0.0.1:8088" and PATH = "/health" on lines of their own).
HEALTH_URL = re.compile(r"\bhttps?://")
HEALTH_PATH = re.compile(r"[\"']/(health|healthcheck|ping)[\"'/?]")


def off_host(text: str, pgbackrest_remote: bool = False) -> tuple[str, ...]:
    found = [label for pattern, label in OFF_HOST_PATTERNS if pattern.search(text)]
    if "wal-g (object storage)" in found and LOCAL_ONLY.search(text):
        found.remove("wal-g (object storage)")
    if pgbackrest_remote and "pgbackrest" in text:
        found.append("pgbackrest with a remote repository")
    return tuple(found)


def tools_in(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for tool in DB_TOOLS:
        if re.search(rf"(?<![\w-]){re.escape(tool)}(?![\w])", text) and not any(
            tool in f for f in found
        ):
            found.append(tool)
    return tuple(found)


class _Reader:
    def __init__(self, tree: Tree, problems: dict[str, str], pgbackrest_remote: bool) -> None:
        self.tree = tree
        self.problems = problems
        self.pgbackrest_remote = pgbackrest_remote
        self.looked: list[str] = []
        self.unread: list[str] = []
        """Crontabs and cron scripts that exist but could not be read: a job may be there."""

    def read(self, path: str, report_missing: bool = True) -> str | None:
        try:
            return self.tree.read_text(path, limit=512 * 1024)
        except TreeError as exc:
            reason = exc.reason
            if report_missing or reason != "not found":
                self.problems[f"file {path}"] = reason
            if reason == "permission denied":
                self.unread.append(path)
            return None

    def script(self, path: str) -> str:
        """A called script's text; a compiled program is no script and no problem."""
        try:
            return self.tree.read_text(path, limit=512 * 1024)
        except TreeError as exc:
            reason = exc.reason
            if not reason.startswith(("binary file", "larger than")):
                self.problems[f"file {path}"] = reason
            return ""

    def job(self, schedule: str, command: str, source: str, line: int | None,
            runs: bool = True, why_not: str | None = None, script: str | None = None) -> Job:
        text = command + "\n" + (script or "")
        if script is None:
            for word in split_words(command) or []:
                if word.startswith("/") and not word.startswith(("/dev/", "/proc/")) and (
                    self.tree.exists(word) and not self.tree.is_dir(word)
                ):
                    text += "\n" + self.script(word)
        return Job(schedule=schedule, command=_mask(command), source=source, line=line,
                   runs=runs, why_not=why_not, tools=tools_in(text),
                   off_host=off_host(text, self.pgbackrest_remote),
                   health_probe=_probes_health(text))


def _probes_health(text: str) -> bool:
    return bool(HEALTH.search(text)) or bool(
        HEALTH_URL.search(text) and HEALTH_PATH.search(text))


def _mask(command: str) -> str:
    masked = redact(command)
    return masked if len(masked) <= 160 else masked[:157] + "..."


def _pgbackrest_remote(tree: Tree) -> bool:
    for path in ("/etc/pgbackrest/pgbackrest.conf", "/etc/pgbackrest.conf"):
        try:
            text = tree.read_text(path)
        except TreeError:
            continue
        if re.search(r"^\s*repo\d+-(host\s*=|type\s*=\s*(s3|gcs|azure|sftp))", text, re.M):
            return True
    return False


def collect_jobs(tree: Tree, index: UnitIndex, problems: dict[str, str]) -> Jobs:
    reader = _Reader(tree, problems, _pgbackrest_remote(tree))
    jobs: list[Job] = []
    crontab = reader.read("/etc/crontab", report_missing=False)
    if crontab is not None:
        reader.looked.append("/etc/crontab")
        for entry in scan_crontab(crontab, "/etc/crontab", system=True):
            jobs.append(reader.job(entry.schedule, entry.command, entry.source, entry.line))
    for name in tree.listdir("/etc/cron.d"):
        path = f"/etc/cron.d/{name}"
        text = reader.read(path)
        if text is None:
            continue
        reader.looked.append(path)
        skipped = None if RUN_PARTS_NAME.match(name) else (
            f"cron ignores {path}: file names in /etc/cron.d may hold only letters, digits, "
            "'_' and '-'")
        for entry in scan_crontab(text, path, system=True):
            jobs.append(reader.job(entry.schedule, entry.command, path, entry.line,
                                   runs=skipped is None, why_not=skipped))
    for period in PERIODIC:
        directory = f"/etc/cron.{period}"
        for name in tree.listdir(directory):
            path = f"{directory}/{name}"
            if name.startswith(".") or name == "placeholder":
                continue
            text = reader.read(path)
            if text is None:
                continue
            reader.looked.append(path)
            skipped = None if RUN_PARTS_NAME.match(name) else (
                f"run-parts skips {path}: the name has a character other than letters, "
                "digits, '_' and '-'")
            jobs.append(reader.job(f"cron.{period}", path, path, None, runs=skipped is None,
                                   why_not=skipped, script=text))
    for spool in SPOOLS:
        for name in tree.listdir(spool):
            path = f"{spool}/{name}"
            if tree.is_dir(path):
                continue
            text = reader.read(path)
            if text is None:
                continue
            reader.looked.append(path)
            for entry in scan_crontab(text, path, system=False):
                jobs.append(reader.job(entry.schedule, entry.command, path, entry.line))
    jobs.extend(_timers(index, reader))
    folders = tree.unreadable_under("/etc/cron.d", *(f"/etc/cron.{p}" for p in PERIODIC),
                                    *SPOOLS)
    for directory in folders:
        problems[f"directory {directory}"] = (
            f"{tree.unreadable[directory]} (its crontabs were not read)")
    return Jobs(jobs=tuple(jobs), looked_in=tuple(reader.looked),
                pgbackrest_remote=reader.pgbackrest_remote,
                unreadable=(*folders, *reader.unread))


def _timers(index: UnitIndex, reader: _Reader) -> list[Job]:
    jobs = []
    for name in index.names(".timer"):
        if name.endswith("@.timer"):
            continue  # a template: only its enabled instances run
        timer = index.load(name)
        if timer.masked or timer.path is None:
            continue
        reader.looked.append(timer.path)
        target = timer.value("Timer", "Unit") or name.removesuffix(".timer") + ".service"
        service = index.load(target)
        schedule = "; ".join(
            f"{key}={a.value}" for key in ("OnCalendar", "OnBootSec", "OnUnitActiveSec")
            for a in timer.all("Timer", key)
        ) or "timer"
        enabled = bool(timer.enabled_by)
        for start in service.all("Service", "ExecStart"):
            command, _ = strip_exec_prefixes(start.value)
            words = split_quoted(command)
            jobs.append(reader.job(
                schedule, " ".join(words), start.path, start.line, runs=enabled,
                why_not=None if enabled else f"{name} is not enabled (no timers.target.wants link)",
            ))
    return jobs
