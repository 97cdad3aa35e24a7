"""Reports and history under failure (issue 14, item 8).

Every output path is checked before the audit (a directory, a pipe with no reader, the
same path twice, a missing parent: exit 2 with one line naming the user's path, nothing
written); the set of reports is committed all or nothing (a failed rename or device
write, SIGTERM while staging, SIGKILL during the renames: the old set, or the whole new
set); temporary files are removed on every way out, and a killed run's by the next;
a history entry that cannot be read is skipped and named, never breaking later runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from auditor.atomic import OutputError, stage, staging, sweep
from auditor.cli import main

TARGET = Path(__file__).resolve().parents[1] / "examples" / "compose"
# Linux caps pid_max at 2**22 (PID_MAX_LIMIT), so no process ever has this pid.
DEAD_PID = 2**22 + 1


def _dead_pid() -> int:
    with pytest.raises(ProcessLookupError):
        os.kill(DEAD_PID, 0)
    return DEAD_PID


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["scan", str(TARGET), "-q", *args])
    return code, capsys.readouterr().err


def _only_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "internal error" not in lines[0] and ".tmp" not in lines[0], lines[0]
    return lines[0]


# -- paths checked before the audit ------------------------------------------------------


def test_an_output_that_is_a_directory_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    code, err = _scan(capsys, "--format", "json", "--output", str(tmp_path / "out"))
    assert code == 2
    assert _only_line(err) == f"auditor: {tmp_path / 'out'}: is a directory (an output is a " \
                              "file name)"
    assert os.listdir(tmp_path) == ["out"] and os.listdir(tmp_path / "out") == []


def test_an_output_in_a_missing_directory_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nope" / "r.json"
    code, err = _scan(capsys, "--format", "json", "--output", str(path))
    assert code == 2
    assert _only_line(err) == f"auditor: {path}: no such directory: {tmp_path / 'nope'}"


def test_the_same_path_twice_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _scan(capsys, "--format", "json", "--output", "r.json",
                      "--report", "html=./r.json")
    assert code == 2
    assert _only_line(err) == "auditor: ./r.json: given twice as an output (also as r.json)"
    assert os.listdir(tmp_path) == []


def test_a_pipe_without_a_reader_is_a_usage_error_at_once(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    code, err = _scan(capsys, "--format", "json", "--output", str(fifo))
    assert code == 2
    assert _only_line(err) == f"auditor: {fifo}: a pipe with no reader"
    assert time.monotonic() - started < 30  # refused before the audit, never blocked


def test_a_pipe_with_a_reader_gets_the_whole_report(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)  # the reader is blocked in open() until a writer comes
    code, _ = _scan(capsys, "--format", "json", "--output", str(fifo))
    reader.join(timeout=60)
    assert code == 0
    assert json.loads(received[0])["schema_version"] == 1


# -- the set, all or nothing --------------------------------------------------------------


def test_a_device_that_fails_at_commit_leaves_the_old_set(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full is Linux's; not on this machine")
    old = tmp_path / "r.json"
    old.write_text("old report\n")
    code, err = _scan(capsys, "--report", f"json={old}", "--report", "html=/dev/full")
    assert code == 2
    assert _only_line(err) == "auditor: /dev/full: cannot write: No space left on device"
    assert old.read_text() == "old report\n"  # renamed, then put back
    assert sorted(os.listdir(tmp_path)) == ["r.json"]  # no temporary file left


def test_a_rename_that_fails_puts_back_the_files_already_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.html"
    first.write_text("old a\n")
    calls = []
    real_replace = os.replace

    def failing_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise IsADirectoryError(21, "Is a directory")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match=r"b\.html: cannot write: Is a directory$"), \
            staging() as staged:
        staged.append(stage(first, lambda h: h.write("new a\n")))
        staged.append(stage(second, lambda h: h.write("new b\n")))
    monkeypatch.undo()
    assert first.read_text() == "old a\n"
    assert sorted(os.listdir(tmp_path)) == ["a.json"]  # b.html never existed: still not


def test_sigterm_while_staging_removes_the_temporary_files(tmp_path: Path) -> None:
    kept = tmp_path / "a.json"
    kept.write_text("old a\n")

    def terminated(handle: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(KeyboardInterrupt), staging() as staged:
        staged.append(stage(kept, lambda h: h.write("new a\n")))
        staged.append(stage(tmp_path / "b.html", terminated))
    assert kept.read_text() == "old a\n"
    assert sorted(os.listdir(tmp_path)) == ["a.json"]


KILLED_MID_RENAME = """
    import os, sys
    from auditor import atomic
    real = os.replace
    done = []
    def replace(src, dst):
        real(src, dst)
        done.append(dst)
        if len(done) == 1:
            os.kill(os.getpid(), 9)  # SIGKILL between the first and the second rename
    os.replace = replace
    a, b = sys.argv[1], sys.argv[2]
    with atomic.staging() as staged:
        staged.append(atomic.stage(a, lambda h: h.write("new a\\n")))
        staged.append(atomic.stage(b, lambda h: h.write("new b\\n")))
