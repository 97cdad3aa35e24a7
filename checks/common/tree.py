"""Reading files of an audited tree without ever leaving it.

A host tree is a world of its own: an absolute path found inside an audited
file is resolved under the tree's root, and neither ``..`` nor a symlink may
lead out of it. Reads are bounded and binary files are refused, each with a
reason that becomes a named problem.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_BYTES = 2 * 1024 * 1024
"""Files larger than this are not read (a named problem); the size is checked before reading."""
MAX_LINKS = 40
"""Symbolic links followed while resolving one path, as Linux allows (ELOOP beyond)."""


class TreeError(Exception):
    """A path that cannot be read inside the tree: ``path: reason``.

    The reason is kept apart because callers name the path themselves; cutting the
    message at its first ": " gave a path holding ": " as part of the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Tree:
    """A directory audited as a self-contained world."""

    root: Path
    unreadable: dict[str, str] = field(default_factory=dict, compare=False, hash=False,
                                       repr=False, kw_only=True)
    """Directories that exist but could not be listed (inner path: why). Listing one gives
    no names, which must never read as "nothing there": collectors name each as a problem
    and the checks that look for something in it do not conclude it is absent."""

    @classmethod
    def at(cls, root: str | os.PathLike[str]) -> Tree:
        return cls(Path(root).resolve())

    def resolve(self, inner: str) -> Path:
        """The real path of ``inner`` (absolute or relative to the root), kept inside."""
        return self._resolve(inner, inner, 0)

    def _resolve(self, path: str, inner: str, hops: int) -> Path:
        # Every leading slash goes: POSIX keeps exactly two ("//etc") as a root of its own,
        # which pathlib then joins as an absolute path, i.e. the machine's /etc.
        parts = PurePosixPath(path.replace("\\", "/").lstrip("/")).parts
        current = self.root
        for index, part in enumerate(parts):  # PurePosixPath leaves out "" and "." parts
            if part == "..":
                if current == self.root:
                    raise TreeError(inner, "leads out of the audited tree")
                current = current.parent
                continue
            candidate = current / part
            try:
                link = os.readlink(candidate) if candidate.is_symlink() else None
            except OSError as exc:  # a name too long for the file system, ...
                raise TreeError(inner, (exc.strerror or str(exc)).lower()) from None
            if link is not None:
                if hops >= MAX_LINKS:
                    raise TreeError(inner, "symbolic link loop")
                rest = "/".join(parts[index + 1 :])
                if os.path.isabs(link):  # absolute: from the tree's root, never the machine's
                    return self._resolve(link + ("/" + rest if rest else ""), inner, hops + 1)
                relative = (candidate.parent.relative_to(self.root) / link).as_posix()
                normal = os.path.normpath(relative + ("/" + rest if rest else ""))
                if normal == ".." or normal.startswith("../"):
                    raise TreeError(inner, "symlink leads out of the audited tree")
                return self._resolve("/" + normal, inner, hops + 1)
            current = candidate
        return current

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()  # the root itself: "."
        except ValueError:
            return path.name

    def read_text(self, inner: str, limit: int = MAX_BYTES) -> str:
        try:
            path = self.resolve(inner)
        except RecursionError:
            raise TreeError(inner, "symbolic link loop") from None
        try:
            # Only regular files are opened: a FIFO would block the audit forever and a device
            # (/dev/zero, a tape, a watchdog) may never end or act on being opened.
            self._regular(inner, os.stat(path).st_mode)
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                self._regular(inner, info.st_mode)  # replaced between stat and open
                if info.st_size > limit:
                    raise TreeError(inner, f"larger than {limit // 1024} KiB, not read")
                data = handle.read(limit + 1)
        except PermissionError:
            raise TreeError(inner, "permission denied") from None
        except FileNotFoundError:
            raise TreeError(inner, "not found") from None
        except OSError as exc:
            raise TreeError(inner, f"cannot read ({exc.strerror or exc})") from None
        except ValueError:  # a NUL byte, from a YAML or JSON escape in an audited file
            raise TreeError(inner, "not a valid path (NUL byte)") from None
        if len(data) > limit:  # grew while being read
            raise TreeError(inner, f"larger than {limit // 1024} KiB, not read")
        if b"\0" in data:
            raise TreeError(inner, "binary file, not read")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")

    @staticmethod
    def _regular(inner: str, mode: int) -> None:
        if stat.S_ISDIR(mode):
            raise TreeError(inner, "is a directory")
        if not stat.S_ISREG(mode):
            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device")
            raise TreeError(inner, f"{kind}, not a regular file; not read")

    def why_missing(self, inner: str) -> str:
        """Why ``inner`` is not there to read: it leads out of the tree, loops, or is not found."""
        try:
            self.resolve(inner)
        except TreeError as exc:
            return exc.reason
        return "not found"

    def exists(self, inner: str) -> bool:
        try:
            return self.resolve(inner).exists()
        except (TreeError, RecursionError, OSError):
            return False

    def is_dir(self, inner: str) -> bool:
        try:
            return self.resolve(inner).is_dir()
        except (TreeError, RecursionError, OSError):
            return False

    def listdir(self, inner: str) -> list[str]:
        """The names in a directory; none when it is missing, and none, recorded in
        ``unreadable``, when it exists but cannot be listed."""
        try:
            return sorted(os.listdir(self.resolve(inner)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:  # EACCES for a non-root run (crontabs are root-only), EIO
            reason = "permission denied" if isinstance(exc, PermissionError) else (
                (exc.strerror or str(exc)).lower())
            self.unreadable[inner] = reason
            return []
        except (TreeError, RecursionError, ValueError):  # ValueError: a NUL byte
            return []

    def unreadable_under(self, *folders: str) -> tuple[str, ...]:
        """The unreadable directories at or below any of ``folders`` (inner paths)."""
        def norm(path: str) -> str:
            return "/" + path.strip("/")
        wanted = [norm(f) for f in folders]
        return tuple(sorted(d for d in self.unreadable if any(
            norm(d) == w or norm(d).startswith(w.rstrip("/") + "/") for w in wanted)))

    def walk(self, inner: str, max_depth: int, skip: frozenset[str] = frozenset()) -> Iterator[str]:
        """Inner paths of files and directories below ``inner``, not following symlinks."""
        start = inner.rstrip("/") or "."
        stack = [(start, 0)]
        while stack:
            current, depth = stack.pop()
            for name in self.listdir(current):
                child = name if current == "." else f"{current}/{name}"
                yield child
                if depth + 1 < max_depth and name not in skip and self._is_folder(current, name):
                    stack.append((child, depth + 1))

    def _is_folder(self, folder: str, name: str) -> bool:
        """``name`` in the inner folder ``folder`` is a directory itself, not a symlink to one.
        The folder is resolved inside the tree first: through a link on the way (``srv`` ->
        ``/data``) the machine's ``/data`` would be asked, and a folder of the tree missed."""
        try:
            return stat.S_ISDIR(os.lstat(self.resolve(folder) / name).st_mode)
        except (TreeError, RecursionError, OSError, ValueError):
            return False
