"""The checks a configuration declares, as a plugin object registered per session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditor import hookimpl
from auditor.model import Check


@dataclass(frozen=True)
class CustomChecksPlugin:
    """Answers ``auditor_register_checks`` like a style pack; built from one Config."""

    checks: Sequence[Check]

    @hookimpl
    def auditor_register_checks(self) -> list[Check]:
        return list(self.checks)
