"""Reading files of an audited tree without ever leaving it.

A host tree is a world of its own: an absolute path found inside an audited
file is resolved under the tree's root, and neither ``..`` nor a symlink may
lead out of it. Reads are bounded and binary files are refused, each with a
reason that becomes a named problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_BYTES = 2 * 1024 * 1024


class TreeError(Exception):
    """A path that cannot be read inside the tree; the message is the reason."""


@dataclass(frozen=True)
class Tree:
    """A directory audited as a self-contained world."""

    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike[str]) -> Tree:
        return cls(Path(root).resolve())

    def resolve(self, inner: str) -> Path:
        """The real path of ``inner`` (absolute or relative to the root), kept inside."""
        parts = PurePosixPath(inner.replace("\\", "/")).parts
        if parts and parts[0] == "/":
            parts = parts[1:]
        current = self.root
        for index, part in enumerate(parts):
            if part in ("", "."):
                continue
            if part == "..":
                if current == self.root:
                    raise TreeError(f"{inner}: leads out of the audited tree")
                current = current.parent
                continue
            candidate = current / part
            if candidate.is_symlink():
                link = os.readlink(candidate)
                rest = "/".join(parts[index + 1 :])
                if os.path.isabs(link):
                    target = self.resolve(link + ("/" + rest if rest else ""))
                else:
                    relative = (candidate.parent.relative_to(self.root) / link).as_posix()
                    target = self._resolve_bounded(relative, rest, inner)
                return target
            current = candidate
        return current

    def _resolve_bounded(self, relative: str, rest: str, inner: str, depth: int = 0) -> Path:
        if depth > 40:
            raise TreeError(f"{inner}: too many levels of symbolic links")
        combined = relative + ("/" + rest if rest else "")
        normal = os.path.normpath(combined)
        if normal.startswith(".."):
            raise TreeError(f"{inner}: symlink leads out of the audited tree")
        return self.resolve("/" + normal)

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return path.name

    def read_text(self, inner: str, limit: int = MAX_BYTES) -> str:
        try:
            path = self.resolve(inner)
        except RecursionError:
            raise TreeError(f"{inner}: symbolic link loop") from None
        try:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except IsADirectoryError:
            raise TreeError(f"{inner}: is a directory") from None
        except PermissionError:
            raise TreeError(f"{inner}: permission denied") from None
        except FileNotFoundError:
            raise TreeError(f"{inner}: not found") from None
        except OSError as exc:
            raise TreeError(f"{inner}: cannot read ({exc.strerror or exc})") from None
        if len(data) > limit:
            raise TreeError(f"{inner}: larger than {limit // 1024} KiB, not read")
        if b"\0" in data:
            raise TreeError(f"{inner}: binary file, not read")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")

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
        try:
            return sorted(os.listdir(self.resolve(inner)))
        except (TreeError, RecursionError, OSError):
            return []

    def walk(self, inner: str, max_depth: int, skip: frozenset[str] = frozenset()) -> Iterator[str]:
        """Inner paths of files and directories below ``inner``, not following symlinks."""
        start = inner.rstrip("/") or "."
        stack = [(start, 0)]
        while stack:
            current, depth = stack.pop()
            for name in self.listdir(current):
                child = name if current == "." else f"{current}/{name}"
                yield child
                if depth + 1 < max_depth and name not in skip:
                    try:
                        real = self.root / child.lstrip("/")
                        if real.is_dir() and not real.is_symlink():
                            stack.append((child, depth + 1))
                    except OSError:
                        continue
