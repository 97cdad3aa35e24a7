"""A private copy of an untrusted chart for helm to render, without a link out of it.

helm follows symbolic links when it loads a chart folder: ``.Files.Get "env"`` of a link
``env -> /proc/self/environ`` in a pull request reads the auditing machine's environment
(its CI token), and a template can copy it into an object the reports quote. So helm
renders a copy: regular files and folders only, a link that stays inside the chart copied
as what it points to (the copy holds no link at all), every other entry left out and named.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 64 * 1024 * 1024
"""The bytes a chart may hold. helm itself refuses a packaged chart of more than 100 MiB
unpacked and any file over 5 MiB; Superset's chart is about 100 KiB and the largest public
charts (CRDs, dashboards) a few MiB. Past this the chart is not rendered: a partial copy
would render other objects than the chart holds."""
MAX_ENTRIES = 10_000
"""Files and folders a chart may hold (links and left-out entries included). Large charts
hold a few hundred; links between folders inside a chart can multiply a copy, and this
bounds the walk whatever the tree."""
UNVERSIONED = frozenset({".git", ".hg", ".svn"})
"""Version-control metadata is no part of a chart (``helm create`` writes a .helmignore
that leaves it out), a checkout's history alone could pass the caps, and a CI checkout
keeps its token in ``.git/config``: neither copied nor reached through a link."""
CHUNK = 1024 * 1024


class CopyError(Exception):
    """The chart cannot be copied whole (too large, an unreadable entry): one line, without
    the chart's path, which the caller puts first."""


@dataclass
class _Budget:
    entries: int = 0
    size: int = 0

    def count_entry(self) -> None:
        self.entries += 1
        if self.entries > MAX_ENTRIES:
            raise CopyError(f"more than {MAX_ENTRIES:,} files and folders, more than a chart "
                            "holds; not rendered")

    def count_bytes(self, size: int) -> None:
        self.size += size
        if self.size > MAX_BYTES:
            raise CopyError(f"more than {MAX_BYTES // (1024 * 1024)} MiB of files, more than "
                            "a chart holds; not rendered")


@dataclass(frozen=True)
class _Folder:
    real: str
    """Where the folder is, every link resolved."""
    label: str
    """Its path in the chart, as the user sees it ("" for the chart itself)."""
    dest: Path
    holders: frozenset[str] = field(default_factory=frozenset)
    """The real folders this one is copied inside of: a link to one of them is a loop."""


def copy_chart(source: Path, dest: Path) -> dict[str, str]:
    """Copy the chart folder ``source`` into ``dest`` (created, 0700); returns what was
    left out, as problems keyed ``chart <path in the chart>``. Raises CopyError."""
    root = os.path.realpath(source)
    try:
        dest.mkdir(mode=0o700, parents=True)
    except OSError as exc:
        raise CopyError(f"cannot copy the chart ({exc.strerror or exc})") from None
    problems: dict[str, str] = {}
    budget = _Budget()
    pending = [_Folder(root, "", dest, frozenset({root}))]
    while pending:
        folder = pending.pop()
        for name in _names(folder):
            budget.count_entry()
            label = f"{folder.label}/{name}" if folder.label else name
            try:
                child = _copy_entry(root, folder, name, budget, problems)
            except OSError as exc:
                raise CopyError(f"cannot copy {label} ({exc.strerror or exc})") from None
            if child is not None:
                pending.append(child)
    return problems


def _names(folder: _Folder) -> list[str]:
    try:
        return sorted(os.listdir(folder.real))
    except OSError as exc:
        where = folder.label or "the chart"
        raise CopyError(f"cannot list {where} ({exc.strerror or exc})") from None


def _copy_entry(root: str, folder: _Folder, name: str, budget: _Budget,
                problems: dict[str, str]) -> _Folder | None:
    """Copy one entry of ``folder``; returns it when it is a folder still to walk."""
    path = os.path.join(folder.real, name)
    label = f"{folder.label}/{name}" if folder.label else name
    found = _follow(root, path, label, problems)
    if found is None:
        return None
    real, mode, what = found
    if stat.S_ISDIR(mode):
        return _folder(folder, name, label, real, what, problems)
    if stat.S_ISREG(mode):
        if not _copy_file(real, folder.dest / name, budget):
            problems[f"chart {label}"] = f"{what}changed while copied, not copied"
        return None
    problems[f"chart {label}"] = f"{what}{_kind(mode)}, not a regular file, not copied"
    return None


def _follow(root: str, path: str, label: str,
            problems: dict[str, str]) -> tuple[str, int, str] | None:
    """(where the entry really is, its mode, "symlink to X: " for a link, else ""), or None
    when it is a link that may not be followed (named in ``problems``)."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISLNK(mode):
        return path, mode, ""
    target = os.readlink(path)
    real = os.path.realpath(path)
    if not inside(real, root):
        problems[f"chart {label}"] = f"symlink to {target} leaves the chart, not copied"
        return None
    # Into .git: a checkout keeps its credentials there (actions/checkout's extraheader).
    if UNVERSIONED & set(Path(os.path.relpath(real, root)).parts):
        problems[f"chart {label}"] = (f"symlink to {target} leads into version-control "
                                      "metadata, not copied")
        return None
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:  # dangling, or a loop of links
        problems[f"chart {label}"] = (f"symlink to {target} cannot be followed "
                                      f"({exc.strerror or exc}), not copied")
        return None
    return real, mode, f"symlink to {target}: "


def _folder(folder: _Folder, name: str, label: str, real: str, what: str,
            problems: dict[str, str]) -> _Folder | None:
    if name in UNVERSIONED:
        return None
    if real in folder.holders:
        problems[f"chart {label}"] = f"{what}a folder that holds it (a loop), not copied"
        return None
    dest = folder.dest / name
    dest.mkdir(mode=0o700)
    return _Folder(real, label, dest, folder.holders | {real})


def _copy_file(source: str, dest: Path, budget: _Budget) -> bool:
    """Copy a regular file; False when what opens is not one (swapped since it was looked
    at: O_NOFOLLOW refuses a link, O_NONBLOCK keeps a FIFO from blocking the open)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(source, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False
        raise
    with os.fdopen(fd, "rb") as reader:
        if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
            return False
        with open(dest, "xb") as writer:
            while chunk := reader.read(CHUNK):
                budget.count_bytes(len(chunk))
                writer.write(chunk)
    return True


def inside(real: str, root: str) -> bool:
    """Whether the resolved path ``real`` is ``root`` or below it (both resolved)."""
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "an entry of an unknown kind"
