"""Which project file a container sees at a path: a bind mount, else a COPY/ADD of the
image built here.

Docker's rules, applied without building anything: a bind mount hides what the image holds
at and below its target (the longest target wins); within the image, the last COPY/ADD that
puts something at a path wins. A COPY of a directory copies its contents into the
destination; a file goes to the destination, or into it when the destination ends in ``/``,
names several sources, or is a directory the sources' names go into (``COPY
superset_config.py /app/pythonpath``: both readings are tried, the file's own name first).
Sources are taken from the build context only, never outside it (Docker refuses them too)
and never through a symlink that leaves it. A relative destination is taken from the
WORKDIR in effect when the Dockerfile sets one (``WORKDIR /app`` then ``COPY
superset_config.py .``); under a base image's own WORKDIR, which cannot be seen offline, it
is not followed, nor are wildcards across folders: such a file is simply not found.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from auditor.checks.common.bounds import inside, levels_up
from auditor.checks.common.tree import Tree
from auditor.checks.compose.discover import join
from auditor.checks.compose.dockerfile import BuiltImage
from auditor.checks.compose.facts import Mount

GLOB = ("*", "?", "[")


@dataclass(frozen=True)
class Found:
    inner: str | None
    """The project path to read; None when the file comes from outside the audited tree (a
    bind mount of a host path), so it cannot be read here."""
    via: str
    """How it gets there: ``volumes: ./docker:/app/docker`` or ``Dockerfile:63 COPY``."""


def locate(tree: Tree, mounts: Sequence[Mount], built: BuiltImage | None,
           path: str) -> Found | None:
    """Where the file at container ``path`` comes from, or None when nothing the project
    holds puts it there (it is the base image's, or does not exist)."""
    path = posixpath.normpath(path)
    covering = [m for m in mounts if m.kind == "bind" and _covers(m.target, path)]
    if covering:
        mount = max(covering, key=lambda m: len(m.target.rstrip("/")))
        via = f"volumes: {mount.raw or mount.source + ':' + mount.target}"
        if mount.inner is None:
            return Found(None, via)
        rest = path[len(mount.target.rstrip("/")):].lstrip("/")
        inner = mount.inner if not rest else (
            rest if mount.inner in ("", ".") else f"{mount.inner}/{rest}")
        return Found(inner, via)
    if built is None or built.context is None:
        return None
    for sources, dest, instruction in reversed(built.copy_targets()):
        if not dest.startswith("/"):
            continue  # relative to a WORKDIR the Dockerfile does not set (its base's)
        for source in sources:
            for inner in _candidates(tree, built.context, source, dest, len(sources), path):
                return Found(inner, f"{built.where(instruction)}")
    return None


def _covers(target: str, path: str) -> bool:
    top = posixpath.normpath(target) if target else ""
    return bool(top) and (path == top or path.startswith(top.rstrip("/") + "/"))


def _candidates(tree: Tree, context: str, source: str, dest: str, count: int,
                path: str) -> Iterator[str]:
    """Project paths (inside the build context, existing) that one COPY source puts at
    ``path``."""
    up = levels_up(tree)
    into = dest.endswith("/") or count > 1
    dest = posixpath.normpath(dest)
    name = posixpath.basename(path)
    if any(g in posixpath.basename(source) for g in GLOB):
        folder = posixpath.dirname(source)
        if any(g in folder for g in GLOB) or posixpath.dirname(path) != dest or \
                not fnmatch.fnmatchcase(name, posixpath.basename(source)):
            return
        options = [posixpath.join(folder, name)]
    else:
        source_inner = join(context, source.lstrip("/"), False, up)
        if source_inner is None:
            return
        if tree.is_dir(source_inner):
            if not path.startswith(dest.rstrip("/") + "/"):
                return
            options = [posixpath.join(source.lstrip("/"), path[len(dest.rstrip("/")) + 1:])]
        elif (path == dest and not into) or (
                posixpath.dirname(path) == dest and name == posixpath.basename(source)):
            options = [source]
        else:
            return
    for option in options:
        inner = join(context, option.lstrip("/"), False, up)
        if inner is None or not inside(tree, context, inner) or tree.is_dir(inner):
            continue
        # A file named by the COPY itself is where the file comes from even when it is
        # missing (the build would fail: the caller names it); a folder or a wildcard only
        # provides the files it holds.
        if option == source or tree.exists(inner):
            yield inner
