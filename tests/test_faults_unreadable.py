"""Unreadable is not empty (issue 14, item 7).

A directory that exists but cannot be listed (``/var/spool/cron/crontabs`` is root-only, so
every non-root run meets one) gave no names, exactly as an empty directory does: a backup
job kept there was "no backup", a false fail with no problem named. Now each such directory
is a named problem, and a check that would conclude "none found" from what could be read
skips with the reason instead.

Here the denial is injected (the suite runs as root, for whom no permission bit holds); the
same with real permission bits, as ``nobody``, is in ``test_systemd_robustness.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import scan_report

from auditor.checks.common import tree as tree_module
from auditor.checks.common.tree import Tree

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def deny(monkeypatch: pytest.MonkeyPatch, *suffixes: str,
         error: Callable[[str], OSError] = PermissionError) -> None:
    """``os.listdir`` of the tree module fails for directories ending in ``suffixes``."""
    real = os.listdir

    def listdir(path: Any) -> list[str]:
        if str(path).rstrip("/").endswith(suffixes):
            raise error(f"[Errno 13] Permission denied: '{path}'")
        return real(path)

    monkeypatch.setattr(tree_module.os, "listdir", listdir)


def finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    (found,) = [f for t in report["targets"] for f in t["findings"] if f["check_id"] == check]
    return found


def problems(report: dict[str, Any]) -> list[str]:
    return [p for t in report["targets"] for p in t["problems"]]


def test_a_directory_that_cannot_be_listed_is_recorded_a_missing_one_is_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "etc/cron.d").mkdir(parents=True)
    (tmp_path / "etc/cron.d/job").write_text("")
    deny(monkeypatch, "etc/cron.d")
    tree = Tree.at(tmp_path)
    assert tree.listdir("/etc/cron.d") == []
    assert tree.listdir("/etc/cron.weekly") == []  # missing: nothing to record
    assert tree.unreadable == {"/etc/cron.d": "permission denied"}
    assert tree.unreadable_under("/etc") == ("/etc/cron.d",)
    assert tree.unreadable_under("/etc/cron.d") == ("/etc/cron.d",)
    assert tree.unreadable_under("/etc/cron") == ()  # a prefix of a name is not a folder
    assert tree.unreadable_under("/var") == ()


def test_an_io_error_is_recorded_with_its_own_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    deny(monkeypatch, "data", error=lambda text: OSError(5, "Input/output error"))
    tree = Tree.at(tmp_path)
    assert tree.listdir("data") == []
    assert tree.unreadable == {"data": "input/output error"}


def test_unreadable_cron_directory_makes_the_host_backup_checks_skip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "vm"
    shutil.copytree(EXAMPLES / "manual-vm", tree, symlinks=True)
    readable = scan_report(tmp_path, str(tree), "--style", "systemd")
    assert finding(readable, "SYSTEMD-BACKUPS-001")["status"] == "fail"
    assert finding(readable, "SYSTEMD-BACKUPS-002")["status"] == "fail"

    deny(monkeypatch, "etc/cron.d")
    report = scan_report(tmp_path, str(tree), "--style", "systemd")
    for check in ("SYSTEMD-BACKUPS-001", "SYSTEMD-BACKUPS-002"):
        found = finding(report, check)
        assert found["status"] == "skip", found
        assert "/etc/cron.d could not be read" in found["message"]
        assert "/etc/cron.d: not readable" in found["evidence"]
    assert ("directory /etc/cron.d: permission denied (its crontabs were not read)"
            in problems(report))


def test_a_backup_found_elsewhere_still_passes_when_a_directory_is_unreadable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "vm"
    shutil.copytree(EXAMPLES / "manual-vm", tree, symlinks=True)
    (tree / "etc/cron.daily/pg-backup").write_text(
        "#!/bin/sh\npg_dump -Fc superset > /var/backups/superset.dump\n")
    deny(monkeypatch, "var/spool/cron/crontabs")
    (tree / "var/spool/cron/crontabs").mkdir(parents=True)
    report = scan_report(tmp_path, str(tree), "--style", "systemd")
    assert finding(report, "SYSTEMD-BACKUPS-001")["status"] == "pass"
    assert any(p.startswith("directory /var/spool/cron/crontabs: permission denied")
               for p in problems(report))


def test_unreadable_folder_of_a_pip_project_makes_its_backup_check_skip(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "pip"
    shutil.copytree(EXAMPLES / "pip-dev", project, symlinks=True)
    (project / "ops").mkdir()
    readable = scan_report(tmp_path, str(project), "--style", "pip")
    assert finding(readable, "PIP-BACKUPS-001")["status"] == "fail"

    deny(monkeypatch, "pip/ops")
    report = scan_report(tmp_path, str(project), "--style", "pip")
    found = finding(report, "PIP-BACKUPS-001")
    assert found["status"] == "skip", found
    assert "could not be read" in found["message"] and "ops" in found["message"]
    assert any(p.startswith("directory ") and "ops: permission denied: not read" in p
               for p in problems(report)), problems(report)


def test_a_path_holding_colon_space_is_not_part_of_the_reason(tmp_path: Path) -> None:
    # TreeError keeps path and reason apart: callers cut the message at its first ": "
    # before, so "b: c.py" came out as the reason "c.py: not found".
    from auditor.checks.common.tree import Tree, TreeError

    tree = Tree.at(str(tmp_path))
    with pytest.raises(TreeError) as caught:
        tree.read_text("a/b: c.py")
    assert (caught.value.path, caught.value.reason) == ("a/b: c.py", "not found")
    assert str(caught.value) == "a/b: c.py: not found"
    assert tree.why_missing("x: y") == "not found"
