"""The compose style plugin: detection, fact collection and the check list.

Named, not imported: only a run that audits this style imports its checks.
"""

from __future__ import annotations

from auditor.checks.common.style import StylePlugin
from auditor.model import Style, TargetKind

plugin = StylePlugin(
    Style.COMPOSE,
    checks="auditor.checks.compose.checks_list:CHECKS",
    detect="auditor.checks.compose.layout:detect",
    collect="auditor.checks.compose.collect:collect",
    kinds=frozenset({TargetKind.PATH, TargetKind.HOST}),
)
