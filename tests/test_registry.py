"""Parametrized over the registry itself: every check is well formed and can both pass and fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixturelib import audit_fixture, fixture_session, outcome_dirs

from auditor.api import open_session
from auditor.model import Check, Row, Status, Style

REGISTRY = open_session(autoload=False).registry
CHECKS = sorted(REGISTRY.checks.values(), key=lambda c: c.id)
PREFIX = {Style.PIP: "PIP", Style.SYSTEMD: "SYSTEMD", Style.COMPOSE: "COMPOSE",
          Style.KUBERNETES: "K8S"}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, set[Status]]]:
    """fixture name -> check id -> statuses seen, for every outcome-named fixture."""
    session = fixture_session()
    seen: dict[str, dict[str, set[Status]]] = {}
    for fixture in outcome_dirs():
        report = audit_fixture(fixture, tmp_path_factory.mktemp(fixture.name), session)
        by_check: dict[str, set[Status]] = {}
        for target in report.targets:
            for finding in target.findings:
                by_check.setdefault(finding.check_id, set()).add(finding.status)
        seen[f"{fixture.parent.name}/{fixture.name}"] = by_check
    return seen


def test_registry_is_not_empty_and_ids_are_unique() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == 137  # the whole catalog: a check that vanishes must be noticed
    assert len(ids) == len(set(ids))


def test_pip_style_covers_every_row() -> None:
    rows = {c.row for c in CHECKS if c.style == Style.PIP}
    assert rows == set(Row)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_is_well_formed(check: Check) -> None:
    assert re.fullmatch(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+-\d{3}", check.id)
    row_part = check.row.value.upper()
    assert f"-{row_part}-" in check.id, "the id names its row"
    if check.style == Style.ANY:
        assert check.app and check.id.startswith(check.app.upper() + "-")
    else:
        assert check.id.startswith(PREFIX[check.style] + "-")
    for text in (check.title, check.rationale, check.remediation, check.success, check.failure):
        assert text.strip(), "title, rationale, remediation and both messages are required"
    assert check.title[0].isupper() and not check.title.endswith(".")


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_check_has_passing_and_failing_fixture(
    check: Check, outcomes: dict[str, dict[str, set[Status]]]
) -> None:
    style_dirs = {Style.PIP: "pip/", Style.SYSTEMD: "systemd/", Style.COMPOSE: "compose/",
                  Style.KUBERNETES: "kubernetes/"}
    prefix = style_dirs.get(check.style, "")
    mine = {name: found.get(check.id, set()) for name, found in outcomes.items()
            if name.startswith(prefix)}
    passing = [name for name, statuses in mine.items()
               if Path(name).name.startswith("pass-") and statuses == {Status.PASS}]
    failing = [name for name, statuses in mine.items()
               if Path(name).name.startswith("fail-") and Status.FAIL in statuses]
    assert passing, f"no pass-* fixture where {check.id} passes on every subject: {mine}"
    assert failing, f"no fail-* fixture where {check.id} fails: {mine}"


def test_no_check_errors_on_any_fixture(outcomes: dict[str, dict[str, set[Status]]]) -> None:
    errored = {(name, cid) for name, found in outcomes.items() for cid, statuses in found.items()
               if Status.ERROR in statuses}
    assert not errored
