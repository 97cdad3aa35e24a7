"""Two audits never overlap: the run lock, held by real processes."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from auditor.history import entries
from auditor.runlock import LockBusy, LockError, run_lock

ROOT = Path(__file__).parents[1]
HOLDER = """
import sys, time
from auditor.runlock import run_lock
with run_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@contextmanager
def holder(path: Path, seconds: float = 120) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock until it is killed (or ``seconds`` pass)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked", "the holder did not get the lock"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def test_a_second_process_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    lock = tmp_path / ".auditor.lock"
    with holder(lock) as proc:
        with pytest.raises(LockBusy) as busy, run_lock(lock):
            pytest.fail("entered a lock another process holds")
        assert busy.value.pid == proc.pid
        assert str(busy.value) == f"another run holds {lock} (pid {proc.pid}); not starting"
        # The refused run did not erase the holder's pid.
        assert lock.read_text() == f"{proc.pid}\n"


def test_a_killed_holder_frees_the_lock_without_cleanup(tmp_path: Path) -> None:
    lock = tmp_path / ".auditor.lock"
    with holder(lock) as proc:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert lock.exists()  # left behind, and no obstacle
    with run_lock(lock):
        assert lock.read_text() == f"{os.getpid()}\n"
    assert lock.exists()  # never deleted: that would race with a process that opened it


def test_a_holder_that_exits_frees_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / ".auditor.lock"
    done = subprocess.run([sys.executable, "-c", HOLDER, str(lock), "0"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    with run_lock(lock):
        pass


def test_two_runs_in_one_process_exclude_each_other(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    with run_lock(lock), pytest.raises(LockBusy, match=rf"\(pid {os.getpid()}\)"), \
            run_lock(lock):
        pass
    with run_lock(lock):  # released by the outer block
        pass


def test_a_longer_stale_pid_is_replaced_whole(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    lock.write_text("123456789012\n")
    with run_lock(lock):
        assert lock.read_text() == f"{os.getpid()}\n"


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep me\n")
    lock = tmp_path / "run.lock"
    lock.symlink_to(precious)
    with pytest.raises(LockError, match=r"run\.lock: cannot open lock file: a symlink"), \
            run_lock(lock):
        pass
    assert precious.read_text() == "keep me\n"


def test_an_unusable_lock_path_is_one_line_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "run.lock"
    with pytest.raises(LockError) as error, run_lock(missing):
        pass
    assert not isinstance(error.value, LockBusy)
    assert str(error.value) == f"{missing}: cannot open lock file: No such file or directory"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(LockError, match="not a regular file"), run_lock(fifo):
        pass


# ---------------------------------------------------------------------------------------
# `auditor scan` under the lock. These need the wiring in auditor/commands.py: the lock is
# taken before anything is written, `--lock PATH` names it, `--history-dir DIR` alone locks
# DIR/.auditor.lock, and a busy lock exits 2 with exactly
#     auditor: another run holds <path> (pid <n>); not starting
# Until `scan` has --lock they are skipped (the guard below); then they must pass.
# The first "run" is a helper process holding the lock, so the overlap is certain.


def _scan_has_lock() -> bool:
    from auditor.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return "--lock" in sub.choices["scan"]._option_string_actions


needs_lock_flag = pytest.mark.skipif(not _scan_has_lock(),
                                     reason="auditor scan has no --lock yet (being wired)")


def _scan(history: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", "scan", str(ROOT / "examples" / "pip-dev"),
         "--quiet", "--history-dir", str(history),
         "--report", f"json={history / 'latest.json'}", *extra],
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)


@needs_lock_flag
@pytest.mark.parametrize("explicit", [True, False], ids=["--lock", "history-dir"])
def test_overlapping_scheduled_runs_never_write_the_same_report(tmp_path: Path,
                                                                explicit: bool) -> None:
    history = tmp_path / "history"
    history.mkdir()
    lock = tmp_path / "scan.lock" if explicit else history / ".auditor.lock"
    extra = ("--lock", str(lock)) if explicit else ()
    with holder(lock) as proc:
        refused = _scan(history, *extra)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr == (f"auditor: another run holds {lock} (pid {proc.pid}); "
                                  "not starting\n")
        assert not (history / "latest.json").exists()
        assert entries(history) == []
        proc.send_signal(signal.SIGKILL)
    done = _scan(history, *extra)
    assert done.returncode == 0, done.stderr
    assert (history / "latest.json").is_file()
    assert len(entries(history)) == 1
