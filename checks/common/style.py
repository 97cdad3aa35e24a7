"""One plugin shape for every deployment style: its checks, its detection, its collector.

Each style package exposes ``plugin = StylePlugin(...)`` in its ``plugin`` module; the
plugin manager registers that object through the same hooks as a third-party plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from auditor import hookimpl
from auditor.model import Check, Detection, Facts, Style, Target

Detect = Callable[[Target], Detection | None]
Collect = Callable[[Target, Mapping[str, object]], Facts]


@dataclass(frozen=True)
class StylePlugin:
    style: Style
    checks: Sequence[Check]
    detect: Detect
    collect: Collect

    @hookimpl
    def auditor_register_checks(self) -> list[Check]:
        return list(self.checks)

    @hookimpl
    def auditor_detect(self, target: Target) -> Detection | None:
        return self.detect(target)

    @hookimpl
    def auditor_collect(self, target: Target, style: Style,
                        options: Mapping[str, object]) -> Facts | None:
        if style != self.style:
            return None
        return self.collect(target, options)
