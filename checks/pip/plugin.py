"""The pip style plugin: detection, fact collection and the check list."""

from __future__ import annotations

from auditor import hookimpl
from auditor.model import Check


@hookimpl
def auditor_register_checks() -> list[Check]:
    return []