"""


def test_a_run_killed_during_the_renames_is_rolled_back_by_the_next(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text("old a\n")
    b.write_text("old b\n")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_MID_RENAME), str(a),
                           str(b)], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == -9, done.stderr
    assert a.read_text() == "new a\n" and b.read_text() == "old b\n"  # a mix, for now
    assert len(os.listdir(tmp_path)) > 2  # journal, backups, b's pending file
    notes = sweep([str(a), str(b)])
    assert a.read_text() == "old a\n" and b.read_text() == "old b\n"  # the old set again
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json"]
    assert f"{a}: restored the file a killed run had replaced" in notes


def test_the_next_scan_removes_temporary_files_of_a_dead_run(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pid = _dead_pid()
    out = tmp_path / "r.json"
    orphan = tmp_path / f".r.json.{pid}.0123456789ab.new.tmp"
    orphan.write_text("half a report")
    alive = tmp_path / f".r.json.{os.getpid()}.0123456789ab.new.tmp"  # a live writer's
    alive.write_text("being written")
    other = tmp_path / f".notes.txt.{pid}.0123456789ab.new.tmp"  # not an output of this run
    other.write_text("left alone")
    code, err = _scan(capsys, "--format", "json", "--output", str(out))
    assert code == 0, err
    assert not orphan.exists() and alive.exists() and other.exists()
    assert f"auditor: note: {orphan}: removed (left by a killed run)" in err
    assert json.loads(out.read_text())["schema_version"] == 1


def test_a_planted_journal_cannot_move_files_that_are_not_outputs(tmp_path: Path) -> None:
    pid = _dead_pid()
    victim = tmp_path / "victim.conf"
    victim.write_text("real content\n")
    (tmp_path / f".victim.conf.{pid}.0123456789ab.old.tmp").write_text("attacker's\n")
    out = tmp_path / "r.json"
    journal = tmp_path / f".r.json.{pid}.0123456789ab.journal.tmp"
    journal.write_text(f"{victim}\n{out}\n")
    sweep([str(out)])
    assert victim.read_text() == "real content\n"
    assert not journal.exists()


# -- history that cannot be read ----------------------------------------------------------


def test_unreadable_history_entries_are_skipped_and_named(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.mkdir()
    nested = history / "20261128T160000.000001Z-0000000a.json"
    nested.write_text("[" * 100_000)
    digits = history / "20261128T160000.000002Z-0000000b.json"
    digits.write_text('{"schema_version": 1, "score": ' + "9" * 5000 + "}")
    fifo = history / "20261128T160000.000003Z-0000000c.json"
    os.mkfifo(fifo)
    for _ in range(2):  # the entries break neither this run nor the next
        code, err = _scan(capsys, "--format", "json", "--output", str(tmp_path / "r.json"),
                          "--history-dir", str(history))
        assert code == 0, err
        assert f"auditor: warning: {nested}: unreadable history entry, skipped: JSON nested " \
               "too deeply to read" in err
        assert f"auditor: warning: {digits}: unreadable history entry, skipped: Exceeds the " \
               "limit (4300 digits) for integer string conversion" in err
        assert f"auditor: warning: {fifo}: unreadable history entry, skipped: not a regular " \
               "file" in err
    written = [p for p in history.iterdir() if p.stat().st_size and p.suffix == ".json"
               and p not in (nested, digits, fifo)]
    assert len(written) == 2  # both runs recorded


def test_a_baseline_that_is_a_pipe_is_refused_at_once(capsys: pytest.CaptureFixture[str],
                                                       tmp_path: Path) -> None:
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    code, err = _scan(capsys, "--format", "json", "--output", str(tmp_path / "r.json"),
                      "--baseline", str(fifo))
    assert code == 2
    assert _only_line(err) == f"auditor: {fifo}: cannot read baseline: not a regular file"
