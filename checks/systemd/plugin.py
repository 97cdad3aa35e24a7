"""The systemd style plugin: detection, fact collection and the check list.

Named, not imported: only a run that audits this style imports its checks.
"""

from __future__ import annotations

from auditor.checks.common.style import StylePlugin
from auditor.model import Style, TargetKind

plugin = StylePlugin(
    Style.SYSTEMD,
    checks="auditor.checks.systemd.checks_list:CHECKS",
    detect="auditor.checks.systemd.hosttree:detect",
    collect="auditor.checks.systemd.collect:collect",
    kinds=frozenset({TargetKind.PATH, TargetKind.HOST}),
)
