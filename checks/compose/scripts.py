"""What the scripts a container starts run, read as data.

A Compose service often starts a script instead of a server: EpiGraphHub's image runs
``CMD ["/opt/superset.sh"]``, a script COPY'd from the build context that ends in
``superset run --with-threads --reload``. The script is found where the container sees it
(a bind mount, else a COPY/ADD of the image built here; see :mod:`imagefiles`), read
through the tree (bounded, never outside it) and scanned line by line for the servers and
Celery processes it launches, by the pip style's reader (:func:`scan_script`), which splits
words with shlex and runs nothing. Scripts it calls by absolute path are followed a few
levels. Branches are not evaluated: a script that launches different servers in different
branches yields all of them, and the caller treats that as not knowable.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.checks.common.tree import Tree, TreeError
from auditor.checks.compose.dockerfile import BuiltImage
from auditor.checks.compose.facts import Mount, ScriptLaunch
from auditor.checks.compose.imagefiles import locate
from auditor.checks.pip.shell import scan_script

MAX_SCRIPTS = 8
"""Scripts read per service at most (a script calling scripts calling scripts ...)."""
MAX_SCRIPT_BYTES = 256 * 1024
PATH_WORD = re.compile(r"(?<![\w$/.-])(/[A-Za-z0-9_.@+/-]+)")
SHELLS = ("sh", "bash", "dash", "ash", "zsh", "ksh")


@dataclass(frozen=True)
class ScriptsRead:
    launches: tuple[ScriptLaunch, ...] = ()
    unread: tuple[str, ...] = ()


def read_started(tree: Tree, mounts: Sequence[Mount], built: BuiltImage | None,
                 process: str) -> ScriptsRead:
    """The launches of the scripts ``process`` starts (and of those they start)."""
    launches: list[ScriptLaunch] = []
    unread: list[str] = []
    # (path, started by the container itself): only those are named when unreadable; paths
    # a script merely mentions (a log folder, a data file) are read only if they are scripts.
    queue = [(path, True) for path in _paths(process)]
    seen: set[str] = set()
    while queue and len(seen) < MAX_SCRIPTS:
        path, started = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        found = locate(tree, mounts, built, path)
        if found is None or (found.inner is not None and tree.is_dir(found.inner)):
            continue  # the base image's own program (/usr/bin/tini), or a folder
        if found.inner is None:
            if started:
                unread.append(f"{path}: comes from outside the audited tree ({found.via})")
            continue
        try:
            text = tree.read_text(found.inner, limit=MAX_SCRIPT_BYTES)
        except TreeError as exc:
            if started:
                reason = exc.reason
                unread.append(f"{path}: {found.inner} ({found.via}): {reason}")
            continue
        if not _is_shell(found.inner, text):
            continue
        for launch in scan_script(text, found.inner):
            launches.append(ScriptLaunch(launch.kind, " ".join(launch.argv),
                                         f"{launch.source}:{launch.line}"))
        queue.extend((p, False) for p in _paths(_code(text)) if p not in seen)
    return ScriptsRead(tuple(launches), tuple(unread))


def _paths(text: str) -> list[str]:
    """Absolute container paths a command line names (scripts it may start)."""
    return [posixpath.normpath(m) for m in PATH_WORD.findall(text)
            if not m.startswith(("/dev/", "/proc/", "/sys/", "/tmp/"))]


def _code(text: str) -> str:
    """The script without comment lines (a path in a comment is not run)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _is_shell(inner: str, text: str) -> bool:
    if inner.endswith(".sh"):
        return True
    first = text.split("\n", 1)[0]
    if not first.startswith("#!"):
        return False
    words = first[2:].replace("/", " ").split()
    return any(w in SHELLS for w in words)
