"""storage: the metadata database is not sqlite."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.checks.superset.configmodel import SupersetConfig, each_config, scoped
from auditor.model import Check, Facts, Location, Result, Row, Severity, Status, Style


def _scheme(uri: str) -> str:
    return uri.split("://", 1)[0].split("+", 1)[0].lower() if "://" in uri else "unknown"


def _metadata_db(facts: Facts) -> Iterator[Result]:
    for scope, conf in each_config(facts):
        yield _judge(scoped(scope, "SQLALCHEMY_DATABASE_URI"), conf)


def _judge(subject: str, conf: SupersetConfig) -> Result:
    setting = conf.get("SQLALCHEMY_DATABASE_URI")
    where = Location(setting.path, setting.line) if setting.path else None
    evidence = (f"SQLALCHEMY_DATABASE_URI from {setting.source}",)
    if not setting.known or not isinstance(setting.value, str):
        reason = getattr(setting.value, "reason", "not a string")
        return Result(subject, Status.SKIP,
                     f"metadata database could not be determined: {reason}", evidence, where)
    scheme = _scheme(setting.value)
    if scheme == "unknown":
        # "" (an unset variable's default) or a bare path: SQLAlchemy cannot start on it,
        # and nothing says which database is meant.
        return Result(subject, Status.SKIP, "SQLALCHEMY_DATABASE_URI is not a database URI "
                      "(no scheme://)", evidence, where)
    if scheme == "sqlite":
        return Result(subject, Status.FAIL,
                     "the metadata database is sqlite: 'database is locked' under concurrent "
                     "use, no network access for a second instance", evidence, where)
    else:
        return Result(subject, Status.PASS,
                     f"the metadata database is {scheme}", evidence, where)


CHECKS = (
    Check(
        id="SUPERSET-STORAGE-001",
        style=Style.ANY,
        app="superset",
        row=Row.STORAGE,
        severity=Severity.HIGH,
        title="The metadata database is not sqlite",
        rationale=(
            "Superset's default metadata database is a sqlite file: it locks under "
            "concurrent writes, cannot be shared by several instances and is lost with the "
            "disk. Superset's docs support it only for development."
        ),
        remediation=(
            "Use PostgreSQL (or MySQL): SQLALCHEMY_DATABASE_URI = "
            "'postgresql+psycopg2://superset:<password>@db/superset', run 'superset db "
            "upgrade', and migrate existing content with export/import."
        ),
        success="a server database (PostgreSQL, MySQL)",
        failure="sqlite",
        references=("https://superset.apache.org/docs/configuration/configuring-superset/",),
        requires=("superset.config",),
        evaluate=_metadata_db,
    ),
)
