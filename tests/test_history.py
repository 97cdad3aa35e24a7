"""--history-dir: one JSON report per run, retention by count and age, `auditor history`."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import assert_valid_report

from auditor import history
from auditor.cli import main

PIP = Path(__file__).parent / "fixtures" / "pip"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    shutil.copytree(PIP / "pass-hardened", path)
    return path


def _run(project: Path, directory: Path, *extra: str) -> int:
    return main(["scan", str(project), "-q", "--history-dir", str(directory), *extra])


def test_each_run_keeps_one_valid_report(tmp_path: Path, project: Path) -> None:
    directory = tmp_path / "h" / "nested"        # created on first use
    for _ in range(3):
        assert _run(project, directory) == 0
    files = history.entries(directory)
    assert len(files) == 3 and files == sorted(files)
    for path in files:
        data = json.loads(path.read_text())
        assert_valid_report(data)
    leftovers = [p.name for p in directory.iterdir() if p.name.startswith(".")]
    assert leftovers == [".auditor.lock"], "no temp files left, only the run lock"


def test_retention_by_count_keeps_the_newest(tmp_path: Path, project: Path) -> None:
    directory = tmp_path / "h"
    for _ in range(4):
        assert _run(project, directory, "--history-keep", "2") == 0
    names = [p.name for p in history.entries(directory)]
    assert len(names) == 2
    (directory / "notes.txt").write_text("not ours")
    assert _run(project, directory, "--history-keep", "1") == 0
    assert len(history.entries(directory)) == 1
    assert (directory / "notes.txt").exists(), "files retention does not own are left alone"


def test_retention_by_age(tmp_path: Path, project: Path) -> None:
    directory = tmp_path / "h"
    assert _run(project, directory) == 0
    (current,) = history.entries(directory)
    old = directory / history.file_name("{}", datetime.now(UTC) - timedelta(days=40))
    shutil.copy(current, old)
    assert len(history.entries(directory)) == 2
    assert _run(project, directory, "--history-max-age", "30") == 0
    names = [p.name for p in history.entries(directory)]
    assert old.name not in names and current.name in names and len(names) == 2


def test_expired_is_pure() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    paths = [Path(history.file_name(str(i), now - timedelta(days=d)))
             for i, d in enumerate((50, 20, 1))]
    assert history.expired(paths, keep=None, max_age_days=30, now=now) == paths[:1]
    assert history.expired(paths, keep=1, max_age_days=None, now=now) == paths[:2]
    assert history.expired(paths, keep=5, max_age_days=60, now=now) == []


def test_unreadable_entries_are_named_not_fatal(tmp_path: Path, project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "h"
    assert _run(project, directory) == 0
    broken = directory / history.file_name("broken")
    broken.write_text("{ not json")
    assert _run(project, directory) == 0
    capsys.readouterr()
    assert main(["history", str(directory)]) == 0
    captured = capsys.readouterr()
    assert f"{broken}: unreadable history entry" in captured.err
    assert len([line for line in captured.out.splitlines() if line.startswith("  20")]) == 2


def test_history_table_and_json(tmp_path: Path, project: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "h"
    assert _run(project, directory) == 0
    config = project / "superset_config.py"
    config.write_text(config.read_text() + "\nDEBUG = True\n")
    assert _run(project, directory) == 0
    capsys.readouterr()
    assert main(["history", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "/project [pip]" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  20")]
    assert len(rows) == 2
    first, second = float(rows[0][2]), float(rows[1][2])
    assert second < first and rows[1][-1] == f"{second - first:+.1f}"
    assert main(["history", str(directory), "--format", "json", "--last", "1"]) == 0
    (run,) = json.loads(capsys.readouterr().out)
    point = run["targets"][0]
    assert point["value"] == pytest.approx(second, abs=0.05) and point["failing"] >= 1
    assert main(["history", str(directory), "--target", "no-such-target"]) == 0
    assert capsys.readouterr().out == "no runs in the history\n"


def test_history_errors_are_one_line(tmp_path: Path, project: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(tmp_path / "missing")]) == 2
    assert "no such history directory" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert _run(project, blocker / "h") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"auditor: {blocker / 'h'}: cannot create history directory")
    assert len(err.strip().splitlines()) == 1
    if os.geteuid() != 0:        # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert _run(project, locked) == 2


def test_html_report_gets_the_trend(tmp_path: Path, project: Path) -> None:
    directory = tmp_path / "h"
    for _ in range(2):
        assert _run(project, directory) == 0
    page = tmp_path / "report.html"
    assert _run(project, directory, "--report", f"html={page}") == 0
    assert page.read_text().count("<polyline") >= 1
