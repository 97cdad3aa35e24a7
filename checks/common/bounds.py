"""How far above a path target the auditor may read: one rule for every style that follows
relative paths out of the folder it was given.

Docker Compose resolves relative paths (``build: context: ..``, ``env_file: ../.env``, a
``..`` bind mount) against the project directory, and real projects keep their compose
file in a sub-folder of their repository (EpiGraphHub's ``docker/compose-base.yaml``
builds with ``context: ..``). kustomize resolves ``resources: [../../base]`` against the
kustomization's directory, and the layout of its own docs (``base/`` beside
``overlays/prod``) is audited by pointing at the overlay. Reading above the target is a
security question too: in CI on a pull request these files are written by whoever opened
it, and ``context: ../../../../etc`` or ``resources: [../../../..]`` must never reach the
runner's files.

The rule: the audited tree is the nearest enclosing repository root (an ancestor folder
holding ``.git``, the target's own folder included), else the target's folder. The walk up
stops at the home directory and at ``/``, which are never taken as a repository (a dotfiles
repository in the home directory must not open it to the audit), the same stop as the
configuration lookup. A nearer ``.git`` can only shrink the tree: git refuses to store a
``.git`` inside a repository, so a pull request cannot widen it. Paths inside the tree stay
relative to the target's folder (``../.env``, ``../../base/deployment.yaml``), which keeps
report locations relative to the target given. Host trees are not widened: the host's root
already is their world.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from auditor.checks.common.tree import Tree, TreeError

MAX_LEVELS = 32
"""Folders climbed at most while looking for a repository root."""


def repository_root(folder: Path) -> Path | None:
    """The nearest folder at or above ``folder`` (a resolved path) holding ``.git`` (a
    directory, or the file a worktree or submodule has), below the home directory and
    ``/``; None when there is none."""
    home = os.environ.get("HOME")
    stop = Path(home).resolve() if home else None
    current = folder
    for _ in range(MAX_LEVELS):
        if current == stop or current.parent == current:  # the home directory, or /
            return None
        if os.path.lexists(current / ".git"):
            return current
        current = current.parent
    return None


def climb(levels: int) -> str:
    """The relative path ``levels`` folders up (``../..``), ``.`` for none."""
    return "/".join([".."] * levels) or "."


@dataclass(frozen=True)
class ProjectTree(Tree):
    """A project folder read as a tree whose world extends up to its repository root:
    ``..`` may climb from the folder as far as ``outer`` and never further, symlinks
    included (the outer tree resolves every path)."""

    outer: Tree | None = None
    prefix: str = ""
    """The project folder relative to ``outer`` (``docker``)."""

    @classmethod
    def for_project(cls, folder: str | os.PathLike[str]) -> Tree:
        """The tree a path target is read through (a plain :class:`Tree` when the folder is
        its own repository root or no repository encloses it)."""
        root = Path(folder).resolve()
        top = repository_root(root)
        if top is None or top == root:
            return Tree(root)
        return cls(root, Tree(top), root.relative_to(top).as_posix())

    @property
    def up(self) -> int:
        """How many ``..`` may lead from the project folder and stay inside the tree."""
        return len(self.prefix.split("/")) if self.outer is not None and self.prefix else 0

    def resolve(self, inner: str) -> Path:
        if self.outer is None or inner.replace("\\", "/").startswith("/"):
            return super().resolve(inner)
        try:
            return self.outer.resolve(f"{self.prefix}/{inner}")
        except TreeError as exc:
            # The outer tree names the path it was given; the reason follows that name (a
            # path may itself hold ": ", so the name is cut off whole, not split at ": ").
            reason = str(exc).removeprefix(f"{self.prefix}/{inner}: ")
            raise TreeError(inner, reason) from None


def levels_up(tree: Tree) -> int:
    """How far above the project folder relative paths may lead (0: not at all)."""
    return tree.up if isinstance(tree, ProjectTree) else 0


def tree_top(tree: Tree) -> str:
    """The inner path of the audited tree's top (``..`` for a project one level down)."""
    return climb(levels_up(tree))


def describe(tree: Tree, host_tree: bool = False) -> str:
    """What the audited tree is, for messages (never an absolute path of this machine)."""
    if host_tree:
        return "the host tree"
    if levels_up(tree):
        return f"the git repository around the project, up to {tree_top(tree)}"
    return "the project folder: no git repository above it"


def inside(tree: Tree, top: str, inner: str) -> bool:
    """``inner`` lies under the inner directory ``top`` (a build context, the audited tree's
    top), also once symlinks are resolved."""
    top = top.strip("/")
    top = "" if top == "." else top
    path = inner.lstrip("/")
    # The textual test holds for a top below the project folder; a top above it (``..``,
    # the repository around a project one level down) holds the project's own paths too,
    # which only resolving can tell.
    climbs = top == ".." or top.startswith("../")
    if top and not climbs and path != top and not path.startswith(top + "/"):
        return False
    try:
        return tree.resolve(inner).is_relative_to(tree.resolve(top or "."))
    except (TreeError, RecursionError, OSError):
        return False
