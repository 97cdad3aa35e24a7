"""The kubernetes style plugin: detection, fact collection and the check list.

Named, not imported: only a run that audits this style imports its checks.
"""

from __future__ import annotations

from auditor.checks.common.style import StylePlugin
from auditor.model import Style, TargetKind

plugin = StylePlugin(
    Style.KUBERNETES,
    checks="auditor.checks.kubernetes.checks_list:CHECKS",
    detect="auditor.checks.kubernetes.collect:detect",
    collect="auditor.checks.kubernetes.collect:collect",
    kinds=frozenset({TargetKind.PATH, TargetKind.STDIN, TargetKind.KUBE}),
    host_trees=False,  # manifests are audited as files or live, never in a host's /
)
