"""Every condition of every check, one minimal fixture each (issue 13, item 1).

The cases live in ``tests/conditions/<package>.py`` (see that package's docstring for
the rules they follow). Each is written to a temporary directory, audited in-process
with ``auditor scan``, and the one finding of the case's check on the case's subject
must have the expected status, evidence, message and location, all literals.

The registry test below ties the cases to the catalog: a check without a passing case
and a failing (or warning) case fails here, so a new check cannot land without them,
and a case naming a check that does not exist (a typo, a renamed id) fails too.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import conditions
import needs
import pytest
from conditions import Case, dedent
from conftest import scan_report

from auditor.api import open_session

# Every module of the package, so a new one cannot be forgotten here.
MODULES = sorted(m.name for m in pkgutil.iter_modules(conditions.__path__))
CASES: list[Case] = [case for name in MODULES
                     for case in importlib.import_module(f"conditions.{name}").CASES]
CHECK_IDS = sorted(open_session(autoload=False).registry.checks)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))


def _finding(report: dict[str, Any], case: Case) -> dict[str, Any]:
    mine = [f for t in report["targets"] for f in t["findings"] if f["check_id"] == case.check]
    chosen = mine if case.subject is None else [f for f in mine if f["subject"] == case.subject]
    subjects = [(f["subject"], f["status"]) for f in mine]
    assert len(chosen) == 1, f"{case.check} on {case.subject}: findings {subjects}"
    return chosen[0]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_condition(tmp_path: Path, case: Case) -> None:
    for tool in case.needs:
        needs.require_tool(tool, f"apt-get install {tool}")
    root = tmp_path / "tree"
    root.mkdir()
    _write(root, case.files)
    report = scan_report(tmp_path, str(root / case.target), *case.args, code=case.exit_code)
    finding = _finding(report, case)
    shown = (finding["status"], finding["message"], finding["evidence"])
    assert finding["status"] == case.status, shown
    for expected in case.evidence:
        assert any(expected in line for line in finding["evidence"]), (expected, shown)
    if case.message is not None:
        assert case.message in finding["message"], shown
    if case.location is not None:
        path, line = case.location
        assert finding["location"] is not None, shown
        assert finding["location"]["path"] == path, finding["location"]
        if line is not None:
            assert finding["location"]["line"] == line, finding["location"]
    text = json.dumps(report)
    for secret in case.absent:
        assert secret not in text, f"{secret!r} appears in the report"


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_cases_name_real_checks() -> None:
    unknown = sorted({c.check for c in CASES} - set(CHECK_IDS))
    assert not unknown, f"cases for checks not in the registry: {unknown}"


# Checks judged on live facts only (a written tree cannot hold a host's free memory): their
# file cases here are the skip, and their pass/warn/fail conditions are direct tests on
# hand-made live facts in the module named, which must exist and name the check.
LIVE_ONLY = {
    "PIP-RESOURCES-002": "tests/test_mutation_kills_pip.py",
}


@pytest.mark.parametrize("check", CHECK_IDS)
def test_every_check_has_a_passing_and_a_failing_case(check: str) -> None:
    statuses = {c.status for c in CASES if c.check == check}
    if check in LIVE_ONLY:
        assert "skip" in statuses, f"{check}: no case for a tree without live facts"
        module = Path(__file__).parents[1] / LIVE_ONLY[check]
        assert check in module.read_text(encoding="utf-8"), f"{module} does not test {check}"
        return
    assert "pass" in statuses, f"{check}: no passing case in tests/conditions/"
    assert statuses & {"fail", "warn"}, f"{check}: no failing or warning case in tests/conditions/"
