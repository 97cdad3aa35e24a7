"""Reading many manifest files on every core (issue 16, item 6).

Parsing is most of a large audit and the C parser holds the GIL, so threads would not
help: files are read by this process and by worker processes, one per other idle core,
each worker returning its files' objects pickled (unpickling costs a fraction of
building them); results are put back in the order the files were given. The result
is the serial one, object for object and error for error; where a pool cannot be
had (one core, no ``fork``, a sandbox that refuses processes) the files are read here.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from auditor.checks.kubernetes.loader import ManifestError, load_file
from auditor.checks.kubernetes.objects import Item

MIN_FILES = 32
MIN_BYTES = 2 * 1024 * 1024
"""Below this much input a pool costs more to start than it saves."""
MAX_WORKERS = 4
"""Readers at most, this process included."""
LOADAVG = "/proc/loadavg"
LOOKS = 5

Loaded = list[Item] | ManifestError
"""A file's objects, or why it could not be read (as ``load_file`` raises it)."""


def load_files(files: Sequence[tuple[Path, str]], *, workers: int | None = None,
               min_files: int | None = None, min_bytes: int | None = None) -> list[Loaded]:
    """``load_file`` of each (path, label), in order; in worker processes when there are
    enough files and idle cores (``MIN_FILES``, ``MIN_BYTES`` unless given)."""
    fewest = MIN_FILES if min_files is None else min_files
    least = MIN_BYTES if min_bytes is None else min_bytes
    if len(files) < fewest or _size(files) < least:
        return [_load(path, label) for path, label in files]
    count = min(workers or _idle_cores(), MAX_WORKERS)
    if count < 2:
        return [_load(path, label) for path, label in files]
    parts = _chunks(files, count * 4)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(count - 1, mp_context=context) as pool:
            # This process reads every count-th part itself while the workers read the
            # rest: one core's share is never pickled, and no core waits on the others.
            pending = {i: pool.submit(_load_chunk, part) for i, part in enumerate(parts)
                       if i % count}
            mine = {i: _load_chunk(part) for i, part in enumerate(parts) if not i % count}
            chunks = [mine[i] if i in mine else pending[i].result() for i in range(len(parts))]
    except (OSError, RuntimeError, ValueError):  # no fork, no processes, a broken pool
        return [_load(path, label) for path, label in files]
    return [loaded for chunk in chunks for loaded in chunk]


def _idle_cores() -> int:
    """Cores this process may use that other work is not using now: on a machine whose
    cores are busy, workers only take turns with the parent and cost their start.

    Busy is the count of runnable tasks (``/proc/loadavg``'s fourth field, this process
    included), not the load average: a one-minute average still counts work that just
    ended, such as a benchmark's previous run or a CI step, and kept the pool from ever
    starting on an idle two-core machine. The fewest of a few looks a millisecond apart:
    one look may catch a kernel thread's moment on a core."""
    try:
        usable = len(os.sched_getaffinity(0))
        others = usable
        for look in range(LOOKS):
            if look:
                time.sleep(0.001)
            with open(LOADAVG, encoding="ascii") as handle:
                running = int(handle.read().split()[3].split("/")[0])
            others = min(others, max(0, running - 1))
            if not others:
                break
    except (AttributeError, OSError, ValueError, IndexError):  # not Linux
        return 1
    return max(1, usable - others)


def _load(path: Path, label: str) -> Loaded:
    try:
        return load_file(path, label)
    except ManifestError as exc:
        return exc


def _load_chunk(chunk: list[tuple[Path, str]]) -> list[Loaded]:
    return [_load(path, label) for path, label in chunk]


def _chunks(files: Sequence[tuple[Path, str]], parts: int) -> list[list[tuple[Path, str]]]:
    """Consecutive runs of about equal bytes: order is kept, and no worker is left with
    all the large files."""
    target = _size(files) / parts or 1
    chunks: list[list[tuple[Path, str]]] = [[]]
    filled = 0
    for entry in files:
        if filled >= target and chunks[-1]:
            chunks.append([])
            filled = 0
        chunks[-1].append(entry)
        filled += _bytes(entry[0])
    return chunks


def _size(files: Sequence[tuple[Path, str]]) -> int:
    return sum(_bytes(path) for path, _ in files)


def _bytes(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
