"""One audit at a time: an exclusive, non-blocking ``flock`` on a lock file.

The kernel releases a ``flock`` when the last descriptor of the open file goes away,
which includes the holder being killed (SIGKILL, the OOM killer, a timeout). So a lock
can never be stale and there is no clean-up to do: a crashed run frees it by dying.
The pid in the file is only there to name the holder in the message.

The file is left in place when the lock is released. Deleting it would race: another
process may have opened it already and would then lock an inode nobody else can find,
while a third creates a new file and locks that one, and both would run.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockError(Exception):
    """The lock file cannot be used; the message names it."""


class LockBusy(LockError):
    """Another process holds the lock."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        holder = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(f"another run holds {path} ({holder}); not starting")


@contextmanager
def run_lock(path: str | Path) -> Iterator[None]:
    """Hold ``path`` exclusively for the ``with`` block, or raise :class:`LockBusy` at once."""
    lock = Path(path)
    try:
        # O_NOFOLLOW: a symlink planted at the lock path (say in /tmp) must not make a root
        # run truncate whatever it points at. O_CLOEXEC: a child (nginx -T) that outlived us
        # must not keep holding the lock. No O_TRUNC: the holder's pid is not ours to erase.
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        reason = "a symlink" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        raise LockError(f"{lock}: cannot open lock file: {reason}") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LockError(f"{lock}: lock file is not a regular file")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(lock, _holder(fd)) from None
        except OSError as exc:
            raise LockError(f"{lock}: cannot lock: {exc.strerror or exc}") from exc
        _write_pid(fd)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_pid(fd: int) -> None:
    # Write first, then cut: a reader never sees an empty file, only the old pid's tail
    # after the new pid's line, and it reads the first line.
    text = f"{os.getpid()}\n".encode()
    os.pwrite(fd, text, 0)
    os.ftruncate(fd, len(text))


def _holder(fd: int) -> int | None:
    try:
        first = os.pread(fd, 64, 0).split(b"\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None
