"""Atomic file writes: a report is either complete or not there."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass
class Staged:
    """A file written in full under a temporary name, waiting to replace its target."""

    target: Path
    temporary: str
    direct: bool = False
    """The target is a device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO): renaming
    over it would replace the device with a file, so the text is copied into it instead."""

    def commit(self) -> None:
        if not self.direct:
            os.replace(self.temporary, self.target)
            return
        with open(self.temporary, "rb") as source, open(self.target, "wb") as sink:
            shutil.copyfileobj(source, sink)
        self.discard()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


def stage(path: str | os.PathLike[str], write: Callable[[TextIO], object]) -> Staged:
    """Write through ``write`` into a temporary file beside ``path`` (synced, mode 0644)."""
    target = Path(path)
    direct = _is_special(target)
    # A device's directory (/dev, /proc/self/fd) is no place for a temporary file.
    directory = Path(tempfile.gettempdir()) if direct else (
        target.parent if str(target.parent) else Path("."))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    staged = Staged(target, tmp, direct)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        staged.discard()
        raise
    return staged


def _is_special(target: Path) -> bool:
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or \
        stat.S_ISBLK(mode)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    stage(path, lambda handle: handle.write(text)).commit()


@contextlib.contextmanager
def staging() -> Iterator[list[Staged]]:
    """Files appended to the yielded list are committed together when the block ends, or
    all discarded when it raises: a run leaves either every output or none."""
    staged: list[Staged] = []
    try:
        yield staged
    except BaseException:
        for pending in staged:
            pending.discard()
        raise
    for pending in staged:
        pending.commit()
