"""Real Superset deployments from public repositories, judged by hand.

Each case in ``fixtures/realworld/cases.json`` names a folder copied from a public
repository (attribution in its ``SOURCE.md``), the scan arguments, and what an
experienced Superset and Kubernetes operator says about it, row by row:

- ``must_fail_rows``: rows with a real problem; each needs at least one ``fail``.
- ``must_not_fail_rows``: rows the deployment gets right; no ``fail`` may appear.
- ``forbidden``: verdicts that would be false; no finding may match one.
- ``required``: problems that must be found; some finding must match each.
- ``problems``: patterns that some problem of the report must match (a kind named as not
  audited, a file that could not be read), each with its ``why``.
- ``exit``: the exit code the scan must end with (default 0; 2 where nothing can be
  evaluated, as for a manifest holding only a custom resource the auditor does not read).

A verdict pattern is ``{row, subject, message, status, severity, why}``: ``subject`` and
``message`` are case-insensitive regexes searched in the finding's subject and in its
message joined with its evidence; ``status`` is one status or a list (default ``fail``).
The judging is written here, independent of any other copy of the corpus tools.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fixturelib import GIT_MARKER

from auditor.cli import main

HERE = Path(__file__).parent / "fixtures" / "realworld"
CASES: list[dict[str, Any]] = [
    # cases.json, then cases-*.json: one file per batch of cases, so that people adding
    # cases side by side never edit one file.
    case
    for path in sorted(HERE.glob("cases*.json"), key=lambda p: (p.name != "cases.json", p.name))
    for case in json.loads(path.read_text())["cases"]
]
ROWS = frozenset(
    {
        "scalability",
        "availability",
        "supervision",
        "monitoring",
        "logging",
        "rollback",
        "isolation",
        "resources",
        "load-balancing",
        "proxy-tls",
        "storage",
        "backups",
        "network",
        "config-secrets",
        "gitops",
        "updates",
        "app-security",
    }
)


def _statuses(spec: dict[str, Any]) -> set[str]:
    status = spec.get("status", "fail")
    return {status} if isinstance(status, str) else set(status)


def _matches(spec: dict[str, Any], finding: dict[str, Any]) -> bool:
    if spec.get("row") and finding["row"] != spec["row"]:
        return False
    if finding["status"] not in _statuses(spec):
        return False
    if spec.get("severity") and finding["severity"] != spec["severity"]:
        return False
    if spec.get("subject") and not re.search(spec["subject"], finding["subject"] or "", re.I):
        return False
    text = " ".join([finding["message"] or "", *(finding.get("evidence") or [])])
    return not (spec.get("message") and not re.search(spec["message"], text, re.I))


def _brief(finding: dict[str, Any]) -> str:
    return (
        f"{finding['check_id']} {finding['status']} [{finding['row']}] "
        f"{finding['subject']}: {finding['message']}"
    )


def judge(case: dict[str, Any], report: dict[str, Any]) -> list[str]:
    """Every way the report disagrees with the case's verdicts (empty: it agrees)."""
    expect = case["expect"]
    style = expect.get("style")
    targets = [t for t in report["targets"] if style is None or t["style"] == style]
    if not targets:
        return [f"no target of style {style!r}: {[t['style'] for t in report['targets']]}"]
    findings = [f for t in targets for f in t["findings"]]
    failed_rows = {f["row"] for f in findings if f["status"] == "fail"}
    wrong: list[str] = []
    for row in expect.get("must_fail_rows", []):
        if row not in failed_rows:
            wrong.append(f"row {row} must fail, has no fail finding")
    for row in expect.get("must_not_fail_rows", []):
        for f in findings:
            if f["row"] == row and f["status"] == "fail":
                wrong.append(f"row {row} must not fail: {_brief(f)}")
    for spec in expect.get("forbidden", []):
        for f in findings:
            if _matches(spec, f):
                wrong.append(f"forbidden ({spec['why']}): {_brief(f)}")
    for spec in expect.get("required", []):
        if not any(_matches(spec, f) for f in findings):
            wrong.append(f"required, not found ({spec['why']}): {spec}")
    evaluated = {f["row"] for f in findings if f["status"] in ("pass", "warn", "fail")}
    if len(evaluated) < expect.get("min_rows_evaluated", 0):
        wrong.append(
            f"only {len(evaluated)} rows evaluated, expected at least "
            f"{expect['min_rows_evaluated']}"
        )
    if "ready" in expect:
        for t in targets:
            if t["score"]["ready"] != expect["ready"]:
                wrong.append(
                    f"{t['target']}: ready is {t['score']['ready']}, expected {expect['ready']}"
                )
    problems = [str(p) for t in report["targets"] for p in t.get("problems") or []]
    problems += [str(p) for p in report.get("problems") or []]
    for spec in expect.get("problems", []):
        if not any(re.search(spec["message"], p, re.I) for p in problems):
            wrong.append(f"problem not named ({spec['why']}): {spec['message']} in {problems}")
    for t in report["targets"]:
        counts = Counter(f["fingerprint"] for f in t["findings"])
        for fingerprint, n in counts.items():
            if n > 1:
                same = [_brief(f) for f in t["findings"] if f["fingerprint"] == fingerprint]
                wrong.append(f"{n} findings share fingerprint {fingerprint}: {same}")
    return wrong


