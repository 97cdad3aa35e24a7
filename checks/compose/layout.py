"""Where a target's Compose projects are, answered before the style's modules are imported.

Detection asks every style about every target; for a host tree without a Compose file
(the common ``--root`` and ``host`` audit) this module answers "none" on its own, so
such a run never imports the Compose reader, merger and checks.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from auditor.checks.common.bounds import ProjectTree
from auditor.checks.common.tree import Tree
from auditor.model import Detection, Target, TargetKind

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
"""The names ``docker compose`` loads without ``-f``."""
HOST_DIRS = ("opt", "srv", "home", "root")
HOST_SKIP = frozenset({".git", "node_modules", "site-packages", "proc", "sys", "dev", ".cache",
                       "venv", ".venv", "__pycache__", ".local", "superset-frontend"})

Layout = tuple[Tree, list[tuple[str, list[str] | None]]]
"""The tree to read and the projects in it: (inner base, explicit files or None)."""


def layout(target: Target) -> Layout | None:
    if target.kind not in (TargetKind.PATH, TargetKind.HOST) or target.root is None:
        return None
    root = Path(target.root)
    if root.is_file():
        if not root.name.endswith((".yml", ".yaml")):
            return None
        return ProjectTree.for_project(root.parent), [(".", [root.name])]
    if not root.is_dir():
        return None
    if not target.host_tree:
        # Relative paths may climb to the enclosing repository's root, no further (bounds).
        return ProjectTree.for_project(root), [(".", None)]
    tree = Tree.at(root)
    return tree, [(base, None) for base in host_projects(tree)]


def host_projects(tree: Tree) -> list[str]:
    """Inner directories of a host tree holding a Compose file, a few levels deep."""
    found: list[str] = []
    for top in HOST_DIRS:
        for path in tree.walk(top, max_depth=4, skip=HOST_SKIP):
            directory, name = posixpath.split(path)
            if name in DEFAULT_FILES and directory not in found:
                found.append(directory)
    return found


def may_hold_project(tree: Tree, base: str) -> bool:
    """False only where Compose would find no file to load: no ``.env`` (whose
    ``COMPOSE_FILE`` may name one) and no YAML file with "compose" in its name (every
    default name, and every other name the reader falls back to, has it)."""
    prefix = "" if base in ("", ".") else base + "/"
    # exists() first: a directory that cannot be listed may still be entered.
    return any(tree.exists(prefix + name) for name in (".env", *DEFAULT_FILES)) or any(
        name.endswith((".yml", ".yaml")) and "compose" in name
        for name in tree.listdir(base or "."))


def detect(target: Target) -> Detection | None:
    where = layout(target)
    if where is None:
        return None
    tree, bases = where
    if not any(files is not None or may_hold_project(tree, base) for base, files in bases):
        return None
    # A project to read: only now is the style imported.
    from auditor.checks.compose.collect import detect_in

    return detect_in(target, where)
