"""GitLab Code Quality (issue 17 item 3): the report a merge request's widget reads.

The schema below is written from GitLab's documentation of the format ("Code Quality
report format": an array of issues with description, check_name, fingerprint, severity in
info/minor/major/critical/blocker, location.path and location.lines.begin).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from reportdata import REPO, all_examples_report, example_report, render

from auditor.cli import main
from auditor.model import Status

GITLAB_CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def _issues(report: object) -> list[dict[str, object]]:
    data = json.loads(render(report, "codequality"))  # type: ignore[arg-type]
    jsonschema.validate(data, GITLAB_CODE_QUALITY)
    return data  # type: ignore[no-any-return]


def test_every_issue_is_valid_and_fingerprints_are_unique() -> None:
    report = all_examples_report()
    issues = _issues(report)
    needing = [f for t in report.targets for f in t.findings
               if f.status in (Status.FAIL, Status.WARN, Status.ERROR)]
    assert len(issues) == len(needing)
    assert len({i["fingerprint"] for i in issues}) == len(issues)


@pytest.mark.parametrize("target", ["examples/compose", "examples/kubernetes/superset.yaml",
                                    str(REPO / "examples" / "manual-vm")])
def test_issues_point_at_files_of_the_repository(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, target: str) -> None:
    # Run from the repository root, as CI does: every path is relative to it (an absolute
    # target under it too) and names a file or the audited directory.
    monkeypatch.chdir(REPO)
    out = tmp_path / "gl-code-quality-report.json"
    assert main(["scan", target, "-q", "--format", "codequality", "--output", str(out)]) == 0
    issues = json.loads(out.read_text())
    jsonschema.validate(issues, GITLAB_CODE_QUALITY)
    assert issues
    for issue in issues:
        path = issue["location"]["path"]
        assert not path.startswith("/") and not path.startswith(".."), path
        assert (REPO / path).exists(), path
        assert path.startswith("examples/"), path


def test_severity_and_warn_one_level_down() -> None:
    issues = _issues(example_report("kubernetes"))
    by_check = {(i["check_name"], i["severity"]) for i in issues}
    assert ("K8S-CONFIG-SECRETS-002", "blocker") in by_check  # critical fail
    assert ("K8S-AVAILABILITY-004", "critical") in by_check  # high fail
    assert ("K8S-STORAGE-001", "major") in by_check  # high, but a warning
    assert ("K8S-GITOPS-001", "info") in by_check  # low warning


def test_a_line_is_kept_and_a_fileless_finding_gets_line_one() -> None:
    issues = _issues(example_report("kubernetes"))
    beat = next(i for i in issues if i["check_name"] == "K8S-AVAILABILITY-004")
    assert beat["location"]["path"].endswith("examples/kubernetes/superset.yaml")  # type: ignore[index]
    assert beat["location"]["lines"]["begin"] == 398  # type: ignore[index]
    assert all(i["location"]["lines"]["begin"] >= 1 for i in issues)  # type: ignore[index]