def make_repositories(copy: Path, home: Path) -> None:
    """A folder holding the ``.auditor-fixture-git`` marker becomes a real git repository
    (git cannot store a nested ``.git``): the case's repository root, which bounds what the
    auditor reads above a compose file kept in a sub-folder."""
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(home)}
    for marker in sorted(copy.rglob(GIT_MARKER)):
        marker.unlink()
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
            subprocess.run(["git", *args], cwd=marker.parent, env=env, check=True)


def scan(case: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """Copy the case to tmp_path, scan it in-process, return the JSON report."""
    source = HERE / case["target"].split("/", 1)[0]
    copy = tmp_path / "case" / source.name
    shutil.copytree(source, copy, symlinks=True)
    make_repositories(copy, tmp_path)
    root = tmp_path / "case"
    args = [a.replace("{case}", str(root)) for a in case.get("args", [])]
    out = tmp_path / "report.json"
    status = main(
        ["scan", str(root / case["target"]), *args, "--format", "json", "--output", str(out)]
    )
    expected = case["expect"].get("exit", 0)
    assert status == expected, f"auditor scan exited {status}, expected {expected}"
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_cases_are_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) and len(names) >= 10
    for case in CASES:
        assert (HERE / case["target"]).exists(), case["target"]
        assert (HERE / case["target"].split("/", 1)[0] / "SOURCE.md").is_file(), case["name"]
        expect = case["expect"]
        rows = (
            expect.get("must_fail_rows", [])
            + expect.get("must_not_fail_rows", [])
            + [
                s["row"]
                for s in expect.get("forbidden", []) + expect.get("required", [])
                if s.get("row")
            ]
        )
        assert set(rows) <= ROWS, (case["name"], set(rows) - ROWS)
        assert not set(expect.get("must_fail_rows", [])) & set(
            expect.get("must_not_fail_rows", [])
        ), case["name"]
        for spec in (expect.get("forbidden", []) + expect.get("required", [])
                     + expect.get("problems", [])):
            assert spec.get("why"), (case["name"], spec)
            for key in ("subject", "message"):
                if spec.get(key):
                    re.compile(spec[key])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_realworld(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if case.get("needs_helm"):
        from helmbin import path_with_helm

        monkeypatch.setenv("PATH", path_with_helm())
    report = scan(case, tmp_path)
    wrong = judge(case, report)
    assert not wrong, f"{case['name']} ({case['source']}):\n  " + "\n  ".join(wrong)
