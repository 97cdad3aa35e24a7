"""storage: does state live on durable storage?"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.pip.common import config, project, subject
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style

EPHEMERAL = ("/tmp/", "/var/tmp/", "/dev/shm/", "/run/")


def _ephemeral(path: str) -> bool:
    """In one of the temporary folders, or the folder itself (``/var/tmp``, ``/run/``)."""
    return path.startswith(EPHEMERAL) or path + "/" in EPHEMERAL


def _in_memory(value: str) -> bool:
    """``sqlite://`` and ``sqlite:///:memory:`` name no file: the database lives in the
    process and is gone when it exits (SQLAlchemy's URL syntax)."""
    if not value.startswith("sqlite"):
        return False
    rest = value.split("://", 1)[-1].split("?", 1)[0]
    return rest in ("", "/", "/:memory:")


def _evaluate(facts: Facts) -> Iterator[Result]:
    proj = project(facts)
    conf = config(facts)
    for name in ("SUPERSET_HOME", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER"):
        setting = conf.get(name)
        where = Location(setting.path, setting.line) if setting.path else None
        if not setting.known:
            yield Result(subject(proj, name), Status.SKIP,
                         f"{name} unknown: {getattr(setting.value, 'reason', '')}", (), where)
            continue
        value = str(setting.value or "")
        path = value.split("sqlite:///", 1)[-1] if value.startswith("sqlite") else value
        if _in_memory(value):
            yield Result(subject(proj, name), Status.FAIL,
                         f"{name} is an in-memory sqlite database, lost at every restart",
                         (f"from {setting.source}",), where)
        elif "://" in path:
            yield Result(subject(proj, name), Status.PASS,
                         f"{name} points to a network service", (f"from {setting.source}",),
                         where)
        elif _ephemeral(path):
            yield Result(subject(proj, name), Status.FAIL,
                         f"{name} is on temporary storage ({path.split('/')[1]}), wiped on "
                         "reboot", (f"from {setting.source}",), where)
        else:
            yield Result(subject(proj, name), Status.PASS,
                         f"{name} is on persistent local disk", (f"from {setting.source}",),
                         where)


CHECKS = (
    Check(
        id="PIP-STORAGE-001",
        style=Style.PIP,
        row=Row.STORAGE,
        severity=Severity.HIGH,
        title="Superset's data directories are on durable storage",
        rationale=(
            "SUPERSET_HOME holds the sqlite metadata database by default, and uploads land "
            "in UPLOAD_FOLDER; on /tmp or /dev/shm they vanish with the next reboot."
        ),
        remediation=(
            "Point SUPERSET_HOME and UPLOAD_FOLDER at a persistent directory (e.g. "
            "/var/lib/superset) and keep the metadata database in PostgreSQL."
        ),
        success="state on persistent storage",
        failure="state on temporary storage",
        requires=("superset.config",),
        evaluate=_evaluate,
    ),
)
