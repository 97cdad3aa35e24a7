"""One plugin shape for every deployment style: its checks, its detection, its collector.

Each style package exposes ``plugin = StylePlugin(...)`` in its ``plugin`` module; the
plugin manager registers that object through the same hooks as a third-party plugin.
The three parts are named as ``module:attribute`` and imported when first used: a run
imports the check modules of the styles it audits and no others (issue 16, start-up in
proportion to the work), while ``auditor checks`` still lists every style's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor import hookimpl
from auditor.model import Check, Detection, Facts, Style, Target, TargetKind

Detect = Callable[[Target], Detection | None]
Collect = Callable[[Target, Mapping[str, object]], Facts]


def imported(spec: str) -> Any:
    """The object ``module:attribute`` names, importing its module (once: Python caches
    modules, so nothing is kept on the plugin object)."""
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@dataclass(frozen=True)
class StylePlugin:
    style: Style
    checks: Sequence[Check] | str
    """The checks, or ``module:attribute`` of a sequence of them, imported on demand."""
    detect: Detect | str
    collect: Collect | str
    kinds: frozenset[TargetKind] = frozenset(TargetKind)
    """Target kinds the style can be found in: others are answered without importing it."""
    host_trees: bool = True
    """Whether it can be found in a tree laid out like ``/`` (``--root``, ``host``)."""

    @hookimpl
    def auditor_register_checks(self, styles: frozenset[Style] | None) -> list[Check]:
        if styles is not None and self.style not in styles:
            return []
        checks = imported(self.checks) if isinstance(self.checks, str) else self.checks
        return list(checks)

    @hookimpl
    def auditor_detect(self, target: Target) -> Detection | None:
        if target.kind not in self.kinds or (target.host_tree and not self.host_trees):
            return None
        detect: Detect = imported(self.detect) if isinstance(self.detect, str) else self.detect
        return detect(target)

    @hookimpl
    def auditor_collect(self, target: Target, style: Style,
                        options: Mapping[str, object]) -> Facts | None:
        if style != self.style:
            return None
        collect: Collect = (imported(self.collect) if isinstance(self.collect, str)
                            else self.collect)
        return collect(target, options)
