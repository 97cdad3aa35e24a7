"""GitLab Code Quality: the JSON a merge request's Code Quality widget and diff annotations
read (``artifacts: reports: codequality:``).

The format (GitLab's "Code Quality report format"): a JSON array of issues, each with
``description``, ``check_name``, ``fingerprint`` (unique in the report), ``severity``
(info, minor, major, critical, blocker) and ``location`` (``path`` relative to the
repository, ``lines.begin``). Only what needs attention is an issue: fail, warn and error
findings; passes, skips and waived findings are not (a waiver is an accepted risk).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from auditor.model import Finding, Report, Severity, Status, TargetReport
from auditor.reports.base import RenderOptions
from auditor.reports.places import Place

ISSUES = (Status.FAIL, Status.WARN, Status.ERROR)
# Five levels on both sides; a critical failure blocks readiness, hence "blocker".
LEVELS = ("info", "minor", "major", "critical", "blocker")
LEVEL_OF = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3,
            Severity.CRITICAL: 4}


def render_codequality(report: Report, options: RenderOptions) -> str:
    issues = [_issue(target, Place(target), finding)
              for target in report.targets for finding in target.findings
              if finding.status in ISSUES]
    # ASCII: a lone surrogate (a file name that was not UTF-8) stays writable, as \\udcff.
    return json.dumps(issues, indent=2, ensure_ascii=True) + "\n"


def _severity(finding: Finding) -> str:
    level = LEVEL_OF[finding.severity]
    # A warning holds with a concern: one level below the same check failing.
    if finding.status is Status.WARN:
        level = max(level - 1, 0)
    return LEVELS[level]


def _issue(target: TargetReport, place: Place, finding: Finding) -> dict[str, Any]:
    file = place.file_of(finding.location)
    line = finding.location.line if file and finding.location else None
    # Without a file of its own, the issue is anchored at the audited path (a directory:
    # GitLab still lists it in the widget, with no line to annotate).
    path = _from_here(file or place.path or target.target)
    return {
        "type": "issue",
        "description": f"{finding.check_id} {finding.title}: {finding.message} "
                       f"({finding.subject})",
        "check_name": finding.check_id,
        "fingerprint": _fingerprint(target, finding),
        "severity": _severity(finding),
        "categories": ["Security" if finding.row.value in ("app-security", "config-secrets",
                                                              "isolation", "network")
                       else "Bug Risk"],
        "location": {"path": path, "lines": {"begin": line if line and line >= 1 else 1}},
    }


def _from_here(path: str) -> str:
    """GitLab wants paths from the repository root, where CI runs the audit: an absolute
    path under the working directory is made relative to it; any other stays as it is."""
    if not os.path.isabs(path):
        return path
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _fingerprint(target: TargetReport, finding: Finding) -> str:
    # The finding's fingerprint (check, style, subject) is stable across runs; the target is
    # added so two audited copies of one deployment in a report never share one.
    return hashlib.md5(f"{target.target}\0{finding.fingerprint}".encode(),
                       usedforsecurity=False).hexdigest()
