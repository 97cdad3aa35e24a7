"""The pip style plugin: detection, fact collection and the check list.

Named, not imported: only a run that audits this style imports its checks.
"""

from __future__ import annotations

from auditor.checks.common.style import StylePlugin
from auditor.model import Style, TargetKind

plugin = StylePlugin(
    Style.PIP,
    checks="auditor.checks.pip.checks_list:CHECKS",
    detect="auditor.checks.pip.collect:detect",
    collect="auditor.checks.pip.collect:collect",
    kinds=frozenset({TargetKind.PATH, TargetKind.HOST}),
)
