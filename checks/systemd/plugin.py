"""The systemd style plugin: detection, fact collection and the check list."""

from __future__ import annotations

from collections.abc import Mapping

from auditor import hookimpl
from auditor.checks.systemd import checks_list, collect
from auditor.model import Check, Detection, Facts, Style, Target


@hookimpl
def auditor_register_checks() -> list[Check]:
    return list(checks_list.CHECKS)


@hookimpl
def auditor_detect(target: Target) -> Detection | None:
    return collect.detect(target)


@hookimpl
def auditor_collect(target: Target, style: Style, options: Mapping[str, object]) -> Facts | None:
    if style != Style.SYSTEMD:
        return None
    return collect.collect(target, options)
