"""The Superset app pack plugin: app checks that apply in every style."""

from __future__ import annotations

from auditor import hookimpl
from auditor.checks.superset import metadata_db, secrets
from auditor.model import AppProfile, Check


@hookimpl
def auditor_register_apps() -> list[AppProfile]:
    return [AppProfile("superset", "Apache Superset", ("superset", "apache-superset"))]


@hookimpl
def auditor_register_checks() -> list[Check]:
    return [*secrets.CHECKS, *metadata_db.CHECKS]
