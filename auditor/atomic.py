"""Writing a set of files all or nothing: after any failure or signal, either every file
of the old set is intact or every file of the new set is in place.

How (one ``staging()`` block = one set):

1. Each file is written in full and synced under a temporary name beside its target,
   ``.NAME.PID.TOKEN.new.tmp``; a failure here (a renderer that raises, SIGTERM, a full
   disk) removes every temporary file and leaves the old set untouched.
2. Before any rename, each existing target is hard-linked to ``.NAME.PID.TOKEN.old.tmp``
   (a target that did not exist gets an empty ``.NAME.PID.TOKEN.absent.tmp`` marker) and
   a journal, ``.FIRST.PID.TOKEN.journal.tmp`` beside the first target, lists them.
3. The new files are renamed over their targets with SIGINT and SIGTERM held back, then
   devices and pipes (``/dev/stdout``, a FIFO) are written. If one step fails, the
   targets already replaced get their old file back (or are removed if they did not
   exist), and the error names the user's path.
4. Removing the journal is the commit point; then the backups are removed.

A run killed with SIGKILL between 2 and 4 leaves its journal. The next run that writes
the same outputs (``sweep()``, before it stages anything) finds the journal of a process
that no longer exists and rolls the set back: the old set again. Without a journal, a
dead process's temporary files are only removed (the targets are a whole set then,
old or new). ``sweep()`` acts only on the outputs it is given, so temporary-looking files
planted beside them can at most decide the content of a file about to be overwritten.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO


class OutputError(Exception):
    """An output that cannot be written; the message names the path as the user gave it."""


# .NAME.PID.TOKEN.KIND.tmp; NAME may itself hold dots.
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{12})"
                   r"\.(?P<kind>new|old|absent|journal)\.tmp$")


@dataclass
class Staged:
    """A file written in full under a temporary name, waiting to replace its target."""

    target: Path
    temporary: str
    direct: bool = False
    """The target is a device or a pipe (``/dev/null``, ``/dev/stdout``, a FIFO): renaming
    over it would replace the device with a file, so the text is copied into it instead."""
    token: str = ""
    backup: str | None = field(default=None, repr=False)
    replaced: bool = field(default=False, repr=False)

    def commit(self) -> None:
        """Put this one file in place (a set of one: ``write_atomic``)."""
        _commit_all([self])

    def discard(self) -> None:
        for path in (self.temporary, self.backup):
            if path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


def _temp_name(target: Path, token: str, kind: str) -> Path:
    return target.parent / f".{target.name}.{os.getpid()}.{token}.{kind}.tmp"


def stage(path: str | os.PathLike[str], write: Callable[[TextIO], object],
          token: str | None = None) -> Staged:
    """Write through ``write`` into a temporary file beside ``path`` (synced, mode 0644)."""
    target = Path(path)
    token = token or secrets.token_hex(6)
    direct = _is_special(target)
    if direct:
        # A device's directory (/dev, /proc/self/fd) is no place for a temporary file.
        fd, tmp = tempfile.mkstemp(prefix=".deploy-auditor.", suffix=".tmp")
    else:
        tmp = str(_temp_name(target, token, "new"))
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    staged = Staged(target, tmp, direct, token)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException as exc:
        staged.discard()
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from exc
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


class _Terminated(BaseException):
    """SIGTERM while staging: unwinds like Ctrl-C, so the temporary files are removed."""


@contextlib.contextmanager
def _term_unwinds() -> Iterator[None]:
    def raise_terminated(signum: int, frame: object) -> None:
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, raise_terminated)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    except _Terminated:
        raise KeyboardInterrupt from None
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def staging() -> Iterator[list[Staged]]:
    """Files appended to the yielded list are committed together when the block ends, or
    all discarded when it raises (SIGTERM included): a run leaves the whole new set of
    outputs, or the old set untouched."""
    staged: list[Staged] = []
    try:
        with _term_unwinds():
            yield staged
    except BaseException:
        for pending in staged:
            pending.discard()
        raise
    _commit_all(staged)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _commit_all(staged: list[Staged]) -> None:
    renamed = [s for s in staged if not s.direct]
    direct = [s for s in staged if s.direct]
    journal: Path | None = None
    with _signals_held():
        try:
            for item in renamed:
                _back_up(item)
            journal = _write_journal(renamed)
            for item in renamed:
                _replace(item)
            for item in direct:
                _copy_into(item)
        except BaseException:
            _roll_back(renamed)
            for item in staged:
                item.discard()
            if journal is not None:
                journal.unlink(missing_ok=True)
            raise
        if journal is not None:
            journal.unlink()  # the commit point: from here on the new set stands
        for item in staged:
            item.discard()


def _write_journal(renamed: list[Staged]) -> Path | None:
    if not renamed:
        return None
    first = renamed[0]
    path = _temp_name(first.target, first.token, "journal")
    lines = "".join(f"{os.path.abspath(item.target)}\n" for item in renamed)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputError(f"{first.target}: cannot write: {exc.strerror or exc}") from exc
    return path


def _back_up(item: Staged) -> None:
    try:
        exists = item.target.is_file()
        item.backup = str(_temp_name(item.target, item.token, "old" if exists else "absent"))
        if exists:
            os.link(item.target, item.backup)
        else:
            os.close(os.open(item.backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise OutputError(f"{item.target}: cannot write: {exc.strerror or exc}") from exc


def _replace(item: Staged) -> None:
    try:
        os.replace(item.temporary, item.target)
    except OSError as exc:
        raise OutputError(f"{item.target}: cannot write: {exc.strerror or exc}") from exc
    item.replaced = True


def _copy_into(item: Staged) -> None:
    try:
        with open(item.temporary, "rb") as source, open(item.target, "wb") as sink:
            shutil.copyfileobj(source, sink)
    except OSError as exc:
        raise OutputError(f"{item.target}: cannot write: {exc.strerror or exc}") from exc


def _roll_back(renamed: list[Staged]) -> None:
    for item in renamed:
        if not item.replaced or item.backup is None:
            continue
        with contextlib.suppress(OSError):
            if item.backup.endswith(".old.tmp"):
                os.replace(item.backup, item.target)
            else:
                os.unlink(item.target)


def sweep(outputs: list[str]) -> list[str]:
    """Before writing ``outputs``: roll back the set of a run killed while committing the
    same outputs, and remove the temporary files that dead processes left beside them.
    Returns one line per file restored or removed."""
    wanted = {os.path.abspath(p) for p in outputs}
    orphans: list[tuple[Path, re.Match[str]]] = []
    for folder in sorted({os.path.dirname(p) for p in wanted}):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            match = _TEMP.match(name)
            if match and os.path.join(folder, match["name"]) in wanted \
                    and not _alive(int(match["pid"])):
                orphans.append((Path(folder, name), match))
    done: list[str] = []
    for journal, match in orphans:
        if match["kind"] == "journal":
            done += _undo(journal, match["pid"], match["token"], wanted)
    for path, _ in orphans:
        with contextlib.suppress(OSError):
            path.unlink()
            done.append(f"{path}: removed (left by a killed run)")
    return done


def _undo(journal: Path, pid: str, token: str, wanted: set[str]) -> list[str]:
    """Put back the old file of every output the killed run had replaced."""
    try:
        targets = journal.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    done = []
    for target in targets:
        if target not in wanted:  # only outputs of this run: a journal is no write primitive
            continue
        prefix = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{pid}.{token}")
        if os.path.exists(f"{prefix}.new.tmp"):
            continue  # never renamed: the target is still the old file
        with contextlib.suppress(OSError):
            if os.path.exists(f"{prefix}.old.tmp"):
                os.replace(f"{prefix}.old.tmp", target)
                done.append(f"{target}: restored the file a killed run had replaced")
            elif os.path.exists(f"{prefix}.absent.tmp"):
                os.unlink(target)
                done.append(f"{target}: removed, written by a killed run that did not finish")
    return done


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True
