"""Every output path checked before the audit starts, so a path that cannot be written
is a usage error naming that path (exit 2), never a run that audits for minutes and then
fails half-way through writing its reports.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator, Sequence

from auditor.atomic import OutputError


def _problem(path: str) -> str | None:
    """Why ``path`` cannot take a report, or None. A pipe's reader is checked by opening
    it, which the caller keeps open (see :func:`reserved`)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            return f"no such directory: {parent}"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"directory not writable: {parent}"
        return None
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory (an output is a file name)"
    if stat.S_ISREG(info.st_mode):
        parent = os.path.dirname(path) or "."
        # The report replaces the file by a rename, which needs the directory.
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"directory not writable: {parent}"
        return None
    if not os.access(path, os.W_OK):
        return "not writable"
    return None


@contextlib.contextmanager
def reserved(paths: Sequence[str]) -> Iterator[None]:
    """Check every output path (``-`` is standard output) and hold each FIFO open for
    writing until the block ends: a FIFO with no reader is an error now, and its reader,
    once found, does not see end-of-file before the report is written."""
    seen: dict[str, str] = {}
    pipes: list[int] = []
    try:
        for path in paths:
            if path == "-":
                continue
            key = os.path.realpath(path)
            if key in seen:
                raise OutputError(f"{path}: given twice as an output"
                                  + ("" if seen[key] == path else f" (also as {seen[key]})"))
            seen[key] = path
            problem = _problem(path)
            if problem is not None:
                raise OutputError(f"{path}: {problem}")
            pipes += _hold_pipe(path)
        yield
    finally:
        for fd in pipes:
            os.close(fd)


def _hold_pipe(path: str) -> list[int]:
    try:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return []
    except OSError:
        return []
    try:
        return [os.open(path, os.O_WRONLY | os.O_NONBLOCK)]
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"{path}: a pipe with no reader") from exc
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
