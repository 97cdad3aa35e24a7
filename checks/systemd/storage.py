"""storage: PostgreSQL keeps the metadata durably, on disk with room to grow."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.facts import HostLive
from auditor.checks.systemd import facts as F
from auditor.checks.systemd.common import where
from auditor.checks.systemd.facts import HostInfo, PgClusters, PgLive
from auditor.model import Check, Facts, Result, Row, Severity, Status, Style

EPHEMERAL = ("/tmp/", "/run/", "/dev/shm/", "/var/tmp/")
OFF = frozenset({"off", "false", "no", "0"})
"""synchronous_commit is an enum: these exact words (any case) turn it off."""


def bool_off(value: str) -> bool:
    """Whether PostgreSQL reads a boolean setting as off (parse_bool_with_len): 0, or a
    prefix of false or no, or of off at least two letters long ('o' alone is ambiguous)."""
    word = value.strip().lower()
    if not word:
        return False
    if word == "0":
        return True
    if word[0] in "fn":
        return ("false" if word[0] == "f" else "no").startswith(word)
    return len(word) >= 2 and "off".startswith(word)
LOW_DISK = 0.10
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def _durable(facts: Facts) -> Iterator[Result]:
    clusters = facts.get(F.POSTGRES, PgClusters)
    live = facts.optional(F.PGLIVE, PgLive)
    host = facts.optional(F.LIVE, HostLive)
    info = facts.optional(F.HOSTINFO, HostInfo)
    targets: list[tuple[str, dict[str, tuple[str, str]], str | None]] = []
    for cluster in clusters.clusters:
        values = {name: (s.value, f"{s.path}:{s.line}") for name, s in cluster.settings.items()}
        targets.append((f"postgresql {cluster.name}", values, cluster.conf_path))
    if live is not None:
        values = {k: (v, "live setting") for k, v in live.settings.items()}
        targets = [(f"postgresql {live.label}", values, None)]
    if not targets:
        where_db = info.db_uri_host if info else None
        if where_db in LOOPBACK:
            # Loopback is this host (or a tunnel or proxy on it): not "no PostgreSQL here".
            message = (f"the metadata database is on {where_db} but no PostgreSQL cluster is "
                       "under /etc/postgresql (nor a live DSN): its durability settings "
                       "cannot be read")
        elif where_db:
            message = f"no PostgreSQL on this host (the metadata database is on {where_db})"
        else:
            message = "no PostgreSQL cluster under /etc/postgresql"
        yield Result("metadata-database", Status.SKIP, message)
        return
    for subject, values, conf in targets:
        problems = []
        evidence = []
        for name in ("fsync", "full_page_writes"):
            value, source = values.get(name, ("on", "default"))
            evidence.append(f"{name} = {value} ({source})")
            if bool_off(value):
                problems.append(f"{name} = off: a power cut or crash can corrupt the database")
        data, data_source = values.get("data_directory", ("", ""))
        if data and (data.rstrip("/") + "/").startswith(EPHEMERAL):
            problems.append(f"data_directory {data} is on temporary storage, cleared at boot")
        if data:
            evidence.append(f"data_directory = {data} ({data_source})")
        sync, sync_source = values.get("synchronous_commit", ("on", "default"))
        if sync.lower() in OFF:
            evidence.append(f"synchronous_commit = {sync} ({sync_source})")
        location = where(conf)
        if problems:
            yield Result(subject, Status.FAIL, "; ".join(problems), tuple(evidence), location)
            continue
        if host and data:
            disk = next((v for k, v in host.disk_free.items() if k == data), None)
            if disk and disk[1] < LOW_DISK * disk[0]:
                yield Result(subject, Status.WARN,
                             f"durable, but only {disk[1] // 1024**3} GiB free "
                             f"({100 * disk[1] // max(disk[0], 1)}%) where the database lives",
                             (*evidence, f"disk: {disk[1]} of {disk[0]} bytes free"), location)
                continue
        if sync.lower() in OFF:
            yield Result(subject, Status.WARN,
                         "synchronous_commit = off: the last transactions can be lost in a crash",
                         tuple(evidence), location)
            continue
        yield Result(subject, Status.PASS, "fsync and full_page_writes on, on durable storage",
                     tuple(evidence), location)


CHECKS = (
    Check(
        id="SYSTEMD-STORAGE-001",
        style=Style.SYSTEMD,
        row=Row.STORAGE,
        severity=Severity.HIGH,
        title="PostgreSQL writes the metadata durably",
        rationale=(
            "fsync = off or full_page_writes = off (tuning advice copied from benchmarks) make "
            "PostgreSQL fast and corruptible: a power cut can lose every dashboard. A data "
            "directory on temporary storage is wiped at boot."
        ),
        remediation=(
            "Keep fsync and full_page_writes on, the data directory under /var/lib/postgresql "
            "on a persistent disk with free space, and monitor disk usage."
        ),
        success="durable settings on persistent storage",
        failure="fsync/full_page_writes off or ephemeral storage",
        references=("https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-FSYNC",),
        requires=(F.POSTGRES,),
        evaluate=_durable,
    ),
)
